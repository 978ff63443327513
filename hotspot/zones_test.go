package hotspot

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/stockton-csp/hotspots/geo"
)

// stocktonHigh is a point on Stockton High Street.
var stocktonHigh = orb.Point{-1.3094, 54.5653}

func cellAt(tb testing.TB, p orb.Point, res int) geo.Cell {
	tb.Helper()
	c, err := geo.CellAt(p, res)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func disk(tb testing.TB, c geo.Cell, k int) []geo.Cell {
	tb.Helper()
	d, err := c.Disk(k)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// line walks n cells in a straight line from c through its neighbour next:
// each further cell is the neighbour of the last farthest from the one before.
func line(tb testing.TB, c, next geo.Cell, n int) []geo.Cell {
	tb.Helper()
	out := []geo.Cell{c, next}
	for len(out) < n {
		prev, last := out[len(out)-2], out[len(out)-1]
		var best geo.Cell
		var far float64
		for _, d := range disk(tb, last, 1) {
			if dist := orbgeo.DistanceHaversine(d.Center(), prev.Center()); dist > far {
				best, far = d, dist
			}
		}
		out = append(out, best)
	}
	return out[:n]
}

// trueWidth is the greatest distance between two corners of the cells
// (great-circle, orb's haversine): the width of their union, worked out
// independently of ZoneWidthM.
func trueWidth(cells []geo.Cell) float64 {
	var pts []orb.Point
	for _, c := range cells {
		pts = append(pts, c.Boundary()...)
	}
	var w float64
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			w = max(w, orbgeo.DistanceHaversine(pts[i], pts[j]))
		}
	}
	return w
}

func weighted(cells []geo.Cell, w ...float64) []ZoneCell {
	out := make([]ZoneCell, len(cells))
	for i, c := range cells {
		out[i] = ZoneCell{Cell: c, Weight: 1}
		if i < len(w) {
			out[i].Weight = w[i]
		}
	}
	return out
}

// zoneOf maps each cell to the index of its zone.
func zoneOf(zones [][]geo.Cell) map[geo.Cell]int {
	out := map[geo.Cell]int{}
	for i, z := range zones {
		for _, c := range z {
			out[c] = i
		}
	}
	return out
}

// TestGroupZones: cell sets whose right grouping is known by construction.
func TestGroupZones(t *testing.T) {
	c11 := cellAt(t, stocktonHigh, 11)
	ring11 := disk(t, c11, 1)
	// A straight line of resolution-11 cells, and the spacing of their
	// centres and a cell's radius (centre to corner), measured here.
	ln := line(t, c11, ring11[1], 12)
	spacing := orbgeo.DistanceHaversine(ln[0].Center(), ln[1].Center())
	var radius float64
	for _, v := range ln[0].Boundary() {
		radius = max(radius, orbgeo.DistanceHaversine(ln[0].Center(), v))
	}
	t.Logf("resolution 11 at Stockton: centres %.1f m apart, radius %.1f m", spacing, radius)
	// Four cells in a line span 3 spacings and two radii; a fifth adds a
	// spacing (about 50 m), so a limit 5 m over four cells' span fits four
	// and never five.
	fourWide := 3*spacing + 2*radius + 5

	t.Run("a compact group stays whole, however many cells", func(t *testing.T) {
		d2 := disk(t, c11, 2) // 19 cells, about 260 m across: the old cap of 7 cut it
		zones, err := GroupZones(weighted(d2, 5, 1, 9, 2), DefaultZoneWidthM)
		if err != nil {
			t.Fatal(err)
		}
		if len(zones) != 1 || len(zones[0]) != 19 {
			t.Fatalf("%d zones (%v), want one of 19 cells", len(zones), zones)
		}
		if w := trueWidth(d2); w > DefaultZoneWidthM {
			t.Fatalf("the disk is %.0f m across; the test needs it under 400 m", w)
		}
	})

	t.Run("an even line is cut into the fewest zones that fit", func(t *testing.T) {
		// Busiest at one end, even after it: three zones of four cells in
		// line order.
		zones, err := GroupZones(weighted(ln, 2), fourWide)
		if err != nil {
			t.Fatal(err)
		}
		want := [][]geo.Cell{ln[0:4], ln[4:8], ln[8:12]}
		if len(zones) != 3 {
			t.Fatalf("%d zones, want 3 of 4 cells: %v", len(zones), zones)
		}
		got := zoneOf(zones)
		for _, w := range want {
			for _, c := range w[1:] {
				if got[c] != got[w[0]] {
					t.Errorf("cells %s and %s of one run of four are in zones %d and %d", w[0], c, got[w[0]], got[c])
				}
			}
		}
	})

	t.Run("a wide group parts at its quiet cell, not at a count", func(t *testing.T) {
		// Ten cells in a line, busy but for the fifth; six fit in the limit.
		// By position alone the cut would fall after the sixth cell; the
		// weak link is the quiet cell.
		ten := ln[:10]
		sixWide := 5*spacing + 2*radius + 5
		w := []float64{9, 9, 9, 9, 1, 8, 8, 8, 8, 8}
		zones, err := GroupZones(weighted(ten, w...), sixWide)
		if err != nil {
			t.Fatal(err)
		}
		got := zoneOf(zones)
		if len(zones) != 2 {
			t.Fatalf("%d zones, want 2: %v", len(zones), zones)
		}
		for _, c := range ten[1:4] {
			if got[c] != got[ten[0]] {
				t.Errorf("the first busy run is split: %v", zones)
			}
		}
		for _, c := range ten[6:] {
			if got[c] != got[ten[5]] {
				t.Errorf("the second busy run is split: %v", zones)
			}
		}
		if got[ten[0]] == got[ten[5]] {
			t.Errorf("the two busy runs are one zone: %v", zones)
		}
		// the heavier zone first: 36 (+1) against 40 (+1)
		if got[ten[5]] != 0 {
			t.Errorf("zones not by weight: %v", zones)
		}
	})

	t.Run("two blobs joined by a quiet bridge part at the bridge", func(t *testing.T) {
		// Two seven-cell flowers four steps apart along the line, joined by
		// the quiet cell between them: 15 cells, about 360 m across.
		a, b := disk(t, ln[0], 1), disk(t, ln[4], 1)
		var cells []ZoneCell
		for _, c := range a {
			cells = append(cells, ZoneCell{Cell: c, Weight: 10})
		}
		for _, c := range b {
			cells = append(cells, ZoneCell{Cell: c, Weight: 6})
		}
		cells = append(cells, ZoneCell{Cell: ln[2], Weight: 1})
		all := append(append(slices.Clone(a), b...), ln[2])
		if w := trueWidth(all); w < 250 {
			t.Fatalf("the dumbbell is only %.0f m across", w)
		}
		zones, err := GroupZones(cells, 250)
		if err != nil {
			t.Fatal(err)
		}
		if len(zones) != 2 {
			t.Fatalf("%d zones, want the two flowers (the bridge with one): %v", len(zones), zones)
		}
		got := zoneOf(zones)
		for _, c := range a {
			if got[c] != got[a[0]] {
				t.Errorf("flower A split")
			}
		}
		for _, c := range b {
			if got[c] != got[b[0]] {
				t.Errorf("flower B split")
			}
		}
		if got[a[0]] == got[b[0]] {
			t.Error("one zone for both flowers")
		}
		for _, z := range zones {
			if w := trueWidth(z); w > 250 {
				t.Errorf("a zone of %d cells is %.0f m across, over 250", len(z), w)
			}
		}
	})

	t.Run("no limit: connected groups whole, apart from each other", func(t *testing.T) {
		far := disk(t, ln[8], 1)
		near := disk(t, ln[0], 1)
		zones, err := GroupZones(weighted(append(slices.Clone(near), far...)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(zones) != 2 || len(zones[0]) != 7 || len(zones[1]) != 7 {
			t.Fatalf("zones %v, want two of 7", zones)
		}
		// equal weights: the zone with the lower first cell first
		if zones[0][0] > zones[1][0] {
			t.Errorf("order %v", zones)
		}
	})

	t.Run("a cell wider than the limit is a zone of its own", func(t *testing.T) {
		c9 := cellAt(t, stocktonHigh, 9)
		pair := disk(t, c9, 1)[:2]
		zones, err := GroupZones(weighted(pair, 3, 4), DefaultZoneWidthM)
		if err != nil {
			t.Fatal(err)
		}
		if len(zones) != 2 || zones[0][0] != pair[1] {
			t.Fatalf("zones %v, want each resolution-9 cell alone, the heavier first", zones)
		}
	})

	t.Run("every zone fits and every cell is in one zone", func(t *testing.T) {
		d3 := disk(t, c11, 4) // 61 cells, about 500 m across
		w := make([]float64, len(d3))
		for i := range w {
			w[i] = float64((i * 7) % 5)
		}
		zones, err := GroupZones(weighted(d3, w...), 200)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[geo.Cell]bool{}
		for _, z := range zones {
			if tw := trueWidth(z); tw > 200 {
				t.Errorf("a zone of %d cells is %.0f m across", len(z), tw)
			}
			if zw, tw := ZoneWidthM(z), trueWidth(z); zw < tw*0.998 || zw > tw*1.002 {
				t.Errorf("ZoneWidthM %.1f, true width %.1f", zw, tw)
			}
			for _, c := range z {
				if seen[c] {
					t.Errorf("cell %s twice", c)
				}
				seen[c] = true
			}
		}
		if len(seen) != len(d3) {
			t.Errorf("%d of %d cells in zones", len(seen), len(d3))
		}
	})
}

func TestZoneWidthM(t *testing.T) {
	c10 := cellAt(t, stocktonHigh, 10)
	one := []geo.Cell{c10}
	// One cell: corner to opposite corner, about 2 x 76 m at resolution 10.
	// (orb's haversine takes the equatorial radius, 0.11% over the mean
	// radius ZoneWidthM uses: 0.2% is allowed either way.)
	if w, tw := ZoneWidthM(one), trueWidth(one); w < tw*0.998 || w > tw*1.002 {
		t.Errorf("one cell: %.1f m, corner to corner %.1f", w, tw)
	}
	flower := disk(t, c10, 1)
	if w, tw := ZoneWidthM(flower), trueWidth(flower); w < tw*0.998 || w > tw*1.002 {
		t.Errorf("seven cells: %.1f m, true width %.1f", w, tw)
	}
	if ZoneWidthM(nil) != 0 {
		t.Error("no cells are not 0 wide")
	}
}

func TestGroupZonesRefuses(t *testing.T) {
	c10 := cellAt(t, stocktonHigh, 10)
	c11 := cellAt(t, stocktonHigh, 11)
	for _, tt := range []struct {
		name  string
		cells []ZoneCell
		width float64
	}{
		{"mixed resolutions", []ZoneCell{{Cell: c10}, {Cell: c11}}, 400},
		{"a cell twice", []ZoneCell{{Cell: c10}, {Cell: c10}}, 400},
		{"not a cell", []ZoneCell{{Cell: 12345}}, 400},
		{"a negative weight", []ZoneCell{{Cell: c10, Weight: -1}}, 400},
		{"a negative width", []ZoneCell{{Cell: c10}}, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := GroupZones(tt.cells, tt.width); !errors.Is(err, ErrZoneCells) {
				t.Errorf("err %v, want ErrZoneCells", err)
			}
		})
	}
	if z, err := GroupZones(nil, 400); err != nil || z != nil {
		t.Errorf("no cells: %v %v", z, err)
	}
}

func ExampleGroupZones() {
	centre, _ := geo.CellAt(orb.Point{-1.3094, 54.5653}, 10) // Stockton High Street
	flower, _ := centre.Disk(1)
	cells := make([]ZoneCell, len(flower))
	for i, c := range flower {
		cells[i] = ZoneCell{Cell: c, Weight: 1}
	}
	whole, _ := GroupZones(cells, 0)
	walkable, _ := GroupZones(cells, 300)
	fmt.Println(len(whole), "zone with no limit;", len(walkable), "zones no wider than 300 m")
	// Output: 1 zone with no limit; 3 zones no wider than 300 m
}

// benchCells is a resolution-11 disk of 12 rings on Stockton High Street (469 cells, about
// 1.2 km across) with uneven weights: a town-centre cluster to cut into walkable zones.
func benchCells(b *testing.B) []ZoneCell {
	c := cellAt(b, stocktonHigh, 11)
	d := disk(b, c, 12)
	out := make([]ZoneCell, len(d))
	for i, x := range d {
		out[i] = ZoneCell{Cell: x, Weight: float64((i*7919)%23 + 1)}
	}
	return out
}

func BenchmarkGroupZones400m(b *testing.B) {
	cells := benchCells(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := GroupZones(cells, DefaultZoneWidthM); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGroupZonesWhole(b *testing.B) {
	cells := benchCells(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := GroupZones(cells, 0); err != nil {
			b.Fatal(err)
		}
	}
}
