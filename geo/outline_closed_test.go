package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

// TestOutlineRingsClosed: Outline promises closed rings (RFC 7946: the last
// position equals the first), with one cell's outline as its six corners and
// the first again. The corners are the cell's own Boundary, which is h3's.
func TestOutlineRingsClosed(t *testing.T) {
	c, err := CellAt(stockton, 9)
	if err != nil {
		t.Fatal(err)
	}
	mp, err := Outline([]Cell{c})
	if err != nil {
		t.Fatal(err)
	}
	if len(mp) != 1 || len(mp[0]) != 1 {
		t.Fatalf("outline of one cell: %d polygons, want 1 with no hole", len(mp))
	}
	r := mp[0][0]
	if len(r) != 7 || r[0] != r[6] {
		t.Fatalf("outline of one hexagon has %d positions (first %v, last %v), want 6 corners and the first again", len(r), r[0], r[len(r)-1])
	}
	corners := map[orb.Point]bool{}
	for _, p := range c.Boundary()[:6] {
		corners[p] = true
	}
	for _, p := range r[:6] {
		if !corners[p] {
			t.Errorf("outline corner %v is not a corner of the cell", p)
		}
	}
}
