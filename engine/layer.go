package engine

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// layer fetches a layer by name, with a message listing the layers loaded
// when there is no name or no such layer.
func (e *Engine) layer(ctx context.Context, sum *data.Summary, name string) (*geo.Layer, error) {
	if name == "" {
		if len(sum.Layers) == 0 {
			return nil, fmt.Errorf("%w: no area layer named, and none is loaded; import one (hotspotd areas import)", ErrBadQuery)
		}
		return nil, fmt.Errorf("%w: no area layer named; the layers loaded are: %s", ErrBadQuery, strings.Join(sum.Layers, ", "))
	}
	l, _, err := e.store.Layer(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	return l, nil
}

// areaIndex finds an area by code, else by its name in any case.
func areaIndex(l *geo.Layer, codeOrName string) (int, error) {
	if i := l.Index(codeOrName); i >= 0 {
		return i, nil
	}
	want := strings.TrimSpace(codeOrName)
	for i := range l.Areas {
		if strings.EqualFold(l.Areas[i].Name, want) || l.Areas[i].Code == want {
			return i, nil
		}
	}
	example := ""
	if len(l.Areas) > 0 {
		example = fmt.Sprintf(" such as %s (%s)", l.Areas[0].Code, l.Areas[0].Name)
	}
	return -1, fmt.Errorf("engine: %w: layer %s has no area %q; give an area code%s, or the area's name", data.ErrNoArea, l.Name, codeOrName, example)
}

// layerIDs numbers the layers an engine has seen, by identity. A study area
// depends on a layer's areas only, so it is keyed by the layer, not by the
// data version: importing crime keeps it, and a replaced layer (a new
// *geo.Layer) gets a new number. The pointers are weak, so the engine never
// keeps a layer the store has dropped alive, and a number is forgotten when
// its layer is collected.
type layerIDs struct {
	mu   sync.Mutex
	next uint64
	ids  map[weak.Pointer[geo.Layer]]uint64
}

// of is l's number.
func (li *layerIDs) of(l *geo.Layer) uint64 {
	w := weak.Make(l)
	li.mu.Lock()
	defer li.mu.Unlock()
	if id, ok := li.ids[w]; ok {
		return id
	}
	if li.ids == nil {
		li.ids = map[weak.Pointer[geo.Layer]]uint64{}
	}
	li.next++
	li.ids[w] = li.next
	runtime.AddCleanup(l, func(w weak.Pointer[geo.Layer]) {
		li.mu.Lock()
		delete(li.ids, w)
		li.mu.Unlock()
	}, w)
	return li.next
}

// layerKey names a layer for the study caches: its name and its number.
func (e *Engine) layerKey(l *geo.Layer) string {
	return fmt.Sprintf("%s#%d", l.Name, e.shared.layers.of(l))
}
