package geo

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// TestLocateUnclosedRings: NewLayer takes areas as given, and a ring whose
// last vertex is not its first is closed as orb's RingContains closes it
// (last vertex to first). The closing edges here are diagonal, so a ray cast
// that left them out would put the points between them and the other edges
// on the wrong side. The answer for each lattice point comes from plain ray
// casting (orb's planar.RingContains), and two cases are worked by hand.
func TestLocateUnclosedRings(t *testing.T) {
	areas := []Area{
		// The triangle below the diagonal from (0,0) to (2,2).
		{Code: "tri", Geometry: orb.MultiPolygon{{{{0, 0}, {2, 0}, {2, 2}}}}},
		// A triangle whose closing edge runs from (6,3) back to (3,0), with
		// a triangular hole, also unclosed, whose closing edge runs from
		// (4.5,1) to (5.5,2).
		{Code: "tri2", Geometry: orb.MultiPolygon{{
			{{3, 0}, {6, 0}, {6, 3}},
			{{5.5, 2}, {5.5, 1}, {4.5, 1}},
		}}},
	}
	l := mustLayer(t, "unclosed", areas)
	for _, c := range []struct {
		p    orb.Point
		want int
	}{
		{orb.Point{1.5, 0.5}, 0},  // below the closing edge: inside
		{orb.Point{0.5, 1.5}, -1}, // above it: outside
		{orb.Point{5.8, 0.2}, 1},
		{orb.Point{5.4, 1.2}, -1}, // in the hole, below its closing edge
		{orb.Point{4.7, 1.5}, 1},  // above the hole's closing edge
	} {
		if got := l.Locate(c.p); got != c.want {
			t.Errorf("Locate(%v) = %d, want %d (worked by hand)", c.p, got, c.want)
		}
	}
	ref := func(p orb.Point) int {
		for i, a := range areas {
			if planar.MultiPolygonContains(a.Geometry, p) {
				return i
			}
		}
		return -1
	}
	checked, bad := 0, 0
	for i := -4; i <= 164; i++ {
		for j := -4; j <= 84; j++ {
			p := orb.Point{float64(i) * 0.0375, float64(j) * 0.0375}
			checked++
			if got, want := l.Locate(p), ref(p); got != want {
				bad++
				if bad <= 10 {
					t.Errorf("Locate(%v) = %d, ray casting %d", p, got, want)
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d lattice points disagree with ray casting", bad, checked)
	}
}
