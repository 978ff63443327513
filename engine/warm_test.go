package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/paulmach/orb"
)

// TestWarmAnswersTheMapsFirstQuestions: after Warm, what the map's tiles ask
// first of the default view (through a source view, as the tiles ask it:
// cell figures and streets at each resolution, hot spots of a box at each grid
// resolution, the ranking) is answered from the caches, computing nothing;
// the answers equal an engine's without caches; and a cancelled Warm stops.
func TestWarmAnswersTheMapsFirstQuestions(t *testing.T) {
	s := realStore(t, true)
	e := newEngine(t, s, Options{MaxCells: 20_000}) // resolution 10 and 11 of Cleveland go tile by tile
	ctx := context.Background()
	rep, err := e.Warm(ctx, "cleveland")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Steps != 19 || rep.Refused != 2 {
		t.Errorf("warm: %d steps, %d refused; want 19 and 2 (the whole map at resolutions 10 and 11)", rep.Steps, rep.Refused)
	}
	results, grids := e.results.Stats().Misses, e.grids.Stats().Misses
	v := e.Source("").WithTimes(nil)
	fresh := newEngine(t, s, Options{MaxCells: 20_000, CacheEntries: -1})
	box := orb.Bound{Min: orb.Point{-1.33, 54.55}, Max: orb.Point{-1.30, 54.58}} // Stockton town centre
	for res := 5; res <= 12; res++ {
		if _, err := v.CellFigures(ctx, CellQuery{Res: res}); err != nil {
			t.Fatal(err)
		}
		if _, err := v.CellStreets(ctx, res); err != nil {
			t.Fatal(err)
		}
		if res < MinGridRes || res > MaxGridRes {
			continue
		}
		q := HotspotQuery{Layer: "cleveland", Res: res, BBox: box}
		got, err := v.Hotspots(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fresh.Hotspots(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Cells) != len(want.Cells) || len(got.Cells) == 0 {
			t.Fatalf("res %d: %d cells in the box, an engine without caches %d", res, len(got.Cells), len(want.Cells))
		}
		for i := range got.Cells {
			if g, w := got.Cells[i], want.Cells[i]; g.Cell != w.Cell || g.Bin != w.Bin || g.Z != w.Z {
				t.Fatalf("res %d cell %d: %+v, an engine without caches %+v", res, i, g, w)
			}
		}
	}
	if _, err := v.Ranking(ctx, RankingQuery{Layer: "cleveland"}); err != nil {
		t.Fatal(err)
	}
	if r, g := e.results.Stats().Misses-results, e.grids.Stats().Misses-grids; r != 0 || g != 0 {
		t.Errorf("after warming, the map's first questions computed %d results and %d study structures; want none", r, g)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := newEngine(t, s, Options{}).Warm(cctx, "cleveland"); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled warm: %v, want context.Canceled", err)
	}
}
