package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/stockton-csp/hotspots/data"
	hgeo "github.com/stockton-csp/hotspots/geo"
)

// police.uk describes each anonymous map point as "On or near" a street or
// a kind of place. The kinds below are its categories for points with no
// name of their own: they say what is there, not where, so they label the
// map but never name a hexagon or answer a search.
var genericPlaces = map[string]bool{
	"Airport/Airfield": true, "Bus/Coach Station": true, "Conference/Exhibition Centre": true,
	"Further/Higher Educational Building": true, "Hospital": true, "Nightclub": true,
	"Park/Open Space": true, "Parking Area": true, "Pedestrian Subway": true, "Petrol Station": true,
	"Police Station": true, "Prison": true, "Shopping Area": true, "Sports/Recreation Area": true,
	"Supermarket": true, "Theatre/Concert Hall": true,
}

// PlaceName reads a police.uk location description: "On or near Regent
// Street" is "Regent Street". generic is true for police.uk's unnamed kinds
// of place ("On or near Supermarket"). A description without the prefix
// (another force's export) is kept as it is; an empty one ("On or near ")
// is "".
func PlaceName(desc string) (name string, generic bool) {
	name = strings.TrimSpace(desc)
	if rest, ok := strings.CutPrefix(name, "On or near"); ok {
		name = strings.TrimSpace(rest)
	}
	return name, genericPlaces[name]
}

// placeReach is how far apart two map points of the same name may be and
// still be one place: police.uk's points along a street are usually 50-200
// m apart, and two streets of one name (every town has a High Street) are
// kilometres apart.
const placeReach = 400 // metres

// Place is a street or place named by police.uk's map points: the points of
// one name within placeReach of each other, over every month loaded.
type Place struct {
	Name string `json:"name"`
	// Generic is true for police.uk's unnamed kinds of place ("Parking
	// Area"), which label the map but are not searched.
	Generic bool `json:"generic"`
	// Point is where the label goes: the place's busiest map point,
	// orb.Point{lon, lat}.
	Point orb.Point `json:"point"`
	// Bound holds every map point of the place.
	Bound  orb.Bound `json:"bound"`
	Points int       `json:"points"` // map points
	Count  int64     `json:"count"`  // incidents at them, every month loaded
	lower  string    // Name in lower case, for Search
}

// Places is every named place of the data.
type Places struct {
	// Places are ordered by name, then west to east.
	Places      []Place `json:"places"`
	DataVersion uint64  `json:"data_version"`
}

// Places groups police.uk's map points by name over every month loaded and
// every incident, anti-social behaviour included (a gazetteer of places,
// not a count of crime);
// cached for the store's version.
func (e *Engine) Places(ctx context.Context) (*Places, error) {
	sum, err := e.summary(ctx)
	if err != nil {
		return nil, err
	}
	if len(sum.Months) == 0 {
		return nil, ErrNoData
	}
	return compute(ctx, e, sum, "places", "", func(ctx context.Context) (*Places, error) {
		ls, err := e.Locations(ctx, LocationQuery{From: sum.Months[0], To: sum.Months[len(sum.Months)-1], Types: scopeTypes(sum, nil)})
		if err != nil {
			return nil, err
		}
		return groupPlaces(ls.Locations, sum.Version), nil
	})
}

// groupPlaces clusters the points of each name by single linkage within
// placeReach.
func groupPlaces(locs []Location, version uint64) *Places {
	byName := map[string][]int{}
	for i := range locs {
		name, _ := PlaceName(locs[i].Name)
		if name == "" {
			continue
		}
		byName[name] = append(byName[name], i)
	}
	out := &Places{DataVersion: version, Places: []Place{}}
	for name, idx := range byName {
		_, generic := PlaceName(name)
		parent := make([]int, len(idx))
		for i := range parent {
			parent[i] = i
		}
		var find func(int) int
		find = func(i int) int {
			for parent[i] != i {
				parent[i] = parent[parent[i]]
				i = parent[i]
			}
			return i
		}
		for a := range idx {
			for b := a + 1; b < len(idx); b++ {
				if geo.Distance(locs[idx[a]].Point, locs[idx[b]].Point) <= placeReach {
					parent[find(a)] = find(b)
				}
			}
		}
		groups := map[int][]int{}
		for a := range idx {
			r := find(a)
			groups[r] = append(groups[r], idx[a])
		}
		for _, g := range groups {
			p := Place{Name: name, Generic: generic, Bound: locs[g[0]].Point.Bound(), Points: len(g), lower: strings.ToLower(name)}
			var best int64 = -1
			for _, i := range g {
				l := &locs[i]
				p.Bound = p.Bound.Extend(l.Point)
				p.Count += l.Count
				if l.Count > best || (l.Count == best && l.Point[0] < p.Point[0]) {
					best, p.Point = l.Count, l.Point
				}
			}
			out.Places = append(out.Places, p)
		}
	}
	slices.SortFunc(out.Places, func(a, b Place) int {
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.Point[0], b.Point[0])
	})
	return out
}

// StreetOfCell names an H3 cell by the busiest named street or place among
// the map points inside it over every month loaded ("Regent Street"), for
// "around Regent Street". A cell whose points are all unnamed kinds of place
// takes the busiest of those ("Parking Area"); a cell with no map point is
// "".
func (e *Engine) StreetOfCell(ctx context.Context, c hgeo.Cell) (string, error) {
	m, err := e.CellStreets(ctx, c.Res())
	if err != nil {
		return "", err
	}
	return m[c], nil
}

// CellStreets is StreetOfCell for every cell holding a map point at one
// resolution, cached for the store's version.
func (e *Engine) CellStreets(ctx context.Context, res int) (map[hgeo.Cell]string, error) {
	if res < 0 || res > hgeo.BaseRes {
		return nil, fmt.Errorf("%w: H3 resolution %d; use 0 to %d", ErrBadQuery, res, hgeo.BaseRes)
	}
	sum, err := e.summary(ctx)
	if err != nil {
		return nil, err
	}
	if len(sum.Months) == 0 {
		return nil, ErrNoData
	}
	return compute(ctx, e, sum, "cellstreets", fmt.Sprint(res), func(ctx context.Context) (map[hgeo.Cell]string, error) {
		q := data.Query{From: sum.Months[0], To: sum.Months[len(sum.Months)-1], Types: scopeTypes(sum, nil)}
		if counts, err := e.store.LocationCounts(ctx, q); err == nil {
			locs, cells := pointsOf(counts, res)
			return cellStreets(locs, cells, res), nil
		} else if !errors.Is(err, errNoLocationCounts) {
			return nil, fmt.Errorf("engine: counting by location: %w", err)
		}
		ls, err := e.Locations(ctx, LocationQuery{From: q.From, To: q.To, Types: q.Types})
		if err != nil {
			return nil, err
		}
		return cellStreets(ls.Locations, nil, res), nil
	})
}

// pointsOf groups a store's location counts by point as Locations does
// (each point named by the first of its names, in the order incidents are
// read, that names a street or place, else by its first name) and gives each
// point's cell at res.
func pointsOf(counts []data.LocationCount, res int) ([]Location, []hgeo.Cell) {
	slices.SortFunc(counts, func(a, b data.LocationCount) int { return cmp.Compare(a.First, b.First) })
	at := make(map[orb.Point]int, len(counts))
	var locs []Location
	var cells []hgeo.Cell
	for i := range counts {
		c := &counts[i]
		j, ok := at[c.Point]
		if !ok {
			j = len(locs)
			at[c.Point] = j
			locs = append(locs, Location{Point: c.Point, Name: c.Name})
			cell := c.Cells.At(res)
			if cell == 0 { // a resolution the store does not index
				cell, _ = hgeo.CellAt(c.Point, res)
			}
			cells = append(cells, cell)
		} else if n, _ := PlaceName(locs[j].Name); n == "" && c.Name != locs[j].Name {
			if n, _ := PlaceName(c.Name); n != "" {
				locs[j].Name = c.Name
			}
		}
		locs[j].Count += c.Count
	}
	return locs, cells
}

// cellStreets names the cells at res by their busiest streets; cells[i],
// when given, is locs[i]'s cell at res.
func cellStreets(locs []Location, cells []hgeo.Cell, res int) map[hgeo.Cell]string {
	type tally struct {
		named, generic map[string]int64
	}
	at := map[hgeo.Cell]*tally{}
	for i := range locs {
		name, generic := PlaceName(locs[i].Name)
		if name == "" {
			continue
		}
		var c hgeo.Cell
		if cells != nil {
			c = cells[i]
		} else {
			var err error
			if c, err = hgeo.CellAt(locs[i].Point, res); err != nil {
				continue
			}
		}
		if c == 0 {
			continue
		}
		t := at[c]
		if t == nil {
			t = &tally{named: map[string]int64{}, generic: map[string]int64{}}
			at[c] = t
		}
		if generic {
			t.generic[name] += locs[i].Count
		} else {
			t.named[name] += locs[i].Count
		}
	}
	busiest := func(m map[string]int64) string {
		var best string
		var n int64 = -1
		for name, c := range m {
			if c > n || (c == n && name < best) {
				best, n = name, c
			}
		}
		return best
	}
	out := make(map[hgeo.Cell]string, len(at))
	for c, t := range at {
		if len(t.named) > 0 {
			out[c] = busiest(t.named)
		} else {
			out[c] = busiest(t.generic)
		}
	}
	return out
}
