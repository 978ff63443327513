package data

import (
	"context"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

// LocationCount is one stored location's incidents matching a query: a map
// point with one name (a point recorded under two names is two locations).
type LocationCount struct {
	Point orb.Point
	Name  string
	// Cells are the cells holding Point at every resolution geo.MinRes..
	// geo.BaseRes, as the store indexed them.
	Cells geo.Cells
	Count int64
	// First orders the locations by their first incident in Incidents'
	// order (month, then source and force, then as stored): a location
	// whose first incident comes earlier has a smaller First.
	First int64
}

// LocationCounter is a Store that counts the incidents of a query by stored
// location without handing over each incident (MemStore): what a walk of
// Incidents grouping by point gives, at a fraction of its cost. Located
// incidents only; q.By is ignored.
type LocationCounter interface {
	LocationCounts(ctx context.Context, q Query) ([]LocationCount, error)
}

// LocationCounts implements LocationCounter.
func (s *MemStore) LocationCounts(ctx context.Context, q Query) ([]LocationCount, error) {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return nil, ErrStoreClosed
	}
	q.By = GroupBy{}
	pl, err := s.resolve(q)
	locs, names := s.locs, s.names
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	count := make([]int64, len(locs))
	first := make([]int64, len(locs))
	var seq int64
	for _, p := range pl.parts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		wd := p.month.firstWeekday()
		for i, l := range p.loc {
			if pl.locBase[l] < 0 || (pl.typeOK != nil && !pl.typeOK[p.typ[i]]) {
				continue
			}
			if q.Times != nil && !p.keepTime(q.Times, wd, i) {
				continue
			}
			if count[l] == 0 {
				first[l] = seq
			}
			count[l]++
			seq++
		}
	}
	var out []LocationCount
	for l, n := range count {
		if n == 0 || locs[l].cell == 0 {
			continue
		}
		out = append(out, LocationCount{Point: locs[l].pt, Name: names[locs[l].name], Cells: locs[l].cells, Count: n, First: first[l]})
	}
	return out, nil
}
