package engine

import (
	"context"
	"fmt"
	"strings"

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
