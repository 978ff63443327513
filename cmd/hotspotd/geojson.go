package main

import (
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/engine"
)

// hotspotsGeoJSON is a hot spot map as RFC 7946 GeoJSON: one hexagon per
// study cell (WGS84 lon/lat, counter-clockwise rings).
func hotspotsGeoJSON(h *engine.Hotspots) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, c := range h.Cells {
		f := geojson.NewFeature(orb.Polygon{c.Cell.Boundary()})
		f.ID = c.Cell.String()
		f.Properties = geojson.Properties{
			"cell": c.Cell.String(), "count": c.Count, "harm": c.Harm, "z": c.Z, "p": c.P,
			"bin": c.Bin, "bin_uncorrected": c.BinUncorrected, "bin_label": engine.BinLabel(c.Bin), "areas": strings.Join(c.Areas, "; "),
		}
		fc.Append(f)
	}
	return fc
}
