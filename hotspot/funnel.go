package hotspot

import (
	"errors"
	"fmt"
	"math"
)

// Funnel plots compare areas' rates with the group's rate and the range
// chance alone would give an area of that size (Spiegelhalter 2005,
// "Funnel plots for comparing institutional performance", Statistics in
// Medicine 24:1185). It is the "red and green lines [that] show how far the
// rate would normally vary from the average" of the partnership's strategy
// papers (the Home Office iQuanta view).

// Z998 is the z value of the 99.8% funnel limits (about 1 area in 500 falls
// outside by chance; two-sided p 0.002). The 95% limits use Z95 (1 in 20).
const Z998 = 3.090232306168

// Reading says where an area's rate lies against its funnel limits.
type Reading string

// The readings, from highest to lowest. An area exactly on a limit is
// within it.
const (
	AboveHigh Reading = "above 99.8%" // higher than normal for the group
	Above95   Reading = "above 95%"   // high, worth watching
	Within    Reading = "within"      // normal for the group
	Below95   Reading = "below 95%"   // low, worth watching
	BelowHigh Reading = "below 99.8%" // lower than normal for the group
)

// Words is the reading in plain words for a page.
func (r Reading) Words() string {
	switch r {
	case AboveHigh:
		return "higher than normal for the group"
	case Above95:
		return "high, but within the normal range at 99.8%"
	case Below95:
		return "low, but within the normal range at 99.8%"
	case BelowHigh:
		return "lower than normal for the group"
	}
	return "normal for the group"
}

// FunnelArea is one area's count of events and its population.
type FunnelArea struct {
	Count      float64
	Population float64 // residents; must be > 0
}

// FunnelPoint is one area on a funnel plot. Rates and limits are per 1,000
// residents over the whole period counted (not annualised).
type FunnelPoint struct {
	Count      float64 `json:"count"`
	Population float64 `json:"population"`
	Rate       float64 `json:"rate_per_1000"`
	// Expected is the count the area would have at the group's rate.
	Expected float64 `json:"expected"`
	// Lower95..Upper998 are the control limits for the area's rate.
	Lower95  float64 `json:"lower95"`
	Upper95  float64 `json:"upper95"`
	Lower998 float64 `json:"lower998"`
	Upper998 float64 `json:"upper998"`
	Reading  Reading `json:"reading"`
}

// Funnel is a funnel plot of a group of areas.
type Funnel struct {
	// GroupRate is the sum of the counts over the sum of the populations,
	// per 1,000 residents: the plot's centre line.
	GroupRate float64 `json:"group_rate_per_1000"`
	// Points are the areas in the order given.
	Points []FunnelPoint `json:"points"`
}

// ErrFunnel marks input a funnel plot cannot be drawn from.
var ErrFunnel = errors.New("hotspot: no funnel plot")

// ExactBelow is the expected count below which funnel limits are exact
// Poisson limits; at and above it the normal approximation is used (the two
// then differ by under 1%).
const ExactBelow = 100

// NewFunnel compares each area's rate with the group rate theta = sum of
// counts / sum of populations. The expected count is E = theta x N. The
// limits on the rate are, for E >= ExactBelow, 1000 x (E +/- z x sqrt(E)) /
// N, the normal approximation to the Poisson; for a smaller E, where that
// approximation is poor (a ward's robberies), the exact Poisson limits with
// Spiegelhalter's interpolation (see PoissonLimit). Lower limits are
// clipped at 0.
func NewFunnel(areas []FunnelArea) (Funnel, error) {
	if len(areas) == 0 {
		return Funnel{}, fmt.Errorf("%w: no areas to compare", ErrFunnel)
	}
	var sumO, sumN float64
	for i, a := range areas {
		if !(a.Population > 0) || math.IsInf(a.Population, 0) {
			return Funnel{}, fmt.Errorf("%w: area %d has population %v; every area needs one above 0", ErrFunnel, i+1, a.Population)
		}
		if a.Count < 0 || math.IsNaN(a.Count) || math.IsInf(a.Count, 0) {
			return Funnel{}, fmt.Errorf("%w: area %d has count %v", ErrFunnel, i+1, a.Count)
		}
		sumO += a.Count
		sumN += a.Population
	}
	theta := sumO / sumN
	f := Funnel{GroupRate: theta * 1000, Points: make([]FunnelPoint, len(areas))}
	for i, a := range areas {
		p := FunnelPoint{Count: a.Count, Population: a.Population, Rate: a.Count / a.Population * 1000,
			Expected: theta * a.Population}
		p.Lower95, p.Upper95 = FunnelLimits(theta*1000, a.Population, Z95)
		p.Lower998, p.Upper998 = FunnelLimits(theta*1000, a.Population, Z998)
		switch {
		case p.Rate > p.Upper998:
			p.Reading = AboveHigh
		case p.Rate > p.Upper95:
			p.Reading = Above95
		case p.Rate < p.Lower998:
			p.Reading = BelowHigh
		case p.Rate < p.Lower95:
			p.Reading = Below95
		default:
			p.Reading = Within
		}
		f.Points[i] = p
	}
	return f, nil
}

// FunnelLimits returns the lower and upper control limits, per 1,000, for
// an area of population n when the group rate is rate per 1,000 and z is
// the limit's z value (Z95, Z998). The lower limit is clipped at 0. It
// draws the funnel's curves as well as placing each area.
func FunnelLimits(rate, n, z float64) (lo, hi float64) {
	e := rate / 1000 * n
	if e < ExactBelow {
		p := 0.5 * math.Erfc(z/math.Sqrt2) // the one-sided tail beyond z
		return math.Max(0, PoissonLimit(e, p)/n*1000), PoissonLimit(e, 1-p) / n * 1000
	}
	half := z * math.Sqrt(e)
	return math.Max(0, (e-half)/n*1000), (e + half) / n * 1000
}

// PoissonLimit is the p-quantile of a Poisson count with mean e (e below
// about 700), made continuous by Spiegelhalter's (2005) interpolation: with
// r the smallest count whose cumulative probability F(r) reaches p, the
// limit is r - (F(r) - p) / (F(r) - F(r-1)). It may be below 0 for a small
// e and a low p.
func PoissonLimit(e, p float64) float64 {
	pmf := math.Exp(-e)
	prev, cdf := 0.0, pmf
	r := 0
	for cdf < p && r < 100000 {
		r++
		pmf *= e / float64(r)
		prev, cdf = cdf, cdf+pmf
	}
	return float64(r) - (cdf-p)/(cdf-prev)
}
