package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
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

func TestLRU(t *testing.T) {
	ctx := context.Background()
	c := newLRU(2, 0)
	calls := 0
	get := func(k string) any {
		v, err := c.do(ctx, k, func(context.Context) (any, error) { calls++; return k + "!", nil })
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	get("a")
	get("b")
	get("a") // a is now the most recent
	get("c") // evicts b
	get("a")
	if calls != 3 {
		t.Errorf("%d computations, want 3", calls)
	}
	get("b")
	if calls != 4 || c.snapshot().Evicted != 2 {
		t.Errorf("%d computations, stats %+v", calls, c.snapshot())
	}
	// Errors are not kept.
	boom := errors.New("boom")
	for range 2 {
		if _, err := c.do(ctx, "e", func(context.Context) (any, error) { calls++; return nil, boom }); err != boom {
			t.Fatal(err)
		}
	}
	if calls != 6 {
		t.Errorf("an error was cached")
	}
	// A waiter whose leader is cancelled computes for itself.
	block := make(chan struct{})
	var ran atomic.Int32
	lctx, cancel := context.WithCancel(ctx)
	go func() {
		c.do(lctx, "x", func(ctx context.Context) (any, error) { <-block; return nil, ctx.Err() })
	}()
	for {
		c.mu.Lock()
		_, flying := c.flying["x"]
		c.mu.Unlock()
		if flying {
			break
		}
	}
	done := make(chan any)
	go func() {
		v, _ := c.do(ctx, "x", func(context.Context) (any, error) { ran.Add(1); return "mine", nil })
		done <- v
	}()
	cancel()
	close(block)
	if v := <-done; v != "mine" || ran.Load() != 1 {
		t.Errorf("waiter got %v after its leader was cancelled", v)
	}
	// No caching at all with max <= 0.
	off := newLRU(-1, 0)
	n := 0
	for range 2 {
		off.do(ctx, "k", func(context.Context) (any, error) { n++; return 1, nil })
	}
	if n != 2 {
		t.Errorf("disabled cache computed %d times, want 2", n)
	}
}

// The cache is bounded in bytes as well as entries: results are charged
// their size, the least recently used go first, and one larger than the
// whole budget is returned but not kept.
func TestLRUBytes(t *testing.T) {
	ctx := context.Background()
	c := newLRU(100, 3000)
	put := func(k string, n int) {
		t.Helper()
		v, err := c.do(ctx, k, func(context.Context) (any, error) { return make([]byte, n), nil })
		if err != nil || len(v.([]byte)) != n {
			t.Fatal(err)
		}
	}
	put("a", 1000) // charged 24 (slice header) + 1000 + 1 (key)
	put("b", 1000)
	if st := c.snapshot(); st.Entries != 2 || st.Bytes != 2*1025 {
		t.Fatalf("%+v, want 2 entries of 1,025 bytes", st)
	}
	put("c", 1000) // 3,075 > 3,000: a goes
	if st := c.snapshot(); st.Entries != 2 || st.Evicted != 1 || st.Bytes != 2*1025 {
		t.Fatalf("%+v, want a evicted", st)
	}
	if _, ok := c.items["a"]; ok {
		t.Error("the least recently used entry was kept")
	}
	put("huge", 5000)
	if st := c.snapshot(); st.Entries != 2 || st.TooLarge != 1 {
		t.Errorf("%+v: a result over the whole budget was kept or evicted others", st)
	}
}

// sizeOf counts what a value holds, shared parts once.
func TestSizeOf(t *testing.T) {
	shared := []string{"Stockton Town Centre"} // 16 + 20 bytes
	type cell struct {
		N     int64
		Areas []string
	}
	cells := []cell{{1, shared}, {2, shared}, {3, nil}}
	// slice header 24 + 3 cells x 32 + shared backing array (1 string
	// header, 16) + its 20 bytes, counted once.
	if got, want := sizeOf(cells), int64(24+3*32+16+20); got != want {
		t.Errorf("sizeOf(cells) = %d, want %d", got, want)
	}
	m := map[string]int64{"ab": 1, "cd": 2}
	// map header 8 + 2 entries x (16+8) x 1.5 + 4 bytes of keys.
	if got, want := sizeOf(m), int64(8+72+4); got != want {
		t.Errorf("sizeOf(map) = %d, want %d", got, want)
	}
	p := &cell{N: 1, Areas: shared}
	if got, want := sizeOf(p), int64(8+32+16+20); got != want {
		t.Errorf("sizeOf(pointer) = %d, want %d", got, want)
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
