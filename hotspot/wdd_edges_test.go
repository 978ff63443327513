package hotspot

import (
	"errors"
	"math"
	"testing"
)

// alpha must lie strictly between 0 and 1: at 0 the interval would be
// infinite, at 1 empty.
func TestWDDAlphaBounds(t *testing.T) {
	c := DesignCounts{T0: 10, T1: 5, C0: 10, C1: 10}
	for _, alpha := range []float64{0, 1, -0.1, math.NaN()} {
		if _, err := WDD(c, DesignWeights{}, alpha); !errors.Is(err, ErrWDDInput) {
			t.Errorf("WDD at alpha %v: %v, want ErrWDDInput", alpha, err)
		}
		if _, err := WDDHarm([]HarmPart{{Weight: 1, Counts: c}}, alpha); !errors.Is(err, ErrWDDInput) {
			t.Errorf("WDDHarm at alpha %v: %v, want ErrWDDInput", alpha, err)
		}
	}
}

// WDDHarm by hand. Part A, weight 2: local (5 - 10) - (10 - 10) = -5, Var 35.
// Part B, weight 3, the before period twice as long: T0 10/2 = 5, T1 5, C0
// 10/2 = 5, C1 10: local (5 - 5) - (10 - 5) = -5, Var 10/4 + 5 + 10/4 + 10 =
// 20. Part C weighs 0 and adds nothing. Total: 2(-5) + 3(-5) = -25, Var 4 x 35
// + 9 x 20 = 320.
func TestWDDHarmByHand(t *testing.T) {
	r, err := WDDHarm([]HarmPart{
		{Weight: 2, Counts: DesignCounts{T0: 10, T1: 5, C0: 10, C1: 10}},
		{Weight: 3, Counts: DesignCounts{T0: 10, T1: 5, C0: 10, C1: 10}, Weights: DesignWeights{Before: 2}},
		{Weight: 0, Counts: DesignCounts{T0: 100, T1: 300, C0: 50, C1: 10}},
	}, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.WDD+25) > 1e-12 || math.Abs(r.Local+25) > 1e-12 || r.Displacement != 0 || math.Abs(r.Var-320) > 1e-12 {
		t.Errorf("WDD %v local %v displacement %v Var %v, want -25, -25, 0, 320", r.WDD, r.Local, r.Displacement, r.Var)
	}
	if z := -25 / math.Sqrt(320); math.Abs(r.Z-z) > 1e-12 || math.Abs(r.P-math.Erfc(-z/math.Sqrt2)) > 1e-12 {
		t.Errorf("Z %v P %v, want %v and erfc(|z|/sqrt 2)", r.Z, r.P, z)
	}
	for _, w := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := WDDHarm([]HarmPart{{Weight: w, Counts: DesignCounts{T0: 1}}}, 0.05); !errors.Is(err, ErrWDDInput) {
			t.Errorf("harm weight %v: %v, want ErrWDDInput", w, err)
		}
	}
	if _, err := WDDHarm([]HarmPart{{Weight: 1, Counts: DesignCounts{T1: -3}}}, 0.05); !errors.Is(err, ErrWDDInput) {
		t.Errorf("a part with a negative count: %v, want ErrWDDInput", err)
	}
}

// A displacement buffer with its own control and areas, by hand: T 100 ->
// 60, C 200 -> 200 (area 2: 100 -> 100), D 50 -> 70, Cd 80 -> 80. Local =
// (60 - 100) - (100 - 100) = -40; displacement (70 - 50) - (80 - 80) = 20;
// WDD -20; Var = 160 + 400/4 + 120 + 160 = 540.
func TestWDDWithBuffer(t *testing.T) {
	r, err := WDD(DesignCounts{T0: 100, T1: 60, C0: 200, C1: 200, D0: 50, D1: 70, Cd0: 80, Cd1: 80}, DesignWeights{C: 2}, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if r.Local != -40 || r.Displacement != 20 || r.WDD != -20 || math.Abs(r.Var-540) > 1e-12 {
		t.Errorf("%+v, want local -40, displacement 20, WDD -20, Var 540", r)
	}
	q := 1.959963984540054 // the 97.5% normal quantile
	if math.Abs(r.Low-(-20-q*math.Sqrt(540))) > 1e-9 || math.Abs(r.High-(-20+q*math.Sqrt(540))) > 1e-9 || r.Alpha != 0.05 {
		t.Errorf("interval %v..%v at %v, want -20 -/+ 1.96 sqrt(540)", r.Low, r.High, r.Alpha)
	}
	for _, w := range []DesignWeights{{Before: -1}, {After: math.Inf(1)}, {D: -2}, {Cd: math.NaN()}} {
		if _, err := WDD(DesignCounts{T0: 1}, w, 0.05); !errors.Is(err, ErrWDDInput) {
			t.Errorf("weights %+v: %v, want ErrWDDInput", w, err)
		}
	}
	if _, err := WDD(DesignCounts{Cd1: math.Inf(1)}, DesignWeights{}, 0.05); !errors.Is(err, ErrWDDInput) {
		t.Errorf("an infinite count: %v, want ErrWDDInput", err)
	}
}

// A success measure of exactly 0 (the target changed as the control did):
// the quotient is not read, and WDQ stays 0 rather than dividing by 0.
func TestWDQNoSuccess(t *testing.T) {
	r, err := WDQ(50, 50, 60, 50, 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	if r.SM != 0 || r.WDQ != 0 || r.Reading != NotRead || math.Abs(r.BD-0.1) > 1e-12 {
		t.Errorf("%+v, want SM 0, BD 0.1, WDQ 0, not read", r)
	}
	// TNE by hand: (50 x 100/100 - 50) + (50 x 100/100 - 60) = -10
	if math.Abs(r.TNE+10) > 1e-12 {
		t.Errorf("TNE %v, want -10", r.TNE)
	}
	for _, c := range [][6]float64{{-1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 5, 0}, {1, 1, math.NaN(), 1, 1, 1}} {
		if _, err := WDQ(c[0], c[1], c[2], c[3], c[4], c[5]); !errors.Is(err, ErrWDDInput) {
			t.Errorf("WDQ%v: %v, want ErrWDDInput", c, err)
		}
	}
}

func TestWDQReadingWords(t *testing.T) {
	for _, c := range []struct {
		r    WDQReading
		want string
	}{
		{NotRead, "not read: the target did no better than the control"},
		{DisplacementLarger, "displacement larger than the direct effect"},
		{WDQReading(6), "WDQReading(6)"},
		{WDQReading(-1), "WDQReading(-1)"},
	} {
		if got := c.r.String(); got != c.want {
			t.Errorf("WDQReading(%d) = %q, want %q", int(c.r), got, c.want)
		}
	}
}

// SmallCounts reads D and Cd only when one of them is in use; each of the
// four alone puts the buffer in use.
func TestSmallCountsBufferInUse(t *testing.T) {
	base := DesignCounts{T0: 10, T1: 10, C0: 10, C1: 10}
	for i, c := range []DesignCounts{{D0: 12}, {D1: 12}, {Cd0: 12}, {Cd1: 12}} {
		c.T0, c.T1, c.C0, c.C1 = base.T0, base.T1, base.C0, base.C1
		if !c.SmallCounts(10) {
			t.Errorf("buffer count %d alone at 12, the others 0: not flagged", i)
		}
	}
	if base.SmallCounts(10) {
		t.Error("no buffer, every count exactly 10: flagged")
	}
}

// A count of 0 is a count: the target had no crime after. SM = 0/100 -
// 50/100 = -0.5, BD = 50/100 - 50/100 = 0, so WDQ 0: no displacement.
func TestWDQZeroCount(t *testing.T) {
	r, err := WDQ(0, 50, 50, 50, 100, 100)
	if err != nil {
		t.Fatalf("a target with no crime after refused: %v", err)
	}
	if r.SM != -0.5 || r.WDQ != 0 || r.Reading != NoDisplacement {
		t.Errorf("%+v, want SM -0.5, WDQ 0, no displacement", r)
	}
}
