// format.js: numbers, money, months and changes as the partnership's tables
// print them (en-GB).

const int = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const one = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export const MEASURES = {
  count: { label: 'Count', unit: 'crimes', long: 'Number of crimes and ASB incidents' },
  harm: { label: 'Harm', unit: 'harm (CCHI days)', long: 'Cambridge Crime Harm Index: days of imprisonment' },
  cost: { label: 'Cost', unit: 'cost (GBP, 2015/16 prices)', long: 'Home Office cost of crime, GBP at 2015/16 prices' },
};

// Figures withheld for viewers come as strings ("<3") and print as they are.
export function fmtInt(v) { return typeof v === 'string' ? v : v === null || v === undefined || Number.isNaN(v) ? '–' : int.format(Math.round(v)); }
export function fmt1(v) { return typeof v === 'string' ? v : v === null || v === undefined || Number.isNaN(v) ? '–' : one.format(v); }

// fmtMoney: £950, £12,300, £1.2m.
export function fmtMoney(v) {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const a = Math.abs(v), s = v < 0 ? '−' : '';
  if (a >= 1e6) return s + '£' + one.format(a / 1e6) + 'm';
  return s + '£' + int.format(a);
}

// fmtMeasure formats a value of a measure, short form.
export function fmtMeasure(m, v) {
  return m === 'cost' ? fmtMoney(v) : fmtInt(v);
}

// fmtMeasureUnit: "1,234 crimes", "5,600 harm days", "£1.2m".
export function fmtMeasureUnit(m, v) {
  if (m === 'cost') return fmtMoney(v);
  if (m === 'harm') return fmtInt(v) + ' harm days';
  return fmtInt(v) + (Math.round(v) === 1 ? ' crime' : ' crimes');
}

// signed: +12, −3, 0.
export function signed(v, f = fmtInt) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (Math.round(v * 10) === 0) return '0';
  return (v > 0 ? '+' : '−') + f(Math.abs(v));
}

// pct formats a change's percentage; a rise from 0 is "new" (the police
// tables' "Infinity"), a missing comparison "–".
export function pct(change) {
  if (!change) return '–';
  if (change.new) return 'new';
  if (change.pct === null || change.pct === undefined || !Number.isFinite(change.pct)) return '–';
  const p = change.pct;
  if (Math.abs(p) < 0.05) return '0.0%';
  return (p > 0 ? '+' : '−') + one.format(Math.abs(p)) + '%';
}

// A percentage change on a base under SMALL_BASE (fewer than 10 before)
// carries a caution: from 2 to 5 is +150%, which reads as a surge.
export const SMALL_BASE = 10;
export const SMALL_BASE_NOTE = 'Fewer than 10 in the earlier period: a small change makes a large percentage.';
export function smallBase(change) {
  return !!change && !change.new && typeof change.previous === 'number' && change.previous > 0 && change.previous < SMALL_BASE;
}
// pctCautioned is pct with a dagger when the base is under SMALL_BASE.
export function pctCautioned(change) {
  const p = pct(change);
  return smallBase(change) && p !== '–' ? p + ' †' : p;
}

// monthLabel: "2025-11" -> "Nov 2025".
export function monthLabel(ym) {
  const m = /^(\d{4})-(\d{2})$/.exec(ym || '');
  return m ? MONTHS[Number(m[2]) - 1] + ' ' + m[1] : String(ym || '');
}
export function monthShort(ym) {
  const m = /^(\d{4})-(\d{2})$/.exec(ym || '');
  return m ? MONTHS[Number(m[2]) - 1] + ' ' + m[1].slice(2) : String(ym || '');
}

// periodLabel: "Dec 2024 – Nov 2025 (12 months)".
export function periodLabel(from, to) {
  if (!from || !to) return '';
  const n = monthsBetween(from, to) + 1;
  return from === to ? monthLabel(from) : `${monthLabel(from)} – ${monthLabel(to)} (${n} months)`;
}

export function monthsBetween(a, b) {
  const [ya, ma] = a.split('-').map(Number), [yb, mb] = b.split('-').map(Number);
  return (yb - ya) * 12 + (mb - ma);
}

export function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
