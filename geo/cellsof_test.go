package geo

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// TestCellsOf checks CellsOf and Cells.At against h3-go asked directly, one
// resolution at a time, at points where the finer cell's parent is not the
// coarser cell holding the point (so a parent walk would differ), and the
// resolutions either side of MinRes..BaseRes.
func TestCellsOf(t *testing.T) {
	for _, p := range []orb.Point{stockton, {-1.2346, 54.5741}, {-1.0, 54.6}, {0, 0}, {179.9, -89.9}} {
		cs, err := CellsOf(p)
		if err != nil {
			t.Fatalf("CellsOf(%v): %v", p, err)
		}
		for res := MinRes; res <= BaseRes; res++ {
			want, err := h3.LatLngToCell(h3.NewLatLng(p[1], p[0]), res)
			if err != nil {
				t.Fatal(err)
			}
			if got := cs.At(res); got != Cell(want) {
				t.Errorf("CellsOf(%v).At(%d) = %v, h3 says %v", p, res, got, want)
			}
		}
		for _, res := range []int{-1, 0, MinRes - 1, BaseRes + 1, 15} {
			if got := cs.At(res); got != 0 {
				t.Errorf("CellsOf(%v).At(%d) = %v, want 0 (outside %d..%d)", p, res, got, MinRes, BaseRes)
			}
		}
	}
	for _, p := range []orb.Point{{math.NaN(), 54}, {-1.3, 91}, {181, 54}} {
		if cs, err := CellsOf(p); !errors.Is(err, ErrInvalidPoint) || cs != (Cells{}) {
			t.Errorf("CellsOf(%v) = %v, %v; want no cells and ErrInvalidPoint", p, cs, err)
		}
	}
}
