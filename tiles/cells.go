package tiles

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
)

// cellResByZoom is the H3 resolution of the cells set at each zoom: the
// finest whose hexagons still have edges of about 4.5 screen pixels or more
// (256-pixel tiles) at Stockton's latitude (54.6° N, where a pixel at zoom z
// is about 90,650/2^z m), so a hexagon is several pixels across, never a
// speck:
//
//	zoom    res  mean edge  edge on screen
//	0-6     5    8.5 km     6 px at 6 (the coarsest the store groups by)
//	7-8     6    3.2 km     4.5-9 px
//	9       7    1.2 km     7 px
//	10-11   8    460 m      5-10 px
//	12      9    174 m      8 px
//	13      10   66 m       6 px
//	14-15   11   25 m       4.5-9 px
//	16-22   12   9.4 m      7 px at 16 (the finest indexed)
//
// Gi* z and bin come with resolutions 7..11 (engine.MinGridRes..
// MaxGridRes): zooms 9 to 15.
var cellResByZoom = [MaxZoom + 1]int{5, 5, 5, 5, 5, 5, 5, 6, 6, 7, 8, 8, 9, 10, 11, 11, 12, 12, 12, 12, 12, 12, 12}

// CellRes is the H3 resolution of the cells set at zoom z (see the table
// above cellResByZoom); zooms outside 0..MaxZoom are clamped.
func CellRes(z int) int { return cellResByZoom[max(0, min(MaxZoom, z))] }

// cellSet is one query's cells at one resolution, ready to draw: figures,
// outlines in world coordinates, and per zoom the tiles each cell meets.
type cellSet struct {
	figs   []engine.CellFigure
	names  []string    // H3 strings
	ring   []orb.Point // every outline (closed), world coordinates
	start  []int32     // cell i's outline is ring[start[i]:start[i+1]]
	bounds []orb.Bound
	// Gi* statistics where the cell is a study cell of the layer at a grid
	// resolution and the measure allows it.
	hasStat []bool
	z       []float64
	bin     []int8
	// street names each cell by its busiest street ("" with none); outside
	// marks cells whose centre lies in none of the layer's areas (the Gi*
	// study area is the cells whose centre is inside).
	street  []string
	outside []bool
	// lonlat holds every outline, degrees.
	lonlat orb.Bound

	idx [indexZoom + 1]struct {
		once sync.Once
		ix   *tileIndex
	}
}

func (cs *cellSet) index(z, extent, buffer int) *tileIndex {
	z = min(z, indexZoom)
	e := &cs.idx[z]
	e.once.Do(func() { e.ix = buildIndex(cs.bounds, z, extent, buffer) })
	return e.ix
}

func (r *Renderer) cellSet(ctx context.Context, q Query, res int) (*cellSet, error) {
	key := fmt.Sprintf("v%d|%s|res%d", r.version(), q.Key(), res)
	return memoize(ctx, r.sets, key, func(ctx context.Context) (*cellSet, error) {
		layer, _, err := r.store.Layer(ctx, q.Layer)
		if err != nil {
			return nil, fmt.Errorf("tiles: %w", err)
		}
		streets, err := r.eng.CellStreets(ctx, res)
		if err != nil {
			return nil, err
		}
		figs, err := r.eng.Source(q.Source).WithTimes(q.Times).CellFigures(ctx, engine.CellQuery{Res: res, From: q.From, To: q.To, Types: q.Types})
		if err != nil {
			return nil, err
		}
		figs = q.View.CellFigures(figs)
		n := len(figs.Cells)
		cs := &cellSet{figs: figs.Cells, names: make([]string, n), start: make([]int32, 1, n+1),
			ring: make([]orb.Point, 0, 7*n), bounds: make([]orb.Bound, n), street: make([]string, n), outside: make([]bool, n)}
		for i := range figs.Cells {
			c := figs.Cells[i].Cell
			cs.names[i] = c.String()
			cs.street[i] = streets[c]
			cs.outside[i] = layer.Locate(c.Center()) < 0
			s := len(cs.ring)
			for j, p := range c.Boundary() {
				if i == 0 && j == 0 {
					cs.lonlat = p.Bound()
				}
				cs.lonlat = cs.lonlat.Extend(p)
				cs.ring = append(cs.ring, world(p))
			}
			cs.start = append(cs.start, int32(len(cs.ring)))
			if len(cs.ring) > s {
				cs.bounds[i] = boundOf(cs.ring[s:])
			}
		}
		if err := r.cellStats(ctx, q, res, cs); err != nil {
			return nil, err
		}
		r.log.Debug("tiles: cell set", "key", key, "cells", n)
		return cs, nil
	})
}

// cellStats joins the Gi* statistics of the layer's study grid at res,
// when res is a grid resolution and the measure is one Gi* runs on. A grid
// that cannot be computed (a layer too small for the resolution, every cell
// alike) leaves the cells without statistics rather than failing the map.
func (r *Renderer) cellStats(ctx context.Context, q Query, res int, cs *cellSet) error {
	if res < engine.MinGridRes || res > engine.MaxGridRes || q.Measure == engine.Cost {
		return nil
	}
	h, err := r.eng.Source(q.Source).WithTimes(q.Times).Hotspots(ctx, engine.HotspotQuery{Layer: q.Layer, Res: res, From: q.From, To: q.To, Types: q.Types, Measure: q.Measure})
	if err == nil {
		h, err = q.View.Hotspots(h)
	}
	switch {
	case errors.Is(err, data.ErrNoLayer), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case err != nil:
		r.log.Debug("tiles: cells without Gi*", "layer", q.Layer, "res", res, "err", err)
		return nil
	}
	n := len(cs.figs)
	cs.hasStat, cs.z, cs.bin = make([]bool, n), make([]float64, n), make([]int8, n)
	j := 0 // both lists ascend by cell
	for i := range cs.figs {
		c := cs.figs[i].Cell
		for j < len(h.Cells) && h.Cells[j].Cell < c {
			j++
		}
		if j < len(h.Cells) && h.Cells[j].Cell == c {
			cs.hasStat[i], cs.z[i], cs.bin[i] = true, h.Cells[j].Z, int8(h.Cells[j].Bin)
		}
	}
	return nil
}

func (r *Renderer) drawCells(ctx context.Context, b *tileBuilder, t Tile, q Query) error {
	cs, err := r.cellSet(ctx, q, CellRes(t.Z))
	if err != nil {
		return err
	}
	cand, check := cs.index(t.Z, r.extent, r.buffer).candidates(t)
	f := newFrame(t, r.extent, r.buffer)
	for _, i := range cand {
		if check && !cs.bounds[i].Intersects(f.bound) {
			continue
		}
		ring := b.ring(&f, cs.ring[cs.start[i]:cs.start[i+1]], true)
		if ring == nil {
			continue
		}
		fig := &cs.figs[i]
		props := make(geojson.Properties, 7)
		if b.count(props, "count", fig.Count) {
			props["harm"] = fig.Harm
			props["cost"] = fig.Cost
		}
		if cs.hasStat != nil && cs.hasStat[i] {
			props["z"] = cs.z[i]
			props["bin"] = int64(cs.bin[i])
		}
		if fig.TopType != "" {
			props["top_type"] = fig.TopType
		}
		props["cell"] = cs.names[i]
		if cs.street[i] != "" {
			props["street"] = cs.street[i]
		}
		if cs.outside[i] {
			props["outside"] = true
		}
		b.add(uint64(fig.Cell), orb.Polygon{ring}, props)
	}
	return nil
}
