package tiles

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// memo keeps the most recently used precomputed sets (a query's cells with
// their tile index, an area layer's projected polygons, ...), each computed
// once however many tiles ask for it at the same moment. Errors are not
// kept. Safe for concurrent use.
type memo struct {
	max int

	mu     sync.Mutex
	ll     *list.List // of *memoEntry, most recent first
	items  map[string]*list.Element
	flying map[string]*memoFlight
}

type memoEntry struct {
	key string
	val any
}

type memoFlight struct {
	done chan struct{}
	val  any
	err  error
}

func newMemo(max int) *memo {
	return &memo{max: max, ll: list.New(), items: map[string]*list.Element{}, flying: map[string]*memoFlight{}}
}

func (m *memo) do(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	for {
		m.mu.Lock()
		if el, ok := m.items[key]; ok {
			m.ll.MoveToFront(el)
			m.mu.Unlock()
			return el.Value.(*memoEntry).val, nil
		}
		if f, ok := m.flying[key]; ok {
			m.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) && ctx.Err() == nil {
				continue // its caller gave up; ours still wants it
			}
			return f.val, f.err
		}
		f := &memoFlight{done: make(chan struct{})}
		m.flying[key] = f
		m.mu.Unlock()
		func() {
			defer func() {
				m.mu.Lock()
				delete(m.flying, key)
				if f.err == nil && f.val != nil {
					m.items[key] = m.ll.PushFront(&memoEntry{key: key, val: f.val})
					for m.ll.Len() > m.max {
						old := m.ll.Back()
						m.ll.Remove(old)
						delete(m.items, old.Value.(*memoEntry).key)
					}
				}
				m.mu.Unlock()
				close(f.done)
			}()
			f.err = errors.New("tiles: computing " + key + " failed unexpectedly")
			f.val, f.err = fn(ctx)
		}()
		return f.val, f.err
	}
}

// memoize runs fn through m, typed.
func memoize[T any](ctx context.Context, m *memo, key string, fn func(context.Context) (T, error)) (T, error) {
	v, err := m.do(ctx, key, func(ctx context.Context) (any, error) { return fn(ctx) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}
