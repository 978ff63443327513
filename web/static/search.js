// search.js: the one search box (desktop and phone). It asks the server's
// /api/v1/search as the user types (areas of every layer, streets and
// places from police.uk's map point names, an H3 cell id, or "lat,lon"),
// lists the results as an ARIA combobox, and hands the chosen one to
// onChoose. "My location" asks the browser where it is, where it allows.

import { getJSON, query } from './api.js';

const KIND_LABEL = { area: 'Area', street: 'Street', cell: 'Hexagon', point: 'Point' };

// setupSearch wires the box. layer() is the layer the map shows (its areas
// come first); onChoose(result) goes there; onError(text) shows a message.
export function setupSearch({ layer, onChoose, onError }) {
  const input = document.getElementById('search-input');
  const list = document.getElementById('search-results');
  const locate = document.getElementById('locate');
  let results = [];
  let active = -1;
  let timer = 0;
  let ctl = null;
  let seq = 0;

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function render(q) {
    list.replaceChildren();
    if (!results.length) {
      const li = document.createElement('li');
      li.className = 'search-empty';
      li.setAttribute('role', 'option');
      li.setAttribute('aria-disabled', 'true');
      li.id = 'search-empty';
      li.textContent = `Nothing found for "${q}". Try a ward, a street, an H3 cell or "54.57, -1.32".`;
      list.append(li);
    }
    results.forEach((r, i) => {
      const li = document.createElement('li');
      li.id = 'search-opt-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(i === active));
      li.className = 'search-opt';
      li.dataset.kind = r.kind;
      const k = document.createElement('span');
      k.className = 'search-kind';
      k.textContent = KIND_LABEL[r.kind] || r.kind;
      const main = document.createElement('span');
      main.className = 'search-label';
      main.textContent = r.label;
      const sub = document.createElement('span');
      sub.className = 'search-detail';
      sub.textContent = r.detail || '';
      li.append(k, main, sub);
      // mousedown, not click: the input's blur would close the list first
      li.addEventListener('mousedown', e => { e.preventDefault(); choose(i); });
      list.append(li);
    });
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  function highlight(i) {
    active = i;
    for (const li of list.querySelectorAll('.search-opt')) li.setAttribute('aria-selected', String(li.id === 'search-opt-' + i));
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', 'search-opt-' + i);
      const li = document.getElementById('search-opt-' + i);
      if (li) li.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function choose(i) {
    const r = results[i];
    if (!r) return;
    input.value = r.label;
    close();
    onChoose(r);
  }

  async function run() {
    const q = input.value.trim();
    if (ctl) ctl.abort();
    if (!q) { results = []; close(); return; }
    ctl = new AbortController();
    const mine = ++seq;
    try {
      const ans = await getJSON('/api/v1/search' + query({ q, layer: layer(), limit: 8 }), { signal: ctl.signal });
      if (mine !== seq) return;
      results = ans.results || [];
      active = results.length ? 0 : -1;
      render(q);
      highlight(active);
    } catch (err) {
      if (err.name === 'AbortError') return;
      results = [];
      close();
      onError('The search could not be done: ' + err.message);
    }
  }

  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 120); });
  input.addEventListener('keydown', e => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (list.hidden) { run(); return; }
      e.preventDefault();
      if (!results.length) return;
      const n = results.length;
      highlight(e.key === 'ArrowDown' ? (active + 1) % n : (active - 1 + n) % n);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(timer);
      if (!list.hidden && active >= 0) choose(active);
      else run().then(() => { if (results.length) choose(0); });
    } else if (e.key === 'Escape') {
      if (!list.hidden) { e.preventDefault(); close(); }
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
  input.addEventListener('focus', () => { if (input.value.trim() && results.length) { render(input.value.trim()); highlight(active); } });

  if (!('geolocation' in navigator)) {
    locate.hidden = true;
  } else {
    locate.addEventListener('click', () => {
      locate.setAttribute('aria-busy', 'true');
      navigator.geolocation.getCurrentPosition(pos => {
        locate.removeAttribute('aria-busy');
        const { longitude: lon, latitude: lat } = pos.coords;
        onChoose({ kind: 'point', label: 'My location', detail: '', point: [lon, lat], bbox: [lon - 0.002, lat - 0.001, lon + 0.002, lat + 0.001] });
      }, err => {
        locate.removeAttribute('aria-busy');
        onError(err.code === 1
          ? 'The browser did not allow the map to know your location. Allow location for this site, or type a street or "lat,lon" in the search box.'
          : 'Your location could not be found (' + err.message + '). Type a street or "lat,lon" in the search box instead.');
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  }
}
