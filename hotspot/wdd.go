package hotspot

import (
	"errors"
	"fmt"
	"math"
)

// ErrWDDInput is wrapped by the evaluation functions when their input cannot give an answer:
// a negative or non-finite count, a weight that is not positive, an alpha outside (0, 1), a
// zero control count in a quotient.
var ErrWDDInput = errors.New("hotspot: evaluation input")

// DesignCounts are the eight counts of a place-based evaluation: crimes (or harm) before (0)
// and after (1) an operation in the target areas T, a control C like T that got no operation, a
// displacement buffer D around T, and a control Cd for D (which may be C itself). A design with
// no buffer leaves D and Cd at zero.
type DesignCounts struct {
	T0, T1, C0, C1, D0, D1, Cd0, Cd1 float64
}

// DesignWeights scale the counts of a WDD test: each count X becomes X / (t * a) and its
// variance term X / (t * a)^2, with t the length of its period (Before, After, in any one unit:
// months, days) and a the size of its area (T, C, D, Cd, in any one unit). A zero field means 1,
// so the zero value is the unweighted test.
type DesignWeights struct {
	Before, After float64
	T, C, D, Cd   float64
}

// WDDResult is a weighted displacement difference test (Wheeler & Ratcliffe 2018). Negative
// figures are fewer crimes than the control predicts: a reduction.
type WDDResult struct {
	// Local is (T1 - T0) - (C1 - C0), weighted: the change in the target beyond the control's.
	Local float64 `json:"local"`
	// Displacement is (D1 - D0) - (Cd1 - Cd0), weighted: positive when crime moved to the buffer.
	Displacement float64 `json:"displacement"`
	// WDD is Local + Displacement.
	WDD float64 `json:"wdd"`
	// Var is the Poisson variance of WDD, the sum of the eight weighted counts; SE its root.
	Var float64 `json:"var"`
	SE  float64 `json:"se"`
	// Z is WDD / SE and P its two-sided p value; with SE 0 (every count zero) Z is 0 and P 1.
	Z float64 `json:"z"`
	P float64 `json:"p"`
	// Low and High bound the (1 - Alpha) confidence interval WDD +/- q(1 - Alpha/2) * SE.
	Low   float64 `json:"ci_low"`
	High  float64 `json:"ci_high"`
	Alpha float64 `json:"alpha"`
}

// WDD runs the weighted displacement difference test on the eight counts c with weights w
// (the zero value: unweighted) at level alpha (0.05 for a 95 % interval):
//
//	WDD = [(T1 - T0) - (C1 - C0)] + [(D1 - D0) - (Cd1 - Cd0)]
//	Var = T0 + T1 + C0 + C1 + D0 + D1 + Cd0 + Cd1
//
// each count X replaced by X / (t a) and its variance term by X / (t a)^2 when weighted. It is
// the test of R ptools' wdd. Counts must be finite and not negative, weights positive (or zero
// for 1), alpha in (0, 1); otherwise the error wraps ErrWDDInput.
func WDD(c DesignCounts, w DesignWeights, alpha float64) (WDDResult, error) {
	if err := checkAlpha(alpha); err != nil {
		return WDDResult{}, err
	}
	for _, x := range []float64{c.T0, c.T1, c.C0, c.C1, c.D0, c.D1, c.Cd0, c.Cd1} {
		if !(x >= 0) || math.IsInf(x, 0) {
			return WDDResult{}, fmt.Errorf("%w: count %v is not a number of crimes", ErrWDDInput, x)
		}
	}
	before, after := one(w.Before), one(w.After)
	var areas [4]float64
	for i, a := range []float64{w.T, w.C, w.D, w.Cd} {
		areas[i] = one(a)
	}
	for _, x := range []float64{before, after, areas[0], areas[1], areas[2], areas[3]} {
		if !(x > 0) || math.IsInf(x, 0) {
			return WDDResult{}, fmt.Errorf("%w: weight %v must be a positive number", ErrWDDInput, x)
		}
	}
	var r WDDResult
	term := func(x, t, a float64) float64 {
		r.Var += x / (t * a * t * a)
		return x / (t * a)
	}
	r.Local = (term(c.T1, after, areas[0]) - term(c.T0, before, areas[0])) -
		(term(c.C1, after, areas[1]) - term(c.C0, before, areas[1]))
	r.Displacement = (term(c.D1, after, areas[2]) - term(c.D0, before, areas[2])) -
		(term(c.Cd1, after, areas[3]) - term(c.Cd0, before, areas[3]))
	r.WDD = r.Local + r.Displacement
	r.finish(alpha)
	return r, nil
}

// HarmPart is one crime type of a harm-weighted WDD: its weight (CCHI days, a cost), its
// eight counts and the design weights of its WDD (the zero value: unweighted).
type HarmPart struct {
	Weight  float64
	Counts  DesignCounts
	Weights DesignWeights
}

// WDDHarm is the harm-weighted WDD test (R ptools' wdd_harm): each part i gets its own WDD_i
// with variance Var_i (with its own design weights, as in WDD), and the total is sum Weight_i * WDD_i with
// variance sum Weight_i^2 * Var_i; Local and Displacement are summed the same way. Weights
// must be finite and not negative.
func WDDHarm(parts []HarmPart, alpha float64) (WDDResult, error) {
	if err := checkAlpha(alpha); err != nil {
		return WDDResult{}, err
	}
	var r WDDResult
	for _, p := range parts {
		if !(p.Weight >= 0) || math.IsInf(p.Weight, 0) {
			return WDDResult{}, fmt.Errorf("%w: harm weight %v must be a number, 0 or more", ErrWDDInput, p.Weight)
		}
		one, err := WDD(p.Counts, p.Weights, alpha)
		if err != nil {
			return WDDResult{}, err
		}
		r.Local += p.Weight * one.Local
		r.Displacement += p.Weight * one.Displacement
		r.Var += p.Weight * p.Weight * one.Var
	}
	r.WDD = r.Local + r.Displacement
	r.finish(alpha)
	return r, nil
}

// finish fills SE, Z, P and the interval from WDD and Var.
func (r *WDDResult) finish(alpha float64) {
	r.Alpha = alpha
	r.SE = math.Sqrt(r.Var)
	r.P = 1
	if r.SE > 0 {
		r.Z = r.WDD / r.SE
		r.P = PValue(r.Z)
	}
	q := NormalQuantile(1 - alpha/2)
	r.Low, r.High = r.WDD-q*r.SE, r.WDD+q*r.SE
}

// NormalQuantile returns the standard normal quantile of p in (0, 1): the z with P(Z <= z) = p
// (1.959964 for 0.975). It is sqrt(2) * erfinv(2p - 1).
func NormalQuantile(p float64) float64 {
	return math.Sqrt2 * math.Erfinv(2*p-1)
}

// SmallCounts reports whether any count of the design that is in use is under min (about 10,
// where the normal approximation of the WDD test grows poor). D and Cd are in use when either
// is not zero.
func (c DesignCounts) SmallCounts(min float64) bool {
	xs := []float64{c.T0, c.T1, c.C0, c.C1}
	if c.D0 != 0 || c.D1 != 0 || c.Cd0 != 0 || c.Cd1 != 0 {
		xs = append(xs, c.D0, c.D1, c.Cd0, c.Cd1)
	}
	for _, x := range xs {
		if x < min {
			return true
		}
	}
	return false
}

func one(x float64) float64 {
	if x == 0 {
		return 1
	}
	return x
}

func checkAlpha(alpha float64) error {
	if !(alpha > 0 && alpha < 1) {
		return fmt.Errorf("%w: alpha %v must lie between 0 and 1 (0.05 for 95%% confidence)", ErrWDDInput, alpha)
	}
	return nil
}

// WDQReading is what a weighted displacement quotient says (Bowers & Johnson 2003).
type WDQReading int

// The readings of a WDQ. NotRead is the zero value: the target did no better than its control
// (SM >= 0), so the quotient says nothing about displacement.
const (
	NotRead WDQReading = iota
	DiffusionLarger
	SomeDiffusion
	NoDisplacement
	SomeDisplacement
	DisplacementLarger
)

var wdqReadings = [...]string{
	NotRead:            "not read: the target did no better than the control",
	DiffusionLarger:    "diffusion of benefits larger than the direct effect",
	SomeDiffusion:      "some diffusion of benefits",
	NoDisplacement:     "no displacement or diffusion",
	SomeDisplacement:   "some displacement, less than the direct effect",
	DisplacementLarger: "displacement larger than the direct effect",
}

// String returns the reading in plain words.
func (r WDQReading) String() string {
	if r >= 0 && int(r) < len(wdqReadings) {
		return wdqReadings[r]
	}
	return fmt.Sprintf("WDQReading(%d)", int(r))
}

// WDQResult is a weighted displacement quotient with its parts.
type WDQResult struct {
	// SM, the success measure Ra/Ca - Rb/Cb: negative when the target did better than control.
	SM float64 `json:"success_measure"`
	// BD, the buffer displacement Ba/Ca - Bb/Cb.
	BD float64 `json:"buffer_displacement"`
	// WDQ is BD / SM; 0 when SM is 0 (and then not read).
	WDQ float64 `json:"wdq"`
	// TNE, the total net effect (Rb Ca/Cb - Ra) + (Bb Ca/Cb - Ba): crimes prevented, net of
	// displacement (negative: more crime than the control predicts).
	TNE     float64    `json:"total_net_effect"`
	Reading WDQReading `json:"-"`
}

// WDQ computes the weighted displacement quotient from the target (response) area R, the
// buffer B and the control C, after (a) and before (b). Read (Reading) only when SM < 0:
//
//	WDQ > 1        diffusion of benefits larger than the direct effect
//	0 < WDQ <= 1   some diffusion of benefits
//	WDQ = 0        no displacement or diffusion
//	-1 <= WDQ < 0  some displacement, less than the direct effect
//	WDQ < -1       displacement larger than the direct effect
//
// The control counts must be above zero (they divide); every count finite and not negative.
func WDQ(ra, rb, ba, bb, ca, cb float64) (WDQResult, error) {
	for _, x := range []float64{ra, rb, ba, bb, ca, cb} {
		if !(x >= 0) || math.IsInf(x, 0) {
			return WDQResult{}, fmt.Errorf("%w: count %v is not a number of crimes", ErrWDDInput, x)
		}
	}
	if ca == 0 || cb == 0 {
		return WDQResult{}, fmt.Errorf("%w: the control area had no crimes in one period, so the quotient cannot be formed; choose a larger control", ErrWDDInput)
	}
	r := WDQResult{
		SM:  ra/ca - rb/cb,
		BD:  ba/ca - bb/cb,
		TNE: (rb*ca/cb - ra) + (bb*ca/cb - ba),
	}
	if r.SM >= 0 {
		return r, nil
	}
	r.WDQ = r.BD / r.SM
	switch {
	case r.WDQ > 1:
		r.Reading = DiffusionLarger
	case r.WDQ > 0:
		r.Reading = SomeDiffusion
	case r.WDQ == 0:
		r.Reading = NoDisplacement
	case r.WDQ >= -1:
		r.Reading = SomeDisplacement
	default:
		r.Reading = DisplacementLarger
	}
	return r, nil
}
