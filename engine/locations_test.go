package engine

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
)

// TestLocations checks the map points against the raw police.uk rows:
// every point of the period with its incidents by type.
func TestLocations(t *testing.T) {
	e := newEngine(t, realStore(t, false), Options{})
	rows := raw(t)
	for _, c := range []struct {
		name  string
		q     LocationQuery
		types map[string]bool
	}{
		{"default year", LocationQuery{}, nil},
		{"2023 shoplifting", LocationQuery{From: month(t, "2023-01"), To: month(t, "2023-12"), Types: []string{"Shoplifting"}}, map[string]bool{"Shoplifting": true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ls, err := e.Locations(context.Background(), c.q)
			if err != nil {
				t.Fatal(err)
			}
			want := map[orb.Point]map[string]int64{}
			var unlocated int64
			for _, r := range rows {
				m, err := data.ParseMonth(r.month)
				if err != nil || m < ls.Period.From || m > ls.Period.To || (c.types != nil && !c.types[r.typ]) || (c.types == nil && !isCrime(r.typ)) {
					continue
				}
				if !r.located {
					unlocated++
					continue
				}
				p := orb.Point{r.lon, r.lat}
				if want[p] == nil {
					want[p] = map[string]int64{}
				}
				want[p][r.typ]++
			}
			if len(ls.Locations) != len(want) || ls.Unlocated != unlocated {
				t.Errorf("%d points, %d unlocated; raw rows: %d, %d", len(ls.Locations), ls.Unlocated, len(want), unlocated)
			}
			var total int64
			for i, l := range ls.Locations {
				if i > 0 {
					p := ls.Locations[i-1].Point
					if p[0] > l.Point[0] || (p[0] == l.Point[0] && p[1] >= l.Point[1]) {
						t.Fatal("points not ordered by longitude, latitude")
					}
				}
				w := want[l.Point]
				var n int64
				for j, tc := range l.ByType {
					n += tc.Count
					if tc.Count != w[tc.Type] || tc.Count == 0 {
						t.Errorf("%v %s: %d, raw %d", l.Point, tc.Type, tc.Count, w[tc.Type])
					}
					if j > 0 && (l.ByType[j-1].Count < tc.Count || (l.ByType[j-1].Count == tc.Count && l.ByType[j-1].Type > tc.Type)) {
						t.Errorf("%v: types not most first", l.Point)
					}
				}
				if n != l.Count || len(l.ByType) != len(w) || l.Name == "" {
					t.Errorf("%v: count %d, by type %d, %d types (raw %d), name %q", l.Point, l.Count, n, len(l.ByType), len(w), l.Name)
				}
				total += l.Count
			}
			if total != ls.Count || total == 0 {
				t.Errorf("Count %d, points add to %d", ls.Count, total)
			}
		})
	}
}

func TestLocationsCachedAndChecked(t *testing.T) {
	e := newEngine(t, realStore(t, false), Options{})
	ctx := context.Background()
	a, err := e.Locations(ctx, LocationQuery{Types: []string{"Robbery", "Burglary"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Locations(ctx, LocationQuery{Types: []string{"Burglary", "Robbery"}})
	if err != nil || a != b {
		t.Errorf("the same query computed twice (%v)", err)
	}
	if !slices.Equal(a.Types, []string{"Burglary", "Robbery"}) {
		t.Errorf("types %v", a.Types)
	}
	if _, err := e.Locations(ctx, LocationQuery{Types: []string{"Arson"}}); !errors.Is(err, ErrBadQuery) {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := e.Locations(ctx, LocationQuery{From: month(t, "2025-06"), To: month(t, "2025-01")}); !errors.Is(err, ErrBadQuery) {
		t.Errorf("backwards period: %v", err)
	}
}

// BenchmarkLocations groups a year of Cleveland incidents by map point,
// uncached: what the first incidents tile of a new query waits for.
func BenchmarkLocations(b *testing.B) {
	e := benchEngine(b, false)
	ctx := context.Background()
	ls := benchLoop(b, func() (*Locations, error) { return e.Locations(ctx, LocationQuery{}) })
	b.ReportMetric(float64(len(ls.Locations)), "points")
}
