// Package cache is the service's one result cache: least recently used
// entries dropped first, bounded in entries and in bytes (each entry charged
// what a size function says it holds), with single-flight de-duplication:
// while a key is being computed, other callers asking for it wait for that
// computation instead of starting their own. The engine keeps its results
// and study grids in it, the web server its rendered tiles and paged OGC
// collections. It imports nothing of the project's.
package cache

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
)

// Cache holds values of type V by string key. A value larger than the whole
// byte budget is returned but not kept; errors are never kept. Safe for
// concurrent use.
type Cache[V any] struct {
	max      int   // entries kept; <= 0 keeps none (every call computes)
	maxBytes int64 // bytes kept; <= 0 is no byte bound
	size     func(key string, v V) int64

	mu     sync.Mutex
	bytes  int64      // charged by the entries held
	ll     *list.List // of *entry[V], most recently used first
	items  map[string]*list.Element
	flying map[string]*flight[V]
	stats  Stats
}

// Stats counts what a cache did since it was made.
type Stats struct {
	Entries int    `json:"entries"` // values held now
	Bytes   int64  `json:"bytes"`   // their estimated size in memory
	Hits    uint64 `json:"hits"`    // answered from the cache
	Misses  uint64 `json:"misses"`  // computed
	Shared  uint64 `json:"shared"`  // waited for an identical request already being computed
	Evicted uint64 `json:"evicted"` // dropped, least recently used first, to stay within the bounds
	// TooLarge counts values returned but not kept, each larger than the
	// whole byte budget.
	TooLarge uint64 `json:"too_large"`
}

type entry[V any] struct {
	key  string
	val  V
	size int64
}

// flight is one computation in progress.
type flight[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// New makes a cache of at most maxEntries values (<= 0: none kept) and
// maxBytes bytes (<= 0: no byte bound), charging each entry size(key, v)
// (nil: nothing).
func New[V any](maxEntries int, maxBytes int64, size func(key string, v V) int64) *Cache[V] {
	return &Cache[V]{max: maxEntries, maxBytes: maxBytes, size: size, ll: list.New(),
		items: make(map[string]*list.Element), flying: make(map[string]*flight[V])}
}

// Do returns the cached value of key, waits for a computation of it already
// running, or runs fn and caches what it returns. A waiter whose leader's
// computation was cancelled by that leader's own caller takes a turn at it.
func (c *Cache[V]) Do(ctx context.Context, key string, fn func(context.Context) (V, error)) (V, error) {
	for {
		c.mu.Lock()
		if el, ok := c.items[key]; ok {
			c.ll.MoveToFront(el)
			c.stats.Hits++
			c.mu.Unlock()
			return el.Value.(*entry[V]).val, nil
		}
		if f, ok := c.flying[key]; ok {
			c.stats.Shared++
			c.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				var zero V
				return zero, ctx.Err()
			}
			if isCancel(f.err) && ctx.Err() == nil {
				continue
			}
			return f.val, f.err
		}
		f := &flight[V]{done: make(chan struct{})}
		c.flying[key] = f
		c.stats.Misses++
		c.mu.Unlock()
		c.run(ctx, key, f, fn)
		return f.val, f.err
	}
}

// Get returns the value held for key, if any.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.MoveToFront(el)
		c.stats.Hits++
		return el.Value.(*entry[V]).val, true
	}
	var zero V
	return zero, false
}

// run computes f, records the outcome and releases the waiters, even when fn
// panics (the panic then reaches fn's caller, and waiters get an error).
func (c *Cache[V]) run(ctx context.Context, key string, f *flight[V], fn func(context.Context) (V, error)) {
	finished := false
	var size int64
	defer func() {
		if !finished {
			f.err = fmt.Errorf("cache: computing %q failed unexpectedly", key)
		}
		c.mu.Lock()
		delete(c.flying, key)
		if f.err == nil {
			c.keep(key, f.val, size)
		}
		c.mu.Unlock()
		close(f.done)
	}()
	f.val, f.err = fn(ctx)
	if f.err == nil && c.max > 0 && c.maxBytes > 0 && c.size != nil {
		size = c.size(key, f.val)
	}
	finished = true
}

// keep stores a value of the given size, evicting the least recently used
// beyond the bounds. c.mu is held.
func (c *Cache[V]) keep(key string, v V, size int64) {
	switch {
	case c.max <= 0:
		return
	case c.maxBytes > 0 && size > c.maxBytes:
		c.stats.TooLarge++
		return
	}
	c.items[key] = c.ll.PushFront(&entry[V]{key: key, val: v, size: size})
	c.bytes += size
	for c.ll.Len() > c.max || (c.maxBytes > 0 && c.bytes > c.maxBytes) {
		old := c.ll.Back()
		c.ll.Remove(old)
		e := old.Value.(*entry[V])
		delete(c.items, e.key)
		c.bytes -= e.size
		c.stats.Evicted++
	}
}

// Stats reports the counts and what is held now.
func (c *Cache[V]) Stats() Stats {
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
