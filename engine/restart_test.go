package engine

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/data"
)

// TestRestartSameAnswers: a store reopened from its files (the location
// table and partitions that refer to it) gives exactly the ranking and the
// hot spot map of the store that imported the data, whose every location
// was matched and indexed as it arrived.
func TestRestartSameAnswers(t *testing.T) {
	ctx := context.Background()
	s := realStore(t, true)
	type result struct {
		ranking  *Ranking
		hotspots *Hotspots
	}
	ask := func(s data.Store) result {
		e := newEngine(t, s, Options{CacheEntries: -1})
		r, err := e.Ranking(ctx, RankingQuery{Layer: "cleveland"})
		if err != nil {
			t.Fatal(err)
		}
		h, err := e.Hotspots(ctx, HotspotQuery{Layer: "wards", Res: 10})
		if err != nil {
			t.Fatal(err)
		}
		r.Computed, h.Computed = time.Time{}, time.Time{} // when, not what
		return result{r, h}
	}
	before := ask(s)
	if len(before.ranking.Areas) != 82 || len(before.hotspots.Cells) == 0 {
		t.Fatalf("the reference ranks %d areas and maps %d cells", len(before.ranking.Areas), len(before.hotspots.Cells))
	}
	dir := s.Dir()
	s.Close()
	r, err := data.OpenMem(dir, data.MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	after := ask(r)
	if !reflect.DeepEqual(before.ranking, after.ranking) {
		t.Error("the ranking of the 82 Cleveland wards differs after a restart")
	}
	if !reflect.DeepEqual(before.hotspots, after.hotspots) {
		t.Errorf("the hot spot map of Stockton at resolution 10 differs after a restart (%d cells before, %d after)", len(before.hotspots.Cells), len(after.hotspots.Cells))
	}
}
