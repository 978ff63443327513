package engine

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
)

// lru is a least-recently-used cache of computed results with single-flight
// de-duplication: while a key is being computed, other callers asking for it
// wait for that computation instead of starting their own. It is bounded in
// entries and in bytes (each entry charged sizeOf its value): a result larger
// than the whole byte budget is returned but not kept. Errors are not cached.
// Safe for concurrent use.
type lru struct {
	max      int   // entries kept; <= 0 keeps none (every call computes)
	maxBytes int64 // bytes kept; <= 0 is no byte bound

	mu     sync.Mutex
	bytes  int64      // charged by the entries held
	ll     *list.List // of *lruEntry, most recently used first
	items  map[string]*list.Element
	flying map[string]*flight
	stats  CacheStats
}

type lruEntry struct {
	key  string
	val  any
	size int64
}

// flight is one computation in progress.
type flight struct {
	done chan struct{}
	val  any
	err  error
}

func newLRU(max int, maxBytes int64) *lru {
	return &lru{max: max, maxBytes: maxBytes, ll: list.New(), items: make(map[string]*list.Element), flying: make(map[string]*flight)}
}

// do returns the cached value of key, waits for a computation of it already
// running, or runs fn and caches what it returns.
func (c *lru) do(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	for {
		c.mu.Lock()
		if el, ok := c.items[key]; ok {
			c.ll.MoveToFront(el)
			c.stats.Hits++
			c.mu.Unlock()
			return el.Value.(*lruEntry).val, nil
		}
		if f, ok := c.flying[key]; ok {
			c.stats.Shared++
			c.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			// The computation we waited on was cancelled by its own caller:
			// ours is still wanted, so take a turn at it.
			if isCancel(f.err) && ctx.Err() == nil {
				continue
			}
			return f.val, f.err
		}
		f := &flight{done: make(chan struct{})}
		c.flying[key] = f
		c.stats.Misses++
		c.mu.Unlock()
		c.run(ctx, key, f, fn)
		return f.val, f.err
	}
}

// run computes f, records the outcome and releases the waiters, even when fn
// panics (the panic then reaches fn's caller, and waiters get an error).
func (c *lru) run(ctx context.Context, key string, f *flight, fn func(context.Context) (any, error)) {
	finished := false
	var size int64
	defer func() {
		if !finished {
			f.err = fmt.Errorf("engine: computing %q failed unexpectedly", key)
		}
		c.mu.Lock()
		delete(c.flying, key)
		switch {
		case f.err != nil || c.max <= 0:
		case c.maxBytes > 0 && size > c.maxBytes:
			c.stats.TooLarge++
		default:
			c.items[key] = c.ll.PushFront(&lruEntry{key: key, val: f.val, size: size})
			c.bytes += size
			for c.ll.Len() > c.max || (c.maxBytes > 0 && c.bytes > c.maxBytes) {
				old := c.ll.Back()
				c.ll.Remove(old)
				e := old.Value.(*lruEntry)
				delete(c.items, e.key)
				c.bytes -= e.size
				c.stats.Evicted++
			}
		}
		c.mu.Unlock()
		close(f.done)
	}()
	f.val, f.err = fn(ctx)
	if f.err == nil && c.max > 0 && c.maxBytes > 0 {
		size = sizeOf(f.val) + int64(len(key))
	}
	finished = true
}

func (c *lru) snapshot() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries = c.ll.Len()
	s.Bytes = c.bytes
	return s
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// cached runs fn through c, typed.
func cached[T any](ctx context.Context, c *lru, key string, fn func(context.Context) (T, error)) (T, error) {
	v, err := c.do(ctx, key, func(ctx context.Context) (any, error) { return fn(ctx) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// CacheStats counts what the result cache did since the Engine was made.
type CacheStats struct {
	Entries int    `json:"entries"` // results held now
	Bytes   int64  `json:"bytes"`   // their estimated size in memory
	Hits    uint64 `json:"hits"`    // answered from the cache
	Misses  uint64 `json:"misses"`  // computed
	Shared  uint64 `json:"shared"`  // waited for an identical query already being computed
	Evicted uint64 `json:"evicted"` // dropped, least recently used first, to stay within CacheEntries and CacheBytes
	// TooLarge counts results returned but not kept, each larger than the
	// whole CacheBytes budget.
	TooLarge uint64 `json:"too_large"`
}
