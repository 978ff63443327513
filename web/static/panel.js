// panel.js: the area (or cell) profile as the partnership's town-centre
// tables print it, and the monthly trend chart, as DOM built from the API's
// JSON (engine.Profile, the trend endpoint). No library: the chart is a few
// SVG rectangles.

import { fmtInt, fmtMeasure, fmtMeasureUnit, monthLabel, monthShort, pct, pctCautioned, smallBase, SMALL_BASE_NOTE, signed, escapeHTML, MEASURES } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

// changeClass colours a change: a rise in crime is "up" (red), a fall
// "down" (green); the sign is always printed too, so colour is never the
// only cue.
function changeClass(ch) {
  if (!ch) return '';
  if (ch.new) return 'new';
  if (ch.diff > 0) return 'up';
  if (ch.diff < 0) return 'down';
  return '';
}

function periodRange(p) {
  const c = p && p.current;
  if (!c) return '';
  return c.from === c.to ? monthLabel(c.to) : `${monthShort(c.from)} – ${monthShort(c.to)}`;
}

// profileTable renders engine.Profile in the papers' layout (Victim Based
// Crime, its subgroups and their rows, Non victim based, Unknown, Total;
// anti-social behaviour apart), indented by each row's level; for each
// period Current, Diff and % Diff against the period of the same length
// before it. A rise from 0 prints "new", never Infinity. csvHref, when
// given, adds a link to the same table as CSV.
export function profileTable(profile, csvHref) {
  const periods = profile.periods || [];
  const wrap = el('div', { class: 'profile-wrap', 'data-period': '2' });

  // Phone: one period at a time.
  const sw = el('div', { class: 'segmented period-switch', role: 'radiogroup', 'aria-label': 'Period shown in the table' });
  periods.forEach((p, i) => {
    const input = el('input', { type: 'radio', name: 'period-' + (profile.code || 'x'), value: String(i) });
    if (i === periods.length - 1) input.checked = true;
    input.addEventListener('change', () => { wrap.dataset.period = String(i); });
    sw.append(el('label', {}, input, el('span', { text: shortPeriod(p.label) })));
  });

  const table = el('table', { class: 'profile' });
  table.append(el('caption', { class: 'visually-hidden', text: `Crime by category in ${profile.name || profile.code}, ${periods.map(p => p.label + ' ' + periodRange(p)).join('; ')}, each against the period of the same length before it.` }));
  const thead = el('thead');
  const h1 = el('tr', {}, el('th', { scope: 'col', rowspan: '2', class: 'label' }, 'Crime'));
  const h2 = el('tr');
  periods.forEach((p, i) => {
    h1.append(el('th', { scope: 'colgroup', colspan: '3', class: `ph p${i}` }, p.label, el('span', { text: periodRange(p) })));
    h2.append(
      el('th', { scope: 'col', class: `p${i}`, title: 'Crimes in the period' }, 'Current'),
      el('th', { scope: 'col', class: `p${i}`, title: 'Difference from the previous period of the same length' }, 'Diff'),
      el('th', { scope: 'col', class: `p${i}`, title: 'Percentage difference from the previous period' }, '% Diff'));
  });
  thead.append(h1, h2);
  table.append(thead);

  const tbody = el('tbody');
  let cautioned = false; // a % on a base under 10 is shown
  const rows = profile.rows || [];
  rows.forEach((r, idx) => {
    let cls = '';
    const isGroupHead = r.kind === 'group' || (r.kind === 'type' && r.group && r.group === r.label && !isInGroup(rows, idx));
    if (r.kind === 'total') cls = 'total';
    else if (isGroupHead) cls = 'group';
    else if (r.level === 1 && r.kind === 'subgroup') cls = 'sub';
    else if (r.level === 2) cls = 'in-sub';
    if (r.kind === 'total' && idx === rows.length - 1) cls += ' grand';
    const tr = el('tr', { class: cls });
    tr.append(el('th', { scope: 'row', title: (r.types || []).length > 1 ? (r.types || []).join(', ') : null }, r.label));
    (r.cells || []).forEach((c, i) => {
      const ch = c.vs_previous;
      tr.append(
        el('td', { class: `p${i} c0${c.current === 0 ? ' zero' : ''}` }, fmtInt(c.current)),
        el('td', { class: `p${i} ${changeClass(ch)}` }, ch ? signed(ch.diff) : '–'),
        el('td', { class: `p${i} ${changeClass(ch)}${smallBase(ch) ? ' small-base' : ''}`, title: smallBase(ch) ? SMALL_BASE_NOTE : null }, pctCautioned(ch)));
      if (smallBase(ch)) cautioned = true;
    });
    tbody.append(tr);
  });
  table.append(tbody);
  const scroller = el('div', { class: 'profile-scroll' }, table);
  wrap.append(sw, scroller);
  if (cautioned) wrap.append(el('p', { class: 'small-base-note', text: '† ' + SMALL_BASE_NOTE }));
  if (csvHref) {
    wrap.append(el('p', { class: 'profile-csv' }, el('a', { href: csvHref, download: `crime-table-${profile.code || 'area'}-${profile.month || ''}.csv`, text: 'Download this table (CSV)' })));
  }
  return wrap;
}

// isInGroup: a "type" row whose group is its own label is a group of one
// (Anti-social behaviour), shown as a group heading.
function isInGroup(rows, idx) {
  const r = rows[idx];
  return rows.some((o, j) => j !== idx && o.group === r.group && o.kind !== 'total');
}

function shortPeriod(label) {
  return ({ 'Selected Month': 'Month', 'Last 6 Months': '6 months', 'Last 12 Months': '12 months' })[label] || label;
}

// normTrend reads the trend endpoint whatever its exact shape: {months,
// series: {values, trend}, direction} (engine.Series inside) or {months,
// count|values, mann_kendall, direction}.
export function normTrend(t, measure) {
  const s = t.series || t;
  // a withheld month ("<3") is drawn as 1
  const values = (s.values || t.values || t[measure] || t.count || []).map(v => typeof v === 'number' ? v : String(v).startsWith('<') ? 1 : Number(v) || 0);
  const mk = s.trend || t.mann_kendall || t.trend || null;
  let dir = t.direction;
  if (typeof dir === 'number') dir = dir > 0 ? 'rising' : dir < 0 ? 'falling' : 'no clear trend';
  if (typeof dir !== 'string' && typeof s.direction === 'number') dir = s.direction > 0 ? 'rising' : s.direction < 0 ? 'falling' : 'no clear trend';
  return { months: t.months || [], values, mk, direction: dir || 'no clear trend', alpha: t.alpha || 0.05, unit: t.unit || '' };
}

function niceMax(v) {
  if (v <= 0) return 1;
  const e = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * e >= v) return m * e;
  return 10 * e;
}

// trendChart draws monthly bars with the Mann-Kendall result in words.
export function trendChart(tr, measure, width = 520) {
  const { months, values, mk, direction } = tr;
  const box = el('div', { class: 'trend' });
  const word = el('span', { class: 'trend-word ' + direction.replace(/\s+/g, '-'), text: direction });
  const pTxt = mk && Number.isFinite(mk.p) ? `Mann–Kendall p = ${mk.p < 0.001 ? '< 0.001' : mk.p.toFixed(3)}` : 'Too few months for a trend test';
  box.append(el('div', { class: 'trend-head' },
    el('span', {}, 'Trend: ', word),
    el('span', { class: 'small muted', title: 'Two-sided Mann–Kendall test; a trend is called when p < 0.05' }, pTxt)));
  if (!values.length) {
    box.append(el('p', { class: 'muted small', text: 'No months to chart.' }));
    return box;
  }
  const W = Math.max(300, Math.round(width)), H = Math.round(Math.min(170, Math.max(130, W * 0.3))), L = 42, R = 6, T = 8, B = 22;
  const max = niceMax(Math.max(...values));
  const bw = (W - L - R) / values.length;
  const y = v => T + (H - T - B) * (1 - v / max);
  const total = values.reduce((a, b) => a + b, 0);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label':
    `${MEASURES[measure].label} by month, ${monthLabel(months[0])} to ${monthLabel(months[months.length - 1])}: ` +
    `total ${fmtMeasureUnit(measure, total)}, highest ${fmtMeasure(measure, Math.max(...values))}, lowest ${fmtMeasure(measure, Math.min(...values))}; trend ${direction}.` });
  for (const f of [0, 0.5, 1]) {
    const gy = y(max * f);
    s.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: gy, y2: gy }));
    const t = svg('text', { x: L - 4, y: gy + 3, 'text-anchor': 'end' });
    t.textContent = fmtMeasure(measure, max * f);
    s.append(t);
  }
  values.forEach((v, i) => {
    const r = svg('rect', { class: 'bar' + (i === values.length - 1 ? ' last' : ''), x: L + i * bw + bw * 0.12, y: y(v), width: Math.max(1, bw * 0.76), height: Math.max(0, y(0) - y(v)) });
    const title = svg('title');
    title.textContent = `${monthLabel(months[i])}: ${fmtMeasureUnit(measure, v)}`;
    r.append(title);
    s.append(r);
  });
  // Sen-style straight line through the medians of each half, to show the
  // direction the test measured (drawn only for a significant trend).
  if (direction === 'rising' || direction === 'falling') {
    const n = values.length, h = Math.floor(n / 2);
    const med = a => { const b = [...a].sort((p, q) => p - q); return b.length % 2 ? b[(b.length - 1) / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2; };
    const m1 = med(values.slice(0, h)), m2 = med(values.slice(n - h));
    const x1 = L + (h / 2) * bw, x2 = L + (n - h / 2) * bw;
    s.append(svg('line', { class: 'trendline', x1, y1: y(m1), x2, y2: y(m2) }));
  }
  s.append(svg('line', { class: 'axis', x1: L, x2: W - R, y1: y(0), y2: y(0) }));
  const step = values.length > 24 ? 6 : values.length > 12 ? 3 : values.length > 6 ? 2 : 1;
  months.forEach((m, i) => {
    if (i % step !== 0 && i !== months.length - 1) return;
    if (i !== months.length - 1 && months.length - 1 - i < step) return;
    const t = svg('text', { x: L + (i + 0.5) * bw, y: H - 6, 'text-anchor': 'middle' });
    t.textContent = monthShort(m);
    s.append(t);
  });
  box.append(s);
  return box;
}

// kpis: the headline figures of the selected area for the filters.
export function kpis(items) {
  const g = el('div', { class: 'kpis' });
  for (const it of items) {
    g.append(el('div', { class: 'kpi' }, el('div', { class: 'k', text: it.k }), el('div', { class: 'v', text: it.v, title: it.title || null }), it.s ? el('div', { class: 's', text: it.s }) : null));
  }
  return g;
}

export function notesList(notes) {
  if (!notes || !notes.length) return null;
  const ul = el('ul', { class: 'notes' });
  for (const n of notes) ul.append(el('li', { text: n }));
  return ul;
}

export { el, escapeHTML };
