package tiles_test

import (
	"bytes"
	"context"
	"github.com/stockton-csp/hotspots/disclosure"
	"sync"
	"testing"

	"github.com/stockton-csp/hotspots/tiles"
)

// TestConcurrentRender draws every set at zooms 8-17 from 8 goroutines at
// once, half of them withholding small numbers, on a renderer with nothing
// precomputed: the sets are built once while others wait, and each tile is
// byte for byte the one a second renderer draws (run with -race).
func TestConcurrentRender(t *testing.T) {
	_, r := newRenderer(t, tiles.Options{})
	_, other := newRenderer(t, tiles.Options{})
	views := []disclosure.View{disclosure.Exact(), disclosure.New(disclosure.Options{Public: []string{}}).View("police.uk", false)}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for z := 8; z <= 17; z++ {
				for _, set := range tiles.Sets {
					tl := tileAt(stocktonTownCentre, z)
					q := tiles.Query{Set: set, View: views[g%2]}
					got, err := r.Render(context.Background(), tl, q)
					if err != nil {
						t.Error(err)
						return
					}
					want, err := other.Render(context.Background(), tl, q)
					if err != nil || !bytes.Equal(got, want) {
						t.Errorf("%s %s: %d bytes, %d from the other renderer (%v)", set, tl, len(got), len(want), err)
					}
				}
			}
		}()
	}
	wg.Wait()
}
