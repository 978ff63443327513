package tiles

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
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
	res := CellRes(t.Z)
	plan, err := r.cellsPlan(ctx, q, res)
	if err != nil {
		return err
	}
	if plan.local {
		return r.drawCellsLocal(ctx, b, t, q, res, plan.figs)
	}
	cs, err := r.cellSet(ctx, q, res)
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
		var st *cellStat
		if cs.hasStat != nil && cs.hasStat[i] {
			st = &cellStat{z: cs.z[i], bin: cs.bin[i]}
		}
		drawCell(b, ring, &cs.figs[i], cs.names[i], cs.street[i], cs.outside[i], st)
	}
	return nil
}

// cellsPlan is how a query's cells at one resolution are drawn: from a
// precomputed set, or tile by tile from its figures (more than SetCells).
type cellsPlan struct {
	figs  *engine.CellFigures
	local bool
}

func (r *Renderer) cellsPlan(ctx context.Context, q Query, res int) (*cellsPlan, error) {
	key := fmt.Sprintf("plan|v%d|%s|res%d", r.version(), q.Key(), res)
	return memoize(ctx, r.sets, key, func(ctx context.Context) (*cellsPlan, error) {
		figs, err := r.eng.Source(q.Source).WithTimes(q.Times).CellFigures(ctx, engine.CellQuery{Res: res, From: q.From, To: q.To, Types: q.Types})
		if err != nil {
			return nil, err
		}
		figs = q.View.CellFigures(figs) // tiles drawn one by one show what the view shows too
		return &cellsPlan{figs: figs, local: r.setCells < 0 || len(figs.Cells) > r.setCells}, nil
	})
}

// cellStat is a drawn cell's Gi* statistics.
type cellStat struct {
	z   float64
	bin int8
}

// drawCell adds one hexagon with its figures.
func drawCell(b *tileBuilder, ring orb.Ring, fig *engine.CellFigure, name, street string, outside bool, st *cellStat) {
	props := make(geojson.Properties, 7)
	if b.count(props, "count", fig.Count) {
		props["harm"] = fig.Harm
		props["cost"] = fig.Cost
	}
	if st != nil {
		props["z"] = st.z
		props["bin"] = int64(st.bin)
	}
	if fig.TopType != "" {
		props["top_type"] = fig.TopType
	}
	props["cell"] = name
	if street != "" {
		props["street"] = street
	}
	if outside {
		props["outside"] = true
	}
	b.add(uint64(fig.Cell), orb.Polygon{ring}, props)
}

// drawCellsLocal draws a tile from its own cells, for a query with more
// cells than a precomputed set holds (a force or the country at a fine
// resolution): the cells meeting the tile and its buffer are found by
// filling it with hexagons (or, where the tile holds more hexagons than the
// query has cells, by checking each cell), and their Gi* comes from the
// study area's cached statistics and the tile's own k rings
// (engine.HotspotQuery.BBox), equal to the whole map's.
func (r *Renderer) drawCellsLocal(ctx context.Context, b *tileBuilder, t Tile, q Query, res int, figs *engine.CellFigures) error {
	f := newFrame(t, r.extent, r.buffer)
	// grown by two hexagon edges: a hexagon whose centre is outside may
	// still reach in
	grown := grow(f.lonLatBound(), res, 2)
	var idx []int // indices into figs.Cells
	if est := orbgeo.Area(grown.ToPolygon()) / geo.AvgCellAreaM2(res); est < float64(len(figs.Cells)) {
		cells, err := geo.PolygonCells(grown.ToPolygon(), res)
		if err != nil {
			return fmt.Errorf("tiles: cells of tile %s: %w", t, err)
		}
		slices.Sort(cells)
		for _, c := range cells {
			if i, ok := slices.BinarySearchFunc(figs.Cells, c, func(f engine.CellFigure, c geo.Cell) int { return cmp.Compare(f.Cell, c) }); ok {
				idx = append(idx, i)
			}
		}
	} else {
		for i := range figs.Cells {
			if grown.Contains(figs.Cells[i].Cell.Center()) {
				idx = append(idx, i)
			}
		}
	}
	if len(idx) == 0 {
		return nil
	}
	layer, _, err := r.store.Layer(ctx, q.Layer)
	if err != nil {
		return fmt.Errorf("tiles: %w", err)
	}
	streets, err := r.eng.CellStreets(ctx, res)
	if err != nil {
		return err
	}
	stats := r.localStats(ctx, q, res, grown)
	world6 := make([]orb.Point, 0, 8)
	for _, i := range idx {
		fig := &figs.Cells[i]
		c := fig.Cell
		world6 = world6[:0]
		for _, p := range c.Boundary() {
			world6 = append(world6, world(p))
		}
		if len(world6) < 3 || !boundOf(world6).Intersects(f.bound) {
			continue
		}
		ring := b.ring(&f, world6, true)
		if ring == nil {
			continue
		}
		var st *cellStat
		if j, ok := slices.BinarySearchFunc(stats, c, func(h engine.HotCell, c geo.Cell) int { return cmp.Compare(h.Cell, c) }); ok {
			st = &cellStat{z: stats[j].Z, bin: int8(stats[j].Bin)}
		}
		drawCell(b, ring, fig, c.String(), streets[c], layer.Locate(c.Center()) < 0, st)
	}
	return nil
}

// lonLatBound is the frame (the tile and its buffer) in degrees.
func (f *frame) lonLatBound() orb.Bound {
	nw, se := lonLat(f.bound.Min), lonLat(f.bound.Max)
	return orb.Bound{Min: orb.Point{nw[0], se[1]}, Max: orb.Point{se[0], nw[1]}}
}

// grow widens box (degrees) by edges mean hexagon edges of resolution res
// on every side, within the Web Mercator square.
func grow(box orb.Bound, res int, edges float64) orb.Bound {
	edge := math.Sqrt(2*geo.AvgCellAreaM2(res)/(3*math.Sqrt(3))) * edges
	dLat := edge / 111_320
	dLon := dLat / math.Max(0.05, math.Cos(math.Max(math.Abs(box.Min[1]), math.Abs(box.Max[1]))*math.Pi/180))
	return orb.Bound{Min: orb.Point{max(-180, box.Min[0]-dLon), max(-maxLat, box.Min[1]-dLat)},
		Max: orb.Point{min(180, box.Max[0]+dLon), min(maxLat, box.Max[1]+dLat)}}
}

// localStats is the Gi* of the study cells in box, when res is a grid
// resolution and the measure one Gi* runs on; nil (cells drawn without
// statistics) when it cannot be computed, as for a whole set.
func (r *Renderer) localStats(ctx context.Context, q Query, res int, box orb.Bound) []engine.HotCell {
	if res < engine.MinGridRes || res > engine.MaxGridRes || q.Measure == engine.Cost {
		return nil
	}
	if q.View.Protected() {
		// a protected view's Gi* runs over the whole map's banded counts,
		// which a box cannot give: its tiles carry no statistics
		return nil
	}
	h, err := r.eng.Source(q.Source).WithTimes(q.Times).Hotspots(ctx, engine.HotspotQuery{Layer: q.Layer, Res: res,
		From: q.From, To: q.To, Types: q.Types, Measure: q.Measure, BBox: box})
	if err != nil {
		r.log.Debug("tiles: cells without Gi*", "layer", q.Layer, "res", res, "err", err)
		return nil
	}
	return h.Cells
}
