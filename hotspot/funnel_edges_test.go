package hotspot

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// At exactly ExactBelow = 100 expected crimes the normal approximation is
// used: 1 per 1,000 of 100,000 residents, 95% limits 1000 x (100 -/+ 1.96 x
// 10) / 100,000 = 0.80400..1.19600 per 1,000 (the interpolated exact
// Poisson ones would be 0.8037..1.1958: F(80) = 0.02265, F(81) = 0.02907,
// F(119) = 0.97177, F(120) = 0.97733, summed in Python).
func TestFunnelLimitsAtExactBelow(t *testing.T) {
	lo, hi := FunnelLimits(1, 100_000, Z95)
	if math.Abs(lo-(1-Z95*10/100)) > 1e-12 || math.Abs(hi-(1+Z95*10/100)) > 1e-12 {
		t.Errorf("E = 100: limits %.6f..%.6f, want the normal %.6f..%.6f", lo, hi, 1-Z95/10, 1+Z95/10)
	}
}

// An area with no crime whose lower limits are clipped to 0 lies exactly on
// them, and an area on a limit is within it. The second area pins the group
// rate near 1 per 1,000, so the first (1,000 residents) expects about 1:
// both exact lower limits are below 0.
func TestFunnelOnAClippedLimit(t *testing.T) {
	f, err := NewFunnel([]FunnelArea{{0, 1000}, {1e6, 1e9}})
	if err != nil {
		t.Fatal(err)
	}
	p := f.Points[0]
	if p.Lower95 != 0 || p.Lower998 != 0 || p.Rate != 0 || p.Reading != Within {
		t.Errorf("%+v, want limits clipped at 0 and the reading within", p)
	}
	if p.Reading.Words() != "normal for the group" {
		t.Errorf("words %q", p.Reading.Words())
	}
}

func TestFunnelReadingWords(t *testing.T) {
	for r, want := range map[Reading]string{
		AboveHigh: "higher than normal for the group",
		Above95:   "high, but within the normal range at 99.8%",
		Within:    "normal for the group",
		Below95:   "low, but within the normal range at 99.8%",
		BelowHigh: "lower than normal for the group",
	} {
		if got := r.Words(); got != want {
			t.Errorf("%q: %q, want %q", r, got, want)
		}
	}
}

// The errors name the area as a person counts, from 1.
func TestFunnelErrorsNameTheArea(t *testing.T) {
	for _, c := range []struct {
		areas []FunnelArea
		want  string
	}{
		{[]FunnelArea{{1, 10}, {1, 0}}, "area 2 has population 0"},
		{[]FunnelArea{{-2, 10}}, "area 1 has count -2"},
		{[]FunnelArea{{1, 10}, {1, 10}, {math.NaN(), 10}}, "area 3 has count NaN"},
		{[]FunnelArea{{1, math.Inf(1)}}, "area 1 has population +Inf"},
	} {
		if _, err := NewFunnel(c.areas); !errors.Is(err, ErrFunnel) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.areas, err, c.want)
		}
	}
}
