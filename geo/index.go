package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
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

	// The index is a uniform grid of buckets over the layer's bounds. Each
	// bucket lists the areas whose bounding box meets it, each marked
	// wholly inside (no edge of the area passes through the bucket and the
	// bucket's centre is inside), wholly outside, or crossed by an edge.
	// Only crossed buckets need an exact point-in-polygon test.
	nx, ny     int
	cellW      float64
	cellH      float64
	bucketFrom []int32 // bucket b's entries are entries[bucketFrom[b]:bucketFrom[b+1]]
	entries    []entry
}

type entry struct {
	area  int32
	state uint8 // stateInside, stateOutside, stateEdge
}

const (
	stateEdge uint8 = iota
	stateInside
	stateOutside
)

// NewLayer builds the layer and its index. Areas must have distinct codes.
//
// Building costs about a millisecond per hundred areas; assigning a point
// costs a bucket look-up and, near a boundary, one exact test.
func NewLayer(name string, areas []Area) (*Layer, error) {
	if len(areas) == 0 {
		return nil, fmt.Errorf("geo: layer %q has no areas", name)
	}
	if len(areas) > math.MaxInt32 {
		return nil, fmt.Errorf("geo: layer %q has too many areas", name)
	}
	l := &Layer{Name: name, Areas: areas, byCode: make(map[string]int, len(areas))}
	for i := range areas {
		a := &areas[i]
		if _, dup := l.byCode[a.Code]; dup {
			return nil, fmt.Errorf("geo: layer %q: area code %q appears twice", name, a.Code)
		}
		l.byCode[a.Code] = i
		if a.Bound.IsZero() {
			a.Bound = a.Geometry.Bound()
		}
		if i == 0 {
			l.bound = a.Bound
		} else {
			l.bound = l.bound.Union(a.Bound)
		}
	}
	l.buildIndex()
	return l, nil
}

func (l *Layer) buildIndex() {
	// About 16 buckets per area, at most 1024 a side.
	side := int(math.Ceil(math.Sqrt(float64(len(l.Areas)) * 16)))
	side = min(max(side, 8), 1024)
	w := l.bound.Max[0] - l.bound.Min[0]
	h := l.bound.Max[1] - l.bound.Min[1]
	l.nx, l.ny = side, side
	l.cellW = math.Max(w/float64(side), 1e-12)
	l.cellH = math.Max(h/float64(side), 1e-12)
	nb := l.nx * l.ny

	// Per area: the buckets its edges pass through (conservatively, the
	// buckets meeting each edge's bounding box).
	type key struct{ b, a int32 }
	edge := make(map[key]bool)
	counts := make([]int32, nb+1)
	for ai := range l.Areas {
		for _, poly := range l.Areas[ai].Geometry {
			for _, ring := range poly {
				for i := 0; i+1 < len(ring); i++ {
					x0, y0 := l.bucketXY(orb.Point{math.Min(ring[i][0], ring[i+1][0]), math.Min(ring[i][1], ring[i+1][1])})
					x1, y1 := l.bucketXY(orb.Point{math.Max(ring[i][0], ring[i+1][0]), math.Max(ring[i][1], ring[i+1][1])})
					for y := y0; y <= y1; y++ {
						for x := x0; x <= x1; x++ {
							edge[key{int32(y*l.nx + x), int32(ai)}] = true
						}
					}
				}
			}
		}
		x0, y0 := l.bucketXY(l.Areas[ai].Bound.Min)
		x1, y1 := l.bucketXY(l.Areas[ai].Bound.Max)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				counts[y*l.nx+x+1]++
			}
		}
	}
	l.bucketFrom = make([]int32, nb+1)
	for b := 1; b <= nb; b++ {
		l.bucketFrom[b] = l.bucketFrom[b-1] + counts[b]
	}
	l.entries = make([]entry, l.bucketFrom[nb])
	fill := append([]int32(nil), l.bucketFrom[:nb]...)
	for ai := range l.Areas {
		x0, y0 := l.bucketXY(l.Areas[ai].Bound.Min)
		x1, y1 := l.bucketXY(l.Areas[ai].Bound.Max)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				b := y*l.nx + x
				e := entry{area: int32(ai), state: stateEdge}
				if !edge[key{int32(b), int32(ai)}] {
					// no edge of this area in the bucket: all in or all out
					c := orb.Point{l.bound.Min[0] + (float64(x)+0.5)*l.cellW, l.bound.Min[1] + (float64(y)+0.5)*l.cellH}
					if planar.MultiPolygonContains(l.Areas[ai].Geometry, c) {
						e.state = stateInside
					} else {
						e.state = stateOutside
					}
				}
				l.entries[fill[b]] = e
				fill[b]++
			}
		}
	}
}

// bucketXY returns the bucket column and row of p, clamped to the grid.
func (l *Layer) bucketXY(p orb.Point) (int, int) {
	x := int((p[0] - l.bound.Min[0]) / l.cellW)
	y := int((p[1] - l.bound.Min[1]) / l.cellH)
	return min(max(x, 0), l.nx-1), min(max(y, 0), l.ny-1)
}

// Locate returns the index in Areas of the area holding p (orb.Point{lon,
// lat}), or -1.
func (l *Layer) Locate(p orb.Point) int {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || !l.bound.Contains(p) {
		return -1
	}
	x, y := l.bucketXY(p)
	b := y*l.nx + x
	// entries are in area order, so the first area holding p wins
	for _, e := range l.entries[l.bucketFrom[b]:l.bucketFrom[b+1]] {
		switch e.state {
		case stateInside:
			return int(e.area)
		case stateEdge:
			a := &l.Areas[e.area]
			if a.Bound.Contains(p) && planar.MultiPolygonContains(a.Geometry, p) {
				return int(e.area)
			}
		}
	}
	return -1
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
