package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// Local hot spot answers. Gi* of one cell needs only the sum over its own
// neighbourhood and the neighbourhood's size, given three figures of the
// whole study area: n (zero cells included), the mean and the spread
// (hotspot.Moments). The false discovery rate needs every p value of the
// area once, reduced to three cut-offs (hotspot.FDRCuts). Those are
// computed once per query and cached; a bounding box or a tile is then
// answered from its own cells and k rings around them, with the z, p and bin
// the whole map gives, at a cost that follows the box, not the country.

// study is a layer's study area at one resolution without neighbour lists:
// every cell whose centre lies inside one of the layer's areas, ascending,
// and the areas holding each. It costs about 4 bytes a cell beyond the cell
// itself, where a grid with its neighbour lists costs about 100.
type study struct {
	layer string
	res   int
	// key is the study's cache key (the layer's identity and res), which
	// the neighbourhood sizes built on it extend.
	key   string
	cells []geo.Cell
	// area[i] indexes names: the areas holding cell i's centre (one list
	// per area, shared, and one per combination where areas overlap).
	area  []int32
	names [][]string
	// lat and lon are each cell's centre (float32: within 2 m), byLat the
	// cell indices by ascending centre latitude: a box's cells are found
	// from them without asking H3.
	lat, lon []float32
	byLat    []int32
}

// newStudy fills each area of l with the cells whose centres it holds: H3's
// polygon fill of each area, on every core (the fill is H3's C code and each
// area's is independent), then one sort of the (cell, area) pairs, so a cell's
// areas come in layer order whichever worker filled them.
func newStudy(ctx context.Context, l *geo.Layer, res int) (*study, error) {
	fills := make([][]geo.Cell, len(l.Areas))
	if err := parallel(ctx, len(l.Areas), func(ai int) error {
		for _, poly := range l.Areas[ai].Geometry {
			cs, err := geo.PolygonCells(poly, res)
			if err != nil {
				return fmt.Errorf("engine: study cells of %s %s: %w", l.Name, l.Areas[ai].Code, err)
			}
			fills[ai] = append(fills[ai], cs...)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	type held struct {
		cell geo.Cell
		area int32
	}
	n := 0
	for _, cs := range fills {
		n += len(cs)
	}
	pairs := make([]held, 0, n)
	for ai, cs := range fills {
		for _, c := range cs {
			pairs = append(pairs, held{c, int32(ai)})
		}
		fills[ai] = nil
	}
	slices.SortFunc(pairs, func(a, b held) int {
		if c := cmp.Compare(a.cell, b.cell); c != 0 {
			return c
		}
		return cmp.Compare(a.area, b.area)
	})
	pairs = slices.Compact(pairs) // an area's polygons may share a cell
	if len(pairs) == 0 {
		return nil, fmt.Errorf("%w: layer %s holds no H3 resolution %d cell centre; its areas are smaller than a cell, so choose a finer resolution", ErrBadQuery, l.Name, res)
	}
	cells := 0
	for i := range pairs {
		if i == 0 || pairs[i].cell != pairs[i-1].cell {
			cells++
		}
	}
	s := &study{layer: l.Name, res: res, cells: make([]geo.Cell, 0, cells), area: make([]int32, 0, cells)}
	single := make([]int32, len(l.Areas)) // area -> 1 + its index in names
	multi := map[string]int32{}
	for i := 0; i < len(pairs); {
		j := i + 1
		for j < len(pairs) && pairs[j].cell == pairs[i].cell {
			j++
		}
		s.cells = append(s.cells, pairs[i].cell)
		if j == i+1 {
			a := pairs[i].area
			if single[a] == 0 {
				s.names = append(s.names, []string{l.Areas[a].Name})
				single[a] = int32(len(s.names))
			}
			s.area = append(s.area, single[a]-1)
			i = j
			continue
		}
		h := make([]int32, 0, j-i)
		for _, p := range pairs[i:j] {
			h = append(h, p.area)
		}
		key := fmt.Sprint(h)
		k, ok := multi[key]
		if !ok {
			names := make([]string, len(h))
			for x, ai := range h {
				names[x] = l.Areas[ai].Name
			}
			s.names = append(s.names, names)
			k = int32(len(s.names) - 1)
			multi[key] = k
		}
		s.area = append(s.area, k)
		i = j
	}
	pairs = nil
	s.lat, s.lon, s.byLat = make([]float32, len(s.cells)), make([]float32, len(s.cells)), make([]int32, len(s.cells))
	const chunk = 8192
	if err := parallel(ctx, (len(s.cells)+chunk-1)/chunk, func(k int) error {
		for i := k * chunk; i < min(len(s.cells), (k+1)*chunk); i++ {
			p := s.cells[i].Center()
			s.lon[i], s.lat[i] = float32(p[0]), float32(p[1])
			s.byLat[i] = int32(i)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	slices.SortFunc(s.byLat, func(a, b int32) int { return cmp.Compare(s.lat[a], s.lat[b]) })
	return s, nil
}

// parallel calls fn(0..n-1) on every core (GOMAXPROCS workers taking the
// next index), stopping at the first error or when ctx ends.
func parallel(ctx context.Context, n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				err := ctx.Err()
				if err == nil {
					err = fn(i)
				}
				if err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// find is the index of c among the study cells, or -1.
func (s *study) find(c geo.Cell) int {
	if i, ok := slices.BinarySearch(s.cells, c); ok {
		return i
	}
	return -1
}

// study returns the study area of layer at res, built once per layer (kept
// across imports of crime: it depends on the areas only). It is bounded by
// MaxStudyCells, not MaxCells: a local answer computes over the cells asked
// for, and the study area costs a few bytes a cell.
func (e *Engine) study(ctx context.Context, sum *data.Summary, layer string, res int) (*study, error) {
	l, err := e.layer(ctx, sum, layer)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("study|%s|%d", e.layerKey(l), res)
	return cached(ctx, e.grids, key, func(ctx context.Context) (*study, error) {
		if est := estimateCells(l, res); e.maxStudyCells > 0 && est > float64(e.maxStudyCells)*1.1 {
			return nil, tooManyCells(l.Name, res, int(est), e.maxStudyCells)
		}
		s, err := newStudy(ctx, l, res)
		if err != nil {
			return nil, err
		}
		if e.maxStudyCells > 0 && len(s.cells) > e.maxStudyCells {
			return nil, tooManyCells(l.Name, res, len(s.cells), e.maxStudyCells)
		}
		s.key = key
		return s, nil
	})
}

// studyWeights are the neighbourhood sizes of a study area at radius k:
// w[i] is W of cell i (itself and its study-cell neighbours within k; at
// most 91), hist[W] how many cells have that W. Cells with no crime near
// them share one z per W, so hist is all the false discovery rate needs of
// them.
type studyWeights struct {
	w    []uint8
	hist []int
}

func (e *Engine) studyWeights(ctx context.Context, s *study, k int) (*studyWeights, error) {
	key := fmt.Sprintf("%s|k%d", s.key, k)
	return cached(ctx, e.grids, key, func(ctx context.Context) (*studyWeights, error) {
		sw := &studyWeights{w: make([]uint8, len(s.cells)), hist: make([]int, 1+3*k*(k+1)+1)}
		const chunk = 4096 // cells a task, on every core
		err := parallel(ctx, (len(s.cells)+chunk-1)/chunk, func(t int) error {
			for i := t * chunk; i < min(len(s.cells), (t+1)*chunk); i++ {
				c := s.cells[i]
				disk, err := c.Disk(k)
				if err != nil {
					return fmt.Errorf("engine: neighbours of %s: %w", c, err)
				}
				w := 0
				for _, d := range disk {
					if d == c || s.find(d) >= 0 {
						w++
					}
				}
				sw.w[i] = uint8(w)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, w := range sw.w {
			sw.hist[w]++
		}
		return sw, nil
	})
}

// giStats are the whole study area's figures a local answer needs, for one
// query: the moments and FDR cut-offs of its Gi*, and the counts and harm
// of its cells with crime.
type giStats struct {
	m    hotspot.Moments
	cuts hotspot.FDRCuts
	// cells with crime (or harm), ascending, and their figures
	cells       []geo.Cell
	count, harm []float64
	harmMeasure bool
	outside     int64
	// The significant cells (study indices, ascending) with their z, p and
	// bin, all found while computing the cut-offs, so a question for the
	// significant cells of a box needs no neighbourhood walk; unless the
	// empty neighbourhoods are significant themselves (zeroSig), which
	// would make every empty cell a cold spot to list.
	sigIdx []int32
	// studyIdx[j] is the study index of cells[j]
	studyIdx []int32
	sigZ     []float64
	sigP     []float64
	sigBin   []int8
	zeroSig  bool
}

// value is the count and harm of cell c (0 for a cell with no crime).
func (st *giStats) value(c geo.Cell) (count, harm float64) {
	i, ok := slices.BinarySearch(st.cells, c)
	if !ok {
		return 0, 0
	}
	return st.count[i], st.harm[i]
}

// giStats computes (once per query, cached) the whole study area's moments
// and FDR cut-offs. Its cost is one count of the period by cell, and a walk
// of the k rings around each cell with crime.
func (e *Engine) giStats(ctx context.Context, pq *prepared, s *study, sw *studyWeights, k int) (*giStats, error) {
	key := fmt.Sprintf("%s|%d|%d|%s|%s|%s", s.layer, s.res, k, pq.p, pq.m, keyList(pq.types))
	return compute(ctx, e, pq.sum, "gistats", key, func(ctx context.Context) (*giStats, error) {
		rows, err := e.store.Aggregate(ctx, data.Query{From: pq.p.From, To: pq.p.To, Types: pq.types,
			By: data.GroupBy{CellRes: s.res, Type: true}})
		if err != nil {
			return nil, fmt.Errorf("engine: counting by H3 cell for %s: %w", pq.p, err)
		}
		st := &giStats{harmMeasure: pq.m == Harm}
		idx := make(map[int]int, len(rows)/4) // study index -> position in st
		for _, r := range rows {
			i := s.find(r.Cell)
			if i < 0 {
				st.outside += r.Count
				continue
			}
			j, ok := idx[i]
			if !ok {
				j = len(st.cells)
				idx[i] = j
				st.cells = append(st.cells, r.Cell)
				st.count = append(st.count, 0)
				st.harm = append(st.harm, 0)
			}
			st.count[j] += float64(r.Count)
			st.harm[j] += e.harm.Of(r.Type, float64(r.Count), e.includePG)
		}
		order := make([]int, len(st.cells))
		for j := range order {
			order[j] = j
		}
		slices.SortFunc(order, func(a, b int) int { return cmp.Compare(st.cells[a], st.cells[b]) })
		st.cells, st.count, st.harm = permute(st.cells, order), permute(st.count, order), permute(st.harm, order)
		st.studyIdx = make([]int32, len(st.cells))
		for j, c := range st.cells {
			st.studyIdx[j] = int32(s.find(c))
		}
		x := st.count
		if st.harmMeasure {
			x = st.harm
		}
		if st.m, err = hotspot.MomentsOf(x, len(s.cells)); err != nil {
			return nil, gistarError(err, s.layer, s.res, pq.m, pq.p)
		}
		// Every cell within k of a cell with crime has a sum of its own; the
		// rest sum to 0 and share one p value per neighbourhood size.
		// (dense, by study index: a map of a few hundred thousand sums cost
		// more than the walk)
		sums, seen := make([]float64, len(s.cells)), make([]bool, len(s.cells))
		touched := make([]int32, 0, 3*len(st.cells))
		for j, c := range st.cells {
			if x[j] == 0 {
				continue
			}
			if j%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			disk, err := c.Disk(k)
			if err != nil {
				return nil, fmt.Errorf("engine: neighbours of %s: %w", c, err)
			}
			for _, d := range disk {
				if i := s.find(d); i >= 0 {
					if !seen[i] {
						seen[i] = true
						touched = append(touched, int32(i))
					}
					sums[i] += x[j]
				}
			}
		}
		ps := make([]float64, 0, len(touched)+len(sw.hist))
		mult := make([]int, 0, cap(ps))
		withSum := make([]int, len(sw.hist))
		sumIdx, zs := make([]int32, 0, len(touched)), make([]float64, 0, len(touched))
		for _, i := range touched {
			v, w := sums[i], sw.w[i]
			z := st.m.Z(v, int(w))
			sumIdx, zs = append(sumIdx, i), append(zs, z)
			ps = append(ps, hotspot.PValue(z))
			mult = append(mult, 1)
			withSum[w]++
		}
		var zeroGroups []int
		for w, n := range sw.hist {
			if rest := n - withSum[w]; rest > 0 {
				ps = append(ps, hotspot.PValue(st.m.Z(0, w)))
				mult = append(mult, rest)
				zeroGroups = append(zeroGroups, w)
			}
		}
		st.cuts = hotspot.NewFDRCuts(ps, mult, len(s.cells))
		for _, w := range zeroGroups {
			z := st.m.Z(0, w)
			st.zeroSig = st.zeroSig || st.cuts.Bin(z, hotspot.PValue(z)) != 0
		}
		sig := make([]int, 0, len(sumIdx)/8)
		for j := range sumIdx {
			if st.cuts.Bin(zs[j], ps[j]) != 0 {
				sig = append(sig, j)
			}
		}
		slices.SortFunc(sig, func(a, b int) int { return cmp.Compare(sumIdx[a], sumIdx[b]) })
		for _, j := range sig {
			st.sigIdx = append(st.sigIdx, sumIdx[j])
			st.sigZ = append(st.sigZ, zs[j])
			st.sigP = append(st.sigP, ps[j])
			st.sigBin = append(st.sigBin, int8(st.cuts.Bin(zs[j], ps[j])))
		}
		return st, nil
	})
}

func permute[T any](xs []T, order []int) []T {
	out := make([]T, len(xs))
	for i, j := range order {
		out[i] = xs[j]
	}
	return out
}

// gistarError words a Gi* failure for the user.
func gistarError(err error, layer string, res int, m Measure, p Period) error {
	if errors.Is(err, hotspot.ErrZeroVariance) {
		return fmt.Errorf("engine: every study cell of %s at resolution %d has the same %s in %s, so there are no hot or cold spots to find; widen the period or the crime types: %w",
			layer, res, m, p, err)
	}
	return fmt.Errorf("engine: hot spots of %s: %w", layer, err)
}

// inBox reports whether study cell i's centre lies in box (edges inside):
// the centre kept in float32 decides, but within 1e-4 degrees (about 10 m)
// of an edge H3's centre does.
func (s *study) inBox(i int32, box orb.Bound) bool {
	const tol = 1e-4
	lat, lon := float64(s.lat[i]), float64(s.lon[i])
	if lat < box.Min[1]-tol || lat > box.Max[1]+tol || lon < box.Min[0]-tol || lon > box.Max[0]+tol {
		return false
	}
	if lat > box.Min[1]+tol && lat < box.Max[1]-tol && lon > box.Min[0]+tol && lon < box.Max[0]-tol {
		return true
	}
	return box.Contains(s.cells[i].Center())
}

// eachInBox calls fn with each study cell whose centre lies in box, in
// order of latitude, until fn returns false.
func (s *study) eachInBox(ctx context.Context, box orb.Bound, fn func(i int32) bool) error {
	lo, _ := slices.BinarySearchFunc(s.byLat, box.Min[1]-1e-4, func(i int32, lat float64) int { return cmp.Compare(float64(s.lat[i]), lat) })
	for n, i := range s.byLat[lo:] {
		if n%4096 == 4095 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if float64(s.lat[i]) > box.Max[1]+1e-4 {
			break
		}
		if s.inBox(i, box) && !fn(i) {
			break
		}
	}
	return nil
}

// boxCells returns the indices (ascending) of the study cells whose centre
// lies in box, refusing more than MaxCells.
func (e *Engine) boxCells(ctx context.Context, s *study, box orb.Bound) ([]int, error) {
	var out []int
	err := s.eachInBox(ctx, box, func(i int32) bool {
		out = append(out, int(i))
		return e.maxCells <= 0 || len(out) <= e.maxCells
	})
	if err != nil {
		return nil, err
	}
	if e.maxCells > 0 && len(out) > e.maxCells {
		return nil, tooManyBoxCells(s, max(len(out), int(orbgeo.Area(box.ToPolygon())/geo.AvgCellAreaM2(s.res))), e.maxCells)
	}
	slices.Sort(out)
	return out, nil
}

func tooManyBoxCells(s *study, cells, limit int) error {
	return fmt.Errorf("%w: the bounding box holds about %d study cells of layer %s at H3 resolution %d, more than the %d one query may use; choose a smaller box or resolution %d (each step down makes cells 7 times larger)",
		ErrTooLarge, roundSig(cells), s.layer, s.res, limit, max(MinGridRes, s.res-1))
}

// localCells computes the hot spot cells of the study cells idx from the
// whole area's statistics: each cell's sum over its k rings, its W, z, p,
// FDR bin from the area's cut-offs.
func localCells(ctx context.Context, s *study, sw *studyWeights, st *giStats, k int, idx []int) ([]HotCell, error) {
	out := make([]HotCell, 0, len(idx))
	for n, i := range idx {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c := s.cells[i]
		disk, err := c.Disk(k)
		if err != nil {
			return nil, fmt.Errorf("engine: neighbours of %s: %w", c, err)
		}
		// Sum in ascending cell order, the order giStats adds them in, so
		// that a cell's p here is the very p the FDR cut-offs were taken
		// from (a cell whose p is a cut-off stays on the right side of it).
		slices.Sort(disk)
		var sum float64
		lo := 0 // the disk ascends, so each search starts where the last ended
		for _, d := range disk {
			j, ok := slices.BinarySearch(st.cells[lo:], d)
			lo += j
			if ok {
				if st.harmMeasure {
					sum += st.harm[lo]
				} else {
					sum += st.count[lo]
				}
			}
		}
		z := st.m.Z(sum, int(sw.w[i]))
		p := hotspot.PValue(z)
		count, harm := st.value(c)
		out = append(out, HotCell{Cell: c, Count: int64(count), Harm: harm, Z: z, P: p,
			Bin: st.cuts.Bin(z, p), BinUncorrected: hotspot.Bin(z), Areas: s.names[s.area[i]]})
	}
	return out, nil
}

// significantInBox is the significant cells of box, from the statistics'
// list (no neighbourhood walk, and no walk of the box's other cells beyond
// counting them): MaxCells bounds the significant cells. perBin counts every
// study cell of the box by bin, count and harm total them.
func (e *Engine) significantInBox(ctx context.Context, s *study, st *giStats, box orb.Bound) (cells []HotCell, perBin [7]int, count int64, harm float64, err error) {
	for j, i := range st.sigIdx {
		if !s.inBox(i, box) {
			continue
		}
		if e.maxCells > 0 && len(cells) >= e.maxCells {
			return nil, perBin, 0, 0, fmt.Errorf("%w: the bounding box holds more than %d hot and cold spot cells of layer %s at H3 resolution %d, more than one query may use; choose a smaller box or resolution %d",
				ErrTooLarge, e.maxCells, s.layer, s.res, max(MinGridRes, s.res-1))
		}
		c := s.cells[i]
		n, h := st.value(c)
		z := st.sigZ[j]
		cells = append(cells, HotCell{Cell: c, Count: int64(n), Harm: h, Z: z, P: st.sigP[j], Bin: int(st.sigBin[j]),
			BinUncorrected: hotspot.Bin(z), Areas: s.names[s.area[i]]})
		perBin[int(st.sigBin[j])+3]++
	}
	inBox := 0
	if err := s.eachInBox(ctx, box, func(int32) bool { inBox++; return true }); err != nil {
		return nil, perBin, 0, 0, err
	}
	perBin[3] = inBox - len(cells)
	for j, i := range st.studyIdx {
		if s.inBox(i, box) {
			count += int64(st.count[j])
			harm += st.harm[j]
		}
	}
	return cells, perBin, count, harm, nil
}
