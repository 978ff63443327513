package hotspot

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/stockton-csp/hotspots/geo"
)

// DefaultZoneWidthM is how wide a patrol zone may be by default, in metres:
// about five minutes' walk across, so that one visible stop of 10-15 minutes
// (the Koper curve) covers the whole zone.
const DefaultZoneWidthM = 400

// ErrZoneCells is returned by GroupZones for cells it cannot group: invalid,
// repeated, or of mixed resolutions.
var ErrZoneCells = errors.New("hotspot: zone cells")

// ZoneCell is a cell offered to GroupZones with its weight: what made it hot
// (its crimes or its harm), never negative.
type ZoneCell struct {
	Cell   geo.Cell
	Weight float64
}

// GroupZones groups cells into zones: sets of cells connected through shared
// edges, each no wider than maxWidthM metres (ZoneWidthM); maxWidthM 0 sets
// no limit, so each connected group is one zone.
//
// A connected group that is too wide is split along its weakest links. Two
// neighbouring cells are linked with the strength of the weaker of the two
// (the smaller weight); links are taken strongest first, and a link joins the
// zones of its two cells unless the joined zone would be wider than the
// limit (single-linkage clustering with a width constraint: Kruskal's
// algorithm that refuses a join too wide). So a group whose busy parts are
// held together by quiet cells parts in those quiet cells; a group that fits
// stays whole, however many cells it has; among equal links the one nearer
// the group's busiest cell is taken first, so an even stretch is filled from
// its busiest end and cut into the fewest zones a greedy walk allows. A cell
// wider than the limit on its own (resolution 9 at 400 m) is a zone of its
// own.
//
// Zones come out most total weight first (then by first cell), each zone's
// cells ascending. Cells must be valid, distinct and of one resolution.
func GroupZones(cells []ZoneCell, maxWidthM float64) ([][]geo.Cell, error) {
	if len(cells) == 0 {
		return nil, nil
	}
	if maxWidthM < 0 || math.IsNaN(maxWidthM) {
		return nil, fmt.Errorf("%w: a zone width of %v m; give 0 (no limit) or more", ErrZoneCells, maxWidthM)
	}
	index := make(map[geo.Cell]int, len(cells))
	res := cells[0].Cell.Res()
	for i, c := range cells {
		if !c.Cell.Valid() {
			return nil, fmt.Errorf("%w: %d is not an H3 cell", ErrZoneCells, uint64(c.Cell))
		}
		if c.Cell.Res() != res {
			return nil, fmt.Errorf("%w: cells of resolutions %d and %d; group one resolution at a time", ErrZoneCells, res, c.Cell.Res())
		}
		if _, dup := index[c.Cell]; dup {
			return nil, fmt.Errorf("%w: cell %s given twice", ErrZoneCells, c.Cell)
		}
		if c.Weight < 0 || math.IsNaN(c.Weight) {
			return nil, fmt.Errorf("%w: cell %s weighs %v; weights are counts or harm, 0 or more", ErrZoneCells, c.Cell, c.Weight)
		}
		index[c.Cell] = i
	}
	// Links between neighbours, each once (i < j).
	type link struct{ i, j int }
	var links []link
	for i, c := range cells {
		disk, err := c.Cell.Disk(1)
		if err != nil {
			return nil, fmt.Errorf("hotspot: zones: %w", err)
		}
		for _, d := range disk {
			if j, ok := index[d]; ok && j > i {
				links = append(links, link{i, j})
			}
		}
	}
	uf := newUnionFind(len(cells))
	for _, l := range links {
		uf.union(l.i, l.j)
	}
	groups := map[int][]int{}
	for i := range cells {
		r := uf.find(i)
		groups[r] = append(groups[r], i)
	}
	byGroup := map[int][]link{}
	for _, l := range links {
		r := uf.find(l.i)
		byGroup[r] = append(byGroup[r], l)
	}

	var zones [][]int
	var pts []planePoint // by cell index, filled group by group
	for r, members := range groups {
		if maxWidthM == 0 || len(members) == 1 {
			zones = append(zones, members)
			continue
		}
		if pts == nil {
			pts = make([]planePoint, len(cells))
		}
		project(cells, members, pts)
		// the busiest cell, and each cell's distance from it
		busiest := members[0]
		for _, i := range members[1:] {
			if cells[i].Weight > cells[busiest].Weight || cells[i].Weight == cells[busiest].Weight && cells[i].Cell < cells[busiest].Cell {
				busiest = i
			}
		}
		dist := make(map[int]float64, len(members))
		for _, i := range members {
			dist[i] = math.Hypot(pts[i].x-pts[busiest].x, pts[i].y-pts[busiest].y)
		}
		from := func(i int) float64 { return dist[i] }
		ls := byGroup[r]
		strength := func(l link) float64 { return min(cells[l.i].Weight, cells[l.j].Weight) }
		slices.SortFunc(ls, func(a, b link) int {
			if c := cmp.Compare(strength(b), strength(a)); c != 0 {
				return c
			}
			if c := cmp.Compare(from(a.i)+from(a.j), from(b.i)+from(b.j)); c != 0 {
				return c
			}
			if c := cmp.Compare(min(cells[a.i].Cell, cells[a.j].Cell), min(cells[b.i].Cell, cells[b.j].Cell)); c != 0 {
				return c
			}
			return cmp.Compare(max(cells[a.i].Cell, cells[a.j].Cell), max(cells[b.i].Cell, cells[b.j].Cell))
		})
		part := newUnionFind(len(cells))
		in := map[int][]int{}  // root -> members
		box := map[int]bound{} // root -> bound of its members' centres, with their largest radius
		for _, i := range members {
			in[i] = []int{i}
			box[i] = bound{pts[i].x, pts[i].y, pts[i].x, pts[i].y, pts[i].r}
		}
		// Two cells fit in one zone when no corner of one is further than the limit from a
		// corner of the other (a cell wider than the limit on its own fits with none).
		lim2 := maxWidthM * maxWidthM
		fit := func(i, j int) bool {
			p, q := &pts[i], &pts[j]
			if d := math.Hypot(p.x-q.x, p.y-q.y) + p.r + q.r; d <= maxWidthM {
				return true
			}
			for _, a := range p.corners {
				for _, b := range q.corners {
					if dx, dy := a[0]-b[0], a[1]-b[1]; dx*dx+dy*dy > lim2 {
						return false
					}
				}
			}
			return true
		}
		alone := map[int]bool{}
		for _, i := range members {
			alone[i] = !fit(i, i)
		}
	links:
		for _, l := range ls {
			a, b := part.find(l.i), part.find(l.j)
			if a == b || alone[l.i] || alone[l.j] {
				continue
			}
			// The joined zone's centres span at least the wider side of their bound, and at
			// most its diagonal: decide from the bound when it can, else pair by pair.
			u := box[a].union(box[b])
			switch {
			case max(u.x1-u.x0, u.y1-u.y0) > maxWidthM:
				continue links
			case math.Hypot(u.x1-u.x0, u.y1-u.y0)+2*u.r > maxWidthM:
				for _, i := range in[a] {
					for _, j := range in[b] {
						if !fit(i, j) {
							continue links
						}
					}
				}
			}
			root := part.union(a, b)
			in[root] = append(in[a], in[b]...)
			box[root] = u
			if root != a {
				delete(in, a)
			}
			if root != b {
				delete(in, b)
			}
		}
		for _, ms := range in {
			zones = append(zones, ms)
		}
	}

	out := make([][]geo.Cell, len(zones))
	total := make([]float64, len(zones))
	for z, ms := range zones {
		out[z] = make([]geo.Cell, len(ms))
		for k, i := range ms {
			out[z][k] = cells[i].Cell
			total[z] += cells[i].Weight
		}
		slices.Sort(out[z])
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(total[b], total[a]); c != 0 {
			return c
		}
		return cmp.Compare(out[a][0], out[b][0])
	})
	sorted := make([][]geo.Cell, len(out))
	for k, i := range order {
		sorted[k] = out[i]
	}
	return sorted, nil
}

// ZoneWidthM is how wide a group of cells is, in metres: the greatest
// distance between two corners of its cells. Distances are measured on a
// plane tangent at the cells' mean latitude, which over a few kilometres
// differs from the great-circle distance by less than 0.1%.
func ZoneWidthM(cells []geo.Cell) float64 {
	if len(cells) == 0 {
		return 0
	}
	zc := make([]ZoneCell, len(cells))
	all := make([]int, len(cells))
	for i, c := range cells {
		zc[i], all[i] = ZoneCell{Cell: c}, i
	}
	pts := make([]planePoint, len(cells))
	project(zc, all, pts)
	var w float64
	for a := range all {
		for b := a; b < len(all); b++ {
			w = max(w, pts[a].width(pts[b], w))
		}
	}
	return w
}

// earthRadiusM is the mean radius of the WGS84 ellipsoid (IUGG).
const earthRadiusM = 6371008.8

// planePoint is a cell on a local plane, in metres: its centre, its corners,
// and its radius (centre to farthest corner).
type planePoint struct {
	x, y    float64
	r       float64
	corners [][2]float64
}

// width is the greatest distance between a corner of p and a corner of q;
// given atLeast, it returns atLeast when the width cannot exceed it (the
// centres' distance plus both radii bounds it from above), comparing
// corners only when it might.
func (p planePoint) width(q planePoint, atLeast ...float64) float64 {
	if len(atLeast) > 0 && math.Hypot(p.x-q.x, p.y-q.y)+p.r+q.r <= atLeast[0] {
		return atLeast[0]
	}
	var w float64
	for _, a := range p.corners {
		for _, b := range q.corners {
			w = max(w, math.Hypot(a[0]-b[0], a[1]-b[1]))
		}
	}
	return w
}

// project puts the cells[members] on a plane tangent at their mean latitude
// (equirectangular), into pts at the same indices.
func project(cells []ZoneCell, members []int, pts []planePoint) {
	var lat0 float64
	centres := make([][2]float64, len(members))
	for k, i := range members {
		c := cells[i].Cell.Center()
		centres[k] = [2]float64{c[0], c[1]}
		lat0 += c[1]
	}
	lat0 /= float64(len(members))
	kx := earthRadiusM * math.Pi / 180 * math.Cos(lat0*math.Pi/180)
	ky := earthRadiusM * math.Pi / 180
	for k, i := range members {
		c := centres[k]
		p := planePoint{x: c[0] * kx, y: c[1] * ky}
		b := cells[i].Cell.Boundary()
		for _, v := range b[:len(b)-1] { // the ring is closed
			x, y := v[0]*kx, v[1]*ky
			p.corners = append(p.corners, [2]float64{x, y})
			p.r = max(p.r, math.Hypot(x-p.x, y-p.y))
		}
		pts[i] = p
	}
}

// bound is a box around cell centres on the plane, with the largest radius of the cells.
type bound struct{ x0, y0, x1, y1, r float64 }

func (b bound) union(o bound) bound {
	return bound{min(b.x0, o.x0), min(b.y0, o.y0), max(b.x1, o.x1), max(b.y1, o.y1), max(b.r, o.r)}
}

// unionFind is a disjoint-set forest with path halving.
type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(i int) int {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

// union joins the sets of a and b and returns the root of the joined set.
func (u unionFind) union(a, b int) int {
	a, b = u.find(a), u.find(b)
	if a != b {
		u[b] = a
	}
	return a
}
