package report

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/data"
)

// ReadOperationZones reads drawn or uploaded zones: a GeoJSON FeatureCollection of Polygon or
// MultiPolygon features in WGS84, with optional "label" (or "name") and "owner" properties.
func ReadOperationZones(b []byte) ([]data.OperationZone, error) {
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		return nil, fmt.Errorf("report: not a GeoJSON FeatureCollection: %w", err)
	}
	var out []data.OperationZone
	for i, f := range fc.Features {
		z := data.OperationZone{Label: f.Properties.MustString("label", f.Properties.MustString("name", "")),
			Owner: f.Properties.MustString("owner", "")}
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			z.Geometry = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			z.Geometry = g
		default:
			return nil, fmt.Errorf("report: feature %d is a %T, not a polygon", i+1, f.Geometry)
		}
		b := z.Geometry.Bound()
		if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
			return nil, fmt.Errorf("report: feature %d is not in longitude and latitude (WGS84)", i+1)
		}
		out = append(out, z)
	}
	return out, nil
}
