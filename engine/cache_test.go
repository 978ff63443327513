package engine

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
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
	c := newLRU(2)
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
	off := newLRU(-1)
	n := 0
	for range 2 {
		off.do(ctx, "k", func(context.Context) (any, error) { n++; return 1, nil })
	}
	if n != 2 {
		t.Errorf("disabled cache computed %d times, want 2", n)
	}
}
