// Package geo holds the project's spatial foundations: coordinates (WGS84
// lon/lat as orb.Point{lon, lat}, and British National Grid), H3 cells, and
// area layers (wards, town centres, LSOAs) with a fast point-to-area index.
//
// It imports nothing of this project. H3 types stay inside this package:
// callers see Cell, a plain 64-bit H3 index, and orb geometries.
package geo
