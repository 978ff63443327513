// app.js: the crime hotspot map page. It reads the filters (measure, months,
// area layer, crime types) from the controls and the address bar, asks the
// server for tiles, the ranking, and the selected area's or cell's profile
// and trend, and keeps the map, key, ranking and profile panel in step.
//
// The server's API is under /api/v1 and /tiles; its errors are JSON
// ({"error": "...", "status": N}) and are shown as they come.

import { getJSON, query, enc, ApiError, setToken, authHeaders, onReachable } from './api.js';
import {
  MEASURES, fmtInt, fmt1, fmtMoney, fmtMeasure, fmtMeasureUnit, monthLabel, periodLabel, pctCautioned, smallBase, SMALL_BASE_NOTE, escapeHTML,
} from './format.js';
import {
  createMap, setTileset, setPaint, setFilter, setSourceVisible, breaksFor, colourExpr, labelPoints, cellRes,
  LAYER_IDS, CELL_COLOURS, ZERO_COLOUR, HOT_BINS, maplibregl,
} from './map.js';
import { profileTable, trendChart, normTrend, kpis, notesList, el } from './panel.js';
import { setupSearch } from './search.js';
import { setupPlan } from './plan.js';
import { addStreetLabels } from './streets.js';
import { setupDownloads, updateDownloads } from './downloads.js';

const $ = id => document.getElementById(id);
const PHONE = window.matchMedia('(max-width: 759px)');

const LAYER_NAMES = {
  wards: ['Ward', 'Wards (2023 boundaries)'],
  'wards-2013': ['Ward (2013)', 'Wards (2013 boundaries)'],
  'lsoa-2011': ['LSOA', 'LSOAs (2011, small areas)'],
  authorities: ['Local authority', 'Local authorities'],
  'town-centres': ['Town centre', 'Town centres (by ward, as police tables)'],
};
const layerKind = n => (LAYER_NAMES[n] || [n.replace(/s$/, '')])[0];
const layerLabel = n => (LAYER_NAMES[n] || [null, n])[1];

// Approximate width of an H3 hexagon (flat side to flat side) by resolution.
const HEX_ACROSS = { 5: '16 km', 6: '6 km', 7: '2.3 km', 8: '850 m', 9: '320 m', 10: '120 m', 11: '45 m', 12: '17 m' };

const state = {
  summary: null,
  layers: [],
  months: [],
  allTypes: [],
  layer: 'wards',
  measure: 'count',
  from: '',
  to: '',
  types: null, // Set of selected types; null is every crime type (not ASB)
  source: '', // the data source ('' is the server's default: police.uk where loaded)
  times: '', // time of day: '' any time, 'nte' Fri-Sat nights, 'custom' days and hours
  days: [], // custom: weekdays ('mon'..'sun'); none is every day
  hours: '', // custom: "20-04" (from-to, whole hours); '' is the whole day
  ranking: null,
  rankingAll: false,
  sel: null, // {area: {code, name, props}, cell: {id, props}, tab}
  breaks: new Map(), // filterKey|res -> breaks
  res: NaN,
  tilesOK: false,
  outside: 'hide', // hexagons outside the layer's areas: 'hide' or 'fade'
};
window.hotspotsApp = state; // for the browser test and for debugging
state.cspViolations = [];
document.addEventListener('securitypolicyviolation', e => state.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI}`));

let map = null;

// ---------------------------------------------------------------- messages

const messages = new Map();
function showMessage(key, text, { kind = 'error', title } = {}) {
  // With the server out of reach, its one message says it all.
  if (state.offline && kind === 'error' && key !== 'offline') return;
  messages.set(key, { text, kind, title });
  renderMessages();
}
function clearMessage(key) {
  if (messages.delete(key)) renderMessages();
}
function renderMessages() {
  const box = $('messages');
  box.replaceChildren();
  for (const [key, m] of messages) {
    const close = el('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Dismiss this message' });
    close.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/></svg>';
    close.style.width = close.style.height = '30px';
    close.addEventListener('click', () => clearMessage(key));
    box.append(el('div', { class: 'msg ' + m.kind, 'data-key': key },
      el('div', {}, m.title ? el('strong', { text: m.title }) : null, el('p', { text: m.text })), close));
  }
}

// ---------------------------------------------------------------- connection

// When the server cannot be reached the page says so once, marks the map and
// the figures as not up to date (they stay on screen), and asks /healthz
// again every 15 seconds (past the browser's cache); when the server answers
// it clears the mark and reloads.
const PING_MS = 15000;
let pingTimer = 0;
function noteReachable(ok) {
  if (ok === !state.offline) return;
  state.offline = !ok;
  document.body.classList.toggle('stale', !ok);
  $('stale-badge').hidden = ok;
  if (!ok) {
    for (const [k, m] of messages) if (m.kind === 'error') messages.delete(k);
    showMessage('offline', 'The server cannot be reached, so the map and the figures on screen may be out of date. ' +
      'The page tries again every 15 seconds and brings them up to date when the server answers.',
    { title: 'Connection lost: the map is not up to date' });
    clearInterval(pingTimer);
    pingTimer = setInterval(ping, PING_MS);
  } else {
    clearInterval(pingTimer);
    clearMessage('offline');
    refresh();
  }
}
// ping asks the server whether it is there (healthz needs no token).
async function ping() {
  try {
    const r = await fetch('/healthz', { cache: 'no-store' });
    noteReachable(r.status > 0); // any answer, even "not ready", is the server's
  } catch {
    noteReachable(false);
  }
}
onReachable(noteReachable);
window.addEventListener('offline', () => noteReachable(false));
window.addEventListener('online', ping);

// ---------------------------------------------------------------- busy state

let busy = 0;
function track(promise) {
  busy++;
  updateProgress();
  return promise.finally(() => { busy--; updateProgress(); });
}
function updateProgress() {
  const mapBusy = map && !map.areTilesLoaded();
  $('progress').hidden = !(busy > 0 || mapBusy);
}

// ---------------------------------------------------------------- filters

// ASB is police.uk's anti-social behaviour category: never counted as
// crime unless chosen (the server's default leaves it out too).
const ASB = 'Anti-social behaviour';

function filterParams() {
  return {
    layer: state.layer,
    from: state.from,
    to: state.to,
    types: state.types ? [...state.types].sort() : undefined,
    measure: state.measure,
    ...viewParams(),
  };
}
// viewParams is the data source and time-of-day filter every request carries.
function viewParams() {
  const v = { source: state.source || undefined };
  if (state.times === 'nte') v.times = 'nte';
  if (state.times === 'custom') {
    if (state.days.length) v.days = state.days.join(',');
    if (state.hours) v.hours = state.hours;
  }
  return v;
}
// countsWhat says what a count holds under the chosen types.
function countsWhat() {
  if (!state.types || !state.types.has(ASB)) return 'crimes';
  return state.types.size === 1 ? 'ASB incidents' : 'crimes and ASB incidents';
}
const capital = s => s.charAt(0).toUpperCase() + s.slice(1);
function filterKey() { return JSON.stringify(filterParams()); }
// Gi* is not offered on cost: hot spots then follow the count.
function hotspotMeasure() { return state.measure === 'cost' ? 'count' : state.measure; }

function readHash() {
  const h = new URLSearchParams(location.hash.replace(/^#/, ''));
  const out = {};
  for (const k of ['layer', 'measure', 'from', 'to', 'types', 'area', 'cell', 'tab', 'outside', 'source', 'times', 'days', 'hours']) if (h.has(k)) out[k] = h.get(k);
  return out;
}
function writeHash() {
  const h = new URLSearchParams();
  h.set('layer', state.layer);
  h.set('measure', state.measure);
  h.set('from', state.from);
  h.set('to', state.to);
  if (state.types) h.set('types', [...state.types].sort().join(','));
  for (const [k, v] of Object.entries(viewParams())) if (v) h.set(k, v);
  if (state.outside === 'fade') h.set('outside', 'fade');
  if (state.sel && state.sel.area) h.set('area', state.sel.area.code);
  if (state.sel && state.sel.cell) h.set('cell', state.sel.cell.id);
  if (state.sel) h.set('tab', state.sel.tab);
  const s = '#' + h.toString();
  if (s !== location.hash) history.replaceState(null, '', s);
}

function setupControls() {
  const { summary } = state;
  for (const id of ['from', 'to']) {
    $(id).replaceChildren(...state.months.map(m => el('option', { value: m, text: monthLabel(m) })));
  }
  const layerSel = $('layer');
  layerSel.replaceChildren(...state.layers.map(l => el('option', { value: l.name, text: `${layerLabel(l.name)} (${l.areas})` })));

  const list = $('types-list');
  const fillTypes = () => list.replaceChildren(...state.allTypes.map(t => {
    const cb = el('input', { type: 'checkbox', value: t.type });
    const name = t.type === ASB ? `${ASB} (not crime)` : t.type;
    return el('label', {}, cb, el('span', { text: name }), el('span', { class: 'n', text: fmtInt(t.count) }));
  }));

  // defaults, then the address bar
  const h = readHash();
  // the data source: police.uk where loaded (the server's default), or one
  // chosen; its months and crime types fill the controls.
  const sources = (summary.sources || []).map(x => x.name);
  state.source = sources.includes(h.source) ? h.source : '';
  const srcSel = $('source');
  srcSel.replaceChildren(...(summary.sources || []).map(x => el('option', { value: x.name, text: `${sourceLabel(x.name)} (${monthLabel(x.months[0])} to ${monthLabel(x.months[x.months.length - 1])})` })));
  $('source-field').hidden = sources.length < 2;
  applySource();
  fillTypes();
  if (h.times === 'nte') state.times = 'nte';
  else if (h.days || h.hours) {
    state.times = 'custom';
    state.days = (h.days || '').split(',').filter(d => DAYS.some(([v]) => v === d));
    state.hours = /^\d{1,2}-\d{1,2}$/.test(h.hours || '') ? h.hours : '';
  }
  fillTimes();
  const months = state.months;
  state.to = months.includes(h.to) ? h.to : months[months.length - 1];
  const i = months.indexOf(state.to);
  state.from = months.includes(h.from) && h.from <= state.to ? h.from : months[Math.max(0, i - 11)];
  const names = state.layers.map(l => l.name);
  state.layer = names.includes(h.layer) ? h.layer : names.includes('wards') ? 'wards' : (names[0] || '');
  state.measure = MEASURES[h.measure] ? h.measure : 'count';
  state.outside = h.outside === 'fade' ? 'fade' : 'hide';
  // a shared link naming a month that is not loaded says so
  const badMonths = ['from', 'to'].filter(k => h[k] && !months.includes(h[k]));
  if (badMonths.length) {
    showMessage('link-months', `This link asks for ${badMonths.map(k => `${k} ${h[k]}`).join(' and ')}, which is not loaded (the months loaded are ${monthLabel(months[0])} to ${monthLabel(months[months.length - 1])}), so the map shows ${periodLabel(state.from, state.to)} instead.`,
      { kind: 'info', title: 'A month in the link is not loaded' });
  }
  if (h.layer && !names.includes(h.layer)) {
    showMessage('link-layer', `This link asks for the area layer "${h.layer}", which is not loaded, so the map shows ${layerLabel(state.layer)}.`,
      { kind: 'info', title: 'A layer in the link is not loaded' });
  }
  if (h.types) {
    const known = new Set(state.allTypes.map(t => t.type));
    const asked = h.types.split(',');
    const want = asked.filter(t => known.has(t));
    state.types = want.length && !isCrimeDefault(want) ? new Set(want) : null;
    const unknown = asked.filter(t => !known.has(t));
    if (unknown.length) {
      showMessage('link-types', `This link asks for ${unknown.length === 1 ? 'a crime type' : 'crime types'} not in the data (${unknown.join(', ')}), so the map shows ${typesLabel()}.`,
        { kind: 'info', title: 'A crime type in the link is not in the data' });
    }
  }
  syncControls();

  $('filters').addEventListener('submit', e => e.preventDefault());
  for (const r of document.querySelectorAll('input[name="measure"]')) {
    r.addEventListener('change', () => { state.measure = r.value; changed(); });
  }
  $('from').addEventListener('change', () => {
    state.from = $('from').value;
    if (state.from > state.to) state.to = state.from;
    changed();
  });
  $('to').addEventListener('change', () => {
    state.to = $('to').value;
    if (state.from > state.to) state.from = state.to;
    changed();
  });
  layerSel.addEventListener('change', () => {
    state.layer = layerSel.value;
    if (state.sel) { state.sel.area = null; if (!state.sel.cell) closePanel(); else state.sel.tab = 'cell'; }
    const lay = state.layers.find(l => l.name === state.layer);
    if (map && lay && Array.isArray(lay.bbox) && lay.bbox.every(Number.isFinite)) {
      map.fitBounds([[lay.bbox[0], lay.bbox[1]], [lay.bbox[2], lay.bbox[3]]], { padding: 24, duration: 500 });
    }
    changed();
  });
  list.addEventListener('change', () => {
    const checked = [...list.querySelectorAll('input:checked')].map(c => c.value);
    state.types = isCrimeDefault(checked) ? null : new Set(checked);
    changed();
  });
  srcSel.addEventListener('change', () => {
    state.source = srcSel.value === defaultSource() ? '' : srcSel.value;
    applySource();
    fillTypes();
    if (state.types) {
      const known = new Set(state.allTypes.map(t => t.type));
      const keep = [...state.types].filter(t => known.has(t));
      state.types = keep.length ? new Set(keep) : null;
    }
    fillTimes();
    changed();
  });
  $('times').addEventListener('change', () => {
    state.times = $('times').value;
    if (state.times === 'custom' && !state.hours && !state.days.length) { state.days = ['fri', 'sat']; state.hours = '20-04'; }
    fillTimes();
    changed();
  });
  for (const id of ['hours-from', 'hours-to']) {
    $(id).addEventListener('change', () => {
      const a = $('hours-from').value, b = $('hours-to').value;
      state.hours = a === '0' && b === '24' ? '' : `${a.padStart(2, '0')}-${b.padStart(2, '0')}`;
      changed();
    });
  }
  $('times-days').addEventListener('change', () => {
    state.days = [...$('times-days').querySelectorAll('input:checked')].map(c => c.value);
    changed();
  });
  $('outside').addEventListener('change', () => {
    state.outside = $('outside').checked ? 'fade' : 'hide';
    if (map) reapplyMapState();
    writeHash();
  });
  $('types-all').addEventListener('click', () => { state.types = null; changed(); });
  $('types-none').addEventListener('click', () => { state.types = new Set(); changed(); });
}

// heatTable draws a weekday (Monday first) by hour grid of counts as a
// table shaded by count, each cell titled with its figure.
function heatTable(grid) {
  const names = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const max = Math.max(1, ...grid.flat());
  const head = el('tr', {}, el('th', { scope: 'col', text: '' }),
    ...Array.from({ length: 24 }, (_, h) => el('th', { scope: 'col', class: 'h', text: h % 6 === 0 ? String(h).padStart(2, '0') : '', 'aria-label': `${String(h).padStart(2, '0')}:00` })));
  const rows = grid.map((row, d) => el('tr', {}, el('th', { scope: 'row', text: names[d] }),
    ...row.map((v, h) => {
      const td = el('td', { title: `${names[d]} ${String(h).padStart(2, '0')}:00: ${fmtInt(Math.round(v))}` });
      td.style.background = v > 0 ? `rgba(180, 40, 30, ${(0.12 + 0.88 * v / max).toFixed(3)})` : '#fff';
      td.append(el('span', { class: 'visually-hidden', text: fmtInt(Math.round(v)) }));
      return td;
    })));
  return el('table', { class: 'heat' }, el('caption', { class: 'small muted', text: 'Crimes by weekday and hour of the committed-from time; darker is more.' }), el('thead', {}, head), el('tbody', {}, ...rows));
}

// The source the server answers from when none is named.
function defaultSource() {
  const names = (state.summary.sources || []).map(x => x.name);
  return names.includes('police.uk') ? 'police.uk' : (names.length === 1 ? names[0] : '');
}
function sourceInfo() {
  const name = state.source || defaultSource();
  return (state.summary.sources || []).find(x => x.name === name) || null;
}
const sourceLabel = n => n === 'police.uk' ? 'police.uk (published monthly)' : n;

// applySource takes the chosen source's months and crime types.
function applySource() {
  const info = sourceInfo();
  const months = info && info.months && info.months.length ? info.months : (state.summary.months || []);
  const types = info && info.crime_types ? info.crime_types : (state.summary.crime_types || []);
  state.allTypes = types.slice().sort((a, b) => a.type.localeCompare(b.type));
  if (months.join() !== state.months.join()) {
    state.months = months;
    for (const id of ['from', 'to']) $(id).replaceChildren(...months.map(m => el('option', { value: m, text: monthLabel(m) })));
    if (!months.includes(state.to)) state.to = months[months.length - 1];
    if (!months.includes(state.from) || state.from > state.to) state.from = months[Math.max(0, months.indexOf(state.to) - 11)];
  }
  $('source').value = info ? info.name : '';
}

const DAYS = [['mon', 'Mon'], ['tue', 'Tue'], ['wed', 'Wed'], ['thu', 'Thu'], ['fri', 'Fri'], ['sat', 'Sat'], ['sun', 'Sun']];
// fillTimes shows the time-of-day controls for a source with times.
function fillTimes() {
  const info = sourceInfo();
  const has = !!(info && info.has_times);
  $('times-field').hidden = !has;
  if (!has) { state.times = ''; state.days = []; state.hours = ''; }
  $('times').value = state.times;
  $('times-custom').hidden = state.times !== 'custom';
  const box = $('times-days');
  if (!box.children.length) {
    box.replaceChildren(...DAYS.map(([v, t]) => el('label', {}, el('input', { type: 'checkbox', value: v }), el('span', { text: t }))));
    const hours = n => Array.from({ length: n }, (_, i) => i);
    $('hours-from').replaceChildren(...hours(24).map(i => el('option', { value: String(i), text: String(i).padStart(2, '0') + ':00' })));
    $('hours-to').replaceChildren(...hours(25).map(i => el('option', { value: String(i), text: String(i).padStart(2, '0') + ':00' })));
  }
  for (const cb of box.querySelectorAll('input')) cb.checked = state.days.includes(cb.value);
  const [a, b] = state.hours ? state.hours.split('-').map(Number) : [0, 24];
  $('hours-from').value = String(a);
  $('hours-to').value = String(b);
}
function timesLabel() {
  if (state.times === 'nte') return 'Fri–Sat nights 20:00–04:00';
  if (state.times !== 'custom' || (!state.days.length && !state.hours)) return '';
  const d = state.days.length ? state.days.map(x => DAYS.find(([v]) => v === x)[1]).join(', ') : 'every day';
  const h = state.hours ? state.hours.split('-').map(x => x.padStart(2, '0') + ':00').join('–') : 'all day';
  return `${d}, ${h}`;
}

// isCrimeDefault: the chosen types are every crime type and not ASB, which is
// what no filter means.
function isCrimeDefault(types) {
  const crime = state.allTypes.filter(t => t.type !== ASB).map(t => t.type);
  return types.length === crime.length && crime.every(t => types.includes(t));
}

function syncControls() {
  for (const r of document.querySelectorAll('input[name="measure"]')) r.checked = r.value === state.measure;
  $('measure-help').textContent = MEASURES[state.measure].long + '.';
  $('from').value = state.from;
  $('to').value = state.to;
  for (const o of $('to').options) o.disabled = o.value < state.from;
  for (const o of $('from').options) o.disabled = o.value > state.to;
  $('layer').value = state.layer;
  $('outside').checked = state.outside === 'fade';
  for (const cb of $('types-list').querySelectorAll('input')) cb.checked = state.types ? state.types.has(cb.value) : cb.value !== ASB;
  $('types-summary').textContent = typesLabel();
  const when = timesLabel();
  const src = state.source ? ` · ${state.source}` : '';
  const summary = `${MEASURES[state.measure].label} · ${periodLabel(state.from, state.to)} · ${typesLabel()}${when ? ' · ' + when : ''}${src}`;
  $('filter-summary').textContent = summary + ' · ' + layerLabel(state.layer);
  $('sheet-summary').textContent = summary;
}

function typesLabel() {
  const asb = state.allTypes.some(t => t.type === ASB);
  const n = state.allTypes.length - (asb ? 1 : 0);
  if (!state.types) return asb ? `All crime (${n} types, not ASB)` : `All crime types (${n})`;
  if (state.types.size === 0) return 'No crime types';
  if (state.types.size === 1) return [...state.types][0];
  if (state.types.has(ASB)) return state.types.size === n + 1 ? 'All crime and ASB' : `${state.types.size - 1} crime types and ASB`;
  return `${state.types.size} of ${n} crime types`;
}

let changeTimer = 0;
function changed() {
  syncControls();
  clearTimeout(changeTimer);
  changeTimer = setTimeout(refresh, 120);
}

// ---------------------------------------------------------------- links

// downloadFilters are the filters on screen as the download menu takes them.
function downloadFilters() {
  const area = state.sel && state.sel.area;
  return {
    ...filterParams(), hotspotMeasure: hotspotMeasure(), area: area ? area.code : '', areaName: area ? area.name : '',
    summary: $('filter-summary').textContent,
  };
}
// analyst reports whether the caller may have incident records.
const analyst = () => !state.summary || ['analyst', 'admin'].includes(state.summary.role || 'admin');

function updateLinks() {
  const p = filterParams();
  const noTypes = state.types && state.types.size === 0;
  // The addresses carry no token: the clicks fetch with the Authorization
  // header, or ask for a short-lived signed link.
  updateDownloads({ filters: downloadFilters, analyst });
  const tk = $('tasking');
  // the operation saved from these filters, while they stay the same
  const op = state.savedPlan && state.savedPlan.key === filterKey() ? state.savedPlan.id : undefined;
  tk.href = '/tasking' + query({ ...p, measure: hotspotMeasure(), operation: op });
  tk.setAttribute('aria-disabled', noTypes ? 'true' : 'false');
  // the strategy view compares the authorities over the same months
  $('strategy').href = '/strategy' + query({ from: p.from, to: p.to });
}

// setupLinks makes the download a fetch with the token in its header, saved
// from a blob, and the tasking sheet a signed link the server makes for
// this sheet alone (valid for minutes), so no token is ever in an address.
// saveDownload fetches href with the token in its header and saves the
// answer from a blob under the link's download name.
async function saveDownload(href, accept, name) {
  let resp;
  try {
    resp = await fetch(href, { headers: { Accept: accept, ...authHeaders() } });
  } catch (err) {
    const e = new ApiError('The server could not be reached (' + err.message + ').', 0, href);
    noteReachable(false);
    throw e;
  }
  if (!resp.ok) {
    let msg = resp.status + ' ' + resp.statusText;
    try { msg = (await resp.json()).error || msg; } catch { /* not JSON */ }
    throw new ApiError(msg, resp.status, href);
  }
  const blob = await resp.blob();
  // what was saved last, for the browser test (which sets recordDownloads)
  if (state.recordDownloads) {
    state.lastDownload = { href, name, type: resp.headers.get('Content-Type'), size: blob.size, base64: await blobBase64(blob) };
  }
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// blobBase64 is a blob's bytes in base64.
async function blobBase64(blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function setupLinks() {
  setupDownloads({
    filters: downloadFilters,
    analyst,
    save: async (href, accept, name) => {
      clearMessage('download');
      await saveDownload(href, accept, name);
    },
    onError: err => {
      if (err instanceof ApiError && err.status === 401) askToken(err.message);
      if (err instanceof ApiError && err.status === 0) return; // the connection message says it
      showMessage('download', 'The download failed: ' + err.message);
    },
  });
  // the printable pages: the tasking sheet and the strategy view
  for (const [id, what] of [['tasking', 'The tasking sheet'], ['strategy', 'The strategy view']]) {
    const a = $(id);
    a.addEventListener('click', async e => {
      e.preventDefault();
      if (a.getAttribute('aria-disabled') === 'true') return;
      clearMessage(id);
      // Open the tab now, while the click still counts as the user's (pop-up
      // blockers), and send it to the page once the link is made.
      const w = window.open('', '_blank');
      try {
        const link = await getJSON('/api/v1/' + id + '/link' + new URL(a.href, location.href).search);
        const url = new URL(link.url, location.href).href;
        if (w) { w.opener = null; w.location.replace(url); } else location.assign(url);
      } catch (err) {
        if (w) w.close();
        if (err instanceof ApiError && err.status === 401) askToken(err.message);
        showMessage(id, what + ' could not be opened: ' + err.message);
      }
    });
  }
}

// ---------------------------------------------------------------- refresh

let tileAbort = null;
async function refresh() {
  writeHash();
  updateLinks();
  const noTypes = state.types && state.types.size === 0;
  if (noTypes) {
    showMessage('types', 'Choose at least one crime type to see the map and the ranking.', { kind: 'info' });
  } else {
    clearMessage('types');
  }
  renderLegend();
  loadRanking();
  if (map) loadTiles();
  if (state.sel) loadPanel();
}

async function loadTiles() {
  if (tileAbort) tileAbort.abort();
  const ctl = new AbortController();
  tileAbort = ctl;
  const noTypes = state.types && state.types.size === 0;
  setSourceVisible(map, ['cells', 'hotspots', 'incidents'], !noTypes);
  const p = filterParams();
  const sets = [
    ['areas', { ...p }],
    ['cells', { ...p }],
    ['hotspots', { ...p, measure: hotspotMeasure() }],
    ['incidents', { from: p.from, to: p.to, types: p.types, ...viewParams() }],
  ];
  if (noTypes) sets.splice(1); // outlines only
  const failures = [];
  await track(Promise.all(sets.map(async ([name, params]) => {
    try {
      await setTileset(map, name, params, ctl.signal);
      reapplyMapState();
    } catch (err) {
      if (err.name === 'AbortError') return;
      // incident points are for analysts: a viewer's map simply goes without, and
      // cannot save operations either
      if (name === 'incidents' && err instanceof ApiError && err.status === 403) { $('save-plan').hidden = true; return; }
      failures.push([name, err]);
    }
  })));
  if (ctl.signal.aborted) return;
  if (failures.length) {
    const missing = failures.every(([, e]) => e instanceof ApiError && e.missing);
    const text = missing
      ? `This server does not offer map tiles yet (${failures.map(([n]) => n).join(', ')}): ${failures[0][1].message}. The ranking and profiles still work.`
      : failures.map(([n, e]) => `${n}: ${e.message}`).join(' ');
    showMessage('tiles', text, { title: 'The map layers could not be loaded' });
  } else {
    clearMessage('tiles');
    state.tilesOK = true;
  }
  state.breaksPending = true;
}

// reapplyMapState puts filters and paint that depend on the state back on
// layers that were just (re)created.
function reapplyMapState() {
  const code = state.sel && state.sel.area ? state.sel.area.code : '';
  // the hexagon is outlined while its own profile is shown
  const cell = state.sel && state.sel.cell && state.sel.tab === 'cell' ? state.sel.cell.id : '';
  setFilter(map, 'areas-selected', ['==', ['get', 'code'], code]);
  setFilter(map, 'areas-selected-casing', ['==', ['get', 'code'], code]);
  setFilter(map, 'cells-selected', ['==', ['get', 'cell'], cell]);
  applyOutside();
  applyColours();
}

// applyOutside draws only the hexagons of the study area (the cells whose
// centre is in one of the layer's areas), or the others faded.
function applyOutside() {
  const out = ['==', ['get', 'outside'], true];
  if (state.outside === 'fade') {
    setFilter(map, LAYER_IDS.cells, ['has', 'cell']);
    setPaint(map, LAYER_IDS.cells, 'fill-opacity', ['case', out, 0.3, 1]);
  } else {
    setFilter(map, LAYER_IDS.cells, ['!', out]);
    setPaint(map, LAYER_IDS.cells, 'fill-opacity', 1);
  }
  setFilter(map, 'cells-edge', state.outside === 'fade' ? ['has', 'cell'] : ['!', out]);
}

// ---------------------------------------------------------------- colours & key

function currentBreaks() {
  return state.breaks.get(filterKey() + '|' + state.res);
}

function applyColours() {
  const b = currentBreaks();
  if (!b || !map) return;
  setPaint(map, LAYER_IDS.cells, 'fill-color', colourExpr(state.measure, b));
}

// num reads a figure that may be withheld ("<3" for 1 or 2) as a number.
function num(v) {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.startsWith('<')) return 1;
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

function computeBreaks() {
  const feats = map.querySourceFeatures('cells', { sourceLayer: 'cells' });
  if (!feats.length) return;
  // cells of the resolution now drawn (tiles of a neighbouring zoom may
  // still be loaded)
  const byRes = new Map();
  for (const f of feats) {
    const r = cellRes(f.properties.cell);
    if (!byRes.has(r)) byRes.set(r, []);
    byRes.get(r).push(f);
  }
  let res = NaN, most = -1;
  const rendered = map.queryRenderedFeatures({ layers: [LAYER_IDS.cells] });
  if (rendered.length) res = cellRes(rendered[0].properties.cell);
  else for (const [r, fs] of byRes) if (fs.length > most) { most = fs.length; res = r; }
  if (!Number.isFinite(res)) return;
  const key = filterKey() + '|' + res;
  state.res = res;
  if (!state.breaks.has(key)) {
    const seen = new Set();
    const vals = [];
    for (const f of byRes.get(res) || []) {
      const id = f.properties.cell;
      if (seen.has(id)) continue;
      seen.add(id);
      vals.push(num(f.properties[state.measure]));
    }
    state.breaks.set(key, breaksFor(vals, state.measure === 'count'));
  }
  applyColours();
  renderLegend();
}

function unitOf(m) { return MEASURES[m].unit; }

function renderLegend() {
  const m = state.measure;
  const title = { count: `${capital(countsWhat())} per hexagon`, harm: 'Harm (CCHI days) per hexagon', cost: 'Cost (GBP, 2015/16 prices) per hexagon' }[m];
  $('legend-cells-title').textContent = title;
  const ul = $('legend-cells');
  const b = currentBreaks();
  const items = [];
  if (b) {
    const f = v => m === 'cost' ? fmtMoney(v) : fmtInt(v);
    if (m !== 'count') items.push([ZERO_COLOUR, `0 (types not weighed)`]);
    const lows = [m === 'count' ? 1 : 0, ...b];
    lows.forEach((lo, i) => {
      const hi = b[i];
      let label;
      if (hi === undefined) label = `${f(lo)} or more`;
      else if (m === 'count') label = hi - 1 > lo ? `${f(lo)}–${f(hi - 1)}` : f(lo);
      else label = i === 0 ? `under ${f(hi)}` : `${f(lo)} to under ${f(hi)}`;
      items.push([CELL_COLOURS[Math.min(i, CELL_COLOURS.length - 1)], label]);
    });
  }
  ul.replaceChildren(...items.map(([c, t]) => {
    const sw = el('span', { class: 'sw', 'aria-hidden': 'true' });
    sw.style.background = c;
    return el('li', {}, sw, el('span', { text: t }));
  }));
  const unit = unitOf(m);
  const res = state.res;
  $('legend-cells-note').textContent = b
    ? `${unit[0].toUpperCase() + unit.slice(1)}, ${periodLabel(state.from, state.to).replace(/ \(.*\)$/, '')}; hexagons about ${HEX_ACROSS[res] || '?'} across.`
    : (state.types && state.types.size === 0 ? 'No crime types chosen.' : state.tilesOK ? 'Loading the hexagons…' : `Unit: ${unit}.`);

  const hot = $('legend-hot');
  hot.replaceChildren(...HOT_BINS.map(h => {
    const sw = el('span', { class: 'sw sw-line', 'aria-hidden': 'true' });
    sw.style.borderColor = h.colour;
    sw.style.borderWidth = Math.round(h.width) + 'px';
    return el('li', {}, sw, el('span', { text: h.label }));
  }));
  if (state.measure === 'cost') hot.append(el('li', { class: 'small muted', text: 'On count: Gi* is not run on cost.' }));
  $('legend-area-label').textContent = layerKind(state.layer) + ' boundary';
}

// ---------------------------------------------------------------- ranking

let rankAbort = null;
async function loadRanking() {
  if (rankAbort) rankAbort.abort();
  const ctl = new AbortController();
  rankAbort = ctl;
  const status = $('ranking-status');
  const tbody = $('ranking-table').querySelector('tbody');
  $('ranking-measure-head').textContent = { count: capital(countsWhat()), harm: 'Harm days', cost: 'Cost' }[state.measure];
  if (state.types && state.types.size === 0) {
    tbody.replaceChildren();
    status.className = 'status-line';
    status.textContent = 'No crime types chosen.';
    $('ranking-more').hidden = true;
    return;
  }
  status.className = 'status-line';
  status.textContent = 'Loading the ranking…';
  try {
    const url = `/api/v1/layers/${enc(state.layer)}/ranking` + query(filterParams());
    const rk = await track(getJSON(url, { signal: ctl.signal }));
    if (ctl.signal.aborted) return;
    state.ranking = rk;
    status.textContent = '';
    renderRanking();
    if (state.sel && state.sel.area && state.sel.tab === 'area') renderAreaKpis();
  } catch (err) {
    if (err.name === 'AbortError') return;
    if (err instanceof ApiError && err.status === 0 && state.ranking) {
      // out of reach: the last ranking stays, marked
      status.className = 'status-line error';
      status.textContent = 'Not up to date: the server cannot be reached.';
      return;
    }
    state.ranking = null;
    tbody.replaceChildren();
    status.className = 'status-line error';
    status.textContent = err instanceof ApiError && err.missing
      ? 'Rankings are not available from this server yet: ' + err.message
      : 'The ranking could not be loaded: ' + err.message;
    $('ranking-more').hidden = true;
  }
}

function renderRanking() {
  const rk = state.ranking;
  if (!rk) return;
  const m = state.measure;
  const tbody = $('ranking-table').querySelector('tbody');
  const areas = rk.areas || [];
  const shown = state.rankingAll ? areas : areas.slice(0, 10);
  const p = rk.period || {};
  $('ranking-period').textContent = p.from ? periodLabel(p.from, p.to).replace(/ \(.*\)$/, '') : '';
  tbody.replaceChildren(...shown.map(a => {
    const ch = a.change;
    let chCls = 'chg';
    if (ch && ch.new) chCls += ' new';
    else if (ch && ch.diff > 0) chCls += ' up';
    else if (ch && ch.diff < 0) chCls += ' down';
    const btn = el('button', { type: 'button', class: 'area-btn', 'data-code': a.code, text: a.name || a.code });
    btn.addEventListener('click', () => { selectArea({ code: a.code, name: a.name }, { fly: true }); $('detail').focus({ preventScroll: true }); });
    const fig = m === 'count' ? a.count : m === 'harm' ? a.harm : a.cost;
    const rate = a.rate_per_1000;
    const tr = el('tr', { class: state.sel && state.sel.area && state.sel.area.code === a.code ? 'selected' : '' },
      el('td', { class: 'num', text: a.rank ?? '' }),
      el('td', {}, btn),
      el('td', { class: 'num', text: typeof fig === 'string' ? fig : fmtMeasure(m, fig) }),
      el('td', { class: 'num', text: rate === null || rate === undefined ? '–' : (m === 'cost' ? fmtMoney(rate) : m === 'harm' ? fmtInt(rate) : fmt1(rate)) }),
      el('td', { class: 'num' }, el('span', {
        class: chCls,
        title: ch ? `${fmtMeasureUnit(m, num(ch.current))} against ${fmtMeasureUnit(m, num(ch.previous))} in the previous period` +
          (smallBase(ch) ? '. ' + SMALL_BASE_NOTE : '') : 'No previous period loaded',
        text: ch ? (ch.new ? 'new' : pctCautioned(ch)) : '–',
      })));
    return tr;
  }));
  const more = $('ranking-more');
  more.hidden = areas.length <= 10;
  more.textContent = state.rankingAll ? 'Show the top 10' : `Show all ${areas.length} areas`;
}

// ---------------------------------------------------------------- selection & panel

function selectArea(area, { fly = false, cell = null } = {}) {
  state.sel = { area, cell, tab: area ? 'area' : 'cell' };
  if (!area && cell) state.sel.tab = 'cell';
  reapplyMapState();
  renderRanking();
  openPanel();
  writeHash();
  updateLinks();
  if (fly && area) flyToArea(area.code);
}

function flyToArea(code) {
  if (!map) return;
  const feats = map.querySourceFeatures('areas', { sourceLayer: 'areas', filter: ['==', ['get', 'code'], code] });
  if (!feats.length) return;
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const walk = c => {
    if (typeof c[0] === 'number') { w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]); return; }
    for (const x of c) walk(x);
  };
  for (const f of feats) walk(f.geometry.coordinates);
  fitInView([w, s, e, n], 14);
}

// ---------------------------------------------------------------- search & going places

// sheetCover is how much of the map's height a phone's bottom sheet covers
// (the profile sheet once open); 0 on a desktop.
function sheetCover() {
  if (!PHONE.matches) return 0;
  const d = $('detail');
  const h = d.hidden ? 0 : d.getBoundingClientRect().height;
  return Math.max(h, $('sidebar').getBoundingClientRect().height);
}

// fitInView fits bbox (west, south, east, north) into the part of the map
// the panels leave uncovered, unless it is already there.
function fitInView(bbox, maxZoom) {
  const [w, s, e, n] = bbox;
  const cover = sheetCover();
  const c = map.getContainer();
  const sw = map.project([w, s]), ne = map.project([e, n]);
  const inView = sw.x >= 0 && ne.x <= c.clientWidth && ne.y >= 0 && sw.y <= c.clientHeight - cover &&
    map.getZoom() >= Math.min(maxZoom, 10);
  if (inView) return;
  const pad = Math.min(40, c.clientWidth / 10);
  map.fitBounds([[w, s], [e, n]], { padding: { top: pad + (PHONE.matches ? 48 : 0), left: pad, right: pad, bottom: pad + cover }, maxZoom, duration: 600 });
}

// The map zoom that draws cells of an H3 resolution (tiles.CellRes).
const ZOOM_OF_RES = { 5: 6, 6: 8, 7: 9, 8: 11, 9: 12, 10: 13, 11: 15, 12: 16 };

// goTo flies to a search result and opens its profile: an area's, or for a
// street, a point or a cell, the hexagon there (with its area).
function goTo(r) {
  if (!map) return;
  clearMessage('search');
  if (r.kind === 'area') {
    if (r.layer && r.layer !== state.layer) {
      state.layer = r.layer;
      syncControls();
      refresh();
    }
    selectArea({ code: r.code, name: r.label });
    fitInView(r.bbox, 15);
    return;
  }
  const zoom = r.kind === 'cell' ? (ZOOM_OF_RES[cellRes(r.cell)] || 16) : 16;
  // open the sheet first on a phone, so the place lands above it
  const cover = PHONE.matches ? $('map').clientHeight * 0.78 : 0;
  map.flyTo({ center: r.point, zoom, offset: [0, -cover / 2], duration: 900, essential: true });
  let tries = 0;
  // the hexagons of the new zoom, not an over-zoomed parent tile's
  const done = () => {
    const want = RES_OF_ZOOM[Math.min(16, Math.floor(map.getZoom() + 1e-6))];
    const drawn = map.queryRenderedFeatures(map.project(r.point), { layers: [LAYER_IDS.cells].filter(id => map.getLayer(id)) });
    if (r.kind !== 'cell' && drawn.length && cellRes(drawn[0].properties.cell) !== want && tries++ < 20) {
      setTimeout(done, 150);
      return;
    }
    selectAt(r.point, r.kind === 'cell' ? r.cell : null, r.label);
  };
  map.once('moveend', () => (map.areTilesLoaded() ? done() : map.once('idle', done)));
}
const RES_OF_ZOOM = Object.fromEntries(Object.entries({ 0: 5, 1: 5, 2: 5, 3: 5, 4: 5, 5: 5, 6: 5, 7: 6, 8: 6, 9: 7, 10: 8, 11: 8, 12: 9, 13: 10, 14: 11, 15: 11, 16: 12 }).map(([z, r]) => [Number(z), r]));

// selectAt opens the profile of what is drawn at lngLat: the hexagon (or
// the cell given) and the area holding it.
function selectAt(lngLat, cellId, label) {
  const layers = [LAYER_IDS.cells, LAYER_IDS.areas].filter(id => map.getLayer(id));
  const feats = map.queryRenderedFeatures(map.project(lngLat), { layers });
  const area = feats.find(f => f.layer.id === LAYER_IDS.areas);
  const cell = feats.find(f => f.layer.id === LAYER_IDS.cells);
  let c = null;
  if (cellId) c = { id: cellId, props: cell && cell.properties.cell === cellId ? { ...cell.properties } : {} };
  else if (cell) c = { id: cell.properties.cell, props: { ...cell.properties } };
  if (!c && !area) {
    showMessage('search', `No crime is recorded at ${label} in the months chosen, and it is outside the areas shown.`, { kind: 'info' });
    return;
  }
  state.sel = { area: area ? { code: area.properties.code, name: area.properties.name } : null, cell: c, tab: c ? 'cell' : 'area' };
  reapplyMapState();
  renderRanking();
  openPanel();
  writeHash();
  updateLinks();
}

function openPanel() {
  const d = $('detail');
  const wasHidden = d.hidden;
  d.hidden = false;
  d.classList.remove('min');
  if (PHONE.matches) setSheet(false);
  else if (wasHidden && window.innerWidth < 1500 && !$('sidebar').classList.contains('collapsed')) setCollapsed(true, true);
  if (wasHidden && map) map.resize();
  loadPanel();
}

function closePanel() {
  state.sel = null;
  $('detail').hidden = true;
  if (autoCollapsed) setCollapsed(false);
  if (map) { reapplyMapState(); map.resize(); }
  renderRanking();
  writeHash();
  updateLinks();
}

function setTab(tab) {
  if (!state.sel) return;
  state.sel.tab = tab;
  reapplyMapState();
  writeHash();
  loadPanel();
}

let panelAbort = null;
function loadPanel() {
  const sel = state.sel;
  if (!sel) return;
  if (panelAbort) panelAbort.abort();
  const ctl = new AbortController();
  panelAbort = ctl;
  const tabs = $('detail-tabs');
  const both = sel.area && sel.cell;
  tabs.hidden = !both;
  const ta = $('tab-area'), tc = $('tab-cell');
  if (sel.area) ta.textContent = sel.area.name || sel.area.code;
  if (sel.cell) tc.textContent = 'Hexagon';
  ta.setAttribute('aria-selected', String(sel.tab === 'area'));
  tc.setAttribute('aria-selected', String(sel.tab === 'cell'));
  ta.tabIndex = sel.tab === 'area' ? 0 : -1;
  tc.tabIndex = sel.tab === 'cell' ? 0 : -1;

  const body = $('detail-body');
  body.replaceChildren();
  const month = state.to;
  let profileURL, trendURL;
  if (sel.tab === 'area' && sel.area) {
    const a = sel.area;
    $('detail-kind').textContent = `${layerKind(state.layer)} · ${a.code}`;
    $('detail-title').textContent = a.name || a.code;
    $('detail-sub').textContent = '';
    body.append(el('div', { id: 'area-kpis' }));
    renderAreaKpis();
    profileURL = `/api/v1/layers/${enc(state.layer)}/areas/${enc(a.code)}/profile` + query({ month, ...viewParams() });
    trendURL = `/api/v1/layers/${enc(state.layer)}/areas/${enc(a.code)}/trend` + query(filterParams());
  } else if (sel.cell) {
    const c = sel.cell;
    $('detail-kind').textContent = `Hexagon · H3 resolution ${cellRes(c.id)}`;
    $('detail-title').textContent = cellTitle(c);
    $('detail-sub').textContent = [`H3 ${c.id}`, sel.area ? `in ${sel.area.name}` : ''].filter(Boolean).join(' · ');
    body.append(cellKpis(c.props || {}));
    profileURL = `/api/v1/cells/${enc(c.id)}/profile` + query({ month, ...viewParams() });
    trendURL = `/api/v1/cells/${enc(c.id)}/trend` + query(filterParams());
  } else {
    return;
  }

  const trendBox = el('section', { 'aria-label': 'Monthly trend' },
    el('h3', { text: `${MEASURES[state.measure].label} by month` }),
    el('p', { class: 'panel-status', role: 'status', text: 'Loading the trend…' }));
  const profBox = el('section', { 'aria-label': 'Profile table' },
    el('h3', { text: 'Crime by category' }),
    el('p', { class: 'small muted', text: `All crime types, with anti-social behaviour on its own row${timesLabel() ? ', ' + timesLabel() : ''}. Selected month ${monthLabel(month)} (the end of the chosen months); each period is compared with the period of the same length just before it.` }),
    el('p', { class: 'panel-status', role: 'status', text: 'Loading the profile…' }));
  body.append(trendBox, profBox);
  // When: the hour by weekday grid, for a source with times of day.
  const info = sourceInfo();
  if (info && info.has_times && !(state.types && state.types.size === 0)) {
    const whenBox = el('section', { 'aria-label': 'Hour by weekday' },
      el('h3', { text: 'When (committed from)' }),
      el('p', { class: 'panel-status', role: 'status', text: 'Loading the times…' }));
    body.append(whenBox);
    const where = sel.tab === 'area' && sel.area ? { layer: state.layer, area: sel.area.code } : { cells: sel.cell.id };
    const p = filterParams();
    track(getJSON('/api/v1/times' + query({ ...where, from: p.from, to: p.to, types: p.types, ...viewParams() }), { signal: ctl.signal })).then(tp => {
      if (ctl.signal.aborted) return;
      whenBox.querySelector('.panel-status').remove();
      whenBox.append(el('p', { class: 'small', text: `Peak: ${tp.peak && tp.peak.text ? tp.peak.text : 'no clear peak'}. ${fmtInt(tp.counted)} crimes with a time; ${fmtInt(tp.no_time)} without one${tp.long_windows ? `, ${fmtInt(tp.long_windows)} with a window over 7 days left out` : ''}.` }));
      if (Array.isArray(tp.grid) && tp.grid.length === 7) whenBox.append(heatTable(tp.grid));
    }).catch(err => panelError(whenBox, err, 'The times', ctl));
  }

  const noTypes = state.types && state.types.size === 0;
  if (noTypes) {
    trendBox.querySelector('.panel-status').textContent = 'No crime types chosen.';
  } else {
    track(getJSON(trendURL, { signal: ctl.signal })).then(t => {
      if (ctl.signal.aborted) return;
      const tr = normTrend(t, state.measure);
      trendBox.querySelector('.panel-status').remove();
      const m = state.measure;
      let w = trendBox.clientWidth || 520;
      let chart = trendChart(tr, m, w);
      trendBox.append(chart);
      // redraw at the new width when the panel changes size (phone <->
      // desktop), so the axis text keeps its size
      const ro = new ResizeObserver(() => {
        if (!trendBox.isConnected) { ro.disconnect(); return; }
        const nw = trendBox.clientWidth;
        if (nw && Math.abs(nw - w) > 40) {
          w = nw;
          const next = trendChart(tr, m, w);
          chart.replaceWith(next);
          chart = next;
        }
      });
      ro.observe(trendBox);
      const n = notesList(t.notes);
      if (n) trendBox.append(n);
    }).catch(err => panelError(trendBox, err, 'The trend', ctl));
  }
  track(getJSON(profileURL, { signal: ctl.signal })).then(p => {
    if (ctl.signal.aborted) return;
    profBox.querySelector('.panel-status').remove();
    if (sel.tab === 'area' && p.name && sel.area) {
      sel.area.name = p.name;
      $('detail-title').textContent = p.name;
      $('tab-area').textContent = p.name;
    }
    if (sel.tab === 'cell' && sel.cell && p.street && !sel.cell.props.street) {
      sel.cell.props.street = p.street;
      $('detail-title').textContent = cellTitle(sel.cell);
    }
    const csv = profileURL + (profileURL.includes('?') ? '&' : '?') + new URLSearchParams({ format: 'csv' });
    profBox.append(profileTable(p, profileURL.includes('/areas/') ? csv : null));
    // the table's CSV, fetched with the token in its header like every download
    const csvLink = profBox.querySelector('.profile-csv a');
    if (csvLink) {
      csvLink.addEventListener('click', async e => {
        e.preventDefault();
        try {
          await saveDownload(csvLink.href, 'text/csv', csvLink.getAttribute('download'));
        } catch (err) {
          if (err instanceof ApiError && err.status === 401) askToken(err.message);
          csvLink.replaceWith(el('span', { class: 'error', text: 'The table could not be downloaded: ' + err.message }));
        }
      });
    }
    const n = notesList(p.notes);
    if (n) profBox.append(n);
  }).catch(err => panelError(profBox, err, 'The profile', ctl));
}

// cellTitle names a hexagon by its busiest street ("around Regent
// Street"), or by its H3 id where it has no named map point.
function cellTitle(c) {
  return c.props && c.props.street ? `around ${c.props.street}` : c.id;
}

function panelError(box, err, what, ctl) {
  if (err.name === 'AbortError' || ctl.signal.aborted) return;
  if (err instanceof ApiError && err.status === 401) { askToken(err.message); }
  const s = box.querySelector('.panel-status') || box.appendChild(el('p', { class: 'panel-status' }));
  s.classList.add('error');
  s.textContent = err instanceof ApiError && err.status === 0
    ? `${what} is not up to date: the server cannot be reached.` // the connection message says the rest
    : err instanceof ApiError && err.missing && /no such page/.test(err.message)
      ? `${what} is not available from this server yet (${err.message}).`
      : `${what} could not be loaded: ${err.message}`;
}

function renderAreaKpis() {
  const box = $('area-kpis');
  if (!box || !state.sel || !state.sel.area) return;
  const rk = state.ranking;
  const a = rk && (rk.areas || []).find(x => x.code === state.sel.area.code);
  const m = state.measure;
  if (!a) { box.replaceChildren(); return; }
  const fig = m === 'count' ? a.count : m === 'harm' ? a.harm : a.cost;
  const rate = a.rate_per_1000;
  const ch = a.change;
  box.replaceChildren(kpis([
    { k: MEASURES[m].label, v: typeof fig === 'string' ? fig : fmtMeasure(m, fig), s: periodLabel(state.from, state.to).replace(/ \(.*\)$/, ''), title: fmtMeasureUnit(m, fig) },
    { k: 'Rank', v: a.rank ? `${a.rank} of ${(rk.areas || []).length}` : '–', s: rate === null || rate === undefined ? 'no population figure' : `${m === 'count' ? fmt1(rate) : fmtMeasure(m, rate)} per 1,000 residents` },
    { k: 'Change', v: ch ? (ch.new ? 'new' : pctCautioned(ch)) : '–', s: smallBase(ch) ? '† ' + SMALL_BASE_NOTE : 'against the previous period' },
  ]));
}

function cellKpis(p) {
  const bin = num(p.bin);
  const hb = HOT_BINS.find(h => h.bin === bin);
  return kpis([
    { k: capital(countsWhat()), v: typeof p.count === 'string' ? p.count : fmtInt(num(p.count)), s: periodLabel(state.from, state.to).replace(/ \(.*\)$/, '') },
    { k: 'Harm', v: p.harm === undefined || p.harm === null ? '–' : fmtInt(p.harm), s: 'CCHI days' },
    { k: 'Gi*', v: hb ? hb.label.replace(', ', ' ').replace(' confidence', '') : (p.z === undefined ? '–' : 'Not significant'), s: p.z === undefined ? 'not computed at this zoom' : `z = ${Number(p.z).toFixed(2)}` },
  ]);
}

// ---------------------------------------------------------------- map interaction

function setupMapEvents() {
  const tip = $('tooltip');
  let hoverArea = '', hoverCell = '';
  let pending = null;
  const interactive = () => [LAYER_IDS.cells, LAYER_IDS.areas, 'hotspots-hit', LAYER_IDS.incidents].filter(id => map.getLayer(id));

  map.on('mousemove', e => {
    pending = e;
    requestAnimationFrame(() => {
      if (!pending) return;
      const ev = pending;
      pending = null;
      const feats = map.queryRenderedFeatures(ev.point, { layers: interactive() });
      const area = feats.find(f => f.layer.id === LAYER_IDS.areas);
      const cell = feats.find(f => f.layer.id === LAYER_IDS.cells);
      const zone = feats.find(f => f.layer.id === 'hotspots-hit');
      const inc = feats.find(f => f.layer.id === LAYER_IDS.incidents);
      const ac = area ? area.properties.code : '';
      const cc = cell ? cell.properties.cell : '';
      if (ac !== hoverArea) { hoverArea = ac; setFilter(map, 'areas-hover', ['==', ['get', 'code'], ac]); }
      if (cc !== hoverCell) { hoverCell = cc; setFilter(map, 'cells-hover', ['==', ['get', 'cell'], cc]); }
      map.getCanvas().style.cursor = area || cell ? 'pointer' : '';
      if (!area && !cell && !inc) { tip.hidden = true; return; }
      tip.innerHTML = tooltipHTML({ area, cell, zone, inc });
      tip.hidden = false;
      placeTooltip(tip, ev.point);
    });
  });
  map.getCanvas().addEventListener('mouseleave', () => {
    pending = null;
    tip.hidden = true;
    hoverArea = hoverCell = '';
    setFilter(map, 'areas-hover', ['==', ['get', 'code'], '']);
    setFilter(map, 'cells-hover', ['==', ['get', 'cell'], '']);
  });
  map.on('click', e => {
    const feats = map.queryRenderedFeatures(e.point, { layers: interactive() });
    const area = feats.find(f => f.layer.id === LAYER_IDS.areas);
    const cell = feats.find(f => f.layer.id === LAYER_IDS.cells);
    if (!area && !cell) return;
    const tab = state.sel && state.sel.tab === 'cell' && cell ? 'cell' : (area ? 'area' : 'cell');
    state.sel = {
      area: area ? { code: area.properties.code, name: area.properties.name } : null,
      cell: cell ? { id: cell.properties.cell, props: { ...cell.properties } } : null,
      tab,
    };
    tip.hidden = true;
    reapplyMapState();
    renderRanking();
    openPanel();
    if (PHONE.matches) {
      // keep what was tapped in view above the bottom sheet
      const sheet = $('detail').getBoundingClientRect().height;
      map.easeTo({ center: e.lngLat, offset: [0, -sheet / 2], duration: 400 });
    }
    writeHash();
    updateLinks();
  });

  let labelsDirty = true;
  map.on('sourcedata', e => {
    if (e.sourceId === 'areas' && e.isSourceLoaded) labelsDirty = true;
    if (e.sourceId === 'cells' && e.isSourceLoaded) state.breaksPending = true;
  });
  map.on('moveend', () => { labelsDirty = true; state.breaksPending = true; });
  map.on('dataloading', updateProgress);
  map.on('idle', () => {
    updateProgress();
    if (labelsDirty && map.getSource('areas')) {
      labelsDirty = false;
      map.getSource('area-labels').setData(labelPoints(map));
    }
    if (state.breaksPending && map.getSource('cells')) {
      state.breaksPending = false;
      computeBreaks();
    }
    state.idleCount = (state.idleCount || 0) + 1;
  });
  map.on('error', e => {
    const msg = e && e.error && e.error.message ? e.error.message : String(e && e.error || 'map error');
    if (e && e.error && e.error.name === 'AbortError') return;
    if (e.sourceId) {
      // a tile that failed for want of the server marks the map stale
      // rather than adding a message per tile
      if (!(e.error && e.error.status)) ping();
      showMessage('tile-load', `Some map tiles did not load (${e.sourceId}): ${msg}`);
    } else {
      console.warn('map:', msg);
    }
  });
}

function tooltipHTML({ area, cell, zone, inc }) {
  const m = state.measure;
  const parts = [];
  if (inc) {
    const p = inc.properties;
    const types = Object.entries(p).filter(([k]) => !['count', 'name', 'location', 'id'].includes(k))
      .sort((a, b) => num(b[1]) - num(a[1])).slice(0, 4);
    parts.push(`<strong>${escapeHTML(p.name || p.location || 'Map point')}</strong>`);
    parts.push(`${escapeHTML(typeof p.count === 'string' ? p.count : fmtInt(num(p.count)))} incidents`);
    if (types.length) parts.push(`<span class="t-dim">${types.map(([k, v]) => `${escapeHTML(k)}: ${escapeHTML(String(v))}`).join('<br>')}</span>`);
  } else if (cell) {
    const p = cell.properties;
    const cnt = typeof p.count === 'string' ? p.count : fmtInt(num(p.count));
    parts.push(`<strong>${cnt} ${typeof p.count !== 'string' && num(p.count) === 1 ? 'crime' : 'crimes'}</strong> in this hexagon${p.street ? ' around ' + escapeHTML(p.street) : ''}`);
    if (p.outside === true) parts.push('<span class="t-dim">Outside the areas shown</span>');
    const extra = [];
    if (p.harm !== undefined && p.harm !== null) extra.push(`${fmtInt(p.harm)} harm days`);
    if (p.cost !== undefined && p.cost !== null) extra.push(fmtMoney(p.cost));
    if (extra.length) parts.push(extra.join(' · '));
    if (p.top_type) parts.push(`<span class="t-dim">Most common: ${escapeHTML(p.top_type)}</span>`);
    const bin = num(p.bin);
    const hb = HOT_BINS.find(h => h.bin === bin);
    if (hb) parts.push(`<span class="${bin > 0 ? 't-hot' : 't-cold'}">${escapeHTML(hb.label)}</span>`);
  }
  if (zone && !cell) {
    const hb = HOT_BINS.find(h => h.bin === num(zone.properties.bin));
    if (hb) parts.push(`<span class="${hb.bin > 0 ? 't-hot' : 't-cold'}">${escapeHTML(hb.label)}</span>`);
  }
  if (area) {
    const p = area.properties;
    const fig = m === 'count' ? p.count : m === 'harm' ? p.harm : p.cost;
    const bits = [];
    if (fig !== undefined && fig !== null) bits.push(typeof fig === 'string' ? fig : fmtMeasureUnit(m, num(fig)));
    if (p.rank) bits.push(`rank ${p.rank}`);
    if (p.rate !== undefined && p.rate !== null) bits.push(`${m === 'count' ? fmt1(p.rate) : fmtMeasure(m, p.rate)} per 1,000`);
    parts.push(`${cell || inc ? '<span class="t-dim">' : ''}<strong>${escapeHTML(p.name || p.code)}</strong>${bits.length ? ': ' + escapeHTML(bits.join(', ')) : ''}${cell || inc ? '</span>' : ''}`);
  }
  parts.push('<span class="t-dim">Click for the profile</span>');
  return parts.join('<br>');
}

function placeTooltip(tip, pt) {
  const wrap = tip.parentElement.getBoundingClientRect();
  const w = tip.offsetWidth, h = tip.offsetHeight;
  let x = pt.x + 14, y = pt.y + 14;
  if (x + w > wrap.width - 6) x = pt.x - w - 14;
  if (y + h > wrap.height - 6) y = pt.y - h - 14;
  tip.style.left = Math.max(4, x) + 'px';
  tip.style.top = Math.max(4, y) + 'px';
}

// ---------------------------------------------------------------- desktop side panel

// On a desktop narrower than 1500px the filters fold away while a profile
// is open, so the map keeps its width; they come back when it closes.
let autoCollapsed = false;
function setCollapsed(c, auto = false) {
  const sb = $('sidebar'), btn = $('sidebar-collapse');
  sb.classList.toggle('collapsed', c);
  btn.setAttribute('aria-expanded', String(!c));
  btn.title = c ? 'Show the filters and ranking' : 'Hide the filters and ranking';
  autoCollapsed = c && auto;
  if (map) map.resize();
}

// The key folds on a narrow map unless the user opened or closed it.
let legendByUser = false, legendAuto = false;
function fitLegend() {
  const legend = $('legend');
  if (legendByUser) return;
  const w = $('map').clientWidth;
  const want = !PHONE.matches && w >= 720;
  if (legend.open !== want) { legendAuto = true; legend.open = want; }
}

// ---------------------------------------------------------------- phone sheet

function setSheet(open) {
  const sb = $('sidebar');
  sb.classList.toggle('open', open);
  $('sheet-toggle').setAttribute('aria-expanded', String(open));
}

function setupLayoutControls() {
  $('sheet-toggle').addEventListener('click', () => {
    const open = !$('sidebar').classList.contains('open');
    if (open && !$('detail').hidden) $('detail').classList.add('min');
    setSheet(open);
  });
  $('detail-close').addEventListener('click', () => { closePanel(); map && map.getCanvas().focus(); });
  $('detail').addEventListener('keydown', e => { if (e.key === 'Escape') { closePanel(); map && map.getCanvas().focus(); } });
  document.querySelector('.detail-head').addEventListener('click', e => {
    if (!PHONE.matches || e.target.closest('button')) return;
    $('detail').classList.toggle('min');
    if (!$('detail').classList.contains('min')) setSheet(false);
  });
  $('tab-area').addEventListener('click', () => setTab('area'));
  $('tab-cell').addEventListener('click', () => setTab('cell'));
  $('detail-tabs').addEventListener('keydown', e => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const next = state.sel && state.sel.tab === 'area' ? 'cell' : 'area';
    setTab(next);
    $(next === 'area' ? 'tab-area' : 'tab-cell').focus();
  });
  $('ranking-more').addEventListener('click', () => { state.rankingAll = !state.rankingAll; renderRanking(); });
  $('sidebar-collapse').addEventListener('click', () => setCollapsed(!$('sidebar').classList.contains('collapsed')));
  const legend = $('legend');
  legend.addEventListener('toggle', () => { if (legendAuto) legendAuto = false; else legendByUser = true; });
  fitLegend();
  new ResizeObserver(fitLegend).observe($('map'));
  PHONE.addEventListener('change', () => {
    if (PHONE.matches) setCollapsed(false);
    else { setSheet(false); $('detail').classList.remove('min'); }
    map && map.resize();
  });
}

// ---------------------------------------------------------------- tokens

function askToken(message) {
  if (document.getElementById('token-form')) return;
  const input = el('input', { id: 'token-input', type: 'password', autocomplete: 'off', class: 'token-input' });
  const form = el('form', { id: 'token-form', class: 'msg info' },
    el('div', { style: null },
      el('strong', { text: 'Sign in with your access token' }),
      el('p', { text: 'This server shares its figures with signed-in users only. Paste the token your administrator gave you; it is kept for this browser tab only.' }),
      el('p', { class: 'small muted', text: 'The server said: ' + message }),
      el('label', { for: 'token-input', class: 'visually-hidden', text: 'Access token' }),
      el('div', { class: 'token-row' }, input, el('button', { type: 'submit', class: 'btn btn-small', text: 'Sign in' }))));
  form.firstChild.style.flex = '1';
  form.addEventListener('submit', e => {
    e.preventDefault();
    setToken(input.value.trim());
    location.reload();
  });
  $('messages').prepend(form);
  input.focus();
}

// ---------------------------------------------------------------- start

async function start() {
  // A token never belongs in an address (history, logs, printed footers):
  // drop one an old bookmark carries; the page sends its token in headers.
  if (new URLSearchParams(location.search).has('access_token')) {
    const u = new URL(location.href);
    u.searchParams.delete('access_token');
    history.replaceState(history.state, '', u);
  }
  const overlay = $('loading');
  let summary, layers;
  try {
    [summary, layers] = await Promise.all([getJSON('/api/v1/summary'), getJSON('/api/v1/layers')]);
  } catch (err) {
    overlay.replaceChildren(el('p', { text: 'The map could not start: ' + err.message }),
      el('button', { type: 'button', class: 'btn', text: 'Try again' }));
    overlay.querySelector('button').addEventListener('click', () => location.reload());
    if (err instanceof ApiError && err.status === 401) askToken(err.message);
    return;
  }
  state.summary = summary;
  state.layers = Array.isArray(layers) ? layers : [];
  state.months = summary.months || [];
  state.allTypes = (summary.crime_types || []).slice().sort((a, b) => a.type.localeCompare(b.type));
  if (summary.attribution) $('attribution-text').textContent = summary.attribution;
  if (!state.months.length) {
    overlay.replaceChildren(el('p', { text: 'No crime data are loaded yet. Import police.uk files with "hotspotd import", then reload this page.' }));
    return;
  }
  if (!state.layers.length) showMessage('layers', 'No area layers are loaded: import ward boundaries with "hotspotd areas import" to see areas and rankings.', { kind: 'info' });
  setupControls();
  setupLayoutControls();
  setupLinks();
  setupPlan({
    params: () => ({ ...filterParams(), measure: hotspotMeasure() }),
    onSaved: op => { state.savedPlan = { id: op.id, key: filterKey() }; updateLinks(); },
    showMessage, askToken,
  });
  const h = readHash();
  if (h.area || h.cell) {
    state.sel = { area: h.area ? { code: h.area, name: h.area } : null, cell: h.cell ? { id: h.cell, props: {} } : null, tab: h.tab === 'cell' && h.cell ? 'cell' : (h.area ? 'area' : 'cell') };
  }

  let basemap = '';
  try {
    const cfg = await getJSON('/api/v1/config');
    basemap = cfg && typeof cfg.basemap_style === 'string' ? cfg.basemap_style : '';
  } catch (err) {
    if (!(err instanceof ApiError && err.missing)) console.warn('config:', err.message);
  }

  const lay = state.layers.find(l => l.name === state.layer);
  const bbox = lay && Array.isArray(lay.bbox) && lay.bbox.every(Number.isFinite) ? [[lay.bbox[0], lay.bbox[1]], [lay.bbox[2], lay.bbox[3]]] : undefined;
  try {
    map = await createMap('map', { basemapStyle: basemap, bounds: bbox, onError: (k, t) => showMessage(k, t) });
  } catch (err) {
    overlay.replaceChildren(el('p', { text: 'The map could not be drawn: ' + (err.message || err) + '. It needs a browser with WebGL; the ranking and profiles work without it.' }));
    overlay.style.pointerEvents = 'none';
    refresh();
    return;
  }
  window.hotspotsMap = map;
  const canvas = map.getCanvas();
  canvas.setAttribute('aria-label', 'Crime map. Arrow keys pan, plus and minus zoom.');
  map.addControl(new maplibregl.AttributionControl({
    compact: true,
    customAttribution: escapeHTML(summary.attribution || ''),
  }), 'bottom-right');
  // Start the attribution folded (the "i" button opens it); the full text
  // is also at the foot of the side panel.
  for (const a of document.querySelectorAll('.maplibregl-ctrl-attrib.maplibregl-compact-show')) a.classList.remove('maplibregl-compact-show');
  setupMapEvents();
  addStreetLabels(map, map._hotspotsFont).catch(err => {
    if (!(err instanceof ApiError && err.status === 401)) showMessage('streets', 'Street names could not be loaded: ' + err.message, { kind: 'info' });
  });
  setupSearch({ layer: () => state.layer, onChoose: goTo, onError: t => showMessage('search', t, { kind: 'info' }) });
  overlay.hidden = true;
  await refresh();
  if (state.sel) openPanel();
}

start();
