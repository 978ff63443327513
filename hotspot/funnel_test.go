package hotspot

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// funnelVector is a row of testdata/strategy/funnel_robbery_authorities.csv,
// the robbery vector of the reference strategy.md (computed outside the
// project).
type funnelVector struct {
	name                                                 string
	count, pop, rate, expected, lo95, hi95, lo998, hi998 float64
	reading                                              Reading
}

func readFunnelVector(tb testing.TB) []funnelVector {
	tb.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "strategy", "funnel_robbery_authorities.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []funnelVector
	for _, r := range recs[1:] {
		v := funnelVector{name: r[0], reading: Reading(r[9])}
		for i, dst := range []*float64{&v.count, &v.pop, &v.rate, &v.expected, &v.lo95, &v.hi95, &v.lo998, &v.hi998} {
			if *dst, err = strconv.ParseFloat(r[i+1], 64); err != nil {
				tb.Fatal(err)
			}
		}
		out = append(out, v)
	}
	return out
}

func TestFunnelRobberyVector(t *testing.T) {
	vec := readFunnelVector(t)
	areas := make([]FunnelArea, len(vec))
	for i, v := range vec {
		areas[i] = FunnelArea{Count: v.count, Population: v.pop}
	}
	f, err := NewFunnel(areas)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(f.GroupRate-2.116356) > 5e-7 {
		t.Errorf("group rate %.7f, want 2.116356", f.GroupRate)
	}
	// the vector prints rates and limits to 4 decimals, expected to 3
	for i, v := range vec {
		p := f.Points[i]
		t.Run(v.name, func(t *testing.T) {
			for _, c := range []struct {
				what      string
				got, want float64
				tol       float64
			}{
				{"rate", p.Rate, v.rate, 5e-5}, {"expected", p.Expected, v.expected, 5e-4},
				{"lower 95%", p.Lower95, v.lo95, 5e-5}, {"upper 95%", p.Upper95, v.hi95, 5e-5},
				{"lower 99.8%", p.Lower998, v.lo998, 5e-5}, {"upper 99.8%", p.Upper998, v.hi998, 5e-5},
			} {
				if math.Abs(c.got-c.want) > c.tol {
					t.Errorf("%s = %.5f, want %.4f", c.what, c.got, c.want)
				}
			}
			if p.Reading != v.reading {
				t.Errorf("reading %q, want %q", p.Reading, v.reading)
			}
		})
	}
}

func TestFunnelReadings(t *testing.T) {
	// Two areas of 1,000,000 people each at a group rate of 1 per 1,000:
	// E = 1,000 each, limits 1000 +/- z*sqrt(1000), so the 95% band is
	// 938.0..1062.0 and the 99.8% band 902.3..1097.7 (hand computed).
	for _, c := range []struct {
		name  string
		count float64
		want  Reading
	}{
		{"on the group rate", 1000, Within},
		{"just inside 95%", 1061, Within},
		{"above 95%", 1063, Above95},
		{"above 99.8%", 1098, AboveHigh},
		{"below 95%", 937, Below95},
		{"below 99.8%", 902, BelowHigh},
	} {
		t.Run(c.name, func(t *testing.T) {
			// a huge second area pins the group rate at 1 per 1,000
			f, err := NewFunnel([]FunnelArea{{c.count, 1e6}, {1e9, 1e12}})
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Points[0].Reading; got != c.want {
				t.Errorf("%v: reading %q, want %q (limits %.1f..%.1f, %.1f..%.1f per 1,000)", c.count, got, c.want,
					f.Points[0].Lower95*1e3, f.Points[0].Upper95*1e3, f.Points[0].Lower998*1e3, f.Points[0].Upper998*1e3)
			}
		})
	}
}

func TestFunnelRefuses(t *testing.T) {
	for name, areas := range map[string][]FunnelArea{
		"none":              nil,
		"no population":     {{Count: 3, Population: 0}},
		"negative count":    {{Count: -1, Population: 10}},
		"infinite count":    {{Count: math.Inf(1), Population: 10}},
		"missing residents": {{Count: 1, Population: 10}, {Count: 1, Population: math.NaN()}},
	} {
		if _, err := NewFunnel(areas); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestFunnelLimitsClipAtZero(t *testing.T) {
	// E = 1: the exact lower 99.8% limit is -0.997 (clipped), the upper
	// 4.8676 (mpmath, as in TestPoissonLimit)
	lo, hi := FunnelLimits(1, 1000, Z998)
	if lo != 0 || math.Abs(hi-4.867625595670548) > 1e-9 {
		t.Errorf("limits %v..%v, want 0..4.8676", lo, hi)
	}
	// E = 400 (normal approximation): 400 - 3.09 x 20 > 0, no clipping
	lo, hi = FunnelLimits(1, 400000, Z998)
	if math.Abs(lo-(1-Z998*20/400)) > 1e-12 || math.Abs(hi-(1+Z998*20/400)) > 1e-12 {
		t.Errorf("E=400 limits %v..%v", lo, hi)
	}
}

func BenchmarkFunnel(b *testing.B) {
	areas := make([]FunnelArea, 82) // the Cleveland 2013 wards
	for i := range areas {
		areas[i] = FunnelArea{Count: float64(10 + i%17), Population: float64(5000 + 37*i)}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewFunnel(areas); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPoissonLimit checks the interpolated Poisson quantiles against values
// computed independently with mpmath at 40 digits (Poisson CDF summed term
// by term, then Spiegelhalter's interpolation).
func TestPoissonLimit(t *testing.T) {
	for _, c := range []struct {
		e    float64
		want [4]float64 // p = 0.001, 0.025, 0.975, 0.999
	}{
		{4, [4]float64{-0.9454018499668557, 0.09123843770715151, 7.877845369002781, 10.95595259851669}},
		{25, [4]float64{10.498532507209964, 15.175156532855532, 34.77671719008972, 41.346523474719966}},
		{0.5, [4]float64{-0.9983512787292999, -0.9587819682324968, 1.8600259114609992, 3.475858980900359}},
	} {
		for i, p := range []float64{0.001, 0.025, 0.975, 0.999} {
			if got := PoissonLimit(c.e, p); math.Abs(got-c.want[i]) > 1e-9 {
				t.Errorf("E=%v p=%v: %.12f, want %.12f", c.e, p, got, c.want[i])
			}
		}
	}
	// a small area uses them: E = 4 (4 per 1,000 of 1,000 residents)
	lo, hi := FunnelLimits(4, 1000, Z95)
	if math.Abs(lo-0.09123843770715151) > 1e-6 || math.Abs(hi-7.877845369002781) > 1e-6 {
		t.Errorf("E=4 95%% limits %v..%v, want the exact 0.0912..7.8778", lo, hi)
	}
}

// An area with no crime at all is compared like any other (rate 0, read
// against its limits), not refused.
func TestFunnelAreaWithNoCrime(t *testing.T) {
	f, err := NewFunnel([]FunnelArea{{0, 10_000}, {300, 90_000}})
	if err != nil {
		t.Fatalf("an area with no crime refused: %v", err)
	}
	// group rate 300 / 100,000 residents = 3 per 1,000; the empty area
	// expects 30 and lies below even the 99.8% limit.
	if len(f.Points) != 2 || f.Points[0].Rate != 0 || math.Abs(f.GroupRate-3) > 1e-12 {
		t.Errorf("funnel %+v", f)
	}
}
