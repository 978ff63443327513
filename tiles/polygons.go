package tiles

import (
	"math"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"
)

// polySet is a list of polygon features (areas, hot spot zones) in world
// coordinates, with versions simplified for each zoom up to indexZoom:
// Douglas-Peucker with a tolerance of half a tile unit, so a vertex is only
// dropped where it would not move the drawing by a unit. Deeper zooms draw
// the full outlines.
type polySet struct {
	polys  []orb.MultiPolygon
	bounds []orb.Bound
	simp   [indexZoom + 1]struct {
		once  sync.Once
		polys []orb.MultiPolygon
	}
}

// newPolySet projects lon/lat multipolygons to world coordinates.
func newPolySet(mps []orb.MultiPolygon) *polySet {
	ps := &polySet{polys: make([]orb.MultiPolygon, len(mps)), bounds: make([]orb.Bound, len(mps))}
	for i, mp := range mps {
		out := make(orb.MultiPolygon, 0, len(mp))
		for _, p := range mp {
			wp := make(orb.Polygon, 0, len(p))
			for _, r := range p {
				wr := make(orb.Ring, len(r))
				for k, pt := range r {
					wr[k] = world(pt)
				}
				wp = append(wp, wr)
			}
			if len(wp) > 0 && len(wp[0]) > 0 {
				out = append(out, wp)
			}
		}
		ps.polys[i] = out
		if len(out) > 0 {
			ps.bounds[i] = out.Bound()
		} else {
			ps.bounds[i] = orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
		}
	}
	return ps
}

// at returns the outlines to draw at zoom z with the given tile extent.
func (ps *polySet) at(z, extent int) []orb.MultiPolygon {
	if z > indexZoom {
		return ps.polys
	}
	e := &ps.simp[z]
	e.once.Do(func() {
		tol := 0.5 / (float64(extent) * float64(uint64(1)<<z))
		dp := simplify.DouglasPeucker(tol)
		e.polys = make([]orb.MultiPolygon, len(ps.polys))
		for i, mp := range ps.polys {
			e.polys[i] = dp.MultiPolygon(mp.Clone())
		}
	})
	return e.polys
}
