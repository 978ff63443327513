package storetest

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// reference answers queries straight from the partitions, one incident at a
// time, with no store in between: the expected results of the suite.
type reference struct {
	parts  []*data.Partition // in month, force order
	layers map[string]*geo.Layer
	// area of each location of each partition in each layer, -1 for none
	area map[string][][]int
	// cells holding each location of each partition, by resolution
	cells [][]geo.Cells
}

func newReference(parts []*data.Partition, layers map[string][]geo.Area) (*reference, error) {
	r := &reference{parts: append([]*data.Partition(nil), parts...), layers: map[string]*geo.Layer{}, area: map[string][][]int{}}
	sort.SliceStable(r.parts, func(i, j int) bool {
		a, b := r.parts[i], r.parts[j]
		if a.Month != b.Month {
			return a.Month < b.Month
		}
		return a.Force < b.Force
	})
	r.cells = make([][]geo.Cells, len(r.parts))
	for i, p := range r.parts {
		r.cells[i] = make([]geo.Cells, len(p.Locations))
		for j, pl := range p.Locations {
			if pl.Cell != 0 {
				for res := geo.MinRes; res <= geo.BaseRes; res++ {
					c, err := geo.CellAt(orb.Point{pl.Lon, pl.Lat}, res)
					if err != nil {
						return nil, err
					}
					r.cells[i][j][res-geo.MinRes] = c
				}
			}
		}
	}
	for name, areas := range layers {
		l, err := geo.NewLayer(name, append([]geo.Area(nil), areas...))
		if err != nil {
			return nil, err
		}
		r.layers[name] = l
		per := make([][]int, len(r.parts))
		for i, p := range r.parts {
			per[i] = make([]int, len(p.Locations))
			for j, pl := range p.Locations {
				per[i][j] = -1
				if pl.Cell != 0 {
					per[i][j] = l.Locate([2]float64{pl.Lon, pl.Lat})
				}
			}
		}
		r.area[name] = per
	}
	return r, nil
}

// each calls fn for every incident q selects (q.By ignored): partition
// index, partition, row.
func (r *reference) each(q data.Query, fn func(pi int, p *data.Partition, i int)) {
	forces := map[string]bool{}
	for _, f := range q.Forces {
		forces[f] = true
	}
	types := map[string]bool{}
	for _, t := range q.Types {
		types[t] = true
	}
	sources := map[string]bool{}
	for _, src := range q.Sources {
		sources[src] = true
	}
	var inArea map[int]bool
	if q.Layer != "" && len(q.Areas) > 0 {
		inArea = map[int]bool{}
		for _, c := range q.Areas {
			inArea[r.layers[q.Layer].Index(c)] = true
		}
	}
	for pi, p := range r.parts {
		if (q.From != 0 && p.Month < q.From) || (q.To != 0 && p.Month > q.To) || (len(forces) > 0 && !forces[p.Force]) ||
			(len(sources) > 0 && !sources[p.SourceName()]) {
			continue
		}
		for i := 0; i < p.Len(); i++ {
			if len(types) > 0 && !types[p.Strs[p.Type[i]]] {
				continue
			}
			if q.Layer != "" {
				a := r.area[q.Layer][pi][p.Loc[i]]
				if a < 0 || (inArea != nil && !inArea[a]) {
					continue
				}
			}
			fn(pi, p, i)
		}
	}
}

type refKey struct {
	cell  geo.Cell
	area  int
	month data.Month
	typ   string
}

// aggregate is Store.Aggregate by brute force: rows sorted by cell, area in
// layer order, month and type, zero counts left out.
func (r *reference) aggregate(q data.Query) []data.Row {
	counts := map[refKey]int64{}
	g := q.By
	r.each(q, func(pi int, p *data.Partition, i int) {
		var k refKey
		pl := p.Locations[p.Loc[i]]
		if g.CellRes > 0 {
			if pl.Cell == 0 {
				return
			}
			k.cell = r.cells[pi][p.Loc[i]].At(g.CellRes) // the cell holding the point
		}
		if g.Layer != "" {
			k.area = r.area[g.Layer][pi][p.Loc[i]]
			if k.area < 0 {
				return
			}
		}
		if g.Month {
			k.month = p.Month
		}
		if g.Type {
			k.typ = p.Strs[p.Type[i]]
		}
		counts[k]++
	})
	keys := make([]refKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.cell != b.cell {
			return a.cell < b.cell
		}
		if a.area != b.area {
			return a.area < b.area
		}
		if a.month != b.month {
			return a.month < b.month
		}
		return a.typ < b.typ
	})
	var rows []data.Row
	for _, k := range keys {
		row := data.Row{Cell: k.cell, Month: k.month, Type: k.typ, Count: counts[k]}
		if g.Layer != "" {
			row.Area = r.layers[g.Layer].Areas[k.area].Code
		}
		rows = append(rows, row)
	}
	return rows
}

// incidents is Store.Incidents by brute force.
func (r *reference) incidents(q data.Query) []data.Incident {
	var out []data.Incident
	r.each(q, func(_ int, p *data.Partition, i int) {
		in := p.Incident(i)
		if in.Cell == 0 {
			in.Point = [2]float64{math.NaN(), math.NaN()}
		}
		out = append(out, in)
	})
	return out
}
