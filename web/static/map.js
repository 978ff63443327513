// map.js: the MapLibre map. It reads well with no basemap at all (a light
// background, area outlines named by labels, a scale bar); a basemap style
// from /api/v1/config goes underneath when one is configured.
//
// Sources are the server's vector tilesets (/tiles/{name}.json, TileJSON):
// cells (H3 hexagons coloured by the measure), areas (outlines, names,
// figures), hotspots (significant Gi* zones, outlined) and incidents (street
// zoom). The page fetches each TileJSON itself, so a missing endpoint shows
// the server's message instead of a silently empty map.

import * as maplibregl from './vendor/maplibre-gl-6.17.0/maplibre-gl.mjs';
import { getJSON, query, authHeaders } from './api.js';

export const LAYER_IDS = {
  cells: 'cells-fill',
  areas: 'areas-fill',
  areaLines: 'areas-line',
  labels: 'area-labels',
  hotspots: 'hotspots-line',
  incidents: 'incidents-circle',
};

// Sequential purples for the measure (low to high): a hue the hot (red) and
// cold (blue) outlines do not use, so the two readings never mix. Every
// class, the lightest included, has at least 3:1 contrast against the map's
// background (WCAG 2.2 non-text contrast; 3.1:1 to 13.6:1), drawn opaque.
export const MAP_BACKGROUND = '#eef0eb';
export const CELL_COLOURS = ['#8e7cc3', '#7a64b5', '#664ea6', '#533895', '#3f2382', '#2b0e63'];
export const ZERO_COLOUR = '#7c8287';

// Hot and cold spot outlines, after ArcGIS Hot Spot Analysis's colours.
export const HOT_BINS = [
// ArcGIS's lightest hot and cold colours (#f4a582, #92c5de) are under
// 2:1 against the background, so 90% and 95% are darker here (3.7:1 or
// more) and the confidence also shows in the line width.
  { bin: 3, label: 'Hot spot, 99% confidence', colour: '#b2182b', width: 3.2 },
  { bin: 2, label: 'Hot spot, 95% confidence', colour: '#d2452a', width: 2.6 },
  { bin: 1, label: 'Hot spot, 90% confidence', colour: '#b85c00', width: 2.2 },
  { bin: -1, label: 'Cold spot, 90% confidence', colour: '#3d7fb8', width: 2.2 },
  { bin: -2, label: 'Cold spot, 95% confidence', colour: '#2166ac', width: 2.6 },
  { bin: -3, label: 'Cold spot, 99% confidence', colour: '#173f73', width: 3.2 },
];

const FONT = ['Arial Bold', 'Liberation Sans Bold', 'DejaVu Sans Bold'];
const EMPTY = { type: 'FeatureCollection', features: [] };

function abs(u) { return new URL(u, location.href).href; }

// resolveTemplate makes a tile URL template absolute without encoding its
// {z}/{x}/{y} (URL() would turn the braces into %7B...%7D).
function resolveTemplate(t, base) {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) return t;
  const b = new URL(base);
  if (t.startsWith('//')) return b.protocol + t;
  if (t.startsWith('/')) return b.origin + t;
  return b.origin + b.pathname.replace(/[^/]*$/, '') + t;
}

// createMap builds the map in container; basemapStyle is an optional style
// URL placed under the data layers.
export async function createMap(container, { basemapStyle, bounds, onError } = {}) {
  let style = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': MAP_BACKGROUND } }],
  };
  let font = FONT;
  if (basemapStyle) {
    try {
      style = await getJSON(abs(basemapStyle));
      const sym = (style.layers || []).find(l => l.type === 'symbol' && l.layout && Array.isArray(l.layout['text-font']));
      if (sym) font = sym.layout['text-font'];
    } catch (err) {
      onError && onError('basemap', 'The basemap could not be loaded, so the map is shown without one: ' + err.message);
      style = { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0eb' } }] };
    }
  }
  const map = new maplibregl.Map({
    container,
    style,
    bounds: bounds || [-1.46, 54.46, -1.15, 54.65],
    fitBoundsOptions: { padding: 24 },
    minZoom: 7,
    maxZoom: 18,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    cooperativeGestures: false,
    hash: false,
    fadeDuration: 150,
    // The access token (if any) goes with this server's own requests only.
    transformRequest: url => (new URL(url, location.href).origin === location.origin ? { url, headers: authHeaders() } : { url }),
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation && map.keyboard.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ maxWidth: 120, unit: 'metric' }), 'bottom-left');
  await new Promise(resolve => map.loaded() ? resolve() : map.once('load', resolve));
  addLayers(map, font);
  return map;
}

// specs lists every layer in drawing order (bottom first). Vector layers
// are added once their source exists (after its TileJSON has loaded).
function specs(font) {
  return [
    {
      id: LAYER_IDS.cells, type: 'fill', source: 'cells', 'source-layer': 'cells',
      paint: { 'fill-color': CELL_COLOURS[2], 'fill-opacity': 1, 'fill-antialias': true },
    },
    {
      id: 'cells-edge', type: 'line', source: 'cells', 'source-layer': 'cells', minzoom: 13,
      paint: { 'line-color': 'rgba(255,255,255,0.55)', 'line-width': 0.6 },
    },
    {
      id: LAYER_IDS.areas, type: 'fill', source: 'areas', 'source-layer': 'areas',
      paint: { 'fill-color': '#0f2a44', 'fill-opacity': 0 },
    },
    {
      id: 'areas-hover', type: 'fill', source: 'areas', 'source-layer': 'areas', filter: ['==', ['get', 'code'], ''],
      paint: { 'fill-color': '#0f2a44', 'fill-opacity': 0.08 },
    },
    {
      id: 'areas-casing', type: 'line', source: 'areas', 'source-layer': 'areas',
      paint: { 'line-color': 'rgba(255,255,255,0.8)', 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 2, 14, 4] },
    },
    {
      id: LAYER_IDS.areaLines, type: 'line', source: 'areas', 'source-layer': 'areas',
      paint: { 'line-color': '#3a4652', 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.8, 14, 1.8] },
    },
    // Hot spot zones: a white casing under each coloured outline keeps it
    // readable on any cell colour or basemap.
    {
      id: 'hotspots-casing', type: 'line', source: 'hotspots', 'source-layer': 'hotspots',
      filter: ['!=', ['to-number', ['get', 'bin'], 0], 0],
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#ffffff', 'line-opacity': 0.9, 'line-width': binExpr('width', 2.5) },
    },
    {
      id: LAYER_IDS.hotspots, type: 'line', source: 'hotspots', 'source-layer': 'hotspots',
      filter: ['!=', ['to-number', ['get', 'bin'], 0], 0],
      layout: { 'line-join': 'round' },
      paint: { 'line-color': binExpr('colour'), 'line-width': binExpr('width') },
    },
    {
      id: 'hotspots-hit', type: 'fill', source: 'hotspots', 'source-layer': 'hotspots',
      filter: ['!=', ['to-number', ['get', 'bin'], 0], 0],
      paint: { 'fill-color': '#000', 'fill-opacity': 0 },
    },
    {
      id: 'cells-hover', type: 'line', source: 'cells', 'source-layer': 'cells', filter: ['==', ['get', 'cell'], ''],
      paint: { 'line-color': '#111', 'line-width': 2 },
    },
    {
      id: 'areas-selected-casing', type: 'line', source: 'areas', 'source-layer': 'areas', filter: ['==', ['get', 'code'], ''],
      paint: { 'line-color': '#ffffff', 'line-width': 7, 'line-opacity': 0.9 },
    },
    {
      id: 'areas-selected', type: 'line', source: 'areas', 'source-layer': 'areas', filter: ['==', ['get', 'code'], ''],
      paint: { 'line-color': '#0f2a44', 'line-width': 3.5 },
    },
    {
      id: 'cells-selected', type: 'line', source: 'cells', 'source-layer': 'cells', filter: ['==', ['get', 'cell'], ''],
      paint: { 'line-color': '#ffb000', 'line-width': 3.5 },
    },
    {
      id: LAYER_IDS.incidents, type: 'circle', source: 'incidents', 'source-layer': 'incidents', minzoom: 15,
      paint: {
        'circle-color': '#17212b',
        'circle-opacity': 0.85,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.2,
        'circle-radius': ['interpolate', ['linear'], ['sqrt', ['to-number', ['get', 'count'], 1]], 1, 4, 10, 14],
      },
    },
    {
      id: LAYER_IDS.labels, type: 'symbol', source: 'area-labels',
      layout: {
        'text-field': ['get', 'name'],
        'text-font': font,
        'text-size': ['interpolate', ['linear'], ['zoom'], 9, 10.5, 12, 13, 15, 15],
        'text-max-width': 7,
        'text-padding': 2,
        'text-variable-anchor': ['center', 'top', 'bottom', 'left', 'right'],
        'text-radial-offset': 0.4,
        'text-justify': 'auto',
        'text-allow-overlap': false,
        'symbol-sort-key': ['get', 'sort'],
      },
      paint: {
        'text-color': '#15202b',
        'text-halo-color': 'rgba(255,255,255,0.95)',
        'text-halo-width': 1.8,
      },
    },
  ];
}

function addLayers(map, font) {
  map._hotspotsFont = font;
  map._hotspotsSpecs = specs(font);
  map.addSource('area-labels', { type: 'geojson', data: EMPTY });
  addLayersOf(map, 'area-labels');
}

// addLayersOf adds the layers of one source, each under the first later
// layer already on the map, so drawing order follows specs().
function addLayersOf(map, source) {
  const all = map._hotspotsSpecs;
  all.forEach((spec, i) => {
    if (spec.source !== source || map.getLayer(spec.id)) return;
    const before = all.slice(i + 1).find(s => map.getLayer(s.id));
    map.addLayer(spec, before ? before.id : undefined);
  });
}

// setSourceVisible shows or hides every layer drawn from the named sources,
// now and when they are re-added.
export function setSourceVisible(map, sources, visible) {
  const v = visible ? 'visible' : 'none';
  for (const spec of map._hotspotsSpecs) {
    if (!sources.includes(spec.source)) continue;
    spec.layout = { ...spec.layout, visibility: v };
    if (map.getLayer(spec.id)) map.setLayoutProperty(spec.id, 'visibility', v);
  }
}

// setPaint and setFilter keep a paint property or filter through source
// replacement.
export function setPaint(map, id, prop, value) {
  const spec = map._hotspotsSpecs.find(s => s.id === id);
  if (spec) { spec.paint = { ...spec.paint, [prop]: value }; }
  if (map.getLayer(id)) map.setPaintProperty(id, prop, value);
}
export function setFilter(map, id, filter) {
  const spec = map._hotspotsSpecs.find(s => s.id === id);
  if (spec) spec.filter = filter;
  if (map.getLayer(id)) map.setFilter(id, filter);
}

function binExpr(key, add = 0) {
  const e = ['match', ['to-number', ['get', 'bin'], 0]];
  for (const b of HOT_BINS) e.push(b.bin, key === 'colour' ? b.colour : b.width + add);
  e.push(key === 'colour' ? 'rgba(0,0,0,0)' : 0);
  return e;
}

// setTileset points source name at /tiles/{name}.json with the filters: it
// fetches the TileJSON (so an error is the server's message) and sets the
// source's tile URLs, zoom range and bounds.
export async function setTileset(map, name, params, signal) {
  const url = abs(`/tiles/${name}.json${query(params)}`);
  const tj = await getJSON(url, { signal });
  const tiles = (tj.tiles || []).map(t => resolveTemplate(t, url));
  if (!tiles.length) throw new Error(`The server's TileJSON for ${name} lists no tiles.`);
  const want = { minzoom: tj.minzoom ?? 0, maxzoom: tj.maxzoom ?? 14 };
  if (Array.isArray(tj.bounds) && tj.bounds.length === 4) want.bounds = tj.bounds;
  const src = map.getSource(name);
  // A source's zoom range and bounds cannot change in place: a new one
  // replaces it (with its layers); otherwise only the tile URLs change.
  if (src && JSON.stringify(src._hotspotsSpec) === JSON.stringify(want)) {
    src.setTiles(tiles);
  } else {
    for (const spec of map._hotspotsSpecs) if (spec.source === name && map.getLayer(spec.id)) map.removeLayer(spec.id);
    if (src) map.removeSource(name);
    map.addSource(name, { type: 'vector', tiles, ...want });
    map.getSource(name)._hotspotsSpec = want;
    addLayersOf(map, name);
  }
  return tj;
}

// niceUp rounds v up to 1, 2, 2.5 or 5 times a power of ten.
function niceUp(v) {
  if (v <= 1) return 1;
  const e = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10]) if (m * e >= v - 1e-9) return m * e;
  return 10 * e;
}

// breaksFor picks class breaks for the values shown: quantiles of the
// non-zero values, rounded to friendly numbers. Each break is the lowest
// value of its class.
export function breaksFor(values, integer) {
  const v = values.filter(x => x > 0).sort((a, b) => a - b);
  if (!v.length) return [];
  const q = p => v[Math.min(v.length - 1, Math.floor(p * (v.length - 1)))];
  const out = [];
  let prev = integer ? 1 : 0;
  const top = v[v.length - 1];
  for (const p of [0.4, 0.7, 0.85, 0.95, 0.99]) {
    // a class starts just above a friendly number: 1-10, 11-20, 21-50 ...
    const b = integer ? niceUp(q(p)) + 1 : niceUp(q(p));
    if (b > prev + (integer ? 1 : 0) && b <= top) { out.push(b); prev = b; }
  }
  return out;
}

// colourExpr: step expression over the measure with the given breaks.
export function colourExpr(measure, breaks) {
  // A withheld small count ("<3", for viewers) colours as the lowest class.
  const v = ['case', ['==', ['typeof', ['get', measure]], 'string'], 1, ['to-number', ['get', measure], 0]];
  if (!breaks.length) return ['case', ['<=', v, 0], ZERO_COLOUR, CELL_COLOURS[0]];
  const step = ['step', v, CELL_COLOURS[0]];
  breaks.forEach((b, i) => step.push(b, CELL_COLOURS[Math.min(i + 1, CELL_COLOURS.length - 1)]));
  return ['case', ['<=', v, 0], ZERO_COLOUR, step];
}

// --- Area labels --------------------------------------------------------
// Area names are placed client side: tiles cut a polygon into pieces, and
// labelling each piece would repeat a name. For each area the largest piece
// loaded gets one label at its pole of inaccessibility.

export function labelPoints(map) {
  const feats = map.querySourceFeatures('areas', { sourceLayer: 'areas' });
  const best = new Map();
  for (const f of feats) {
    const p = f.properties || {};
    const code = p.code;
    if (!code) continue;
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : [];
    for (const poly of polys) {
      const a = Math.abs(ringArea(poly[0]));
      const cur = best.get(code);
      if (!cur || a > cur.a) best.set(code, { a, poly, name: p.name || code, rank: p.rank });
    }
  }
  const features = [];
  for (const [code, b] of best) {
    const pt = polylabel(b.poly, 0.0002);
    features.push({ type: 'Feature', properties: { code, name: b.name, sort: -b.a }, geometry: { type: 'Point', coordinates: pt } });
  }
  return { type: 'FeatureCollection', features };
}

function ringArea(r) {
  let s = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) s += (r[j][0] - r[i][0]) * (r[j][1] + r[i][1]);
  return s / 2;
}

// polylabel: pole of inaccessibility of a polygon (Mapbox's algorithm,
// simplified): the interior point farthest from the outline.
function polylabel(polygon, precision) {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of polygon[0]) {
    if (x < minX) minX = x; if (y < minY) minY = y; if (x > maxX) maxX = x; if (y > maxY) maxY = y;
  }
  const w = maxX - minX, h = maxY - minY, size = Math.min(w, h);
  if (size === 0) return [minX, minY];
  const cells = [];
  const mk = (x, y, hs) => { const d = pointToPolygonDist(x, y, polygon); return { x, y, h: hs, d, max: d + hs * Math.SQRT2 }; };
  for (let x = minX; x < maxX; x += size) for (let y = minY; y < maxY; y += size) cells.push(mk(x + size / 2, y + size / 2, size / 2));
  let best = centroidCell(polygon, mk);
  const bbox = mk(minX + w / 2, minY + h / 2, 0);
  if (bbox.d > best.d) best = bbox;
  let guard = 0;
  while (cells.length && guard++ < 5000) {
    cells.sort((a, b) => a.max - b.max);
    const c = cells.pop();
    if (c.d > best.d) best = c;
    if (c.max - best.d <= precision) continue;
    const hs = c.h / 2;
    cells.push(mk(c.x - hs, c.y - hs, hs), mk(c.x + hs, c.y - hs, hs), mk(c.x - hs, c.y + hs, hs), mk(c.x + hs, c.y + hs, hs));
  }
  return [best.x, best.y];
}

function centroidCell(polygon, mk) {
  let area = 0, x = 0, y = 0;
  const pts = polygon[0];
  for (let i = 0, len = pts.length, j = len - 1; i < len; j = i++) {
    const a = pts[i], b = pts[j], f = a[0] * b[1] - b[0] * a[1];
    x += (a[0] + b[0]) * f; y += (a[1] + b[1]) * f; area += f * 3;
  }
  return area === 0 ? mk(pts[0][0], pts[0][1], 0) : mk(x / area, y / area, 0);
}

function pointToPolygonDist(x, y, polygon) {
  let inside = false, min = Infinity;
  for (const ring of polygon) {
    for (let i = 0, len = ring.length, j = len - 1; i < len; j = i++) {
      const a = ring[i], b = ring[j];
      if ((a[1] > y) !== (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]) inside = !inside;
      min = Math.min(min, segDist2(x, y, a, b));
    }
  }
  return (inside ? 1 : -1) * Math.sqrt(min);
}

function segDist2(px, py, a, b) {
  let x = a[0], y = a[1], dx = b[0] - x, dy = b[1] - y;
  if (dx !== 0 || dy !== 0) {
    const t = ((px - x) * dx + (py - y) * dy) / (dx * dx + dy * dy);
    if (t > 1) { x = b[0]; y = b[1]; } else if (t > 0) { x += dx * t; y += dy * t; }
  }
  dx = px - x; dy = py - y;
  return dx * dx + dy * dy;
}

// cellRes reads an H3 cell's resolution from its hex string.
export function cellRes(h3) {
  return typeof h3 === 'string' && h3.length >= 2 ? parseInt(h3[1], 16) : NaN;
}

export { maplibregl };
