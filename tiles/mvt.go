package tiles

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
)

// This file writes Mapbox Vector Tile 2.1 protobuf directly. orb's
// encoding/mvt goes through geojson.Feature and property maps and, as its
// documentation warns, does not fix winding; writing the few message types
// by hand keeps the per-tile work to projecting and appending bytes, and
// makes the winding rule (exterior rings clockwise in tile coordinates, that
// is positive area with y pointing down) something this package enforces
// rather than hopes for.

// Protobuf field keys (field number << 3 | wire type) of vector_tile.proto.
const (
	keyTileLayer    = 3<<3 | 2
	keyLayerVersion = 15<<3 | 0
	keyLayerName    = 1<<3 | 2
	keyLayerFeature = 2<<3 | 2
	keyLayerKey     = 3<<3 | 2
	keyLayerValue   = 4<<3 | 2
	keyLayerExtent  = 5<<3 | 0
	keyFeatureID    = 1<<3 | 0
	keyFeatureTags  = 2<<3 | 2
	keyFeatureType  = 3<<3 | 0
	keyFeatureGeom  = 4<<3 | 2
	keyValueString  = 1<<3 | 2
	keyValueDouble  = 3<<3 | 1
	keyValueUint    = 5<<3 | 0
	keyValueSint    = 6<<3 | 0
	geomPoint       = 1
	geomPolygon     = 3
	cmdMoveTo       = 1
	cmdLineTo       = 2
	cmdClosePath    = 7
	mvtVersion      = 2
)

// value is one property value, comparable so the layer can store each once.
type value struct {
	kind uint8 // keyValue* field number
	n    uint64
	s    string
}

func str(s string) value     { return value{kind: 1, s: s} }
func double(f float64) value { return value{kind: 3, n: math.Float64bits(f)} }
func uintv(n uint64) value   { return value{kind: 5, n: n} }
func sint(n int64) value     { return value{kind: 6, n: uint64(n<<1 ^ n>>63)} }
func count(n int64) value    { return uintv(uint64(max(n, 0))) }
func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func varintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

func appendBytes(b []byte, key uint64, p []byte) []byte {
	b = appendVarint(b, key)
	b = appendVarint(b, uint64(len(p)))
	return append(b, p...)
}

func appendString(b []byte, key uint64, s string) []byte {
	b = appendVarint(b, key)
	b = appendVarint(b, uint64(len(s)))
	return append(b, s...)
}

func zigzag(n int32) uint32 { return uint32(n<<1 ^ n>>31) }

// layerWriter builds one layer of a tile. Features are appended one at a
// time (begin, props, geometry, end); keys and values are stored once each.
// A writer is reused across tiles through reset, so steady-state rendering
// allocates little.
type layerWriter struct {
	extent float64
	buffer float64 // in tile units

	keys   []string
	keyIdx map[string]uint32
	vals   []byte // encoded Value messages, each as a layer field 4
	nvals  uint32
	valIdx map[value]uint32

	features []byte
	nfeat    int

	// counts 1..suppress-1 are written as smallText (Query.Suppress)
	suppress  int64
	smallText string

	// the feature being written
	id      uint64
	hasID   bool
	tags    []uint32
	geom    []uint32
	gtype   uint32
	cx, cy  int32 // geometry cursor
	ring    []orb.Point
	iring   [][2]int32
	clipped orb.Ring
	body    []byte
}

func newLayerWriter(extent, buffer int) *layerWriter {
	return &layerWriter{extent: float64(extent), buffer: float64(buffer),
		keyIdx: map[string]uint32{}, valIdx: map[value]uint32{}}
}

func (w *layerWriter) reset(suppress int) {
	w.suppress = int64(suppress)
	if suppress > 0 {
		w.smallText = fmt.Sprintf("<%d", suppress)
	}
	w.keys = w.keys[:0]
	clear(w.keyIdx)
	w.vals = w.vals[:0]
	w.nvals = 0
	clear(w.valIdx)
	w.features = w.features[:0]
	w.nfeat = 0
}

func (w *layerWriter) key(k string) uint32 {
	if i, ok := w.keyIdx[k]; ok {
		return i
	}
	i := uint32(len(w.keys))
	w.keys = append(w.keys, k)
	w.keyIdx[k] = i
	return i
}

func (w *layerWriter) appendValue(v value) {
	var msg [10 + 1]byte
	var body []byte
	switch v.kind {
	case 1:
		w.vals = appendVarint(w.vals, keyLayerValue)
		w.vals = appendVarint(w.vals, uint64(1+varintLen(uint64(len(v.s)))+len(v.s)))
		w.vals = appendString(w.vals, keyValueString, v.s)
		w.nvals++
		return
	case 3:
		body = append(msg[:0], keyValueDouble)
		body = binary.LittleEndian.AppendUint64(body, v.n)
	case 5:
		body = appendVarint(append(msg[:0], keyValueUint), v.n)
	case 6:
		body = appendVarint(append(msg[:0], keyValueSint), v.n)
	}
	w.vals = appendBytes(w.vals, keyLayerValue, body)
	w.nvals++
}

// small reports whether a count must be withheld.
func (w *layerWriter) small(n int64) bool { return n > 0 && n < w.suppress }

// countProp adds a count, withheld as "<3" when small, and reports
// whether it was shown (if not, the figures derived from it must not be).
func (w *layerWriter) countProp(k string, n int64) bool {
	if w.small(n) {
		w.prop(k, str(w.smallText))
		return false
	}
	w.prop(k, count(n))
	return true
}

// begin starts a feature; id 0 means none.
func (w *layerWriter) begin(id uint64) {
	w.id, w.hasID = id, id != 0
	w.tags = w.tags[:0]
	w.geom = w.geom[:0]
	w.cx, w.cy = 0, 0
}

// prop adds a property to the current feature.
func (w *layerWriter) prop(k string, v value) {
	vi, ok := w.valIdx[v]
	if !ok {
		vi = w.nvals
		w.valIdx[v] = vi
		w.appendValue(v)
	}
	w.tags = append(w.tags, w.key(k), vi)
}

// uniqueProp adds a property whose value no other feature of the tile has
// (an H3 cell's name): it skips the value table's lookup.
func (w *layerWriter) uniqueProp(k string, v value) {
	vi := w.nvals
	w.appendValue(v)
	w.tags = append(w.tags, w.key(k), vi)
}

// end finishes the feature; one without geometry (clipped away, or
// degenerate once rounded) is dropped.
func (w *layerWriter) end() {
	if len(w.geom) == 0 {
		return
	}
	b := w.body[:0]
	if w.hasID {
		b = appendVarint(b, keyFeatureID)
		b = appendVarint(b, w.id)
	}
	b = appendPacked(b, keyFeatureTags, w.tags)
	b = appendVarint(b, keyFeatureType)
	b = appendVarint(b, uint64(w.gtype))
	b = appendPacked(b, keyFeatureGeom, w.geom)
	w.body = b
	w.features = appendBytes(w.features, keyLayerFeature, b)
	w.nfeat++
}

func appendPacked(b []byte, key uint64, xs []uint32) []byte {
	n := 0
	for _, x := range xs {
		n += varintLen(uint64(x))
	}
	b = appendVarint(b, key)
	b = appendVarint(b, uint64(n))
	for _, x := range xs {
		b = appendVarint(b, uint64(x))
	}
	return b
}

// layerLen is the length of the layer message.
func (w *layerWriter) layerLen(name string) int {
	n := 1 + varintLen(mvtVersion) +
		1 + varintLen(uint64(len(name))) + len(name) +
		len(w.features) + len(w.vals) +
		1 + varintLen(uint64(w.extent))
	for _, k := range w.keys {
		n += 1 + varintLen(uint64(len(k))) + len(k)
	}
	return n
}

// tileLen is the length of the tile appendTile writes.
func (w *layerWriter) tileLen(name string) int {
	if w.nfeat == 0 {
		return 0
	}
	n := w.layerLen(name)
	return 1 + varintLen(uint64(n)) + n
}

// appendTile appends the layer, as a whole tile holding only it, to dst;
// a layer with no features appends nothing.
func (w *layerWriter) appendTile(dst []byte, name string) []byte {
	if w.nfeat == 0 {
		return dst
	}
	dst = appendVarint(dst, keyTileLayer)
	dst = appendVarint(dst, uint64(w.layerLen(name)))
	dst = appendVarint(dst, keyLayerVersion)
	dst = appendVarint(dst, mvtVersion)
	dst = appendString(dst, keyLayerName, name)
	dst = append(dst, w.features...)
	for _, k := range w.keys {
		dst = appendString(dst, keyLayerKey, k)
	}
	dst = append(dst, w.vals...)
	dst = appendVarint(dst, keyLayerExtent)
	return appendVarint(dst, uint64(w.extent))
}

// point sets the current feature's geometry to one point in tile
// coordinates.
func (w *layerWriter) point(x, y float64) {
	w.gtype = geomPoint
	ix, iy := int32(math.Round(x)), int32(math.Round(y))
	w.geom = append(w.geom, 1<<3|cmdMoveTo, zigzag(ix-w.cx), zigzag(iy-w.cy))
	w.cx, w.cy = ix, iy
}

// polygonRing adds one ring, given in tile coordinates (closed or not), to
// the current polygon feature: clipped to the tile and its buffer, rounded
// to whole tile units, repeated points dropped, and wound as MVT 2.1 wants
// it: an exterior ring clockwise on screen (positive surveyor's-formula
// area with y down), a hole anticlockwise. It reports false when nothing is
// left of the ring (outside the tile, or no area once rounded), in which
// case the holes of a dropped exterior must be skipped too.
//
// pts is used as scratch space.
func (w *layerWriter) polygonRing(pts []orb.Point, exterior bool) bool {
	if len(pts) < 3 {
		return false
	}
	lo, hi := -w.buffer, w.extent+w.buffer
	inside := true
	for _, p := range pts {
		if p[0] < lo || p[0] > hi || p[1] < lo || p[1] > hi {
			inside = false
			break
		}
	}
	if !inside {
		pts = clip.Ring(orb.Bound{Min: orb.Point{lo, lo}, Max: orb.Point{hi, hi}}, orb.Ring(pts))
		if len(pts) < 3 {
			return false
		}
	}
	r := w.iring[:0]
	for _, p := range pts {
		q := [2]int32{int32(math.Round(p[0])), int32(math.Round(p[1]))}
		if len(r) > 0 && r[len(r)-1] == q {
			continue
		}
		r = append(r, q)
	}
	for len(r) > 1 && r[0] == r[len(r)-1] {
		r = r[:len(r)-1]
	}
	w.iring = r
	if len(r) < 3 {
		return false
	}
	area := ringArea2(r)
	if area == 0 {
		return false
	}
	if (area > 0) != exterior {
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
	}
	w.gtype = geomPolygon
	w.moveTo(r[0])
	n := len(r) - 1
	w.geom = append(w.geom, uint32(n)<<3|cmdLineTo)
	for _, q := range r[1:] {
		w.geom = append(w.geom, zigzag(q[0]-w.cx), zigzag(q[1]-w.cy))
		w.cx, w.cy = q[0], q[1]
	}
	w.geom = append(w.geom, 1<<3|cmdClosePath)
	return true
}

func (w *layerWriter) moveTo(q [2]int32) {
	w.geom = append(w.geom, 1<<3|cmdMoveTo, zigzag(q[0]-w.cx), zigzag(q[1]-w.cy))
	w.cx, w.cy = q[0], q[1]
}

// ringArea2 is twice the surveyor's-formula area of an implicitly closed
// ring: positive when the ring runs clockwise on screen (y down).
func ringArea2(r [][2]int32) int64 {
	var a int64
	prev := r[len(r)-1]
	for _, q := range r {
		a += int64(prev[0])*int64(q[1]) - int64(q[0])*int64(prev[1])
		prev = q
	}
	return a
}
