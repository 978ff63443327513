package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
	"testing"

	"github.com/stockton-csp/hotspots/data"
)

func TestCacheSameResultUntilDataChange(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	q := RankingQuery{Layer: "wards", Types: []string{"Robbery", "Burglary"}}
	a, err := e.Ranking(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	// The same question asked differently (types reordered, defaults
	// spelled out) is the same query.
	b, err := e.Ranking(ctx, RankingQuery{Layer: "wards", Types: []string{"Burglary", "Robbery", "Burglary"}, Measure: "COUNT", To: a.Period.To})
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("a repeated query was computed again")
	}
	st := e.CacheStats()
	if st.Hits != 1 || st.Misses != 1 || st.Entries != 1 {
		t.Errorf("stats %+v, want 1 hit, 1 miss, 1 entry", st)
	}
	// Replacing a month changes the store's version: the next answer is new.
	parts := cleveland(t)
	if err := s.Replace(ctx, parts[len(parts)-1:]); err != nil {
		t.Fatal(err)
	}
	c, err := e.Ranking(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if c == a || c.DataVersion == a.DataVersion {
		t.Fatalf("after Replace the cached answer came back (version %d, then %d)", a.DataVersion, c.DataVersion)
	}
	if c.Total.Count != a.Total.Count {
		t.Errorf("re-importing the same month changed the total from %d to %d", a.Total.Count, c.Total.Count)
	}
	if st := e.CacheStats(); st.Misses != 2 {
		t.Errorf("stats %+v, want 2 misses", st)
	}
}

func TestCacheConcurrentQueriesShareOneComputation(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	const n = 16
	var wg sync.WaitGroup
	got := make([]*Hotspots, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := e.Hotspots(ctx, HotspotQuery{Layer: "wards"})
			if err != nil {
				t.Error(err)
			}
			got[i] = h
		}()
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] {
			t.Fatal("concurrent identical queries gave different results")
		}
	}
	if st := e.CacheStats(); st.Misses != 1 || st.Hits+st.Shared != n-1 {
		t.Errorf("stats %+v, want 1 computation for %d queries", st, n)
	}
}

// The cache must keep different questions apart: every query below, asked in
// turn of one engine whose cache holds all the others' answers, must get the
// answer an engine without a cache computes. A cache key that forgot a field
// (crime types, measure, period, resolution, k, areas, month) hands one
// question another's answer and fails here.
func TestCacheKeepsQuestionsApart(t *testing.T) {
	s := realStore(t, false)
	cachedEng := newEngine(t, s, Options{})
	fresh := newEngine(t, s, Options{CacheEntries: -1})
	ctx := context.Background()
	m := func(x string) data.Month { return month(t, x) }
	robbery, burglary := []string{"Robbery"}, []string{"Burglary"}
	type ask func(e *Engine) (any, error)
	var asks []struct {
		name string
		f    ask
	}
	add := func(name string, f ask) {
		asks = append(asks, struct {
			name string
			f    ask
		}{name, f})
	}
	for _, q := range []RankingQuery{
		{Layer: "wards"}, {Layer: "wards", Measure: Harm}, {Layer: "wards", Measure: Cost},
		{Layer: "wards", Types: robbery}, {Layer: "wards", Types: burglary},
		{Layer: "wards", From: m("2025-11"), To: m("2025-11")}, {Layer: "wards", From: m("2024-11"), To: m("2024-11")},
		{Layer: "wards", Areas: []string{"E05014882", "E05014858"}},
	} {
		add(fmt.Sprintf("ranking %+v", q), func(e *Engine) (any, error) { return e.Ranking(ctx, q) })
	}
	for _, q := range []CellQuery{
		{}, {Types: robbery}, {Types: burglary}, {Res: 8}, {Res: 10},
		{From: m("2025-11"), To: m("2025-11")}, {From: m("2024-11"), To: m("2024-11")},
	} {
		add(fmt.Sprintf("cells %+v", q), func(e *Engine) (any, error) { return e.CellFigures(ctx, q) })
	}
	for _, q := range []HotspotQuery{
		{Layer: "wards"}, {Layer: "wards", Measure: Harm}, {Layer: "wards", K: 2}, {Layer: "wards", Res: 8},
		{Layer: "wards", Types: []string{"Violence and sexual offences"}}, {Layer: "wards", From: m("2025-06"), To: m("2025-11")},
	} {
		add(fmt.Sprintf("hotspots %+v", q), func(e *Engine) (any, error) { return e.Hotspots(ctx, q) })
		add(fmt.Sprintf("concentration %+v", q), func(e *Engine) (any, error) { return e.Concentration(ctx, q) })
	}
	for _, q := range []TrendQuery{
		{Layer: "wards"}, {Layer: "wards", Measure: Harm}, {Layer: "wards", Types: robbery}, {Layer: "wards", Res: 8},
		{Layer: "wards", From: m("2024-01"), To: m("2024-12")},
	} {
		add(fmt.Sprintf("trends %+v", q), func(e *Engine) (any, error) { return e.Trends(ctx, q) })
	}
	for _, mo := range []string{"2025-11", "2025-10"} {
		add("profile "+mo, func(e *Engine) (any, error) { return e.Profile(ctx, "wards", "E05014882", m(mo)) })
		add("profile other ward "+mo, func(e *Engine) (any, error) { return e.Profile(ctx, "wards", "E05014858", m(mo)) })
	}
	for _, q := range []TaskingQuery{{Layer: "wards"}, {Layer: "wards", Measure: Count}, {Layer: "wards", Top: 3}, {Layer: "wards", Types: burglary}} {
		add(fmt.Sprintf("tasking %+v", q), func(e *Engine) (any, error) { return e.Tasking(ctx, q) })
	}
	for _, a := range asks {
		if _, err := a.f(cachedEng); err != nil {
			t.Fatalf("%s: %v", a.name, err)
		}
	}
	stamp := regexp.MustCompile(`"computed":"[^"]*"`)
	for _, a := range asks {
		got, err := a.f(cachedEng)
		if err != nil {
			t.Fatal(err)
		}
		want, err := a.f(fresh)
		if err != nil {
			t.Fatal(err)
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if g, w := stamp.ReplaceAll(gj, nil), stamp.ReplaceAll(wj, nil); !bytes.Equal(g, w) {
			t.Errorf("%s: the cached engine answered another question (%d bytes, want %d)", a.name, len(g), len(w))
		}
	}
	if st := cachedEng.CacheStats(); st.Hits < uint64(len(asks)) {
		t.Errorf("stats %+v: the second round of %d questions should all be hits", st, len(asks))
	}
}
