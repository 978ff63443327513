// downloads.js: the download menu. Every file the server exports, each with
// the filters on screen (period, crime types, measure, area layer), saved
// through a fetch that carries the token in its header, so no token is ever
// in an address. The files and their columns are the report package's
// (docs/exports.md); the menu only builds their addresses.

import { query } from './api.js';
import { el } from './panel.js';

// EXPORTS lists the menu's entries: the export's path, the formats offered
// and which filters it takes. Incidents are for analysts and admins.
const EXPORTS = [
  { id: 'ranking', label: 'Ranking of areas', help: 'every area of the layer with count, harm, cost, rate, share and changes',
    formats: ['csv', 'xlsx', 'geojson'], params: p => ({ layer: p.layer, from: p.from, to: p.to, types: p.types, measure: p.measure }) },
  { id: 'hotspots', label: 'Hot spot cells', help: 'every hexagon of the study area with its Gi* z, p and confidence',
    formats: ['csv', 'xlsx', 'geojson'], params: p => ({ layer: p.layer, from: p.from, to: p.to, types: p.types, measure: p.hotspotMeasure }) },
  { id: 'zones', label: 'Patrol zones', help: 'the tasking sheet\'s zones with their patrol dose',
    formats: ['csv', 'xlsx', 'geojson'], params: p => ({ layer: p.layer, from: p.from, to: p.to, types: p.types, measure: p.hotspotMeasure }) },
  { id: 'incidents', label: 'Incident records', help: 'one row per crime inside the layer\'s areas (analysts only)', analyst: true,
    formats: ['csv', 'xlsx', 'geojson'], params: p => ({ layer: p.layer, from: p.from, to: p.to, types: p.types }) },
  { id: 'area-table', label: 'Area table', help: 'the partnership\'s table of the area open in the profile, for the last month chosen',
    formats: ['csv', 'xlsx'], needsArea: true, path: 'area-tables',
    params: p => ({ layer: p.layer, month: p.to, areas: p.area }) },
  { id: 'area-tables', label: 'Area tables of every area', help: 'the partnership\'s table of each area of the layer (XLSX: one sheet per area)',
    formats: ['csv', 'xlsx'], params: p => ({ layer: p.layer, month: p.to }) },
];

const FORMAT_LABEL = { csv: 'CSV', xlsx: 'Excel', geojson: 'GeoJSON' };
const ACCEPT = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  geojson: 'application/geo+json',
};

// downloadURL is the address of an export with the filters p: {layer, from,
// to, types, measure, hotspotMeasure, area}.
export function downloadURL(id, format, p) {
  const x = EXPORTS.find(e => e.id === id);
  return `/api/v1/export/${x.path || x.id}.${format}` + query(x.params(p));
}

// setupDownloads builds the menu in the element #download-list and wires
// its links: filters() gives the filters on screen, save(href, accept, name)
// fetches and saves a file, analyst() says whether incident records are
// offered, onError(text) reports a failure.
export function setupDownloads({ filters, save, analyst, onError }) {
  const list = document.getElementById('download-list');
  const details = document.getElementById('downloads');
  list.replaceChildren(...EXPORTS.map(x => el('li', { class: 'dl-item', 'data-export': x.id },
    el('span', { class: 'dl-label', id: 'dl-label-' + x.id, text: x.label }),
    el('span', { class: 'dl-help', text: x.help }),
    el('span', { class: 'dl-formats' }, ...x.formats.map(f => {
      const a = el('a', { class: 'btn btn-small dl-link', href: '#', 'data-export': x.id, 'data-format': f,
        'aria-describedby': 'dl-label-' + x.id, text: FORMAT_LABEL[f] });
      a.addEventListener('click', async e => {
        e.preventDefault();
        if (a.getAttribute('aria-disabled') === 'true') return;
        try {
          await save(a.href, ACCEPT[f], a.getAttribute('download'));
          details.open = false;
        } catch (err) {
          onError(err);
        }
      });
      return a;
    })))));
  // Escape closes the menu and gives the focus back to its button.
  details.addEventListener('keydown', e => {
    if (e.key === 'Escape' && details.open) {
      details.open = false;
      details.querySelector('summary').focus();
    }
  });
  document.addEventListener('click', e => { if (details.open && !details.contains(e.target)) details.open = false; });
  updateDownloads({ filters, analyst });
}

// updateDownloads puts the filters on screen into every link of the menu.
export function updateDownloads({ filters, analyst }) {
  const p = filters();
  const noTypes = Array.isArray(p.types) && p.types.length === 0;
  for (const li of document.querySelectorAll('#download-list .dl-item')) {
    const x = EXPORTS.find(e => e.id === li.dataset.export);
    li.hidden = !!x.analyst && !analyst();
    const off = (x.needsArea && !p.area) || (noTypes && !x.id.startsWith('area-table'));
    for (const a of li.querySelectorAll('a.dl-link')) {
      const f = a.dataset.format;
      a.href = downloadURL(x.id, f, p);
      a.setAttribute('download', fileName(x, f, p));
      a.setAttribute('aria-disabled', off ? 'true' : 'false');
    }
    if (x.needsArea) {
      li.querySelector('.dl-label').textContent = p.area ? `Area table: ${p.areaName || p.area}` : 'Area table (open an area first)';
    }
  }
  const sub = document.getElementById('downloads-filters');
  if (sub) sub.textContent = p.summary || '';
}

// fileName is the name a file is saved under (the server's
// Content-Disposition names it too).
function fileName(x, f, p) {
  const parts = [x.id, p.layer];
  if (x.id.startsWith('area-table')) {
    if (p.area && x.needsArea) parts.push(p.area);
    parts.push(p.to);
  } else {
    parts.push(p.from + '_' + p.to);
  }
  return parts.filter(Boolean).join('-').replace(/[^A-Za-z0-9_.-]/g, '_') + '.' + f;
}
