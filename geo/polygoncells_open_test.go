package geo

import (
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// TestPolygonCellsOpenAndClosedRings: H3 loops are closed implicitly, so a
// ring given closed (last vertex = first) and the same ring left open must
// give the same cells, and those are h3-go's own answer for the loop of the
// distinct vertices. The triangle round Stockton town centre has no edge
// that dropping one vertex would leave in place.
func TestPolygonCellsOpenAndClosedRings(t *testing.T) {
	open := orb.Ring{{-1.33, 54.55}, {-1.29, 54.55}, {-1.31, 54.58}}
	closed := append(slices.Clone(open), open[0])
	var loop h3.GeoLoop
	for _, p := range open {
		loop = append(loop, h3.NewLatLng(p[1], p[0]))
	}
	const res = 10
	ref, err := h3.PolygonToCells(h3.GeoPolygon{GeoLoop: loop}, res)
	if err != nil {
		t.Fatal(err)
	}
	var want []Cell
	for _, c := range ref {
		want = append(want, Cell(c))
	}
	slices.Sort(want)
	if len(want) < 50 {
		t.Fatalf("h3 gives %d cells: the triangle is too small to test", len(want))
	}
	for name, r := range map[string]orb.Ring{"open": open, "closed": closed} {
		got, err := PolygonCells(orb.Polygon{r}, res)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s ring: %d cells, h3 gives %d for the triangle", name, len(got), len(want))
		}
	}
}
