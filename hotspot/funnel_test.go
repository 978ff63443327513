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
	lo, hi := FunnelLimits(1, 1000, Z998) // E = 1: 1 - 3.09 < 0
	if lo != 0 || math.Abs(hi-(1+Z998)) > 1e-12 {
		t.Errorf("limits %v..%v, want 0..%v", lo, hi, 1+Z998)
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
