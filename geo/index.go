package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
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

	// The index is a uniform grid of buckets over the layer's bounds, sized
	// by the number of areas and of edges. Each bucket lists the areas
	// whose bounding box meets it, each marked wholly inside (no edge of the
	// area in the bucket and the bucket's centre inside), wholly outside, or
	// crossed by an edge; and it keeps the edges that pass through it, ring
	// by ring. A point in a crossed bucket is tested by casting orb's upward
	// ray through the edges of its own column of buckets only, so the cost
	// follows the edges near the point, not the size of the ring (a
	// million-vertex coastline costs what a ward does).
	nx, ny     int
	cellW      float64
	cellH      float64
	bucketFrom []int32 // bucket b's entries are entries[bucketFrom[b]:bucketFrom[b+1]]
	entries    []entry

	rings     []orb.Ring // every ring, area by area, polygon by polygon
	ringBound []orb.Bound
	ringTop   []int32 // the highest bucket row the ring reaches
	areaRing  []int32 // area a's rings are rings[areaRing[a]:areaRing[a+1]]
	edgeFrom  []int32 // bucket b's edges are edges[edgeFrom[b]:edgeFrom[b+1]], by ring
	edges     []edgeRef
	colFrom   []int32 // column x's rows holding edges are colRows[colFrom[x]:colFrom[x+1]], ascending
	colRows   []int32
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

// edgeRef is edge i of a ring: from vertex i to vertex i+1 (to vertex 0 for
// the closing edge of a ring whose last vertex is not its first). first is
// set in the lowest bucket of its column the edge is listed in, so a scan up
// a column counts each edge once.
type edgeRef struct {
	ring uint32
	i    uint32 // vertex index; the top bit is the first flag
}

const firstFlag = 1 << 31

func (e edgeRef) vertex() int   { return int(e.i &^ firstFlag) }
func (e edgeRef) isFirst() bool { return e.i&firstFlag != 0 }

// NewLayer builds the layer and its index. Areas must have distinct codes.
//
// Building 6,150 real ward shapes takes about 0.3 s and a ring of a million
// vertices about 0.5 s (2 loaded cores); assigning a point costs a bucket
// look-up and, near a boundary, a ray cast through the edges of the
// point's column of buckets (about 1 µs for a ward, 10 µs on the
// million-vertex ring).
func NewLayer(name string, areas []Area) (*Layer, error) {
	if len(areas) == 0 {
		return nil, fmt.Errorf("geo: layer %q has no areas", name)
	}
	if len(areas) > math.MaxInt32 {
		return nil, fmt.Errorf("geo: layer %q has too many areas", name)
	}
	l := &Layer{Name: name, Areas: areas, byCode: make(map[string]int, len(areas))}
	edges := 0
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
		for _, poly := range a.Geometry {
			for _, ring := range poly {
				if len(ring) >= firstFlag || len(l.rings) >= math.MaxInt32 {
					return nil, fmt.Errorf("geo: layer %q: area %q is too large to index", name, a.Code)
				}
				edges += len(ring)
			}
		}
	}
	l.buildIndex(edges)
	return l, nil
}

// ringEdges is the number of edges of r, the closing one included when the
// ring is not closed (orb's RingContains joins its last vertex to its first).
func ringEdges(r orb.Ring) int {
	if len(r) == 0 {
		return 0
	}
	if r[0] == r[len(r)-1] {
		return len(r) - 1
	}
	return len(r)
}

func ringEdge(r orb.Ring, i int) (orb.Point, orb.Point) {
	if i+1 < len(r) {
		return r[i], r[i+1]
	}
	return r[i], r[0]
}

func (l *Layer) buildIndex(edges int) {
	// About 16 buckets per area and 2 edges per bucket, at most 1024 a side.
	side := int(math.Ceil(math.Sqrt(math.Max(float64(len(l.Areas))*16, float64(edges)/2))))
	side = min(max(side, 8), 1024)
	w := l.bound.Max[0] - l.bound.Min[0]
	h := l.bound.Max[1] - l.bound.Min[1]
	l.nx, l.ny = side, side
	l.cellW = math.Max(w/float64(side), 1e-12)
	l.cellH = math.Max(h/float64(side), 1e-12)
	nb := l.nx * l.ny

	l.areaRing = make([]int32, len(l.Areas)+1)
	for ai := range l.Areas {
		for _, poly := range l.Areas[ai].Geometry {
			for _, ring := range poly {
				l.rings = append(l.rings, ring)
				b := ring.Bound()
				l.ringBound = append(l.ringBound, b)
				_, top := l.bucketXY(b.Max)
				l.ringTop = append(l.ringTop, int32(top))
			}
		}
		l.areaRing[ai+1] = int32(len(l.rings))
	}

	// The edges of each bucket, in two passes: count, then fill (ring by
	// ring, so each bucket's edges come sorted by ring).
	l.edgeFrom = make([]int32, nb+1)
	l.eachEdgeBucket(func(b int, _ edgeRef) { l.edgeFrom[b+1]++ })
	for b := 1; b <= nb; b++ {
		l.edgeFrom[b] += l.edgeFrom[b-1]
	}
	l.edges = make([]edgeRef, l.edgeFrom[nb])
	fill := append([]int32(nil), l.edgeFrom[:nb]...)
	l.eachEdgeBucket(func(b int, e edgeRef) {
		l.edges[fill[b]] = e
		fill[b]++
	})

	// The rows of each column that hold edges, so a ray cast up a column
	// skips the empty ones.
	l.colFrom = make([]int32, l.nx+1)
	for x := 0; x < l.nx; x++ {
		for y := 0; y < l.ny; y++ {
			if b := y*l.nx + x; l.edgeFrom[b] != l.edgeFrom[b+1] {
				l.colRows = append(l.colRows, int32(y))
			}
		}
		l.colFrom[x+1] = int32(len(l.colRows))
	}

	// The areas of each bucket, in area order.
	counts := make([]int32, nb+1)
	for ai := range l.Areas {
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
	next := append([]int32(nil), l.bucketFrom[:nb]...)
	for ai := range l.Areas {
		x0, y0 := l.bucketXY(l.Areas[ai].Bound.Min)
		x1, y1 := l.bucketXY(l.Areas[ai].Bound.Max)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				b := y*l.nx + x
				e := entry{area: int32(ai), state: stateOutside}
				if l.areaHasEdges(b, ai) {
					e.state = stateEdge
				}
				l.entries[next[b]] = e
				next[b]++
			}
		}
	}
	l.classify()
}

// eachEdgeBucket calls fn for every (bucket, edge) where the edge may pass
// through the bucket: in each column of buckets the edge's x range meets,
// the rows its stretch of that column spans, one row more each way (a
// margin for rounding), within its bounding box. The lowest is marked
// first.
func (l *Layer) eachEdgeBucket(fn func(b int, e edgeRef)) {
	for ri, r := range l.rings {
		for i := range ringEdges(r) {
			s, e := ringEdge(r, i)
			minX, maxX := math.Min(s[0], e[0]), math.Max(s[0], e[0])
			minY, maxY := math.Min(s[1], e[1]), math.Max(s[1], e[1])
			x0, y0 := l.bucketXY(orb.Point{minX, minY})
			x1, y1 := l.bucketXY(orb.Point{maxX, maxY})
			for x := x0; x <= x1; x++ {
				lo, hi := y0, y1
				if x0 != x1 {
					// the edge's stretch of this column, a little widened
					d := l.cellW * 1e-6
					xa := math.Max(minX, l.bound.Min[0]+float64(x)*l.cellW-d)
					xb := math.Min(maxX, l.bound.Min[0]+float64(x+1)*l.cellW+d)
					ya := s[1] + (xa-s[0])*(e[1]-s[1])/(e[0]-s[0])
					yb := s[1] + (xb-s[0])*(e[1]-s[1])/(e[0]-s[0])
					_, ra := l.bucketXY(orb.Point{xa, math.Min(ya, yb)})
					_, rb := l.bucketXY(orb.Point{xa, math.Max(ya, yb)})
					lo, hi = max(ra-1, y0), min(rb+1, y1)
					if lo > hi {
						lo, hi = y0, y1
					}
				}
				for y := lo; y <= hi; y++ {
					ref := edgeRef{ring: uint32(ri), i: uint32(i)}
					if y == lo {
						ref.i |= firstFlag
					}
					fn(y*l.nx+x, ref)
				}
			}
		}
	}
}

// bucketRings returns bucket b's edges of rings [from, to).
func (l *Layer) bucketRings(b int, from, to int32) []edgeRef {
	es := l.edges[l.edgeFrom[b]:l.edgeFrom[b+1]]
	i, j := 0, len(es)
	for i < j { // the first edge of ring >= from
		h := int(uint(i+j) >> 1)
		if es[h].ring < uint32(from) {
			i = h + 1
		} else {
			j = h
		}
	}
	k := i
	for j = len(es); k < j; { // the first edge of ring >= to
		h := int(uint(k+j) >> 1)
		if es[h].ring < uint32(to) {
			k = h + 1
		} else {
			j = h
		}
	}
	return es[i:k]
}

func (l *Layer) areaHasEdges(b, ai int) bool {
	return len(l.bucketRings(b, l.areaRing[ai], l.areaRing[ai+1])) > 0
}

// classify marks each area entry with no edge in its bucket inside or
// outside, by the parity of each ring's edges above the bucket's centre:
// every centre of a column has the same longitude, so one sweep down the
// column, flipping a ring's parity as its edges are passed, gives them all.
func (l *Layer) classify() {
	parity := make([]bool, len(l.rings))
	var touched []int
	for x := 0; x < l.nx; x++ {
		below := orb.Point{l.bound.Min[0] + (float64(x)+0.5)*l.cellW, math.Inf(-1)}
		for y := l.ny - 1; y >= 0; y-- {
			b := y*l.nx + x
			for k := l.bucketFrom[b]; k < l.bucketFrom[b+1]; k++ {
				if e := &l.entries[k]; e.state != stateEdge && l.areaFromParity(int(e.area), parity) {
					e.state = stateInside
				}
			}
			// Edges whose stretch of this column starts in this row are
			// above every centre below it.
			for _, ref := range l.edges[l.edgeFrom[b]:l.edgeFrom[b+1]] {
				if !ref.isFirst() {
					continue
				}
				s, e := ringEdge(l.rings[ref.ring], ref.vertex())
				if hit, _ := rayIntersect(below, s, e); hit {
					if !parity[ref.ring] {
						touched = append(touched, int(ref.ring))
					}
					parity[ref.ring] = !parity[ref.ring]
				}
			}
		}
		for _, r := range touched {
			parity[r] = false
		}
		touched = touched[:0]
	}
}

// areaFromParity applies orb's rule (inside an exterior ring and none of
// its holes, in any polygon) to ring parities.
func (l *Layer) areaFromParity(ai int, parity []bool) bool {
	ri := l.areaRing[ai]
	for _, poly := range l.Areas[ai].Geometry {
		in := len(poly) > 0 && parity[ri]
		for k := 1; k < len(poly); k++ {
			if parity[ri+int32(k)] {
				in = false
			}
		}
		if in {
			return true
		}
		ri += int32(len(poly))
	}
	return false
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
			if l.Areas[e.area].Bound.Contains(p) && l.areaContains(int(e.area), p, x, y) {
				return int(e.area)
			}
		}
	}
	return -1
}

// areaContains is planar.MultiPolygonContains(area's geometry, p), with each
// ring tested through the index.
func (l *Layer) areaContains(ai int, p orb.Point, x, y int) bool {
	ri := l.areaRing[ai]
	for _, poly := range l.Areas[ai].Geometry {
		in := len(poly) > 0 && l.ringContains(ri, p, x, y)
		for k := 1; in && k < len(poly); k++ {
			if l.ringContains(ri+int32(k), p, x, y) {
				in = false
			}
		}
		if in {
			return true
		}
		ri += int32(len(poly))
	}
	return false
}

// ringContains is planar.RingContains(ring ri, p) for p in bucket (x, y):
// orb's ray runs up from p, so only edges in p's column at or above its row
// can meet it; each is counted once, in p's row or in the lowest row it is
// listed in.
func (l *Layer) ringContains(ri int32, p orb.Point, x, y int) bool {
	if !l.ringBound[ri].Contains(p) {
		return false
	}
	in := false
	rows := l.colRows[l.colFrom[x]:l.colFrom[x+1]]
	i, j := 0, len(rows)
	for i < j { // the first row >= y
		h := int(uint(i+j) >> 1)
		if rows[h] < int32(y) {
			i = h + 1
		} else {
			j = h
		}
	}
	for _, row32 := range rows[i:] {
		row := int(row32)
		if row > int(l.ringTop[ri]) {
			break
		}
		for _, ref := range l.bucketRings(row*l.nx+x, ri, ri+1) {
			if row != y && !ref.isFirst() {
				continue
			}
			s, e := ringEdge(l.rings[ri], ref.vertex())
			hit, on := rayIntersect(p, s, e)
			if on {
				return true
			}
			if hit {
				in = !in
			}
		}
	}
	return in
}

// rayIntersect is orb/planar's test of one edge (s, e) against the ray up
// from p (github.com/paulmach/orb v0.14.0 planar/contains.go, MIT licence),
// which orb does not export: the index must decide exactly as
// planar.RingContains does, boundaries and vertices included.
func rayIntersect(p, s, e orb.Point) (intersects, on bool) {
	if s[0] > e[0] {
		s, e = e, s
	}
	switch p[0] {
	case s[0]:
		if p[1] == s[1] {
			return false, true
		} else if s[0] == e[0] {
			if s[1] > e[1] && s[1] >= p[1] && p[1] >= e[1] {
				return false, true
			}
			if e[1] > s[1] && e[1] >= p[1] && p[1] >= s[1] {
				return false, true
			}
		}
		p[0] = math.Nextafter(p[0], math.Inf(1))
	case e[0]:
		if p[1] == e[1] {
			return false, true
		}
		p[0] = math.Nextafter(p[0], math.Inf(1))
	}
	if p[0] < s[0] || p[0] > e[0] {
		return false, false
	}
	if s[1] > e[1] {
		if p[1] > s[1] {
			return false, false
		} else if p[1] < e[1] {
			return true, false
		}
	} else {
		if p[1] > e[1] {
			return false, false
		} else if p[1] < s[1] {
			return true, false
		}
	}
	rs := (p[1] - s[1]) / (p[0] - s[0])
	ds := (e[1] - s[1]) / (e[0] - s[0])
	if rs == ds {
		return false, true
	}
	return rs <= ds, false
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
