package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

// Warming: at national size the first question of the map's default view
// costs seconds (each resolution's study area, the counts of the period by
// cell, the streets naming the cells, the query's moments and FDR cut-offs),
// where every later one costs milliseconds. Warm asks those questions ahead,
// so the first person to open the map does not wait for them.

// WarmReport is what Warm computed.
type WarmReport struct {
	Layer   string        `json:"layer"`
	Steps   int           `json:"steps"`   // questions asked
	Refused int           `json:"refused"` // of those, too large for the engine's bounds (answered by the map tile by tile)
	Took    time.Duration `json:"took"`
}

// Warm computes, one after another and into the engine's bounded caches,
// what the map's default view of layer asks first: the streets and figures
// of the cells at every resolution the map draws (5..12), the hot spot
// statistics of each grid resolution (7..11) as tiles ask them (the whole map,
// where it fits MaxCells, and the study area, its neighbourhood sizes and the
// query's moments and FDR cut-offs, through a box), and the layer's
// ranking (which makes the store's roll-ups by area). The default view is the
// default query: the last 12 months, crime, count, k 1. Questions too large
// for the bounds are skipped, as the map skips them; other errors stop it.
// It takes seconds at national size and holds no lock: a request asking the
// same thing meanwhile waits for Warm's computation instead of repeating it,
// and ctx stops it between (and inside) steps.
func (e *Engine) Warm(ctx context.Context, layer string) (WarmReport, error) {
	start := e.now()
	rep := WarmReport{Layer: layer}
	step := func(err error) error {
		rep.Steps++
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ErrTooLarge), errors.Is(err, ErrBadQuery):
			// too large for the bounds, or a layer too small for the
			// resolution: the map draws those without statistics too
			rep.Refused++
			return nil
		}
		return err
	}
	sum, err := e.summary(ctx)
	if err != nil {
		return rep, err
	}
	l, err := e.layer(ctx, sum, layer)
	if err != nil {
		return rep, err
	}
	// a box of one cell's size at the layer's busiest place would do; its
	// centre is enough to make the whole area's statistics
	c := l.Bound().Center()
	box := orb.Bound{Min: c, Max: c}
	// the map opens at about zoom 12 (resolution 9): that first
	for _, res := range []int{9, 8, 10, 7, 11, 12, 6, 5} {
		if err := step(e.warmCells(ctx, res)); err != nil {
			return rep, err
		}
		if res < MinGridRes || res > MaxGridRes {
			continue
		}
		// a tile asks the whole map where the resolution's cells with crime
		// are few enough to draw from one set (tiles.Options.SetCells), a
		// box of its own otherwise
		for _, q := range []HotspotQuery{{Layer: layer, Res: res}, {Layer: layer, Res: res, BBox: box}} {
			if _, err := e.Hotspots(ctx, q); step(err) != nil {
				return rep, fmt.Errorf("engine: warming the hot spots of %s at resolution %d: %w", layer, res, err)
			}
		}
	}
	_, err = e.Ranking(ctx, RankingQuery{Layer: layer})
	if err := step(err); err != nil {
		return rep, err
	}
	rep.Took = e.now().Sub(start)
	return rep, nil
}

// warmCells computes the streets and the default figures of the cells at res.
func (e *Engine) warmCells(ctx context.Context, res int) error {
	if res < geo.MinRes || res > geo.BaseRes {
		return nil
	}
	if _, err := e.CellStreets(ctx, res); err != nil {
		return err
	}
	_, err := e.CellFigures(ctx, CellQuery{Res: res})
	return err
}
