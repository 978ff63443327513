package engine

import (
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/hotspot"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// refCell is a row of the R spdep reference grid.
type refCell struct {
	count int64
	nbrs  []string
	z     float64
}

func readRefGrid(tb testing.TB) (map[string]refCell, []string) {
	tb.Helper()
	f, err := os.Open(fixture.Path(tb, fixture.GiStarStockton))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]refCell{}
	var order []string
	for _, r := range recs[1:] {
		n, err1 := strconv.ParseInt(r[1], 10, 64)
		z, err2 := strconv.ParseFloat(r[3], 64)
		if err1 != nil || err2 != nil {
			tb.Fatalf("bad reference row %v", r)
		}
		nb := strings.Fields(r[2])
		slices.Sort(nb)
		out[r[0]] = refCell{count: n, nbrs: nb, z: z}
		order = append(order, r[0])
	}
	return out, order
}

// TestHotspotsMatchSpdep builds the Stockton grid at resolution 9, k 1 from
// the 2023 wards and the real Cleveland data for 2024-12..2025-11 and checks
// it, cell by cell, against the grid R spdep computed independently.
func TestHotspotsMatchSpdep(t *testing.T) {
	ref, order := readRefGrid(t)
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	// The reference counted every row of the files: crimes and ASB.
	h, err := e.Hotspots(ctx, HotspotQuery{Layer: "wards", Res: 9, K: 1, From: month(t, "2024-12"), To: month(t, "2025-11"), Types: crimesAndASB})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Cells) != 2238 || len(ref) != 2238 {
		t.Fatalf("%d cells, reference %d; want 2238", len(h.Cells), len(ref))
	}
	sum, err := e.summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.grid(ctx, sum, "wards", 9, 1)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	maxDiff := 0.0
	countErrs, zErrs := 0, 0
	for i, c := range h.Cells {
		id := c.Cell.String()
		if id != order[i] {
			t.Fatalf("cell %d is %s, reference has %s (both in ascending order)", i, id, order[i])
		}
		want := ref[id]
		if c.Count != want.count {
			countErrs++
			if countErrs <= 5 {
				t.Errorf("cell %s: count %d, reference %d", id, c.Count, want.count)
			}
		}
		var nb []string
		for _, j := range g.nbrs[i] {
			nb = append(nb, g.cells[j].String())
		}
		slices.Sort(nb)
		if !slices.Equal(nb, want.nbrs) {
			t.Errorf("cell %s: neighbours %v, reference %v", id, nb, want.nbrs)
		}
		if d := math.Abs(c.Z - want.z); d > 1e-9 {
			zErrs++
			if zErrs <= 5 {
				t.Errorf("cell %s: z %.12f, reference %.12f", id, c.Z, want.z)
			}
		} else {
			maxDiff = max(maxDiff, d)
		}
		if len(c.Areas) == 0 {
			t.Errorf("cell %s: no ward named", id)
		}
		if p := hotspot.PValue(c.Z); c.P != p {
			t.Errorf("cell %s: p %v, want %v", id, c.P, p)
		}
		total += c.Count
	}
	if countErrs > 0 {
		t.Errorf("%d of 2238 cells differ in count from the reference, which counts each point in the resolution-9 cell holding it; "+
			"a store grouping by the parent of the point's resolution-12 cell puts about 7%% of points in a neighbouring cell", countErrs)
	}
	if zErrs > 0 {
		t.Errorf("%d of 2238 cells differ in z by more than 1e-9", zErrs)
	}
	if total != 25415 || h.Count != 25415 {
		t.Errorf("total count %d (result says %d), reference 25415", total, h.Count)
	}
	t.Logf("largest |z - spdep| %.2g; %d incidents outside the study cells", maxDiff, h.Outside)

	// The engine's Gi* on the reference counts alone, so a difference in
	// counting (the store's job) cannot hide one in the statistics.
	v := &cellValues{count: make([]float64, len(g.cells)), harm: make([]float64, len(g.cells))}
	for i, c := range g.cells {
		v.count[i] = float64(ref[c.String()].count)
	}
	cells, err := hotCells(g, v, v.count)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		if want := ref[c.Cell.String()].z; math.Abs(c.Z-want) > 1e-9 {
			t.Fatalf("on the reference counts, cell %s: z %.12f, reference %.12f", c.Cell, c.Z, want)
		}
	}
	for _, b := range h.Bins {
		t.Logf("bin %+d %-28s %5d cells", b.Bin, b.Label, b.Cells)
	}
}

func TestHotspotsHarmAndBins(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	h, err := e.Hotspots(ctx, HotspotQuery{Layer: "wards", Measure: Harm})
	if err != nil {
		t.Fatal(err)
	}
	if h.Measure != Harm || h.Res != DefaultRes || h.K != DefaultK {
		t.Errorf("defaults: measure %s res %d k %d", h.Measure, h.Res, h.K)
	}
	if h.Period.Months != 12 || h.Period.To != month(t, "2025-11") {
		t.Errorf("default period %v, want the 12 months to 2025-11", h.Period)
	}
	// Bins: FDR-corrected bins are never stronger than the plain ones.
	hot := 0
	for _, c := range h.Cells {
		if abs(c.Bin) > abs(c.BinUncorrected) || (c.Bin != 0 && sign(c.Bin) != sign(c.BinUncorrected)) {
			t.Fatalf("cell %s: FDR bin %d, plain bin %d", c.Cell, c.Bin, c.BinUncorrected)
		}
		if c.Bin > 0 {
			hot++
		}
	}
	if hot == 0 {
		t.Error("no hot spots of harm in Stockton")
	}
	found := false
	for _, x := range h.ExcludedTypes {
		if x.Type == "Drugs" && x.Measure == Harm && x.Reason == "police-generated" {
			found = true
		}
	}
	if !found {
		t.Errorf("Drugs is not listed as excluded from harm: %v", h.ExcludedTypes)
	}
	if _, err := e.Hotspots(ctx, HotspotQuery{Layer: "wards", Measure: Cost}); !errors.Is(err, ErrBadQuery) {
		t.Errorf("Gi* on cost: %v, want ErrBadQuery", err)
	}
	for _, q := range []HotspotQuery{{Layer: "wards", Res: 12}, {Layer: "wards", K: 6}, {Layer: "wards", Res: 6}} {
		if _, err := e.Hotspots(ctx, q); !errors.Is(err, ErrBadQuery) {
			t.Errorf("%+v: %v, want ErrBadQuery", q, err)
		}
	}
}

func TestConcentration(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	c, err := e.Concentration(context.Background(), HotspotQuery{Layer: "wards"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Cells != 2238 || len(c.Shares) != 3 {
		t.Fatalf("%d cells, %d shares", c.Cells, len(c.Shares))
	}
	prev := 0.0
	for _, sh := range c.Shares {
		if sh.CountPct < prev || sh.CountPct > 100 || sh.HarmPct < 0 || sh.HarmPct > 100 {
			t.Errorf("share %+v", sh)
		}
		if sh.CountPct < sh.CellsPct {
			t.Errorf("top %.0f%% of cells hold %.1f%% of crime, less than an even spread", sh.Fraction*100, sh.CountPct)
		}
		prev = sh.CountPct
		t.Logf("top %4.1f%% of cells (%3d): %5.1f%% of incidents, %5.1f%% of harm", sh.Fraction*100, sh.Cells, sh.CountPct, sh.HarmPct)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func sign(x int) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
