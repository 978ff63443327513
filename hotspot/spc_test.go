package hotspot

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// violenceSeries reads Cleveland's monthly "Violence and sexual offences"
// counts, 2023-01..2025-11, from the reference counts in testdata/strategy.
func violenceSeries(tb testing.TB) []float64 {
	tb.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "reference", "cleveland_monthly_counts_by_type.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []float64
	for _, r := range recs[1:] { // in month order
		if r[1] == "Violence and sexual offences" {
			v, err := strconv.ParseFloat(r[2], 64)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, v)
		}
	}
	if len(out) != 35 {
		tb.Fatalf("%d months of violence, want 35", len(out))
	}
	return out
}

// TestXmRViolenceVector reproduces the XmR vector of strategy.md: baseline
// 2023-01..2024-12, the three points outside and the two shifts over
// 2023-01..2025-11 (index 0 is 2023-01).
func TestXmRViolenceVector(t *testing.T) {
	series := violenceSeries(t)
	x, err := NewXmR(series[:24])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want float64
	}{{"mean", x.Mean, 2563.8333}, {"mean moving range", x.MeanMovingRange, 145.6087},
		{"upper", x.Upper, 2951.1525}, {"lower", x.Lower, 2176.5142}} {
		if math.Abs(c.got-c.want) > 5e-5 {
			t.Errorf("%s = %.5f, want %.4f", c.what, c.got, c.want)
		}
	}
	var outside, shifts []Signal
	for _, s := range x.Signals(series) {
		switch s.Kind {
		case Outside:
			outside = append(outside, s)
		case Shift:
			shifts = append(shifts, s)
		}
	}
	// 2023-05 (3,054, above), 2024-12 (2,170), 2025-02 (2,044), below
	if want := []Signal{{Outside, Up, 4, 4}, {Outside, Down, 23, 23}, {Outside, Down, 25, 25}}; !reflect.DeepEqual(outside, want) {
		t.Errorf("outside %+v, want %+v", outside, want)
	}
	// 2023-01..2023-10 above; 2024-09..2025-06 below
	if want := []Signal{{Shift, Up, 0, 9}, {Shift, Down, 20, 29}}; !reflect.DeepEqual(shifts, want) {
		t.Errorf("shifts %+v, want %+v", shifts, want)
	}
}

// TestXmRRules checks each rule on short hand-made series around a chart of
// mean 10 and limits 4..16 (so two thirds of the way is 6 and 14).
func TestXmRRules(t *testing.T) {
	x := XmR{Mean: 10, MeanMovingRange: 6 / 2.66, Upper: 16, Lower: 4}
	for _, c := range []struct {
		name   string
		series []float64
		want   []Signal
	}{
		{"quiet", []float64{9, 11, 9, 11, 9, 11, 9}, nil},
		{"on a limit is inside", []float64{16, 4, 10}, nil},
		{"outside", []float64{10, 17, 10, 3}, []Signal{{Outside, Up, 1, 1}, {Outside, Down, 3, 3}}},
		{"six above is no shift", []float64{11, 11, 11, 11, 11, 11, 9}, nil},
		{"seven above", []float64{9, 11, 11, 11, 11, 11, 11, 11}, []Signal{{Shift, Up, 1, 7}}},
		{"the mean breaks a run", []float64{11, 11, 11, 10, 11, 11, 11, 11}, nil},
		{"six rising", []float64{12, 9, 9.5, 10, 10.5, 11, 11.5, 11}, []Signal{{Trend, Up, 1, 6}}},
		{"five rising is no trend", []float64{9, 9.5, 10, 10.5, 11, 10}, nil},
		{"an equal point breaks a trend", []float64{7, 8, 9, 9, 10, 11, 12}, nil},
		{"six falling", []float64{11, 10.5, 10, 9.5, 9, 8.5}, []Signal{{Trend, Down, 0, 5}}},
		{"two of three high", []float64{10, 15, 10, 15, 10, 10, 10}, []Signal{{TwoOfThree, Up, 1, 3}}},
		{"one of three is not", []float64{10, 15, 10, 10, 15, 10}, nil},
		{"two of three low, outside counts", []float64{10, 5, 3, 10}, []Signal{{Outside, Down, 2, 2}, {TwoOfThree, Down, 1, 2}}},
		{"sides do not mix", []float64{15, 5, 10, 10, 15, 10, 5}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := x.Signals(c.series); !reflect.DeepEqual(got, c.want) {
				t.Errorf("signals %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestXmRNeedsTwoPoints(t *testing.T) {
	if _, err := NewXmR([]float64{3}); err == nil {
		t.Error("a one-point baseline gave no error")
	}
	if _, err := NewXmR([]float64{3, math.NaN()}); err == nil {
		t.Error("a NaN in the baseline gave no error")
	}
}

func BenchmarkXmRSignals(b *testing.B) {
	series := violenceSeries(b)
	b.ReportAllocs()
	for b.Loop() {
		x, err := NewXmR(series[:24])
		if err != nil {
			b.Fatal(err)
		}
		_ = x.Signals(series)
	}
}

// The rules at their edges, on a chart worked by hand: mean 10, moving range
// 1 (limits 7.34 and 12.66; two thirds of the way to them 8.2267 and
// 11.7733). A point on a limit is not outside it; 7 points on one side are
// a shift and 6 are not; 6 points each above the one before are a trend and
// 5 are not; two of three beyond two thirds is a signal, one is not.
func TestXmRRuleEdges(t *testing.T) {
	x := XmR{Mean: 10, MeanMovingRange: 1, Upper: 12.66, Lower: 7.34}
	kinds := func(series []float64) map[SignalKind][]Signal {
		m := map[SignalKind][]Signal{}
		for _, s := range x.Signals(series) {
			m[s.Kind] = append(m[s.Kind], s)
		}
		return m
	}
	flat := func(n int) []float64 { // around the mean, no run, no steps
		s := make([]float64, n)
		for i := range s {
			s[i] = 10
		}
		return s
	}
	cases := []struct {
		name   string
		series []float64
		kind   SignalKind
		want   []Signal
	}{
		{"on the upper limit", append(flat(3), 12.66, 10), Outside, nil},
		{"over the upper limit", append(flat(3), 12.67, 10), Outside, []Signal{{Outside, Up, 3, 3}}},
		{"on the lower limit", append(flat(3), 7.34, 10), Outside, nil},
		{"under the lower limit", append(flat(3), 7.33, 10), Outside, []Signal{{Outside, Down, 3, 3}}},
		{"7 above the mean", []float64{10, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10}, Shift, []Signal{{Shift, Up, 1, 7}}},
		{"6 above the mean", []float64{10, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10}, Shift, nil},
		{"7 below the mean", []float64{9.5, 9.5, 9.5, 9.5, 9.5, 9.5, 9.5}, Shift, []Signal{{Shift, Down, 0, 6}}},
		{"6 rising", []float64{10, 9.1, 9.2, 9.3, 9.4, 9.5, 9.6, 9.6}, Trend, []Signal{{Trend, Up, 1, 6}}},
		{"5 rising", []float64{10, 9.1, 9.2, 9.3, 9.4, 9.5, 9.5}, Trend, nil},
		{"6 falling", []float64{10, 10.6, 10.5, 10.4, 10.3, 10.2, 10.1, 10.1}, Trend, []Signal{{Trend, Down, 1, 6}}},
		{"two of three beyond two thirds", []float64{10, 11.8, 10, 11.8, 10, 10}, TwoOfThree, []Signal{{TwoOfThree, Up, 1, 3}}},
		{"one of three", []float64{10, 11.8, 10, 10, 11.8, 10}, TwoOfThree, nil},
		{"two on the two-thirds line", []float64{10, 11.77, 11.77, 10}, TwoOfThree, nil},
		{"two of three below", []float64{10, 8.2, 8.2, 10}, TwoOfThree, []Signal{{TwoOfThree, Down, 1, 2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := kinds(c.series)[c.kind]
			if len(got) != len(c.want) {
				t.Fatalf("%s signals %v, want %v (all: %v)", c.kind, got, c.want, x.Signals(c.series))
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("signal %d: %+v, want %+v", i, got[i], c.want[i])
				}
			}
		})
	}
}
