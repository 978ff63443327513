package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"
)

// Layer is a named set of areas with an index that assigns a point to the
// one area holding it.
//
// Boundary rule: points on an area's boundary are inside it (as orb/planar);
// a point on a boundary shared by several areas goes to the first of them in
// layer order, so every point has at most one area. A point in no area has
// none (-1).
type Layer struct {
	Name  string
	Areas []Area

	byCode map[string]int
	bound  orb.Bound
	res    int
	// interior: cells of resolution res wholly inside one area.
	interior map[Cell]int32
	// edge: cells of resolution res crossed by area boundaries, with the
	// areas to test exactly.
	edge map[Cell][]int32
}

// NewLayer builds the layer and its index. Areas must have distinct codes.
//
// The index covers each area with H3 cells at a resolution chosen from the
// areas' size (about 200 cells per area on average, resolution 7..10): a
// point whose cell lies wholly inside an area is assigned by one map look-up;
// only points in cells crossed by a boundary get an exact point-in-polygon
// test against the few areas crossing that cell.
func NewLayer(name string, areas []Area) (*Layer, error) {
	if len(areas) == 0 {
		return nil, fmt.Errorf("geo: layer %q has no areas", name)
	}
	if len(areas) > math.MaxInt32 {
		return nil, fmt.Errorf("geo: layer %q has too many areas", name)
	}
	l := &Layer{Name: name, Areas: areas, byCode: make(map[string]int, len(areas))}
	l.bound = areas[0].Bound
	totalM2 := 0.0
	for i := range areas {
		a := &areas[i]
		if _, dup := l.byCode[a.Code]; dup {
			return nil, fmt.Errorf("geo: layer %q: area code %q appears twice", name, a.Code)
		}
		l.byCode[a.Code] = i
		if a.Bound.IsZero() {
			a.Bound = a.Geometry.Bound()
		}
		l.bound = l.bound.Union(a.Bound)
		totalM2 += approxAreaM2(a.Bound)
	}
	l.res = indexRes(totalM2 / float64(len(areas)))
	if err := l.buildIndex(); err != nil {
		return nil, err
	}
	return l, nil
}

// indexRes picks the coarsest resolution whose hexagons are at most 1/200 of
// the average area's bounding box.
func indexRes(avgM2 float64) int {
	for r := 7; r < 10; r++ {
		a, _ := h3.HexagonAreaAvgM2(r)
		if a*200 <= avgM2 {
			return r
		}
	}
	return 10
}

func approxAreaM2(b orb.Bound) float64 {
	lat := (b.Min[1] + b.Max[1]) / 2 * math.Pi / 180
	w := (b.Max[0] - b.Min[0]) * 111320 * math.Cos(lat)
	h := (b.Max[1] - b.Min[1]) * 110574
	return w * h
}

func (l *Layer) buildIndex() error {
	l.interior = make(map[Cell]int32)
	l.edge = make(map[Cell][]int32)
	for i := range l.Areas {
		for _, poly := range l.Areas[i].Geometry {
			full, err := polyfill(poly, l.res, h3.ContainmentFull)
			if err != nil {
				return fmt.Errorf("geo: indexing %s %s: %w", l.Name, l.Areas[i].Code, err)
			}
			over, err := polyfill(poly, l.res, h3.ContainmentOverlapping)
			if err != nil {
				return fmt.Errorf("geo: indexing %s %s: %w", l.Name, l.Areas[i].Code, err)
			}
			for _, c := range full {
				if _, taken := l.interior[c]; !taken {
					l.interior[c] = int32(i)
				}
			}
			for _, c := range over {
				l.edge[c] = append(l.edge[c], int32(i))
			}
		}
	}
	// A cell wholly inside one area may still be listed as overlapping
	// others only through shared edges; keep edge lists for cells that are
	// not interior, deduplicated.
	for c, list := range l.edge {
		if _, in := l.interior[c]; in {
			delete(l.edge, c)
			continue
		}
		l.edge[c] = dedupe(list)
	}
	return nil
}

func dedupe(xs []int32) []int32 {
	out := xs[:0]
	for i, x := range xs {
		dup := false
		for _, y := range xs[:i] {
			if x == y {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, x)
		}
	}
	return out
}

// Locate returns the index in Areas of the area holding p, or -1. cell is p's
// BaseRes cell (CellOf(p)); passing it saves re-indexing the point.
func (l *Layer) Locate(p orb.Point, cell Cell) int {
	if !l.bound.Contains(p) {
		return -1
	}
	c := cell.Parent(l.res)
	if a, ok := l.interior[c]; ok {
		return int(a)
	}
	if cands, ok := l.edge[c]; ok {
		best := -1
		for _, a := range cands {
			if (best < 0 || int(a) < best) && l.contains(int(a), p) {
				best = int(a)
			}
		}
		if best >= 0 {
			return best
		}
	}
	// Not covered by the H3 index (outside every area, or in the sliver
	// between a geodesic cell edge and a planar polygon edge): scan bounds.
	for i := range l.Areas {
		if l.contains(i, p) {
			return i
		}
	}
	return -1
}

func (l *Layer) contains(i int, p orb.Point) bool {
	a := &l.Areas[i]
	return a.Bound.Contains(p) && planar.MultiPolygonContains(a.Geometry, p)
}

// Index returns the position of the area with the given code, or -1.
func (l *Layer) Index(code string) int {
	if i, ok := l.byCode[code]; ok {
		return i
	}
	return -1
}

// Bound is the union of the areas' bounding boxes.
func (l *Layer) Bound() orb.Bound { return l.bound }

// IndexRes is the H3 resolution of the layer's cover.
func (l *Layer) IndexRes() int { return l.res }
