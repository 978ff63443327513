// streets.js: street and place names from the data at hand. police.uk
// names each anonymous map point "On or near" a street or a kind of place;
// the server groups them (/api/v1/streets, GeoJSON points, no figures) and
// the map writes them at street zoom, so a hot spot can be found on the
// ground with no basemap at all.

import { getJSON } from './api.js';

export const STREET_MIN_ZOOM = 15;

// addStreetLabels adds the labels under the area names; the data come
// after the map is up, so a slow or failed fetch never holds the map back.
export async function addStreetLabels(map, font) {
  map.addSource('streets', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  const before = map.getLayer('area-labels') ? 'area-labels' : undefined;
  map.addLayer({
    id: 'street-labels', type: 'symbol', source: 'streets', minzoom: STREET_MIN_ZOOM,
    filter: ['!', ['get', 'generic']],
    layout: {
      'text-field': ['get', 'name'],
      'text-font': font,
      'text-size': ['interpolate', ['linear'], ['zoom'], 15, 12, 18, 15],
      'text-max-width': 9,
      'text-padding': 3,
      'text-variable-anchor': ['top', 'bottom', 'left', 'right'],
      'text-radial-offset': 0.6,
      'symbol-sort-key': ['get', 'rank'],
    },
    paint: { 'text-color': '#1f2a36', 'text-halo-color': '#ffffff', 'text-halo-width': 1.6 },
  }, before);
  // police.uk's unnamed kinds of place ("Supermarket") say what is there,
  // in italics-like lighter type under the street names.
  map.addLayer({
    id: 'place-labels', type: 'symbol', source: 'streets', minzoom: STREET_MIN_ZOOM + 1,
    filter: ['get', 'generic'],
    layout: {
      'text-field': ['get', 'name'],
      'text-font': font,
      'text-size': 11.5,
      'text-max-width': 8,
      'text-padding': 3,
      'text-variable-anchor': ['top', 'bottom', 'left', 'right'],
      'text-radial-offset': 0.6,
      'symbol-sort-key': ['get', 'rank'],
    },
    paint: { 'text-color': '#3d4a57', 'text-halo-color': '#ffffff', 'text-halo-width': 1.6 },
  }, before);
  const fc = await getJSON('/api/v1/streets');
  map.getSource('streets').setData(fc);
  return fc.features.length;
}
