package cache

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestCache(t *testing.T) {
	ctx := context.Background()
	c := New[any](2, 0, nil)
	calls := 0
	get := func(k string) any {
		v, err := c.Do(ctx, k, func(context.Context) (any, error) { calls++; return k + "!", nil })
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
	if calls != 4 || c.Stats().Evicted != 2 {
		t.Errorf("%d computations, stats %+v", calls, c.Stats())
	}
	// Errors are not kept.
	boom := errors.New("boom")
	for range 2 {
		if _, err := c.Do(ctx, "e", func(context.Context) (any, error) { calls++; return nil, boom }); err != boom {
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
		c.Do(lctx, "x", func(ctx context.Context) (any, error) { <-block; return nil, ctx.Err() })
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
		v, _ := c.Do(ctx, "x", func(context.Context) (any, error) { ran.Add(1); return "mine", nil })
		done <- v
	}()
	cancel()
	close(block)
	if v := <-done; v != "mine" || ran.Load() != 1 {
		t.Errorf("waiter got %v after its leader was cancelled", v)
	}
	// No caching at all with max <= 0.
	off := New[any](-1, 0, nil)
	n := 0
	for range 2 {
		off.Do(ctx, "k", func(context.Context) (any, error) { n++; return 1, nil })
	}
	if n != 2 {
		t.Errorf("disabled cache computed %d times, want 2", n)
	}
}

// The cache is bounded in bytes as well as entries: results are charged
// their size, the least recently used go first, and one larger than the
// whole budget is returned but not kept.
func TestCacheBytes(t *testing.T) {
	ctx := context.Background()
	c := New[any](100, 3000, func(k string, v any) int64 { return SizeOf(v) + int64(len(k)) })
	put := func(k string, n int) {
		t.Helper()
		v, err := c.Do(ctx, k, func(context.Context) (any, error) { return make([]byte, n), nil })
		if err != nil || len(v.([]byte)) != n {
			t.Fatal(err)
		}
	}
	put("a", 1000) // charged 24 (slice header) + 1000 + 1 (key)
	put("b", 1000)
	if st := c.Stats(); st.Entries != 2 || st.Bytes != 2*1025 {
		t.Fatalf("%+v, want 2 entries of 1,025 bytes", st)
	}
	put("c", 1000) // 3,075 > 3,000: a goes
	if st := c.Stats(); st.Entries != 2 || st.Evicted != 1 || st.Bytes != 2*1025 {
		t.Fatalf("%+v, want a evicted", st)
	}
	if _, ok := c.items["a"]; ok {
		t.Error("the least recently used entry was kept")
	}
	put("huge", 5000)
	if st := c.Stats(); st.Entries != 2 || st.TooLarge != 1 {
		t.Errorf("%+v: a result over the whole budget was kept or evicted others", st)
	}
}

// SizeOf counts what a value holds, shared parts once.
func TestSizeOf(t *testing.T) {
	shared := []string{"Stockton Town Centre"} // 16 + 20 bytes
	type cell struct {
		N     int64
		Areas []string
	}
	cells := []cell{{1, shared}, {2, shared}, {3, nil}}
	// slice header 24 + 3 cells x 32 + shared backing array (1 string
	// header, 16) + its 20 bytes, counted once.
	if got, want := SizeOf(cells), int64(24+3*32+16+20); got != want {
		t.Errorf("SizeOf(cells) = %d, want %d", got, want)
	}
	m := map[string]int64{"ab": 1, "cd": 2}
	// map header 8 + 2 entries x (16+8) x 1.5 + 4 bytes of keys.
	if got, want := SizeOf(m), int64(8+72+4); got != want {
		t.Errorf("SizeOf(map) = %d, want %d", got, want)
	}
	p := &cell{N: 1, Areas: shared}
	if got, want := SizeOf(p), int64(8+32+16+20); got != want {
		t.Errorf("SizeOf(pointer) = %d, want %d", got, want)
	}
}
