// Package tiles draws the map's Mapbox Vector Tiles (specification 2.1):
// the transport-free core behind /tiles/... in package web, which only
// adapts Renderer.Render and Renderer.Describe to HTTP.
//
// Four tile sets, each a single layer named after it:
//
//   - cells: H3 hexagons holding incidents, at the resolution CellRes gives
//     for the zoom (5 at zooms 0-6 up to 12 from zoom 16) so a hexagon is
//     several pixels across; properties count, harm, cost, top_type, cell
//     (the H3 string), and z and bin (Gi*, FDR-corrected) where the
//     resolution is a grid resolution (7..11, zooms 9-15) and the cell a
//     study cell of the layer. Feature id: the H3 index.
//   - areas: the polygons of an area layer with the figures of
//     engine.Ranking: code, name, count, harm, cost, rate (per 1,000
//     residents, absent without a population), rank. Feature id: the area's
//     position in the layer plus 1.
//   - hotspots: Zones, the significant Gi* cells merged into polygons
//     (connected hot cells, and connected cold cells); properties id, bin
//     (the strongest of the zone), cells, count, harm. Feature id: id.
//   - incidents: from zoom 15, one point per police.uk anonymous map point,
//     with count, name and the count of each crime type present. Feature id:
//     LocationID.
//
// Tiles are 4096 units square with a 64-unit buffer; polygons are clipped
// to the buffered tile, areas and zones are simplified per zoom (half a
// unit), and rings are wound as the specification requires: exterior rings
// clockwise on screen (positive area with y down), holes anticlockwise.
//
// Speed comes from precomputing, once per store version and query, each
// cell's figures (engine.CellFigures), outline in Web Mercator, and per zoom
// the tiles each cell meets, so that drawing a tile is projecting and
// encoding only. orb's encoding/mvt writes the protobuf; it is handed
// geometry already in tile coordinates, clipped, rounded and wound here,
// since it fixes no winding itself.
package tiles
