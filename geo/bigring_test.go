package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// wigglyRing is a closed ring of n vertices round (lon, lat) = (-1.3, 54.55):
// a circle of radius 0.1° whose radius wobbles at three frequencies, so the
// ring turns in and out (as a detailed coastline does) without ever crossing
// itself (the radius is a positive function of the angle).
func wigglyRing(n int) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		t := 2 * math.Pi * float64(i) / float64(n)
		rad := 0.1 * (1 + 0.3*math.Sin(7*t) + 0.1*math.Sin(131*t) + 0.02*math.Sin(5003*t))
		r = append(r, orb.Point{-1.3 + rad*math.Cos(t), 54.55 + rad*math.Sin(t)})
	}
	return append(r, r[0])
}

// nationalAreas is the 82 bundled 2013 wards of the four authorities, moved
// to copies places side by side (as cmd/scalegen does): thousands of
// polygons of real shape.
func nationalAreas(tb testing.TB, copies int) []Area {
	tb.Helper()
	base := bundledAreas(tb, wards2013Files...)
	out := make([]Area, 0, copies*len(base))
	for c := 0; c < copies; c++ {
		dlon, dlat := -0.7*float64(c%10), -0.3*float64(c/10)
		for _, a := range base {
			mp := make(orb.MultiPolygon, len(a.Geometry))
			for pi, poly := range a.Geometry {
				mp[pi] = make(orb.Polygon, len(poly))
				for ri, ring := range poly {
					nr := make(orb.Ring, len(ring))
					for k, p := range ring {
						nr[k] = orb.Point{p[0] + dlon, p[1] + dlat}
					}
					mp[pi][ri] = nr
				}
			}
			out = append(out, Area{Code: a.Code + "-" + string(rune('A'+c%26)) + string(rune('A'+c/26)), Name: a.Name, Geometry: mp, Bound: mp.Bound()})
		}
	}
	return out
}

// TestLocateMillionVertexRing checks the index of one area whose ring has a
// million vertices against plain ray casting (orb's planar.RingContains over
// every edge) on sampled points: random ones over the bounds, vertices, and
// points a hair either side of edges.
//
// With -short (make mutate) the ring has 50,000 vertices: the same code
// paths (many edges in each bucket, a ray cast up a crowded column), twenty
// times cheaper to cast rays through.
func TestLocateMillionVertexRing(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 50_000
	}
	ring := wigglyRing(n)
	areas := []Area{{Code: "big", Name: "Big", Geometry: orb.MultiPolygon{{ring}}}}
	l := mustLayer(t, "big", areas)
	rng := rand.New(rand.NewPCG(21, 22))
	var pts []orb.Point
	b := l.Bound().Pad(0.01)
	for range 400 {
		pts = append(pts, randomIn(rng, b))
	}
	for range 200 {
		i := rng.IntN(len(ring) - 1)
		s, e := ring[i], ring[i+1]
		pts = append(pts, s,
			orb.Point{(s[0] + e[0]) / 2, (s[1] + e[1]) / 2},
			orb.Point{(s[0]+e[0])/2 + 1e-9, (s[1] + e[1]) / 2},
			orb.Point{(s[0]+e[0])/2 - 1e-9, (s[1] + e[1]) / 2})
	}
	in, bad := 0, 0
	for _, p := range pts {
		want := -1
		if planar.RingContains(ring, p) {
			want = 0
			in++
		}
		if got := l.Locate(p); got != want {
			bad++
			if bad <= 10 {
				t.Errorf("Locate(%v) = %d, ray casting %d", p, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d points disagree with ray casting", bad, len(pts))
	}
	if in < len(pts)/4 || in > len(pts)*3/4 {
		t.Errorf("%d of %d points inside: the sample does not test both sides", in, len(pts))
	}
}

func BenchmarkLocateMillionVertexRing(b *testing.B) {
	ring := wigglyRing(1_000_000)
	l := mustLayer(b, "big", []Area{{Code: "big", Name: "Big", Geometry: orb.MultiPolygon{{ring}}}})
	rng := rand.New(rand.NewPCG(23, 24))
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = randomIn(rng, l.Bound())
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sinkInt = l.Locate(pts[i%len(pts)])
	}
}

func BenchmarkNewLayerMillionVertexRing(b *testing.B) {
	areas := []Area{{Code: "big", Name: "Big", Geometry: orb.MultiPolygon{{wigglyRing(1_000_000)}}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewLayer("big", areas); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewLayerNational builds the index of 6,150 real ward shapes (75
// copies of the 82 2013 wards of Cleveland), the layer of make bench-scale.
func BenchmarkNewLayerNational(b *testing.B) {
	areas := nationalAreas(b, 75)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewLayer("national", areas); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLocateNational(b *testing.B) {
	areas := nationalAreas(b, 75)
	l := mustLayer(b, "national", areas)
	rng := rand.New(rand.NewPCG(25, 26))
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = randomIn(rng, l.Bound())
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sinkInt = l.Locate(pts[i%len(pts)])
	}
}
