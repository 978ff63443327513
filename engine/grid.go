package engine

import (
	"context"
	"fmt"
	"math"
	"slices"

	orbgeo "github.com/paulmach/orb/geo"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// Bounds and defaults of the hotspot grid.
const (
	// DefaultRes is the H3 resolution of the study grid when a query gives
	// none: resolution 9 hexagons are about 0.1 km² (edge about 200 m), a
	// few streets, the scale of a patrol beat.
	DefaultRes = 9
	// MinGridRes and MaxGridRes bound the resolutions offered (about 5 km²
	// to 2,000 m² a cell).
	MinGridRes, MaxGridRes = 7, 11
	// DefaultK is the neighbourhood radius in grid steps: the 6 cells
	// touching a cell.
	DefaultK = 1
	// MaxK bounds the neighbourhood radius (91 cells at k = 5).
	MaxK = 5
)

// grid is a layer's study area at one H3 resolution with its neighbour
// lists: every cell whose centre lies inside an area of the layer, in
// ascending cell order, zero-crime cells included.
type grid struct {
	layer string
	res   int
	k     int
	cells []geo.Cell
	index map[geo.Cell]int32
	// nbrs[i] lists the indices of the cells within grid distance k of cell
	// i that are themselves study cells, i excluded.
	nbrs [][]int32
	// areas[i] names the areas whose polygons hold cell i's centre (several
	// when the layer's areas overlap). Slices are shared between cells.
	areas [][]string
	// beyond is how many rings of cells beyond the layer's edge the grid
	// holds; beyondEdge[i] marks those cells (nil when beyond is 0). They
	// take part in Gi* with their real counts, so a cell at the edge keeps
	// its neighbours, but are not study cells: never reported, ranked or
	// counted in a total.
	beyond     int
	beyondEdge []bool
}

// inside reports whether cell i lies in the layer's areas (not beyond the edge).
func (g *grid) inside(i int) bool { return g.beyondEdge == nil || !g.beyondEdge[i] }

// resK checks and defaults a query's resolution and neighbourhood radius.
func resK(res, k int) (int, int, error) {
	if res == 0 {
		res = DefaultRes
	}
	if k == 0 {
		k = DefaultK
	}
	if res < MinGridRes || res > MaxGridRes {
		return 0, 0, fmt.Errorf("%w: H3 resolution %d is outside %d..%d (%d, about 0.1 km² a cell, suits streets)", ErrBadQuery, res, MinGridRes, MaxGridRes, DefaultRes)
	}
	if k < 1 || k > MaxK {
		return 0, 0, fmt.Errorf("%w: neighbourhood radius k=%d is outside 1..%d grid steps", ErrBadQuery, k, MaxK)
	}
	return res, k, nil
}

// grid returns the study grid of layer at res with radius k, built once per
// store version.
func (e *Engine) grid(ctx context.Context, sum *data.Summary, layer string, res, k int) (*grid, error) {
	return e.gridBeyond(ctx, sum, layer, res, k, 0)
}

// gridBeyond is grid with beyond rings of cells past the layer's edge
// (grid.beyondEdge), built from the grid without them.
func (e *Engine) gridBeyond(ctx context.Context, sum *data.Summary, layer string, res, k, beyond int) (*grid, error) {
	l, err := e.layer(ctx, sum, layer)
	if err != nil {
		return nil, err
	}
	// keyed by the layer, not the data version: a grid depends on the areas only
	base := fmt.Sprintf("grid|%s|%d|%d", e.layerKey(l), res, k)
	if beyond > 0 {
		return cached(ctx, e.grids, fmt.Sprintf("%s|beyond%d", base, beyond), func(ctx context.Context) (*grid, error) {
			g, err := e.grid(ctx, sum, layer, res, k)
			if err != nil {
				return nil, err
			}
			return g.extend(ctx, beyond)
		})
	}
	return cached(ctx, e.grids, base, func(ctx context.Context) (*grid, error) {
		// Refuse before building: a grid of 400,000 cells takes seconds and
		// hundreds of megabytes, and its answers more.
		if est := estimateCells(l, res); e.maxCells > 0 && est > float64(e.maxCells)*1.1 {
			return nil, tooManyCells(l.Name, res, int(est), e.maxCells)
		}
		st, err := e.study(ctx, sum, layer, res)
		if err != nil {
			return nil, err
		}
		if e.maxCells > 0 && len(st.cells) > e.maxCells {
			return nil, tooManyCells(l.Name, res, len(st.cells), e.maxCells)
		}
		return buildGrid(ctx, st, k)
	})
}

// estimateCells is about how many resolution-res cells cover the layer: its
// areas' total area (overlaps counted twice) over a cell's mean area.
func estimateCells(l *geo.Layer, res int) float64 {
	var m2 float64
	for _, a := range l.Areas {
		m2 += orbgeo.Area(a.Geometry)
	}
	return m2 / geo.AvgCellAreaM2(res)
}

func tooManyCells(layer string, res, cells, max int) error {
	hint := "a layer of smaller areas (wards rather than authorities)"
	if res > MinGridRes {
		coarser := res - 1
		for coarser > MinGridRes && float64(cells)/math.Pow(7, float64(res-coarser)) > float64(max) {
			coarser--
		}
		hint = fmt.Sprintf("resolution %d or coarser (each step down makes cells 7 times larger), or %s", coarser, hint)
	}
	return fmt.Errorf("%w: layer %s at H3 resolution %d covers about %d cells, more than the %d one query may use; choose %s",
		ErrTooLarge, layer, res, roundSig(cells), max, hint)
}

// roundSig rounds n to its two leading digits (425,703 -> 430,000), as
// estimates should be stated.
func roundSig(n int) int {
	p := 1
	for n/p >= 100 {
		p *= 10
	}
	return (n + p/2) / p * p
}

// checkCellMonths refuses a per-month computation over g's cells and months
// months when it exceeds the engine's bound.
func (e *Engine) checkCellMonths(g *grid, months int) error {
	if e.maxCellMonths <= 0 || len(g.cells)*months <= e.maxCellMonths {
		return nil
	}
	fit := e.maxCellMonths / len(g.cells)
	return fmt.Errorf("%w: %d cells x %d months of layer %s at H3 resolution %d is %d cell-months, more than the %d one query may use; "+
		"choose at most %d months, a coarser resolution or a layer of smaller areas",
		ErrTooLarge, len(g.cells), months, g.layer, g.res, len(g.cells)*months, e.maxCellMonths, max(fit, 1))
}

// buildGrid adds neighbour lists within k to a study area.
func buildGrid(ctx context.Context, st *study, k int) (*grid, error) {
	g := &grid{layer: st.layer, res: st.res, k: k, cells: st.cells,
		index: make(map[geo.Cell]int32, len(st.cells)), areas: make([][]string, len(st.cells))}
	for i, c := range g.cells {
		g.index[c] = int32(i)
		g.areas[i] = st.names[st.area[i]]
	}
	if err := g.neighbours(ctx); err != nil {
		return nil, err
	}
	return g, nil
}

// neighbours fills g.nbrs: for each cell, the grid's cells within k steps.
func (g *grid) neighbours(ctx context.Context) error {
	// Neighbour lists share one backing array: a disk holds 1+3k(k+1) cells.
	k := g.k
	per := 3 * k * (k + 1)
	slab := make([]int32, 0, len(g.cells)*per)
	g.nbrs = make([][]int32, len(g.cells))
	for i, c := range g.cells {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		disk, err := c.Disk(k)
		if err != nil {
			return fmt.Errorf("engine: neighbours of %s: %w", c, err)
		}
		start := len(slab)
		for _, d := range disk {
			if j, ok := g.index[d]; ok && d != c {
				slab = append(slab, j)
			}
		}
		g.nbrs[i] = slab[start:len(slab):len(slab)]
	}
	return nil
}

// extend returns a grid of g's cells and every cell within rings grid steps of
// them, the new cells marked beyond the edge, with neighbour lists over all.
func (g *grid) extend(ctx context.Context, rings int) (*grid, error) {
	holders := map[geo.Cell]bool{} // cell -> inside
	for _, c := range g.cells {
		holders[c] = true
	}
	for i, c := range g.cells {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		disk, err := c.Disk(rings)
		if err != nil {
			return nil, fmt.Errorf("engine: cells beyond the edge of %s: %w", g.layer, err)
		}
		for _, d := range disk {
			if _, ok := holders[d]; !ok {
				holders[d] = false
			}
		}
	}
	x := &grid{layer: g.layer, res: g.res, k: g.k, beyond: rings, cells: make([]geo.Cell, 0, len(holders)),
		index: make(map[geo.Cell]int32, len(holders)), areas: make([][]string, len(holders)), beyondEdge: make([]bool, len(holders))}
	for c := range holders {
		x.cells = append(x.cells, c)
	}
	slices.Sort(x.cells)
	for i, c := range x.cells {
		x.index[c] = int32(i)
		if j, ok := g.index[c]; ok {
			x.areas[i] = g.areas[j]
		} else {
			x.areas[i], x.beyondEdge[i] = []string{}, true
		}
	}
	if err := x.neighbours(ctx); err != nil {
		return nil, err
	}
	return x, nil
}

// cellValues are per study cell counts and harm over a period, from one
// Aggregate by cell (and crime type, for harm).
type cellValues struct {
	count   []float64
	harm    []float64
	total   int64 // incidents in study cells
	outside int64 // incidents in the period outside the study cells (beyond the edge included)
}

// values counts each study cell's incidents over p: the store groups by the
// cell of the grid's resolution holding each point, so an incident counts in
// its cell wherever in the cell it lies, whether or not it is inside the
// layer's areas.
func (e *Engine) values(ctx context.Context, g *grid, p Period, types []string) (*cellValues, error) {
	rows, err := e.store.Aggregate(ctx, data.Query{From: p.From, To: p.To, Types: types,
		By: data.GroupBy{CellRes: g.res, Type: true}})
	if err != nil {
		return nil, fmt.Errorf("engine: counting by H3 cell for %s: %w", p, err)
	}
	v := &cellValues{count: make([]float64, len(g.cells)), harm: make([]float64, len(g.cells))}
	for _, r := range rows {
		i, ok := g.index[r.Cell]
		if !ok {
			v.outside += r.Count
			continue
		}
		v.count[i] += float64(r.Count)
		v.harm[i] += e.harm.Of(r.Type, float64(r.Count), e.includePG)
		if g.inside(int(i)) {
			v.total += r.Count
		} else {
			v.outside += r.Count
		}
	}
	return v, nil
}
