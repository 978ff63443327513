package hotspot

import (
	"math"
	"testing"
)

func TestPAICurve(t *testing.T) {
	// The two vectors from R ptools' tests (analytics.md), compared to 1e-6.
	tests := []struct {
		name      string
		obs, pred []float64
		pai, pei  []float64
	}{
		{"ptools 3 cells", []float64{6, 3, 0}, []float64{3, 2, 1},
			[]float64{2, 1.5, 1}, []float64{1, 1, 1}},
		// pred 4 is tied: obs 3 is ranked before obs 7 (ties by obs ascending).
		{"ptools 6 cells, tie", []float64{6, 7, 3, 2, 1, 0}, []float64{8, 4, 4, 2, 1, 0},
			[]float64{1.894737, 1.421053, 1.684211, 1.421053, 1.2, 1.0},
			[]float64{.857143, .692308, 1, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := make([]Prediction, len(tt.obs))
			for i := range cells {
				cells[i] = Prediction{Obs: tt.obs[i], Pred: tt.pred[i], Area: 1}
			}
			pai, pei := PAICurve(cells)
			assertFloats(t, "PAI", pai, tt.pai, 1e-6)
			assertFloats(t, "PEI", pei, tt.pei, 1e-6)
		})
	}
}

func TestPAICurveEdges(t *testing.T) {
	t.Run("no cells", func(t *testing.T) {
		if pai, pei := PAICurve(nil); pai != nil || pei != nil {
			t.Errorf("PAICurve(nil) = %v, %v", pai, pei)
		}
	})
	t.Run("no crimes", func(t *testing.T) {
		pai, pei := PAICurve([]Prediction{{0, 2, 1}, {0, 1, 1}})
		assertFloats(t, "PAI", pai, []float64{0, 0}, 0)
		assertFloats(t, "PEI", pei, []float64{0, 0}, 0)
	})
	t.Run("unequal areas", func(t *testing.T) {
		// Pred/Area: 4/2 = 2 and 3/1 = 3, so the area-1 cell comes first.
		// k=1: (4/7) / (1/3) = 12/7; k=2: 1. The oracle (Obs/Area 1.5 and 4) takes the
		// area-1 cell first too, so PEI is 1.
		pai, pei := PAICurve([]Prediction{{Obs: 3, Pred: 4, Area: 2}, {Obs: 4, Pred: 3, Area: 1}})
		assertFloats(t, "PAI", pai, []float64{(4.0 / 7) / (1.0 / 3), 1}, 1e-12)
		assertFloats(t, "PEI", pei, []float64{1, 1}, 1e-12)
	})
}

func TestPAI(t *testing.T) {
	tests := []struct {
		name                   string
		hit, total, area, allA float64
		want                   float64
	}{
		// Half the crime in a tenth of the area.
		{"half in a tenth", 50, 100, 1, 10, 5},
		{"chance", 10, 100, 1, 10, 1},
		{"no crimes", 0, 0, 1, 10, 0},
		{"no area chosen", 0, 100, 0, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PAI(tt.hit, tt.total, tt.area, tt.allA); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("PAI = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHitRate(t *testing.T) {
	tests := []struct {
		hit, total, want float64
	}{
		{25, 100, 0.25},
		{0, 10, 0},
		{3, 0, 0},
	}
	for _, tt := range tests {
		if got := HitRate(tt.hit, tt.total); got != tt.want {
			t.Errorf("HitRate(%v, %v) = %v, want %v", tt.hit, tt.total, got, tt.want)
		}
	}
}

func TestTopShare(t *testing.T) {
	// 100 cells counted by hand: cell 37 holds 50, cells 3, 23, 43, 63 and 83 hold 10 each,
	// the other 94 hold 1. Sum = 50 + 50 + 94 = 194.
	hundred := make([]float64, 100)
	for i := range hundred {
		switch {
		case i == 37:
			hundred[i] = 50
		case i%20 == 3:
			hundred[i] = 10
		default:
			hundred[i] = 1
		}
	}
	tests := []struct {
		name     string
		values   []float64
		fraction float64
		want     float64
	}{
		{"top 1% of 100 is 1 cell", hundred, 0.01, 50.0 / 194},
		{"top 5% of 100 is 5 cells", hundred, 0.05, (50 + 4*10) / 194.0},
		{"top 7% of 100 is 7 cells, not 8", hundred, 0.07, (50 + 5*10 + 1) / 194.0},
		{"top 10% of 100 is 10 cells", hundred, 0.10, (50 + 5*10 + 4) / 194.0},
		// ceil(0.1 * 5) = 1 cell of 5.
		{"rounds up: 10% of 5 cells is 1", []float64{1, 2, 7, 0, 0}, 0.10, 0.7},
		// ceil(0.1 * 15) = 2 cells of 15 (rounding down would give 1: 10/28).
		{"rounds up: 10% of 15 cells is 2", []float64{1, 1, 10, 1, 1, 1, 5, 1, 1, 1, 1, 1, 1, 1, 1}, 0.10, 15.0 / 28},
		{"all", []float64{1, 2, 7}, 1, 1},
		{"more than all", []float64{1, 2, 7}, 2, 1},
		{"zero fraction", []float64{1, 2, 7}, 0, 0},
		{"all zero", []float64{0, 0, 0}, 0.5, 0},
		{"empty", nil, 0.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TopShare(tt.values, tt.fraction); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("TopShare = %v, want %v (tolerance 1e-12)", got, tt.want)
			}
		})
	}
}

func BenchmarkPAICurve(b *testing.B) {
	cells := make([]Prediction, 2238)
	for i := range cells {
		cells[i] = Prediction{Obs: float64(i * 7 % 13), Pred: float64(i * 5 % 11), Area: 1}
	}
	b.ReportAllocs()
	for b.Loop() {
		PAICurve(cells)
	}
}

// assertFloats compares two float slices element by element to tolerance tol.
func assertFloats(tb testing.TB, what string, got, want []float64, tol float64) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("%s: %d values %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			tb.Errorf("%s[%d] = %.7f, want %.7f (tolerance %g)", what, i, got[i], want[i], tol)
		}
	}
}
