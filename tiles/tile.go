package tiles

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// MaxZoom is the deepest zoom a tile may be asked for.
const MaxZoom = 22

// ErrBadTile marks a tile address that does not exist: a zoom outside
// 0..MaxZoom, a column or row outside 0..2^z-1, or not a number. The message
// says which.
var ErrBadTile = errors.New("tiles: invalid tile")

// ErrBadSet marks a tile set name that is not one of Sets.
var ErrBadSet = errors.New("tiles: no such tile set")

// Tile is a tile of the Web Mercator (EPSG:3857) tile pyramid, XYZ scheme:
// X counts columns east from 180° W, Y rows south from about 85.05° N.
type Tile struct {
	Z, X, Y int
}

func (t Tile) String() string { return fmt.Sprintf("%d/%d/%d", t.Z, t.X, t.Y) }

// Valid checks that the tile exists.
func (t Tile) Valid() error {
	if t.Z < 0 || t.Z > MaxZoom {
		return fmt.Errorf("%w: zoom %d is outside 0..%d", ErrBadTile, t.Z, MaxZoom)
	}
	n := 1 << t.Z
	if t.X < 0 || t.X >= n || t.Y < 0 || t.Y >= n {
		return fmt.Errorf("%w: at zoom %d, x and y run 0..%d; %d/%d/%d is outside", ErrBadTile, t.Z, n-1, t.Z, t.X, t.Y)
	}
	return nil
}

// ParseTile reads a tile address from its three path parts, as in
// /{z}/{x}/{y}: decimal whole numbers, checked with Valid.
func ParseTile(z, x, y string) (Tile, error) {
	var t Tile
	for _, p := range []struct {
		name, s string
		dst     *int
	}{{"zoom", z, &t.Z}, {"x", x, &t.X}, {"y", y, &t.Y}} {
		if p.s == "" || len(p.s) > 10 || strings.TrimLeft(p.s, "0123456789") != "" {
			return Tile{}, fmt.Errorf("%w: %s %q is not a whole number", ErrBadTile, p.name, p.s)
		}
		n, err := strconv.Atoi(p.s)
		if err != nil {
			return Tile{}, fmt.Errorf("%w: %s %q is not a whole number", ErrBadTile, p.name, p.s)
		}
		*p.dst = n
	}
	return t, t.Valid()
}

// parent returns the ancestor of t at zoom z <= t.Z.
func (t Tile) parent(z int) Tile {
	if z >= t.Z {
		return t
	}
	d := t.Z - z
	return Tile{Z: z, X: t.X >> d, Y: t.Y >> d}
}

func (t Tile) key() uint64 { return uint64(t.X)<<32 | uint64(t.Y) }

// Web Mercator "world" coordinates are used inside the package: x east from
// 180° W and y south from 85.0511° N, both 0..1. A tile's coordinate is then
// (world*2^z - column)*extent.

// maxLat is the latitude of the Web Mercator square's edge.
var maxLat = 2*math.Atan(math.Exp(math.Pi))*180/math.Pi - 90

// world projects orb.Point{lon, lat} (degrees) to world coordinates;
// latitudes beyond the square are clamped to its edge.
func world(p orb.Point) orb.Point {
	lat := math.Max(-maxLat, math.Min(maxLat, p[1]))
	s := math.Sin(lat * math.Pi / 180)
	y := 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
	return orb.Point{(p[0] + 180) / 360, y}
}

// lonLat is the inverse of world.
func lonLat(w orb.Point) orb.Point {
	lat := 90 - 360*math.Atan(math.Exp((w[1]-0.5)*2*math.Pi))/math.Pi
	return orb.Point{w[0]*360 - 180, lat}
}

// frame maps world coordinates into one tile's coordinates.
type frame struct {
	scale      float64 // extent * 2^z
	offX, offY float64
	// bound is the tile plus its buffer in world coordinates, for cheap
	// rejection of features before projecting them.
	bound orb.Bound
}

func newFrame(t Tile, extent, buffer int) frame {
	n := float64(uint64(1) << t.Z)
	e := float64(extent)
	pad := float64(buffer) / e / n
	return frame{
		scale: e * n, offX: float64(t.X) * e, offY: float64(t.Y) * e,
		bound: orb.Bound{
			Min: orb.Point{float64(t.X)/n - pad, float64(t.Y)/n - pad},
			Max: orb.Point{float64(t.X+1)/n + pad, float64(t.Y+1)/n + pad},
		},
	}
}

func (f *frame) project(w orb.Point) orb.Point {
	return orb.Point{w[0]*f.scale - f.offX, w[1]*f.scale - f.offY}
}

// projectAll writes the tile coordinates of ring into dst.
func (f *frame) projectAll(dst []orb.Point, ring []orb.Point) []orb.Point {
	dst = dst[:0]
	for _, w := range ring {
		dst = append(dst, orb.Point{w[0]*f.scale - f.offX, w[1]*f.scale - f.offY})
	}
	return dst
}

// tileIndex lists, for each tile of one zoom, the features whose bounds
// meet the tile with its buffer. Tiles deeper than the index's zoom use
// their ancestor's list, filtered by bound.
type tileIndex struct {
	z     int
	cells map[uint64][]int32
}

// indexZoom is the deepest zoom an index is built for: at 16 a tile is
// about 350 m across over Stockton, holding at most a few hundred of the
// finest hexagons or map points.
const indexZoom = 16

func buildIndex(bounds []orb.Bound, z, extent, buffer int) *tileIndex {
	n := 1 << z
	pad := float64(buffer) / float64(extent) / float64(n)
	ix := &tileIndex{z: z, cells: map[uint64][]int32{}}
	clampT := func(v float64) int { return max(0, min(n-1, int(math.Floor(v*float64(n))))) }
	for i, b := range bounds {
		x0, x1 := clampT(b.Min[0]-pad), clampT(b.Max[0]+pad)
		y0, y1 := clampT(b.Min[1]-pad), clampT(b.Max[1]+pad)
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				k := Tile{Z: z, X: x, Y: y}.key()
				ix.cells[k] = append(ix.cells[k], int32(i))
			}
		}
	}
	return ix
}

// candidates returns the features that may meet t (t.Z >= ix.z), and
// whether they still need a bound check (t deeper than the index).
func (ix *tileIndex) candidates(t Tile) ([]int32, bool) {
	return ix.cells[t.parent(ix.z).key()], t.Z > ix.z
}

func boundOf(pts []orb.Point) orb.Bound {
	b := orb.Bound{Min: pts[0], Max: pts[0]}
	for _, p := range pts[1:] {
		b = b.Extend(p)
	}
	return b
}
