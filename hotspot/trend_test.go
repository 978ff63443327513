package hotspot

import (
	"errors"
	"math"
	"testing"
)

func TestMannKendallTest(t *testing.T) {
	// Tolerances: Var to 1e-3 (analytics.md prints 3 decimals), Z and P to 1e-6.
	tests := []struct {
		name        string
		x           []float64
		s, v, z, p  float64
		direction05 int
	}{
		// analytics.md vectors.
		{"increasing 5", []float64{1, 2, 3, 4, 5}, 10, 16.667, 2.204541, 0.027486, 1},
		{"decreasing 5", []float64{5, 4, 3, 2, 1}, -10, 16.667, -2.204541, 0.027486, -1},
		{"noisy rise 10", []float64{1, 3, 2, 5, 4, 6, 8, 7, 9, 10}, 39, 125, 3.398823, 0.000677, 1},
		// Ties, by hand. x = 1, 2, 2, 3, 3, 3 (n = 6).
		// S, pair by pair from each i to every later j:
		//   i=1 (1): 2 2 3 3 3 all higher  -> +5
		//   i=2 (2): 2 tie, 3 3 3 higher   -> +3
		//   i=3 (2): 3 3 3 higher          -> +3
		//   i=4 (3), i=5 (3): ties         ->  0
		//   S = 11
		// Var: n(n-1)(2n+5) = 6*5*17 = 510; tie groups t=2 (the 2s): 2*1*9 = 18,
		//   t=3 (the 3s): 3*2*11 = 66; Var = (510 - 18 - 66) / 18 = 426/18 = 23.666667.
		// Z = (S-1)/sqrt(Var) = 10/4.864840 = 2.055566.
		// P = 2 * (1 - Phi(2.055566)) = 0.039824 (normal table / Python statistics.NormalDist).
		{"ties", []float64{1, 2, 2, 3, 3, 3}, 11, 23.666667, 2.055566, 0.039824, 1},
		// Every value tied: Var = (n(n-1)(2n+5) - n(n-1)(2n+5)) / 18 = 0, so Z = 0, P = 1.
		{"all equal", []float64{2, 2, 2, 2}, 0, 0, 0, 1, 0},
		// x = 1, 3, 3, 1: pairs (1,3)+ (1,3)+ (1,1)0 (3,3)0 (3,1)- (3,1)- give S = 0, so
		// Z = 0 and P = 1; two tie groups of 2: Var = (4*3*13 - 18 - 18) / 18 = 6.666667.
		{"flat zigzag", []float64{1, 3, 3, 1}, 0, (4*3*13 - 2*1*9 - 2*1*9) / 18.0, 0, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := MannKendallTest(tt.x)
			if err != nil {
				t.Fatal(err)
			}
			if m.S != tt.s || m.N != len(tt.x) {
				t.Errorf("S = %v, N = %d, want %v, %d", m.S, m.N, tt.s, len(tt.x))
			}
			if math.Abs(m.Var-tt.v) > 1e-3 {
				t.Errorf("Var = %.6f, want %.6f (tolerance 1e-3)", m.Var, tt.v)
			}
			if math.Abs(m.Z-tt.z) > 1e-6 {
				t.Errorf("Z = %.7f, want %.6f (tolerance 1e-6)", m.Z, tt.z)
			}
			if math.Abs(m.P-tt.p) > 1e-6 {
				t.Errorf("P = %.7f, want %.6f (tolerance 1e-6)", m.P, tt.p)
			}
			if got := m.Direction(0.05); got != tt.direction05 {
				t.Errorf("Direction(0.05) = %d, want %d", got, tt.direction05)
			}
		})
	}
}

func TestMannKendallDirectionAlpha(t *testing.T) {
	m, err := MannKendallTest([]float64{1, 2, 3, 4, 5}) // P = 0.027486
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		alpha float64
		want  int
	}{
		{0.10, 1},
		{0.05, 1},
		{0.01, 0},
	}
	for _, tt := range tests {
		if got := m.Direction(tt.alpha); got != tt.want {
			t.Errorf("Direction(%v) = %d, want %d", tt.alpha, got, tt.want)
		}
	}
}

func TestMannKendallErrors(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
	}{
		{"empty", nil},
		{"two", []float64{1, 2}},
		{"NaN", []float64{1, math.NaN(), 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := MannKendallTest(tt.x); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if _, err := MannKendallTest([]float64{1, 2}); !errors.Is(err, ErrShortSeries) {
		t.Errorf("two values: error %v is not ErrShortSeries", err)
	}
}

// Three values are the fewest the test takes: 1, 2, 3 gives S = 3, Var(S) =
// 3·2·11/18 = 11/3, z = (3-1)/sqrt(11/3), worked by hand.
func TestMannKendallThreeValues(t *testing.T) {
	mk, err := MannKendallTest([]float64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if mk.S != 3 || math.Abs(mk.Var-11.0/3) > 1e-12 || math.Abs(mk.Z-2/math.Sqrt(11.0/3)) > 1e-12 || mk.N != 3 {
		t.Errorf("%+v, want S 3, Var 11/3, z %v", mk, 2/math.Sqrt(11.0/3))
	}
}
