package report

import (
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/engine"
)

// ReadOperationZones takes polygons and multipolygons with their label (or
// name) and owner, and refuses a point or coordinates that are not WGS84,
// in words engine.UserMessage shows without the package prefix.
func TestReadOperationZones(t *testing.T) {
	const ok = `{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"name":"Station Road","owner":"PC Hall"},"geometry":{"type":"Polygon","coordinates":[[[-1.31,54.56],[-1.30,54.56],[-1.30,54.57],[-1.31,54.56]]]}},
	 {"type":"Feature","properties":{"label":"High Street","name":"ignored"},"geometry":{"type":"MultiPolygon","coordinates":[[[[-1.32,54.56],[-1.31,54.56],[-1.31,54.57],[-1.32,54.56]]],[[[-1.33,54.56],[-1.32,54.56],[-1.32,54.57],[-1.33,54.56]]]]}}]}`
	zs, err := ReadOperationZones([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if len(zs) != 2 || zs[0].Label != "Station Road" || zs[0].Owner != "PC Hall" || len(zs[0].Geometry) != 1 ||
		zs[1].Label != "High Street" || zs[1].Owner != "" || len(zs[1].Geometry) != 2 {
		t.Fatalf("zones %+v", zs)
	}
	for _, tt := range []struct{ in, want string }{
		{`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[-1.3,54.5]}}]}`, "feature 1 is a"},
		{`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[445000,520000],[446000,520000],[446000,521000],[445000,520000]]]}}]}`, "feature 1 is not in longitude and latitude (WGS84)"},
		{`not json`, "not a GeoJSON FeatureCollection"},
	} {
		_, err := ReadOperationZones([]byte(tt.in))
		if err == nil || !strings.HasPrefix(engine.UserMessage(err), tt.want) {
			t.Errorf("%.40s: error %v, want a message starting %q", tt.in, err, tt.want)
		}
	}
}
