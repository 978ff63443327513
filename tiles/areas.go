package tiles

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
)

// areaGeom is an area layer's outlines, projected once per store version.
type areaGeom struct {
	layer *geo.Layer
	ps    *polySet
}

func (r *Renderer) areaGeom(ctx context.Context, name string) (*areaGeom, error) {
	key := fmt.Sprintf("v%d|areageom|%s", r.version(), name)
	return memoize(ctx, r.sets, key, func(ctx context.Context) (*areaGeom, error) {
		l, _, err := r.store.Layer(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("tiles: %w", err)
		}
		mps := make([]orb.MultiPolygon, len(l.Areas))
		for i := range l.Areas {
			mps[i] = l.Areas[i].Geometry
		}
		return &areaGeom{layer: l, ps: newPolySet(mps)}, nil
	})
}

// areaSet is one query's areas: the outlines and, per area in layer order,
// its ranking figures (nil for an area the ranking leaves out).
type areaSet struct {
	geom  *areaGeom
	ranks []*engine.AreaRank
}

func (r *Renderer) areaSet(ctx context.Context, q Query) (*areaSet, error) {
	key := fmt.Sprintf("v%d|%s", r.version(), q.Key())
	return memoize(ctx, r.sets, key, func(ctx context.Context) (*areaSet, error) {
		g, err := r.areaGeom(ctx, q.Layer)
		if err != nil {
			return nil, err
		}
		rk, err := r.eng.Source(q.Source).WithTimes(q.Times).Ranking(ctx, engine.RankingQuery{Layer: q.Layer, From: q.From, To: q.To, Types: q.Types, Measure: q.Measure})
		if err != nil {
			return nil, err
		}
		if rk, err = q.View.Ranking(rk); err != nil {
			return nil, err
		}
		as := &areaSet{geom: g, ranks: make([]*engine.AreaRank, len(g.layer.Areas))}
		for i := range rk.Areas {
			if j := g.layer.Index(rk.Areas[i].Code); j >= 0 {
				as.ranks[j] = &rk.Areas[i]
			}
		}
		return as, nil
	})
}

func (r *Renderer) drawAreas(ctx context.Context, b *tileBuilder, t Tile, q Query) error {
	as, err := r.areaSet(ctx, q)
	if err != nil {
		return err
	}
	f := newFrame(t, r.extent, r.buffer)
	polys := as.geom.ps.at(t.Z, r.extent)
	for i, bound := range as.geom.ps.bounds {
		if !bound.Intersects(f.bound) {
			continue
		}
		g := b.polygons(&f, polys[i])
		if g == nil {
			continue
		}
		a := &as.geom.layer.Areas[i]
		props := geojson.Properties{"code": a.Code, "name": a.Name}
		if rk := as.ranks[i]; rk != nil {
			if b.count(props, "count", rk.Count) {
				props["harm"] = rk.Harm
				props["cost"] = rk.Cost
			}
			if rk.Rate != nil {
				props["rate"] = *rk.Rate
			}
			props["rank"] = uint64(max(rk.Rank, 0))
		}
		b.add(uint64(i)+1, g, props)
	}
	return nil
}
