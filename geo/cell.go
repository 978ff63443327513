package geo

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// BaseRes is the finest H3 resolution points are indexed at (average hexagon
// edge about 10 m, area about 307 m²). It is one level finer than the finest
// resolution the hotspot engine analyses (11), so the map can still draw
// single hexagons at street zoom, and it is about the precision of the
// police.uk anonymous map points themselves.
//
// H3 is not a strict hierarchy: a child cell pokes out of its parent, so the
// parent of a point's resolution-12 cell is not always the resolution-9 cell
// holding the point (6.9% of Cleveland's points differ). Analysis counts a
// point in the cell that holds it, as ArcGIS, R and the reference vectors do,
// so CellsOf indexes a point at every resolution MinRes..BaseRes at once; a
// store does that once per distinct location and looks cells up afterwards,
// never re-indexing per query. Parent remains for cell arithmetic.
const BaseRes = 12

// MinRes and MaxRes bound the resolutions the analysis accepts.
const (
	MinRes = 5
	MaxRes = BaseRes
)

// Cell is an H3 cell index (mode 1). The zero Cell is "no cell".
type Cell uint64

// ErrInvalidPoint is returned for coordinates that are not a valid WGS84
// lon/lat (NaN, infinite, or out of range).
var ErrInvalidPoint = errors.New("geo: coordinates are not a valid longitude/latitude")

// ErrInvalidCell is returned when a string or number is not an H3 cell.
var ErrInvalidCell = errors.New("geo: not a valid H3 cell")

// CellOf returns the BaseRes cell holding p (orb.Point{lon, lat}, degrees).
func CellOf(p orb.Point) (Cell, error) { return CellAt(p, BaseRes) }

// CellAt returns the cell of resolution res holding p.
func CellAt(p orb.Point, res int) (Cell, error) {
	if !ValidLonLat(p) {
		return 0, fmt.Errorf("%w: %v, %v", ErrInvalidPoint, p[0], p[1])
	}
	c, err := h3.LatLngToCell(h3.NewLatLng(p[1], p[0]), res)
	if err != nil {
		return 0, fmt.Errorf("geo: indexing %v,%v: %w", p[0], p[1], err)
	}
	return Cell(c), nil
}

// Cells holds a point's cell at each resolution MinRes..BaseRes.
type Cells [BaseRes - MinRes + 1]Cell

// At returns the cell at resolution res (MinRes..BaseRes), 0 outside.
func (cs *Cells) At(res int) Cell {
	if res < MinRes || res > BaseRes {
		return 0
	}
	return cs[res-MinRes]
}

// CellsOf indexes p at every resolution MinRes..BaseRes: the cell holding p
// at each, which is not always the parent of the finer one.
func CellsOf(p orb.Point) (Cells, error) {
	var cs Cells
	for r := MinRes; r <= BaseRes; r++ {
		c, err := CellAt(p, r)
		if err != nil {
			return Cells{}, err
		}
		cs[r-MinRes] = c
	}
	return cs, nil
}

// ValidLonLat reports whether p is a finite longitude in [-180, 180] and
// latitude in [-90, 90].
func ValidLonLat(p orb.Point) bool {
	lon, lat := p[0], p[1]
	return !math.IsNaN(lon) && !math.IsNaN(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// Res returns the cell's resolution (0..15).
func (c Cell) Res() int { return int((uint64(c) >> 52) & 0xF) }

// Parent returns the ancestor of c at resolution res (res <= c.Res()). It is
// a pure bit operation (set the resolution field, fill the finer digits with
// 7), the same as H3's cellToParent, and costs a few nanoseconds.
func (c Cell) Parent(res int) Cell {
	cr := c.Res()
	if res >= cr || res < 0 {
		return c
	}
	h := uint64(c)
	h = h&^(uint64(0xF)<<52) | uint64(res)<<52
	// digits res+1 .. cr are 3 bits each; digit r sits at bit (15-r)*3.
	for r := res + 1; r <= cr; r++ {
		h |= uint64(7) << ((15 - r) * 3)
	}
	return Cell(h)
}

// String is the H3 string form ("8919460924bffff").
func (c Cell) String() string { return h3.IndexToString(uint64(c)) }

// MarshalText writes the H3 string form, so cells read as strings in JSON.
func (c Cell) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads the H3 string form MarshalText writes.
func (c *Cell) UnmarshalText(b []byte) error {
	v, err := ParseCell(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseCell reads an H3 string and checks it is a valid cell.
func ParseCell(s string) (Cell, error) {
	c := h3.Cell(h3.IndexFromString(s))
	if !c.IsValid() {
		return 0, fmt.Errorf("%w: %q", ErrInvalidCell, s)
	}
	return Cell(c), nil
}

// Valid reports whether c is a valid H3 cell.
func (c Cell) Valid() bool { return h3.Cell(c).IsValid() }

// Center returns the cell's centre as orb.Point{lon, lat}.
func (c Cell) Center() orb.Point {
	if !c.Valid() {
		return orb.Point{math.NaN(), math.NaN()}
	}
	ll, err := h3.CellToLatLng(h3.Cell(c))
	if err != nil {
		return orb.Point{math.NaN(), math.NaN()}
	}
	return orb.Point{ll.Lng, ll.Lat}
}

// Boundary returns the cell's outline as a closed counter-clockwise ring of
// orb.Point{lon, lat} (RFC 7946 right-hand rule for an exterior ring).
func (c Cell) Boundary() orb.Ring {
	if !c.Valid() {
		return nil
	}
	b, err := h3.CellToBoundary(h3.Cell(c))
	if err != nil {
		return nil
	}
	r := make(orb.Ring, 0, len(b)+1)
	for _, ll := range b {
		r = append(r, orb.Point{ll.Lng, ll.Lat})
	}
	r = append(r, r[0])
	return r
}

// Disk returns the cells within grid distance k of c, c included.
func (c Cell) Disk(k int) ([]Cell, error) {
	cs, err := h3.GridDisk(h3.Cell(c), k)
	if err != nil {
		return nil, fmt.Errorf("geo: grid disk of %s: %w", c, err)
	}
	out := make([]Cell, 0, len(cs))
	for _, x := range cs {
		if x != 0 {
			out = append(out, Cell(x))
		}
	}
	return out, nil
}

// AreaM2 is the cell's area in square metres.
func (c Cell) AreaM2() float64 {
	if !c.Valid() {
		return 0
	}
	a, err := h3.CellAreaM2(h3.Cell(c))
	if err != nil {
		return 0
	}
	return a
}

// AvgCellAreaM2 is the mean area of an H3 cell of resolution res in square
// metres (about 105,000 m² at 9, 2,150 m² at 11); 0 for a resolution
// outside 0..15.
func AvgCellAreaM2(res int) float64 {
	a, err := h3.HexagonAreaAvgM2(res)
	if err != nil {
		return 0
	}
	return a
}

// PolygonCells returns the cells of resolution res whose centres lie inside
// the polygon (H3 polygonToCells, centre containment). Holes are honoured.
func PolygonCells(p orb.Polygon, res int) ([]Cell, error) {
	return polyfill(p, res, h3.ContainmentCenter)
}

func polyfill(p orb.Polygon, res int, mode h3.ContainmentMode) ([]Cell, error) {
	if len(p) == 0 {
		return nil, nil
	}
	gp := h3.GeoPolygon{GeoLoop: loop(p[0])}
	for _, hole := range p[1:] {
		gp.Holes = append(gp.Holes, loop(hole))
	}
	var cs []h3.Cell
	var err error
	if mode == h3.ContainmentCenter {
		cs, err = h3.PolygonToCells(gp, res)
	} else {
		cs, err = h3.PolygonToCellsExperimental(gp, res, mode)
	}
	if err != nil {
		return nil, fmt.Errorf("geo: cells of polygon at resolution %d: %w", res, err)
	}
	out := make([]Cell, 0, len(cs))
	for _, x := range cs {
		if x != 0 {
			out = append(out, Cell(x))
		}
	}
	return out, nil
}

func loop(r orb.Ring) h3.GeoLoop {
	n := len(r)
	if n > 1 && r[0] == r[n-1] {
		n-- // H3 loops are implicitly closed
	}
	l := make(h3.GeoLoop, n)
	for i := 0; i < n; i++ {
		l[i] = h3.NewLatLng(r[i][1], r[i][0])
	}
	return l
}

// Outline merges cells into polygons: the outline of each connected group,
// with holes where the group surrounds cells not in it. Rings are closed,
// exterior counter-clockwise and holes clockwise (RFC 7946), in
// orb.Point{lon, lat}. Cells must share one resolution.
func Outline(cells []Cell) (orb.MultiPolygon, error) {
	if len(cells) == 0 {
		return nil, nil
	}
	hs := make([]h3.Cell, len(cells))
	for i, c := range cells {
		if !c.Valid() {
			return nil, fmt.Errorf("%w: %d", ErrInvalidCell, uint64(c))
		}
		hs[i] = h3.Cell(c)
	}
	polys, err := h3.CellsToMultiPolygon(hs)
	if err != nil {
		return nil, fmt.Errorf("geo: outline of %d cells: %w", len(cells), err)
	}
	out := make(orb.MultiPolygon, 0, len(polys))
	for _, gp := range polys {
		p := orb.Polygon{ring(gp.GeoLoop, true)}
		for _, h := range gp.Holes {
			p = append(p, ring(h, false))
		}
		out = append(out, p)
	}
	return out, nil
}

// ring converts an H3 loop to a closed orb ring wound counter-clockwise
// (ccw) or clockwise.
func ring(l h3.GeoLoop, ccw bool) orb.Ring {
	r := make(orb.Ring, 0, len(l)+1)
	for _, ll := range l {
		r = append(r, orb.Point{ll.Lng, ll.Lat})
	}
	if len(r) > 0 {
		r = append(r, r[0])
	}
	if (r.Orientation() == orb.CCW) != ccw {
		r.Reverse()
	}
	return r
}
