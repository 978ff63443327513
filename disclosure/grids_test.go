package disclosure

import (
	"cmp"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
)

// flower is a cell and its six neighbours, sorted as engine.Hotspots holds
// them, and the index of the centre.
func flower(t *testing.T, p orb.Point) ([]engine.HotCell, int) {
	t.Helper()
	c, err := geo.CellAt(p, 9)
	if err != nil {
		t.Fatal(err)
	}
	disk, err := c.Disk(1)
	if err != nil {
		t.Fatal(err)
	}
	cells := make([]engine.HotCell, len(disk))
	for i, d := range disk {
		cells[i] = engine.HotCell{Cell: d}
	}
	slices.SortFunc(cells, func(a, b engine.HotCell) int { return cmp.Compare(a.Cell, b.Cell) })
	i, _ := slices.BinarySearchFunc(cells, c, func(h engine.HotCell, t geo.Cell) int { return cmp.Compare(h.Cell, t) })
	return cells, i
}

// The policy keeps Gi* neighbour lists in internal/cache, bounded in grids
// and bytes, and a list from the cache is the one worked out by hand: in a
// flower of seven hexagons at k = 1 the centre touches six, each petal three
// (the centre and the two petals beside it).
func TestGridCacheBoundedAndRight(t *testing.T) {
	p := New(Options{})
	gc := p.gridCache()
	for n := range 20 {
		cells, centre := flower(t, orb.Point{-1.31 + 0.01*float64(n), 54.57})
		for range 2 {
			nbrs, err := neighbours(gc, cells, 1)
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range nbrs {
				want := 3
				if i == centre {
					want = 6
				}
				if len(l) != want {
					t.Fatalf("grid %d cell %d: %d neighbours, want %d", n, i, len(l), want)
				}
			}
		}
	}
	s := gc.Stats()
	if s.Entries > gridsKept || s.Bytes > gridBytes || s.Bytes <= 0 {
		t.Errorf("grid cache holds %d grids, %d bytes; want at most %d grids, %d bytes, and a size charged", s.Entries, s.Bytes, gridsKept, gridBytes)
	}
	if s.Hits != 20 || s.Misses != 20 || s.Evicted != 4 {
		t.Errorf("grid cache stats %+v; want 20 hits, 20 misses, 4 evicted", s)
	}
}
