package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// The attack of issue 9 (item 4): a viewer asked for resolution-11 hot spots
// of a layer covering the whole force area, and the server built 425,703
// cells and 238 MB of answer per request. Such a query must be refused
// before any work, with a message saying how to narrow it.
func TestQueryTooLargeRefusedBeforeWork(t *testing.T) {
	s := realStore(t, true)
	e := newEngine(t, s, Options{})
	ctx := context.Background()

	// The four Cleveland authorities cover about 597 km²: at resolution 11
	// (2,150 m² a cell) that is about 278,000 cells, over the 150,000 bound.
	start := time.Now()
	_, err := e.Hotspots(ctx, HotspotQuery{Layer: "cleveland", Res: 11})
	took := time.Since(start)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("resolution 11 over Cleveland: err %v, want ErrTooLarge", err)
	}
	for _, want := range []string{"layer cleveland", "resolution 11", "resolution 10 or coarser", "150000"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
	}
	// Building that grid takes seconds; the estimate takes milliseconds.
	if took > 500*time.Millisecond {
		t.Errorf("refusing took %v: the grid was built before refusing", took)
	}
	if st := e.grids.Stats(); st.Entries != 0 {
		t.Errorf("a refused grid was kept: %+v", st)
	}
	// Every grid query is bounded the same way.
	for name, f := range map[string]func() error{
		"emerging":      func() error { _, err := e.Emerging(ctx, HotspotQuery{Layer: "cleveland", Res: 11}); return err },
		"concentration": func() error { _, err := e.Concentration(ctx, HotspotQuery{Layer: "cleveland", Res: 11}); return err },
		"tasking":       func() error { _, err := e.Tasking(ctx, TaskingQuery{Layer: "cleveland", Res: 11}); return err },
		"cell trends":   func() error { _, err := e.Trends(ctx, TrendQuery{Layer: "cleveland", Res: 11}); return err },
	} {
		if err := f(); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s at resolution 11 over Cleveland: %v, want ErrTooLarge", name, err)
		}
	}

	// The same layer at resolution 10 (about 40,000 cells) is answered.
	h, err := e.Hotspots(ctx, HotspotQuery{Layer: "cleveland", Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.Cells); n < 30_000 || n > 50_000 {
		t.Errorf("%d cells at resolution 10, want about 40,000 (597 km² / 15,000 m²)", n)
	}
}

// Per-month work is bounded by cells x months: 35 months of the Cleveland
// resolution-10 grid is about 1.4 million cell-months.
func TestCellMonthsBound(t *testing.T) {
	s := realStore(t, true)
	e := newEngine(t, s, Options{MaxCellMonths: 100_000})
	ctx := context.Background()
	first, last := month(t, "2023-01"), month(t, "2025-11")
	_, err := e.Emerging(ctx, HotspotQuery{Layer: "cleveland", Res: 10, From: first, To: last})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "x 35 months") {
		t.Fatalf("35 months of ~40,000 cells under a 100,000 cell-month bound: %v", err)
	}
	// Stockton's 2,238 resolution-9 cells x 35 months = 78,330 fit.
	if _, err := e.Emerging(ctx, HotspotQuery{Layer: "wards", Res: 9, From: first, To: last}); err != nil {
		t.Fatal(err)
	}
}

// A cancelled request stops the work: an emerging hot spot analysis asked
// with a context that ends returns the context's error, not an answer.
func TestCancelledQueryStops(t *testing.T) {
	s := realStore(t, true)
	e := newEngine(t, s, Options{CacheEntries: -1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Emerging(ctx, HotspotQuery{Layer: "cleveland", Res: 10}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled emerging: %v", err)
	}
	if _, err := e.Hotspots(ctx, HotspotQuery{Layer: "cleveland", Res: 10}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled hot spots: %v", err)
	}
}

func TestRoundSig(t *testing.T) {
	for _, c := range []struct{ in, want int }{{425703, 430000}, {278123, 280000}, {99, 99}, {150, 150}, {1049, 1000}, {1050, 1100}} {
		if got := roundSig(c.in); got != c.want {
			t.Errorf("roundSig(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}
