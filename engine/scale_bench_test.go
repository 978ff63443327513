package engine

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// The first question at a moderate national scale: copies of the 35 real
// Cleveland months and the 82 2013 wards, each copy moved to a place of its
// own and reported by a force of its own, as cmd/scalegen makes them for
// `make bench-scale` (same offsets: 0.7° of longitude a column, 0.3° of
// latitude a row, 10 columns), built in memory from the bundled sample.

const scaleCopies = 5

var (
	scaleOnce  sync.Once
	scaleParts []*data.Partition
	scaleAreas []geo.Area
)

// scaleOffset is copy c's move in degrees (copy 1 stays where Cleveland is).
func scaleOffset(c int) (dlon, dlat float64) {
	i := c - 1
	return -0.7 * float64(i%10), -0.3 * float64(i/10)
}

// scaledStore opens a store of scaleCopies copies of Cleveland with the
// layer "areas" (82 wards a copy).
func scaledStore(tb testing.TB) *data.MemStore {
	tb.Helper()
	parts, wards := cleveland(tb), clevelandWards(tb)
	scaleOnce.Do(func() {
		for c := 1; c <= scaleCopies; c++ {
			dlon, dlat := scaleOffset(c)
			for _, p := range parts {
				q := *p
				q.Force = fmt.Sprintf("Synthetic Force %02d", c)
				q.Locations = make([]data.PartLocation, len(p.Locations))
				for i, l := range p.Locations {
					l.Lon, l.Lat, l.Cell = l.Lon+dlon, l.Lat+dlat, 0
					if cell, err := geo.CellOf(orb.Point{l.Lon, l.Lat}); err == nil && p.Locations[i].Cell != 0 {
						l.Cell = cell
					}
					q.Locations[i] = l
				}
				scaleParts = append(scaleParts, &q)
			}
			for _, w := range wards {
				g := orb.Clone(w.Geometry).(orb.MultiPolygon)
				for _, poly := range g {
					for _, r := range poly {
						for i := range r {
							r[i][0] += dlon
							r[i][1] += dlat
						}
					}
				}
				scaleAreas = append(scaleAreas, geo.Area{Code: fmt.Sprintf("S%02d-%s", c, w.Code),
					Name: fmt.Sprintf("%s (Synthetic Force %02d)", w.Name, c), Geometry: g})
			}
		}
	})
	s, err := data.OpenMem(tb.TempDir(), data.MemOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := s.PutLayer(ctx, "areas", scaleAreas, data.LayerMeta{Source: "scaled wards_2013"}); err != nil {
		tb.Fatal(err)
	}
	if err := s.Replace(ctx, scaleParts); err != nil {
		tb.Fatal(err)
	}
	return s
}

// cpuTime is the process's CPU time so far (user and system, every thread):
// on a shared machine the time a benchmark's work took of the cores, where
// its wall time also counts the waits for them.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs fn b.N times and reports its CPU time per operation beside the
// wall time.
func loop(b *testing.B, fn func()) {
	b.ReportAllocs()
	start, n := cpuTime(), 0
	for b.Loop() {
		fn()
		n++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(max(n, 1)), "cpu-ms/op")
}

// scaledBox is Stockton-on-Tees borough's box in copy c.
func scaledBox(c int) orb.Bound {
	dlon, dlat := scaleOffset(c)
	return orb.Bound{Min: orb.Point{-1.45 + dlon, 54.46 + dlat}, Max: orb.Point{-1.2 + dlon, 54.65 + dlat}}
}

// BenchmarkFirstQuestionScale5 is the first question of a query about one
// borough's hot spots at resolution 9, asked of an engine that has computed
// nothing yet (a new engine each iteration): the layer's study area (410
// wards), its neighbourhood sizes, the query's moments and FDR cut-offs, then
// the box.
func BenchmarkFirstQuestionScale5(b *testing.B) {
	s := scaledStore(b)
	ctx := context.Background()
	q := HotspotQuery{Layer: "areas", Res: 9, BBox: scaledBox(3)}
	loop(b, func() {
		e := newEngine(b, s, Options{})
		if _, err := e.Hotspots(ctx, q); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkFirstQuestionScale5NewQuery is the first question of a new query
// (another crime type each time) on an engine that keeps the layer's study
// area: the query's moments and FDR cut-offs, then the box.
func BenchmarkFirstQuestionScale5NewQuery(b *testing.B) {
	s := scaledStore(b)
	ctx := context.Background()
	e := newEngine(b, s, Options{CacheEntries: -1})
	q := HotspotQuery{Layer: "areas", Res: 9, BBox: scaledBox(3)}
	if _, err := e.Hotspots(ctx, q); err != nil {
		b.Fatal(err)
	}
	loop(b, func() {
		if _, err := e.Hotspots(ctx, q); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkRankingScale5 ranks the 410 areas over 12 months with the
// result cache off.
func BenchmarkRankingScale5(b *testing.B) {
	s := scaledStore(b)
	ctx := context.Background()
	e := newEngine(b, s, Options{CacheEntries: -1})
	q := RankingQuery{Layer: "areas"}
	if _, err := e.Ranking(ctx, q); err != nil {
		b.Fatal(err)
	}
	loop(b, func() {
		if _, err := e.Ranking(ctx, q); err != nil {
			b.Fatal(err)
		}
	})
}
