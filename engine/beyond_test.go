package engine

import (
	"context"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// TestGiStarBeyondTheEdge: with Beyond 1 the study area runs one ring of cells past Stockton's
// boundary with the crimes there, so a cell on the boundary next to Middlesbrough keeps its
// neighbours. Checked by hand: every cell's crimes counted from the raw incidents, the
// extended area built here, and Gi* worked out from its formula for the boundary cell whose
// outside neighbours hold the most crime. Only the cells inside are reported.
func TestGiStarBeyondTheEdge(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	nov := month(t, "2025-11")
	q := HotspotQuery{Layer: "wards", Res: 9, From: nov, To: nov}
	plain, err := e.Hotspots(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	q.Beyond = 1
	wide, err := e.Hotspots(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	inside := map[geo.Cell]bool{}
	for _, c := range plain.Cells {
		inside[c.Cell] = true
	}
	if len(wide.Cells) != len(plain.Cells) {
		t.Fatalf("%d cells reported with the ring beyond, %d without: only cells inside are reported", len(wide.Cells), len(plain.Cells))
	}
	// Counts per cell by hand, from the raw incidents (crimes: ASB is not counted without
	// a type filter).
	count := map[geo.Cell]float64{}
	err = s.Incidents(ctx, data.Query{From: nov, To: nov}, func(in *data.Incident) error {
		if !in.Located() || !isCrime(in.Type) {
			return nil
		}
		c, err := geo.CellAt(in.Point, 9)
		if err != nil {
			return err
		}
		count[c]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The extended area: the cells inside and every cell touching one.
	area := map[geo.Cell]bool{}
	for c := range inside {
		area[c] = true
		nb, _ := c.Disk(1)
		for _, n := range nb {
			area[n] = true
		}
	}
	// The boundary cell whose outside neighbours hold the most crime.
	var edge geo.Cell
	var outsideCrimes float64
	for c := range inside {
		nb, _ := c.Disk(1)
		var out float64
		for _, n := range nb {
			if !inside[n] {
				out += count[n]
			}
		}
		if out > outsideCrimes || out == outsideCrimes && out > 0 && c < edge {
			edge, outsideCrimes = c, out
		}
	}
	if outsideCrimes == 0 {
		t.Fatal("no boundary cell has crime beyond the edge")
	}
	// Gi* by its formula (Getis & Ord 1992, binary weights, the cell included):
	// (sum_j w x_j - mean W) / (S sqrt((n W - W^2)/(n-1))), W the neighbourhood's size.
	n := float64(len(area))
	var sum, sq float64
	for c := range area {
		sum += count[c]
		sq += count[c] * count[c]
	}
	mean := sum / n
	sd := math.Sqrt(sq/n - mean*mean)
	nb, _ := edge.Disk(1)
	var local, w float64
	for _, c := range nb {
		if area[c] {
			local += count[c]
			w++
		}
	}
	want := (local - mean*w) / (sd * math.Sqrt((n*w-w*w)/(n-1)))
	var got, before float64
	for _, c := range wide.Cells {
		if c.Cell == edge {
			got = c.Z
		}
	}
	for _, c := range plain.Cells {
		if c.Cell == edge {
			before = c.Z
		}
	}
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("boundary cell %s: z %.12f with the ring beyond, by hand %.12f", edge, got, want)
	}
	if math.Abs(got-before) < 1e-3 {
		t.Errorf("boundary cell %s: z %.6f with the ring beyond and %.6f without: its %v outside crimes made no difference", edge, got, before, outsideCrimes)
	}
	var inCount int64
	for c := range inside {
		inCount += int64(count[c])
	}
	if wide.Count != inCount || plain.Count != inCount {
		t.Errorf("counts %d and %d; the cells inside hold %d", wide.Count, plain.Count, inCount)
	}
	t.Logf("boundary cell %s (%v crimes beyond the edge next to it): z %.3f stopping at the edge, %.3f with the ring beyond; %d cells in the extended area, %d inside",
		edge, outsideCrimes, before, got, len(area), len(inside))
}

// A bounding box over a study area that reaches beyond the layer's edge
// answers what the whole map says of the cells whose centres are in the box
// (the local path knows the layer's own study area only, so it must not be
// taken): the same cells, z, p and bins.
func TestBeyondWithBox(t *testing.T) {
	e := newEngine(t, realStore(t, true), Options{})
	ctx := context.Background()
	q := HotspotQuery{Layer: "wards", Res: 9, K: 1, Beyond: 2}
	whole, err := e.Hotspots(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	// the west of the borough, next to Middlesbrough
	q.BBox = orb.Bound{Min: orb.Point{-1.30, 54.50}, Max: orb.Point{-1.20, 54.60}}
	box, err := e.Hotspots(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var want []HotCell
	for _, c := range whole.Cells {
		if q.BBox.Contains(c.Cell.Center()) {
			want = append(want, c)
		}
	}
	if len(want) == 0 || len(box.Cells) != len(want) || box.Matched != len(want) {
		t.Fatalf("%d cells in the box (matched %d), the whole map has %d there", len(box.Cells), box.Matched, len(want))
	}
	for i := range want {
		if box.Cells[i].Cell != want[i].Cell || box.Cells[i].Z != want[i].Z || box.Cells[i].Bin != want[i].Bin {
			t.Errorf("cell %s: z %v bin %d; whole map: %s z %v bin %d", box.Cells[i].Cell, box.Cells[i].Z, box.Cells[i].Bin, want[i].Cell, want[i].Z, want[i].Bin)
		}
	}
}
