package engine

import (
	"context"

	"github.com/stockton-csp/hotspots/internal/cache"
)

// lru is the engine's result cache: internal/cache's single-flight LRU,
// bounded in entries and bytes, each entry charged cache.SizeOf its value.
type lru = cache.Cache[any]

func newLRU(max int, maxBytes int64) *lru {
	return cache.New(max, maxBytes, func(key string, v any) int64 { return cache.SizeOf(v) + int64(len(key)) })
}

// cached runs fn through c, typed.
func cached[T any](ctx context.Context, c *lru, key string, fn func(context.Context) (T, error)) (T, error) {
	v, err := c.Do(ctx, key, func(ctx context.Context) (any, error) { return fn(ctx) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// CacheStats counts what the result cache did since the Engine was made.
type CacheStats = cache.Stats
