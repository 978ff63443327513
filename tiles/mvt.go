package tiles

import (
	"fmt"
	"github.com/stockton-csp/hotspots/disclosure"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

// This file turns a tile's features into Mapbox Vector Tile 2.1 bytes with
// orb's encoding/mvt. The geometries handed to it are already in tile
// coordinates: projected from the precomputed Web Mercator outlines, clipped
// to the tile and its buffer, rounded to whole units, and wound as the
// specification requires, which orb's encoder leaves to its caller.

// exteriorOrientation is the orb.Orientation of an MVT exterior ring in tile
// coordinates. The specification wants exterior rings clockwise on screen,
// that is with positive surveyor's-formula area when y points down; orb
// reads the same sign as counter-clockwise, taking y to point up.
const exteriorOrientation = orb.CCW

// tileBuilder collects the features of one tile. The Renderer pools them,
// so the scratch space is reused from tile to tile.
type tileBuilder struct {
	extent uint32
	box    orb.Bound // the tile and its buffer, tile coordinates

	view disclosure.View // Query.View

	feats []*geojson.Feature
	proj  []orb.Point // a ring being projected and clipped
	pts   []orb.Point // the finished rings of the tile, back to back
}

func newTileBuilder(extent, buffer int) *tileBuilder {
	lo, hi := -float64(buffer), float64(extent+buffer)
	return &tileBuilder{extent: uint32(extent), box: orb.Bound{Min: orb.Point{lo, lo}, Max: orb.Point{hi, hi}}}
}

func (b *tileBuilder) reset(v disclosure.View) {
	b.view = v
	clear(b.feats)
	b.feats = b.feats[:0]
	b.pts = b.pts[:0]
}

// add appends a feature with geometry g in tile coordinates; id 0 means
// none.
func (b *tileBuilder) add(id uint64, g orb.Geometry, props geojson.Properties) {
	f := &geojson.Feature{Type: "Feature", Geometry: g, Properties: props}
	if id != 0 {
		f.ID = id
	}
	b.feats = append(b.feats, f)
}

// count sets property k to the count n, as the query's View gives it (the
// set's figures are already the View's), with k+"_band" its label ("<5",
// "5-9") when the View bands counts; it reports whether the figures
// weighed from exact counts (harm, cost) may be drawn.
func (b *tileBuilder) count(props geojson.Properties, k string, n int64) bool {
	props[k] = uint64(max(n, 0))
	if b.view.Protected() {
		props[k+"_band"] = b.view.Label(n)
		return false
	}
	return true
}

// encode writes the features as a tile holding one layer, name; a tile
// without features is nil.
func (b *tileBuilder) encode(name string) ([]byte, error) {
	if len(b.feats) == 0 {
		return nil, nil
	}
	// mvt.NewLayer would say version 1; these tiles follow 2.1.
	l := &mvt.Layer{Name: name, Version: 2, Extent: b.extent, Features: b.feats}
	tile, err := mvt.Marshal(mvt.Layers{l})
	if err != nil {
		return nil, fmt.Errorf("tiles: encoding the %s layer: %w", name, err)
	}
	return tile, nil
}

// point returns w (world coordinates) in tile coordinates, rounded to whole
// units.
func (b *tileBuilder) point(f *frame, w orb.Point) orb.Point {
	p := f.project(w)
	return orb.Point{math.Round(p[0]), math.Round(p[1])}
}

// polygons returns mp (world coordinates) in tile coordinates, each ring
// as ring makes it; nil when nothing is left. A polygon whose exterior is
// clipped away is dropped with its holes.
func (b *tileBuilder) polygons(f *frame, mp orb.MultiPolygon) orb.MultiPolygon {
	var out orb.MultiPolygon
	for _, p := range mp {
		ext := b.ring(f, p[0], true)
		if ext == nil {
			continue
		}
		tp := orb.Polygon{ext}
		for _, hole := range p[1:] {
			if len(hole) == 0 || !boundOf(hole).Intersects(f.bound) {
				continue
			}
			if h := b.ring(f, hole, false); h != nil {
				tp = append(tp, h)
			}
		}
		out = append(out, tp)
	}
	return out
}

// ring returns world (a ring in world coordinates, closed or not) in tile
// coordinates: clipped to the tile and its buffer, rounded to whole units,
// repeated points dropped, closed, and wound as MVT 2.1 wants it: an
// exterior ring clockwise on screen, a hole anticlockwise. It is nil when
// nothing is left (outside the tile, or no area once rounded).
func (b *tileBuilder) ring(f *frame, world []orb.Point, exterior bool) orb.Ring {
	pts := f.projectAll(b.proj, world)
	b.proj = pts
	if len(pts) < 3 {
		return nil
	}
	for _, p := range pts {
		if !b.box.Contains(p) {
			pts = clip.Ring(b.box, orb.Ring(pts)) // uses b.proj as scratch
			break
		}
	}
	start := len(b.pts)
	for _, p := range pts {
		q := orb.Point{math.Round(p[0]), math.Round(p[1])}
		if len(b.pts) > start && b.pts[len(b.pts)-1] == q {
			continue
		}
		b.pts = append(b.pts, q)
	}
	n := len(b.pts) - start
	for n > 1 && b.pts[start] == b.pts[start+n-1] {
		n--
	}
	if n < 3 {
		b.pts = b.pts[:start]
		return nil
	}
	b.pts = append(b.pts[:start+n], b.pts[start])
	r := orb.Ring(b.pts[start:len(b.pts):len(b.pts)])
	switch r.Orientation() {
	case 0:
		b.pts = b.pts[:start]
		return nil
	case exteriorOrientation:
		if !exterior {
			r.Reverse()
		}
	default:
		if exterior {
			r.Reverse()
		}
	}
	return r
}
