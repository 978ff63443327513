package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
)

// LocationQuery asks for the distinct places incidents were recorded at.
type LocationQuery struct {
	// From and To bound the period, inclusive. Zero To is the latest month
	// loaded; zero From is To-11 (twelve months).
	From, To data.Month
	// Types restricts to these crime types; empty is every type.
	Types []string
}

// Locations is every distinct point incidents of a period were recorded at,
// with the incidents there by crime type. police.uk moves each crime to one
// of a fixed set of anonymous map points (about 9,000 across Cleveland), so
// one point stands for every crime near it, never for one address.
type Locations struct {
	Period Period   `json:"period"`
	Types  []string `json:"types"` // crime types counted; empty is all
	// Locations are ordered by longitude, then latitude.
	Locations []Location `json:"locations"`
	Count     int64      `json:"count"`     // located incidents
	Unlocated int64      `json:"unlocated"` // incidents of the period without coordinates
	Notes     []string   `json:"notes"`
	// DataVersion is the store version the locations were read at.
	DataVersion uint64    `json:"data_version"`
	Computed    time.Time `json:"computed"`
}

// Location is one map point with its incidents.
type Location struct {
	// Point is orb.Point{lon, lat}, WGS84 degrees, as recorded.
	Point orb.Point `json:"point"`
	// Name is police.uk's description of the point ("On or near Park/Open
	// Space"), from the first incident read there that names it (police.uk
	// leaves a few incidents at a named point as "On or near ").
	Name  string `json:"name"`
	Count int64  `json:"count"`
	// ByType counts the incidents by crime type, most first (ties in name
	// order); types with none are left out.
	ByType []data.TypeCount `json:"by_type"`
}

// Locations groups the incidents of a period by their point: one pass of
// Store.Incidents, cached for the store's version.
func (e *Engine) Locations(ctx context.Context, q LocationQuery) (*Locations, error) {
	pq, err := e.prepare(ctx, Count, q.Types, q.From, q.To, 12, Count)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%s", pq.p, keyList(pq.types))
	return compute(ctx, e, pq.sum, "locations", key, func(ctx context.Context) (*Locations, error) {
		type acc struct {
			name   string
			count  int64
			byType map[string]int64
		}
		at := map[orb.Point]*acc{}
		out := &Locations{Period: pq.p, Types: nonNil(pq.types), Notes: nonNil(pq.notes),
			DataVersion: pq.sum.Version, Computed: e.now()}
		err := e.store.Incidents(ctx, data.Query{From: pq.p.From, To: pq.p.To, Types: pq.types}, func(in *data.Incident) error {
			if !in.Located() {
				out.Unlocated++
				return nil
			}
			a := at[in.Point]
			if a == nil {
				a = &acc{name: in.Name, byType: map[string]int64{}}
				at[in.Point] = a
			}
			if n, _ := PlaceName(a.name); n == "" && in.Name != a.name {
				if n, _ := PlaceName(in.Name); n != "" {
					a.name = in.Name
				}
			}
			a.count++
			a.byType[in.Type]++
			out.Count++
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("engine: reading the incidents of %s: %w", pq.p, err)
		}
		out.Locations = make([]Location, 0, len(at))
		for pt, a := range at {
			l := Location{Point: pt, Name: a.name, Count: a.count, ByType: make([]data.TypeCount, 0, len(a.byType))}
			for t, n := range a.byType {
				l.ByType = append(l.ByType, data.TypeCount{Type: t, Count: n})
			}
			slices.SortFunc(l.ByType, func(x, y data.TypeCount) int {
				if c := cmp.Compare(y.Count, x.Count); c != 0 {
					return c
				}
				return cmp.Compare(x.Type, y.Type)
			})
			out.Locations = append(out.Locations, l)
		}
		slices.SortFunc(out.Locations, func(x, y Location) int {
			if c := cmp.Compare(x.Point[0], y.Point[0]); c != 0 {
				return c
			}
			return cmp.Compare(x.Point[1], y.Point[1])
		})
		return out, nil
	})
}
