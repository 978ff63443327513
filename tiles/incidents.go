package tiles

import (
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/engine"
)

// locSet is one query's map points in world coordinates, indexed by the
// IncidentsMinZoom tile they meet.
type locSet struct {
	locs  []engine.Location
	pts   []orb.Point
	index *tileIndex
}

func (r *Renderer) locSet(ctx context.Context, q Query) (*locSet, error) {
	key := fmt.Sprintf("v%d|%s", r.version(), q.Key())
	return memoize(ctx, r.sets, key, func(ctx context.Context) (*locSet, error) {
		ls, err := r.eng.Source(q.Source).WithTimes(q.Times).Locations(ctx, engine.LocationQuery{From: q.From, To: q.To, Types: q.Types})
		if err != nil {
			return nil, err
		}
		s := &locSet{locs: ls.Locations, pts: make([]orb.Point, len(ls.Locations))}
		bounds := make([]orb.Bound, len(ls.Locations))
		for i := range ls.Locations {
			s.pts[i] = world(ls.Locations[i].Point)
			bounds[i] = s.pts[i].Bound()
		}
		s.index = buildIndex(bounds, IncidentsMinZoom, r.extent, r.buffer)
		return s, nil
	})
}

// LocationID is the feature id of a map point: its longitude and latitude
// in millionths of a degree (police.uk's precision), offset to be positive,
// in the high and low 32 bits. It stays the same whatever the filters.
func LocationID(p orb.Point) uint64 {
	lon := uint64(math.Round((p[0] + 180) * 1e6))
	lat := uint64(math.Round((p[1] + 90) * 1e6))
	return lon<<32 | lat
}

func (r *Renderer) drawIncidents(ctx context.Context, b *tileBuilder, t Tile, q Query) error {
	ls, err := r.locSet(ctx, q) // also checks the filters at every zoom
	if err != nil || t.Z < IncidentsMinZoom {
		return err
	}
	cand, _ := ls.index.candidates(t)
	f := newFrame(t, r.extent, r.buffer)
	for _, i := range cand {
		p := ls.pts[i]
		if !f.bound.Contains(p) {
			continue
		}
		l := &ls.locs[i]
		props := make(geojson.Properties, 2+len(l.ByType))
		b.count(props, "count", l.Count)
		if l.Name != "" {
			props["name"] = l.Name
		}
		for _, tc := range l.ByType {
			b.count(props, tc.Type, tc.Count)
		}
		b.add(LocationID(l.Point), b.point(&f, p), props)
	}
	return nil
}
