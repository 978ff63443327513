package geo

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// TestIndexGridSize holds the bucket grid to its stated rule: about 16
// buckets per area and 2 edges per bucket (side = ceil(sqrt(max(16 areas,
// vertices/2)))), at least 8 and at most 1024 a side, the buckets splitting
// the layer's bounds evenly. Any grid gives the same answers (that is what
// the brute-force comparisons check), so only this test notices a grid of
// the wrong size: a million-vertex ring in 8 x 8 buckets is the 50 ms a point
// of issue 9. The expected sides are worked by hand from the rule.
func TestIndexGridSize(t *testing.T) {
	squares := func(n int) []Area {
		var out []Area
		for i := range n {
			x := float64(i%50) * 0.01
			y := float64(i/50) * 0.01
			out = append(out, squareArea(fmt.Sprint(i), -1.5+x, 54.4+y, -1.5+x+0.008, 54.4+y+0.008))
		}
		return out
	}
	big := func(n int) []Area {
		return []Area{{Code: "big", Geometry: orb.MultiPolygon{{wigglyRing(n)}}}}
	}
	tests := []struct {
		name  string
		areas []Area
		side  int
	}{
		// 1 area: max(16, 5/2) = 16, sqrt 4, raised to the floor of 8.
		{"one square", squares(1), 8},
		// 4 areas: max(64, 10) = 64, sqrt 8.
		{"four squares", squares(4), 8},
		// 5 areas: max(80, 12.5) = 80, sqrt 8.94 -> 9.
		{"five squares", squares(5), 9},
		// 100 areas: max(1600, 250) = 1600, sqrt 40.
		{"a hundred squares", squares(100), 40},
		// 20,001 vertices (20,000 and the closing one): max(16, 10000.5), sqrt 100.0025 -> 101.
		{"ring of 20,000", big(20_000), 101},
		// 2,500,001 vertices: sqrt(1,250,000.5) = 1118.03 -> capped at 1024
		// (built only without -short: a few seconds).
		{"ring of 2,500,000", nil, 1024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.areas == nil {
				if testing.Short() {
					t.Skip("the 1024 cap needs a 2.5 million vertex ring; checked without -short")
				}
				tt.areas = big(2_500_000)
			}
			l := mustLayer(t, tt.name, tt.areas)
			if l.nx != tt.side || l.ny != tt.side {
				t.Fatalf("grid %d x %d, want %d x %d", l.nx, l.ny, tt.side, tt.side)
			}
			b := l.Bound()
			wantW := (b.Max[0] - b.Min[0]) / float64(tt.side)
			wantH := (b.Max[1] - b.Min[1]) / float64(tt.side)
			if math.Abs(l.cellW-wantW) > 1e-15 || math.Abs(l.cellH-wantH) > 1e-15 {
				t.Errorf("buckets %g x %g degrees, want the bounds split evenly: %g x %g", l.cellW, l.cellH, wantW, wantH)
			}
		})
	}
	// A layer of one point has empty bounds: the buckets keep a width.
	l := mustLayer(t, "point", []Area{{Code: "p", Geometry: orb.MultiPolygon{{{{-1.3, 54.5}, {-1.3, 54.5}, {-1.3, 54.5}, {-1.3, 54.5}}}}}})
	if l.cellW != 1e-12 || l.cellH != 1e-12 {
		t.Errorf("buckets of a zero-size layer %g x %g, want 1e-12 x 1e-12", l.cellW, l.cellH)
	}
	if got := l.Locate(orb.Point{-1.3, 54.5}); got != 0 {
		t.Errorf("Locate on the zero-size area's point = %d, want 0 (boundary is inside)", got)
	}
}
