// plan.js: saving the tasking sheet's zones for the map's filters as a named operation
// (POST /api/v1/operations with from_tasking), for analysts. Once saved, the tasking sheet
// link carries the operation, so the printed sheet shows its name, owners and review date.

import { postJSON, ApiError } from './api.js';

const $ = id => document.getElementById(id);

// nextMonth is the month after "YYYY-MM".
export function nextMonth(m) {
  const [y, n] = m.split('-').map(Number);
  return n === 12 ? `${y + 1}-01` : `${y}-${String(n + 1).padStart(2, '0')}`;
}

// setupPlan wires the "Save as operation" button and its dialog. params() gives the map's
// filters (layer, from, to, types, measure); onSaved(op) is told of the stored operation.
export function setupPlan({ params, onSaved, showMessage, askToken }) {
  const btn = $('save-plan'), dlg = $('plan-dialog'), form = $('plan-form'), err = $('plan-error'), save = $('plan-save');
  if (!btn || !dlg) return;
  btn.addEventListener('click', () => {
    const p = params();
    const types = p.types && p.types.length ? p.types.join(', ') : 'all crime';
    $('plan-what').textContent = `The tasking sheet's top 10 zones for ${p.layer}, ${p.from} to ${p.to}, ${types}. ` +
      'Zones that overlap the last operation keep its zone names.';
    $('plan-start').value = nextMonth(p.to);
    err.textContent = '';
    dlg.showModal();
    $('plan-name').focus();
  });
  $('plan-cancel').addEventListener('click', () => dlg.close());
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const p = params();
    const body = {
      name: $('plan-name').value.trim(),
      start: $('plan-start').value,
      end: $('plan-end').value,
      notes: $('plan-notes').value.trim(),
      from_tasking: { layer: p.layer, from: p.from, to: p.to, crime_types: p.types || [], measure: p.measure },
    };
    if (!body.name) { err.textContent = 'Give the operation a name, such as "Op Deterrence Dec 2025".'; return; }
    if (body.end && body.end < body.start) { err.textContent = 'The end month is before the start month.'; return; }
    save.disabled = true;
    err.textContent = 'Saving…';
    try {
      const op = await postJSON('/api/v1/operations', body);
      dlg.close();
      form.reset();
      const cont = op.zones.filter(z => z.status === 'continuing').length;
      showMessage('plan', `Saved as "${op.name}" (${op.id}), from ${op.start}${op.end ? ' to ' + op.end : ''}: ` +
        `${op.zones.length} zones, ${cont} continuing from the last operation, ${op.zones.length - cont} new. ` +
        'The tasking sheet now carries its name.', { kind: 'info', title: 'Operation saved' });
      onSaved(op);
    } catch (e2) {
      if (e2 instanceof ApiError && e2.status === 401) askToken(e2.message);
      err.textContent = 'The operation was not saved: ' + e2.message;
    } finally {
      save.disabled = false;
    }
  });
}
