package hotspot

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrShortSeries is returned by MannKendallTest for a series of fewer than three values.
var ErrShortSeries = errors.New("hotspot: Mann-Kendall needs at least 3 values")

// MannKendall is the result of a Mann-Kendall trend test on a series in time order.
type MannKendall struct {
	// S is the sum over all pairs i < j of sign(x_j - x_i): positive when later values are
	// mostly higher.
	S float64 `json:"s"`
	// Var is the variance of S under no trend, corrected for ties:
	// [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18 over the sizes t of groups of equal values.
	Var float64 `json:"var"`
	// Z is the continuity-corrected normal score: (S-1)/sqrt(Var) for S > 0, (S+1)/sqrt(Var)
	// for S < 0, 0 for S = 0 or Var = 0 (every value equal).
	Z float64 `json:"z"`
	// P is the two-sided p value of Z (1 when Z = 0).
	P float64 `json:"p"`
	// N is the number of values.
	N int `json:"n"`
}

// MannKendallTest runs the Mann-Kendall test for a monotonic trend on x, taken in time order,
// as esda and ArcGIS Emerging Hot Spot Analysis use it (see MannKendall for the statistics).
// x needs at least three values (else ErrShortSeries), all of them numbers (not NaN). It runs
// in O(n^2), meant for series of months or weeks.
func MannKendallTest(x []float64) (MannKendall, error) {
	n := len(x)
	if n < 3 {
		return MannKendall{}, fmt.Errorf("%w, got %d", ErrShortSeries, n)
	}
	for i, v := range x {
		if math.IsNaN(v) {
			return MannKendall{}, fmt.Errorf("hotspot: Mann-Kendall value %d is NaN", i)
		}
	}
	var s float64
	for i := 0; i < n-1; i++ {
		for j := i + 1; j < n; j++ {
			switch {
			case x[j] > x[i]:
				s++
			case x[j] < x[i]:
				s--
			}
		}
	}

	sorted := slices.Clone(x)
	slices.Sort(sorted)
	nf := float64(n)
	v := nf * (nf - 1) * (2*nf + 5)
	for i := 0; i < n; {
		j := i + 1
		for j < n && sorted[j] == sorted[i] {
			j++
		}
		if t := float64(j - i); t > 1 {
			v -= t * (t - 1) * (2*t + 5)
		}
		i = j
	}
	v /= 18

	m := MannKendall{S: s, Var: v, N: n, P: 1}
	if v > 0 {
		switch {
		case s > 0:
			m.Z = (s - 1) / math.Sqrt(v)
		case s < 0:
			m.Z = (s + 1) / math.Sqrt(v)
		}
		m.P = PValue(m.Z)
	}
	return m, nil
}

// DirectionWord says a trend's direction (Direction's +1, -1 or 0) in the
// words the sheets and exports use: "rising", "falling", "no clear trend".
func DirectionWord(direction int) string {
	switch {
	case direction > 0:
		return "rising"
	case direction < 0:
		return "falling"
	}
	return "no clear trend"
}

// Direction reports the trend at significance level alpha (0.05 for 5 %): +1 for a
// significant increase, -1 for a significant decrease (P < alpha, sign of Z), 0 for none.
func (m MannKendall) Direction(alpha float64) int {
	if !(m.P < alpha) {
		return 0
	}
	switch {
	case m.Z > 0:
		return 1
	case m.Z < 0:
		return -1
	}
	return 0
}
