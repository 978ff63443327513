package hotspot

import (
	"math"
	"testing"
)

// A p value that stands for no location (multiplicity 0) and NaN p values
// take no rank: the cut-offs are those of the list written out, 0.001 and
// two NaNs (n = 3). At 0.10 the lines are 0.033, 0.067, 0.1: only 0.001 is
// under its line, so 0.02 is not significant, though the 0.03 standing for
// nobody would be under rank 1's line.
func TestFDRCutsSkipsEmptyAndNaN(t *testing.T) {
	w := NewFDRCuts([]float64{0.03, 0.001, math.NaN()}, []int{0, 1, 2}, 3)
	f := NewFDRCuts([]float64{0.001, math.NaN(), math.NaN()}, nil, 3)
	if w != f {
		t.Errorf("weighted %+v, written out %+v", w, f)
	}
	if got := w.Bin(2, 0.02); got != 0 {
		t.Errorf("Bin(2, 0.02) = %d, want 0", got)
	}
	if got := w.Bin(-3, 0.001); got != -3 {
		t.Errorf("Bin(-3, 0.001) = %d, want -3", got)
	}
}

// Direction needs P strictly under alpha: a P equal to alpha is no trend.
func TestMannKendallDirectionAtAlpha(t *testing.T) {
	for _, c := range []struct {
		m    MannKendall
		want int
	}{
		{MannKendall{Z: 1.96, P: 0.05}, 0},
		{MannKendall{Z: 1.96, P: 0.049}, 1},
		{MannKendall{Z: -1.96, P: 0.049}, -1},
	} {
		if got := c.m.Direction(0.05); got != c.want {
			t.Errorf("Direction(0.05) of Z %v P %v = %d, want %d", c.m.Z, c.m.P, got, c.want)
		}
	}
}
