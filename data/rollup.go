package data

import (
	"context"
	"slices"
	"sync"

	"github.com/stockton-csp/hotspots/geo"
)

// Roll-ups and kept numberings, so that counts cost what they must touch.
//
// Roll-ups: a partition's incidents counted by area of a layer and crime
// type, so that a count by area (a ranking, the area tables) adds up a few
// entries per area of each month instead of reading every incident. A
// partition is never changed once stored, so its roll-up for a layer is made
// once, by the first query that needs it, and kept with the partition until
// the partition or the layer is replaced: about 12 bytes per area and type
// with crime in the partition (a force's wards and month: about 1,000
// entries for a partition of 7,400 police.uk incidents).

// areaCount is the incidents of one crime type in one area of a partition.
type areaCount struct {
	area int32
	typ  uint16
	n    uint32
}

// rollups are a partition's roll-ups, one per layer counted for.
type rollups struct {
	mu  sync.Mutex
	per []rollup
}

type rollup struct {
	layer  *memLayer // a replaced layer is a new memLayer
	counts []areaCount
}

// byArea returns p's incidents counted by area of ml and crime type, in
// area then type order, making them on first use with t's scratch counts.
// live reports whether a layer is still the store's, so roll-ups of replaced
// or deleted layers are dropped as new ones are made.
func (p *memPart) byArea(ml *memLayer, live func(*memLayer) bool, t *tally) []areaCount {
	p.rolled.mu.Lock()
	defer p.rolled.mu.Unlock()
	for _, r := range p.rolled.per {
		if r.layer == ml {
			return r.counts
		}
	}
	counts := t.count(p, ml)
	per := p.rolled.per[:0:0]
	for _, r := range p.rolled.per {
		if live(r.layer) {
			per = append(per, r)
		}
	}
	p.rolled.per = append(per, rollup{ml, counts})
	return counts
}

// tally is the scratch counts a roll-up is made with: one per area and
// crime type number and the ones touched (to clear them for the next), or a
// map where that array would pass denseLimit (thousands of crime types).
type tally struct {
	types   int // crime type numbers: the store's dictionary
	n       []uint32
	touched []int
}

// count counts p's incidents by area of ml and type, in area then type order.
func (t *tally) count(p *memPart, ml *memLayer) []areaCount {
	size := len(ml.layer.Areas) * t.types
	if size > denseLimit {
		at := map[int]uint32{}
		for i, l := range p.loc {
			if a := ml.area[l]; a >= 0 {
				at[int(a)*t.types+int(p.typ[i])]++
			}
		}
		for k := range at {
			t.touched = append(t.touched, k)
		}
		return t.emit(func(k int) uint32 { return at[k] })
	}
	if len(t.n) < size {
		t.n = make([]uint32, size)
	}
	for i, l := range p.loc {
		if a := ml.area[l]; a >= 0 {
			k := int(a)*t.types + int(p.typ[i])
			if t.n[k] == 0 {
				t.touched = append(t.touched, k)
			}
			t.n[k]++
		}
	}
	return t.emit(func(k int) uint32 {
		n := t.n[k]
		t.n[k] = 0
		return n
	})
}

// emit turns the touched keys into counts, in area then type order.
func (t *tally) emit(n func(k int) uint32) []areaCount {
	slices.Sort(t.touched)
	counts := make([]areaCount, len(t.touched))
	for j, k := range t.touched {
		counts[j] = areaCount{area: int32(k / t.types), typ: uint16(k % t.types), n: n(k)}
	}
	t.touched = t.touched[:0]
	return counts
}

// rollupOK reports whether q can be answered from roll-ups by area: grouped
// by a layer's areas (and month and type, or not), filtered by nothing finer
// than crime type, that layer's areas, month, force and source.
func rollupOK(q Query) bool {
	return q.By.Layer != "" && q.By.CellRes == 0 && q.Times == nil && len(q.Cells) == 0 &&
		(q.Layer == "" || q.Layer == q.By.Layer)
}

// aggregateByArea is Aggregate's count for a query rollupOK accepts: each
// partition's roll-up passed to add under Aggregate's keys.
func (s *MemStore) aggregateByArea(ctx context.Context, q Query, pl *plan, add func(k, n int64)) error {
	ml := pl.areaL
	live := func(l *memLayer) bool { return s.layers[l.layer.Name] == l }
	t := &tally{types: len(s.strs)}
	stride := int64(pl.nMonth) * int64(pl.nType)
	for _, p := range pl.parts {
		if err := ctx.Err(); err != nil {
			return err
		}
		mo := int64(0)
		if q.By.Month {
			mo = int64(p.month-pl.m0) * int64(pl.nType)
		}
		for _, c := range p.byArea(ml, live, t) {
			if (pl.typeOK != nil && !pl.typeOK[c.typ]) || (pl.areaOK != nil && !pl.areaOK[c.area]) {
				continue
			}
			k := int64(c.area)*stride + mo
			if pl.typeIdx != nil {
				k += int64(pl.typeIdx[c.typ])
			}
			add(k, int64(c.n))
		}
	}
	return nil
}

// cellNumbers is every location's cell at one resolution, the cells numbered
// in ascending order (so a count by cell comes out sorted): made once per
// resolution and kept until a location is added (locations are only ever
// added), where every count by cell used to number them again.
type cellNumbers struct {
	locs  int        // len(s.locs) they were made for
	cells []geo.Cell // ascending
	idx   []int32    // per location: its cell's number, -1 for none
}

// cellNumbersAt returns the numbering at res; the caller holds mu for
// reading at least, and must not change what it returns.
func (s *MemStore) cellNumbersAt(res int) *cellNumbers {
	s.numMu.Lock()
	defer s.numMu.Unlock()
	if cn := s.nums[res]; cn != nil && cn.locs == len(s.locs) {
		return cn
	}
	cn := &cellNumbers{locs: len(s.locs), idx: make([]int32, len(s.locs))}
	for l := range s.locs {
		if s.locs[l].cell != 0 {
			cn.cells = append(cn.cells, s.locs[l].cells.At(res))
		}
	}
	slices.Sort(cn.cells)
	cn.cells = slices.Compact(cn.cells)
	for l := range s.locs {
		cn.idx[l] = -1
		if s.locs[l].cell != 0 {
			i, _ := slices.BinarySearch(cn.cells, s.locs[l].cells.At(res))
			cn.idx[l] = int32(i)
		}
	}
	if s.nums == nil {
		s.nums = map[int]*cellNumbers{}
	}
	s.nums[res] = cn
	return cn
}
