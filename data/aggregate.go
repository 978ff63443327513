package data

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/stockton-csp/hotspots/geo"
)

// denseLimit bounds the dense count array of an aggregation (entries); past
// it a map is used.
const denseLimit = 1 << 22

// plan is a query resolved against the store's dictionaries.
type plan struct {
	parts   []*memPart
	typeOK  []bool // by global category id; nil = all
	locBase []int64
	nCell   int
	cells   []geo.Cell
	areaL   *memLayer
	nArea   int
	m0      Month
	nMonth  int
	nType   int
	typeIDs []uint16 // dense type index -> category id
	typeIdx []int32  // category id -> dense type index
	areaOK  []bool   // by area of q.Layer, when it filters by layer
}

// resolve turns q into a plan; caller holds mu for reading.
func (s *MemStore) resolve(q Query) (*plan, error) {
	if q.From != 0 && q.To != 0 && q.From > q.To {
		return nil, fmt.Errorf("%w: from %s is after to %s", ErrBadQuery, q.From, q.To)
	}
	pl := &plan{nCell: 1, nArea: 1, nMonth: 1, nType: 1}
	forceOK := map[string]bool{}
	for _, f := range q.Forces {
		forceOK[f] = true
	}
	sourceOK := map[string]bool{}
	for _, f := range q.Sources {
		sourceOK[f] = true
	}
	for k, p := range s.parts {
		if (q.From != 0 && k.month < q.From) || (q.To != 0 && k.month > q.To) {
			continue
		}
		if len(sourceOK) > 0 && !sourceOK[k.source] {
			continue
		}
		if len(forceOK) > 0 && !forceOK[k.force] {
			continue
		}
		pl.parts = append(pl.parts, p)
	}
	sort.Slice(pl.parts, func(i, j int) bool {
		a, b := pl.parts[i], pl.parts[j]
		if a.month != b.month {
			return a.month < b.month
		}
		if a.source != b.source {
			return a.source < b.source
		}
		return a.force < b.force
	})
	if len(q.Types) > 0 {
		pl.typeOK = make([]bool, len(s.strs))
		for _, t := range q.Types {
			if id, ok := s.strIdx[t]; ok {
				pl.typeOK[id] = true
			}
		}
	}
	// per-location filter by area
	var locOK []bool
	if q.Layer != "" {
		ml, ok := s.layers[q.Layer]
		if !ok {
			return nil, s.noLayer(q.Layer)
		}
		areaOK := make([]bool, len(ml.layer.Areas))
		if len(q.Areas) == 0 {
			for i := range areaOK {
				areaOK[i] = true
			}
		}
		for _, code := range q.Areas {
			i := ml.layer.Index(code)
			if i < 0 {
				return nil, fmt.Errorf("%w: %q is not an area of layer %s", ErrNoArea, code, q.Layer)
			}
			areaOK[i] = true
		}
		pl.areaOK = areaOK
		if !rollupOK(q) { // roll-ups need no per-location filter
			locOK = make([]bool, len(s.locs))
			for l, a := range ml.area {
				locOK[l] = a >= 0 && areaOK[a]
			}
		}
	}
	if len(q.Cells) > 0 {
		res, set, err := cellFilter(q.Cells)
		if err != nil {
			return nil, err
		}
		if locOK == nil {
			locOK = make([]bool, len(s.locs))
			for l := range locOK {
				locOK[l] = true
			}
		}
		for l := range s.locs {
			locOK[l] = locOK[l] && s.locs[l].cell != 0 && set[s.locs[l].cells.At(res)]
		}
	}
	// group dimensions
	g := q.By
	cellIdx := []int32(nil)
	if g.CellRes > 0 {
		if g.CellRes < geo.MinRes || g.CellRes > geo.BaseRes {
			return nil, fmt.Errorf("%w: H3 resolution %d is outside %d..%d", ErrBadQuery, g.CellRes, geo.MinRes, geo.BaseRes)
		}
		cn := s.cellNumbersAt(g.CellRes)
		cellIdx, pl.cells = cn.idx, cn.cells
		pl.nCell = max(len(pl.cells), 1)
	}
	if g.Layer != "" {
		ml, ok := s.layers[g.Layer]
		if !ok {
			return nil, s.noLayer(g.Layer)
		}
		pl.areaL = ml
		pl.nArea = max(len(ml.layer.Areas), 1)
	}
	if g.Month && len(pl.parts) > 0 {
		pl.m0 = pl.parts[0].month
		pl.nMonth = int(pl.parts[len(pl.parts)-1].month-pl.m0) + 1
	}
	if g.Type {
		pl.typeIdx = make([]int32, len(s.strs))
		for i := range pl.typeIdx {
			pl.typeIdx[i] = -1
		}
		// dense ids for categories that are crime types of selected partitions
		for _, p := range pl.parts {
			for _, t := range p.types { // each partition's distinct types, not every incident's
				if pl.typeIdx[t] < 0 {
					pl.typeIdx[t] = int32(len(pl.typeIDs))
					pl.typeIDs = append(pl.typeIDs, t)
				}
			}
		}
		// number the types in name order, so rows come out sorted
		slices.SortFunc(pl.typeIDs, func(a, b uint16) int { return cmp.Compare(s.strs[a], s.strs[b]) })
		for i, t := range pl.typeIDs {
			pl.typeIdx[t] = int32(i)
		}
		pl.nType = max(len(pl.typeIDs), 1)
	}
	if rollupOK(q) {
		return pl, nil // counted from roll-ups: no per-location keys
	}
	stride := int64(pl.nMonth) * int64(pl.nType)
	pl.locBase = make([]int64, len(s.locs))
	for l := range s.locs {
		if locOK != nil && !locOK[l] {
			pl.locBase[l] = -1
			continue
		}
		var ci, ai int64
		if cellIdx != nil {
			if cellIdx[l] < 0 {
				pl.locBase[l] = -1
				continue
			}
			ci = int64(cellIdx[l])
		}
		if pl.areaL != nil {
			a := pl.areaL.area[l]
			if a < 0 {
				pl.locBase[l] = -1
				continue
			}
			ai = int64(a)
		}
		pl.locBase[l] = (ci*int64(pl.nArea) + ai) * stride
	}
	return pl, nil
}

// Aggregate counts incidents matching q, grouped as q.By asks. Rows come
// sorted by cell, area (layer order), month and type, zero counts left out.
func (s *MemStore) Aggregate(ctx context.Context, q Query) ([]Row, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrStoreClosed
	}
	pl, err := s.resolve(q)
	if err != nil {
		return nil, err
	}
	size := int64(pl.nCell) * int64(pl.nArea) * int64(pl.nMonth) * int64(pl.nType)
	var dense []int64
	var sparse map[int64]int64
	if size <= denseLimit {
		dense = make([]int64, size)
	} else {
		sparse = make(map[int64]int64)
	}
	if rollupOK(q) {
		err = s.aggregateByArea(ctx, q, pl, func(k, n int64) {
			if dense != nil {
				dense[k] += n
			} else {
				sparse[k] += n
			}
		})
		if err != nil {
			return nil, err
		}
	}
	for _, p := range pl.parts {
		if pl.locBase == nil {
			break // counted from roll-ups
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		mo := int64(0)
		if q.By.Month {
			mo = int64(p.month-pl.m0) * int64(pl.nType)
		}
		wd := p.month.firstWeekday()
		for i, l := range p.loc {
			b := pl.locBase[l]
			if b < 0 {
				continue
			}
			t := p.typ[i]
			if pl.typeOK != nil && !pl.typeOK[t] {
				continue
			}
			if q.Times != nil && !p.keepTime(q.Times, wd, i) {
				continue
			}
			k := b + mo
			if pl.typeIdx != nil {
				k += int64(pl.typeIdx[t])
			}
			if dense != nil {
				dense[k]++
			} else {
				sparse[k]++
			}
		}
	}
	var rows []Row
	if dense != nil {
		nz := 0
		for _, n := range dense {
			if n != 0 {
				nz++
			}
		}
		rows = make([]Row, 0, nz)
	} else {
		rows = make([]Row, 0, len(sparse))
	}
	// Dimensions are numbered in output order (cells ascending, areas in
	// layer order, months, types by name), so walking the keys in order
	// gives sorted rows.
	emit := func(k, n int64) {
		r := Row{Count: n}
		if pl.typeIdx != nil {
			r.Type = s.strs[pl.typeIDs[k%int64(pl.nType)]]
		}
		k /= int64(pl.nType)
		if q.By.Month {
			r.Month = pl.m0 + Month(k%int64(pl.nMonth))
		}
		k /= int64(pl.nMonth)
		if pl.areaL != nil {
			r.Area = pl.areaL.layer.Areas[k%int64(pl.nArea)].Code
		}
		k /= int64(pl.nArea)
		if q.By.CellRes > 0 {
			r.Cell = pl.cells[k]
		}
		rows = append(rows, r)
	}
	if dense != nil {
		for k, n := range dense {
			if n != 0 {
				emit(int64(k), n)
			}
		}
	} else {
		keys := make([]int64, 0, len(sparse))
		for k := range sparse {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		for _, k := range keys {
			emit(k, sparse[k])
		}
	}
	return rows, nil
}

// Incidents calls fn for each incident matching q, in month then force
// order, stopping at the first error fn returns.
//
// The store's lock is held only to plan the query: partitions are never
// changed once stored (a re-import swaps in a new one) and the dictionaries
// only grow, so a slow consumer (a download to a slow client) never holds up
// an import or the other readers.
func (s *MemStore) Incidents(ctx context.Context, q Query, fn func(*Incident) error) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrStoreClosed
	}
	q.By = GroupBy{}
	pl, err := s.resolve(q)
	d := dicts{locs: s.locs, strs: s.strs, names: s.names}
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	var in Incident
	for _, p := range pl.parts {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i, l := range p.loc {
			if pl.locBase[l] < 0 || (pl.typeOK != nil && !pl.typeOK[p.typ[i]]) {
				continue
			}
			if q.Times != nil && !p.keepTime(q.Times, p.month.firstWeekday(), i) {
				continue
			}
			d.incident(p, i, &in)
			if err := fn(&in); err != nil {
				return err
			}
		}
	}
	return nil
}

// dicts is a snapshot of the store's append-only dictionaries.
type dicts struct {
	locs  []memLoc
	strs  []string
	names []string
}

func (s *dicts) incident(p *memPart, i int, in *Incident) {
	loc := &s.locs[p.loc[i]]
	*in = Incident{
		Source: p.source, Month: p.month, Minute: -1, Force: p.force,
		FallsWithin: s.names[p.falls[i]], Type: s.strs[p.typ[i]], Outcome: s.names[p.outcome[i]],
		Location: Location{Point: loc.pt, Cell: loc.cell, Name: s.names[loc.name], LSOACode: s.names[loc.lsoaCode], LSOAName: s.names[loc.lsoaName]},
	}
	if loc.cell == 0 {
		in.Point = [2]float64{math.NaN(), math.NaN()}
	}
	if m := p.minute[i]; m != NoMinute {
		in.Minute = int(m)
	}
	if p.span != nil {
		in.Span = int(p.span[i])
	}
	if id, ok := p.other[uint32(i)]; ok {
		in.ID = id
	} else {
		in.ID = hexID(p.ids[i*32 : i*32+32])
	}
	if c, ok := p.context[uint32(i)]; ok {
		in.Context = c
	}
}

// keepTime applies a time filter to incident i of a partition whose month
// starts on weekday wd.
func (p *memPart) keepTime(f *TimeFilter, wd, i int) bool {
	m := int(p.minute[i])
	if !HasTime(m) {
		return false
	}
	if f.MaxSpan > 0 && p.span != nil && int(p.span[i]) > f.MaxSpan {
		return false
	}
	return f.Hours[weekHour(wd, m)]
}
