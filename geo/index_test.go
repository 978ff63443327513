package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// The bundled boundary files (data/sample), as internal/fixture names them.
var (
	stocktonWardsFile = fixture.StocktonWards
	lsoaFiles         = []string{
		fixture.LSOAs2011("E06000001"),
		fixture.LSOAs2011("E06000002"),
		fixture.LSOAs2011("E06000003"),
		fixture.LSOAs2011("E06000004"),
	}
	wards2013Files = []string{
		fixture.Wards2013("E06000001"),
		fixture.Wards2013("E06000002"),
		fixture.Wards2013("E06000003"),
		fixture.Wards2013("E06000004"),
	}
)

// bundledAreas reads and concatenates the areas of the given bundled
// boundary files (paths of internal/fixture).
func bundledAreas(tb testing.TB, paths ...string) []Area {
	tb.Helper()
	var all []Area
	for _, p := range paths {
		areas, _, err := ReadAreas(strings.TrimSuffix(path.Base(p), ".gz"), fixture.Read(tb, p), ReadOptions{})
		if err != nil {
			tb.Fatalf("ReadAreas(%s): %v", p, err)
		}
		all = append(all, areas...)
	}
	return all
}

// brute is the reference locator: the first area, in order, whose geometry
// holds p (boundary included, as orb/planar). It keeps its own bounding
// boxes, computed from the geometry, only to skip areas quickly.
type brute struct {
	areas  []Area
	bounds []orb.Bound
}

func newBrute(areas []Area) *brute {
	b := &brute{areas: areas}
	for _, a := range areas {
		b.bounds = append(b.bounds, a.Geometry.Bound())
	}
	return b
}

func (b *brute) locate(p orb.Point) int {
	for i := range b.areas {
		if b.bounds[i].Contains(p) && planar.MultiPolygonContains(b.areas[i].Geometry, p) {
			return i
		}
	}
	return -1
}

// bruteLocate is brute.locate for a one-off query.
func bruteLocate(areas []Area, p orb.Point) int { return newBrute(areas).locate(p) }

// randomIn returns a point uniform in b.
func randomIn(rng *rand.Rand, b orb.Bound) orb.Point {
	return orb.Point{
		b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]),
		b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]),
	}
}

func TestLocateMatchesBruteForce(t *testing.T) {
	layers := []struct {
		name  string
		files []string
		min   int // fewest areas the files should hold
	}{
		{"stockton wards 2023", []string{stocktonWardsFile}, 20},
		{"tees valley lsoa 2011", lsoaFiles, 300},
		{"tees valley wards 2013", wards2013Files, 70},
	}
	n := 200000
	if testing.Short() {
		n = 20000
	}
	for _, ly := range layers {
		t.Run(ly.name, func(t *testing.T) {
			areas := bundledAreas(t, ly.files...)
			if len(areas) < ly.min {
				t.Fatalf("%d areas, want at least %d", len(areas), ly.min)
			}
			l := mustLayer(t, ly.name, areas)
			ref := newBrute(areas)
			if got := l.Bound(); got != areasBound(areas) {
				t.Errorf("Bound() = %v, want the union of the area bounds %v", got, areasBound(areas))
			}
			for i, a := range areas {
				if got := l.Index(a.Code); got != i {
					t.Errorf("Index(%q) = %d, want %d", a.Code, got, i)
				}
			}

			t.Run("random points", func(t *testing.T) {
				rng := rand.New(rand.NewPCG(11, 12))
				// A margin round the bounds exercises the outside test too.
				b := l.Bound().Pad(0.01)
				located, bad := 0, 0
				for range n {
					p := randomIn(rng, b)
					want := ref.locate(p)
					if got := l.Locate(p); got != want {
						bad++
						if bad <= 10 {
							t.Errorf("Locate(%v) = %s, brute force %s", p, areaLabel(areas, got), areaLabel(areas, want))
						}
					}
					if want >= 0 {
						located++
					}
				}
				if bad > 0 {
					t.Errorf("%d of %d random points disagree with the brute-force scan", bad, n)
				}
				// Guard against a vacuous pass: most of the bounds are covered.
				if located < n/4 {
					t.Errorf("only %d of %d random points fell in an area", located, n)
				}
			})

			t.Run("vertices", func(t *testing.T) {
				// Every vertex is on a boundary, most of them on a boundary
				// shared by two or more areas: the first area in order must
				// win, exactly as the brute-force scan says.
				checked, bad := 0, 0
				for ai, a := range areas {
					for _, poly := range a.Geometry {
						for _, ring := range poly {
							for _, p := range ring {
								want := ref.locate(p)
								got := l.Locate(p)
								checked++
								if want < 0 || want > ai {
									t.Fatalf("brute force puts vertex %v of %s in %s: the reference is broken", p, a.Code, areaLabel(areas, want))
								}
								if got != want {
									bad++
									if bad <= 10 {
										t.Errorf("vertex %v of %s: Locate = %s, brute force %s", p, a.Code, areaLabel(areas, got), areaLabel(areas, want))
									}
								}
							}
						}
					}
				}
				if bad > 0 {
					t.Errorf("%d of %d vertices disagree with the brute-force scan", bad, checked)
				}
			})

			t.Run("edge midpoints", func(t *testing.T) {
				// Points on (or, after rounding, a hair off) an edge, away
				// from any vertex.
				checked, bad := 0, 0
				for _, a := range areas {
					for _, poly := range a.Geometry {
						for _, ring := range poly {
							for i := 0; i+1 < len(ring); i++ {
								p := orb.Point{(ring[i][0] + ring[i+1][0]) / 2, (ring[i][1] + ring[i+1][1]) / 2}
								checked++
								if got, want := l.Locate(p), ref.locate(p); got != want {
									bad++
									if bad <= 10 {
										t.Errorf("midpoint %v of an edge of %s: Locate = %s, brute force %s", p, a.Code, areaLabel(areas, got), areaLabel(areas, want))
									}
								}
							}
						}
					}
				}
				if bad > 0 {
					t.Errorf("%d of %d edge midpoints disagree with the brute-force scan", bad, checked)
				}
			})

			t.Run("lattice", func(t *testing.T) {
				// Regular lattices over the bounds, edges included: their
				// points fall exactly on the dividing lines of any grid
				// index that splits the bounds into a divisor of m parts.
				b := l.Bound()
				w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
				// The index's own bucket lines (side nx) and the lines
				// half-way between them are always among them.
				ms := []int{64, 84, 304, l.nx, 2 * l.nx}
				if testing.Short() {
					ms = []int{l.nx, 2 * l.nx}
				}
				checked, bad := 0, 0
				for _, m := range ms {
					for i := 0; i <= m; i++ {
						for j := 0; j <= m; j++ {
							p := orb.Point{b.Min[0] + float64(i)*w/float64(m), b.Min[1] + float64(j)*h/float64(m)}
							checked++
							if got, want := l.Locate(p), ref.locate(p); got != want {
								bad++
								if bad <= 10 {
									t.Errorf("lattice point %v: Locate = %s, brute force %s", p, areaLabel(areas, got), areaLabel(areas, want))
								}
							}
						}
					}
				}
				if bad > 0 {
					t.Errorf("%d of %d lattice points disagree with the brute-force scan", bad, checked)
				}
			})

			t.Run("outside", func(t *testing.T) {
				b := l.Bound()
				for _, p := range []orb.Point{
					{b.Min[0] - 0.1, b.Min[1]},
					{b.Max[0] + 0.1, b.Max[1] + 0.1},
					{0, 0},
					{-1.3, -54.5},
				} {
					if got := l.Locate(p); got != -1 {
						t.Errorf("Locate(%v) = %s, want -1 (outside every area)", p, areaLabel(areas, got))
					}
				}
			})
		})
	}
}

func areasBound(areas []Area) orb.Bound {
	b := areas[0].Geometry.Bound()
	for _, a := range areas[1:] {
		b = b.Union(a.Geometry.Bound())
	}
	return b
}

func areaLabel(areas []Area, i int) string {
	if i < 0 || i >= len(areas) {
		return fmt.Sprint(i)
	}
	return fmt.Sprintf("%d (%s %s)", i, areas[i].Code, areas[i].Name)
}

// square is a closed counter-clockwise ring of the box [x0,x1] x [y0,y1].
func square(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func squareArea(code string, x0, y0, x1, y1 float64) Area {
	g := orb.MultiPolygon{{square(x0, y0, x1, y1)}}
	return Area{Code: code, Name: code, Geometry: g, Bound: g.Bound()}
}

func TestNewLayerRefuses(t *testing.T) {
	tests := []struct {
		name  string
		areas []Area
		subs  []string
	}{
		{"no areas", nil, []string{`layer "test"`, "no areas"}},
		{"empty slice", []Area{}, []string{"no areas"}},
		{
			"duplicate codes",
			[]Area{
				squareArea("A", 0, 50, 1, 51),
				squareArea("B", 1, 50, 2, 51),
				squareArea("A", 2, 50, 3, 51),
			},
			[]string{`layer "test"`, `area code "A" appears twice`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := NewLayer("test", tt.areas)
			if err == nil {
				t.Fatalf("NewLayer = %v, want an error", l)
			}
			if l != nil {
				t.Errorf("NewLayer returned a layer with the error")
			}
			for _, s := range tt.subs {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestLocateSmallLayers(t *testing.T) {
	const nanBug = "BUG: index.go Locate assigns a NaN coordinate to an area: orb.Bound.Contains is written with " +
		"negated comparisons, so NaN passes l.bound.Contains, int(NaN) clamps to bucket 0, and " +
		"planar.MultiPolygonContains (same Bound test) says true; Locate should return -1 unless ValidLonLat(p)"

	// Overlapping areas: the first in layer order wins. A zero Bound is
	// filled in by NewLayer.
	overlap := []Area{
		squareArea("big", 0, 50, 4, 54),
		squareArea("small", 1, 51, 2, 52),
		{Code: "nobound", Geometry: orb.MultiPolygon{{square(10, 50, 11, 51)}}},
	}
	tests := []struct {
		name  string
		areas []Area
		p     orb.Point
		want  int
		bug   string // non-empty: known bug, skipped
	}{
		{"inside the first of two overlapping", overlap, orb.Point{1.5, 51.5}, 0, ""},
		{"inside the first only", overlap, orb.Point{3, 53}, 0, ""},
		{"area with a zero Bound", overlap, orb.Point{10.5, 50.5}, 2, ""},
		{"between areas", overlap, orb.Point{7, 52}, -1, ""},
		{"corner of the layer", overlap, orb.Point{0, 50}, 0, ""},
		{"far corner of the layer", overlap, orb.Point{11, 51}, 2, ""},
		{"NaN longitude", overlap, orb.Point{math.NaN(), 50}, -1, nanBug},
		{"NaN latitude", overlap, orb.Point{0, math.NaN()}, -1, ""},
		{"NaN both", overlap, orb.Point{math.NaN(), math.NaN()}, -1, ""},
		{"infinite longitude", overlap, orb.Point{math.Inf(1), 50}, -1, ""},
		{"single area, inside", []Area{squareArea("one", 0, 0, 1, 1)}, orb.Point{0.5, 0.5}, 0, ""},
		{"single area, on its edge", []Area{squareArea("one", 0, 0, 1, 1)}, orb.Point{1, 0.5}, 0, ""},
		{"single area, outside", []Area{squareArea("one", 0, 0, 1, 1)}, orb.Point{1.5, 0.5}, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = tt.bug // fixed; the text records what the bug was
			areas := append([]Area(nil), tt.areas...)
			l := mustLayer(t, "small", areas)
			if got := l.Locate(tt.p); got != tt.want {
				t.Errorf("Locate(%v) = %d, want %d", tt.p, got, tt.want)
			}
			if ValidLonLat(tt.p) {
				if want := bruteLocate(areas, tt.p); tt.want != want {
					t.Errorf("test case disagrees with brute force: %d", want)
				}
			}
		})
	}
	if got := mustLayer(t, "small", append([]Area(nil), overlap...)).Index("missing"); got != -1 {
		t.Errorf("Index(missing) = %d, want -1", got)
	}
}

var sinkInt int

func BenchmarkLocate(b *testing.B) {
	areas := bundledAreas(b, stocktonWardsFile)
	l := mustLayer(b, "stockton wards", areas)
	rng := rand.New(rand.NewPCG(13, 14))
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = randomIn(rng, l.Bound())
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sinkInt = l.Locate(pts[i%len(pts)])
	}
}

func BenchmarkLocateLSOA(b *testing.B) {
	areas := bundledAreas(b, lsoaFiles...)
	l := mustLayer(b, "lsoa", areas)
	rng := rand.New(rand.NewPCG(15, 16))
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = randomIn(rng, l.Bound())
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sinkInt = l.Locate(pts[i%len(pts)])
	}
}

func BenchmarkNewLayerLSOA(b *testing.B) {
	areas := bundledAreas(b, lsoaFiles...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewLayer("lsoa", areas); err != nil {
			b.Fatal(err)
		}
	}
}
