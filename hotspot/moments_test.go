package hotspot

import (
	"math"
	"testing"
)

// TestMomentsOfPadded works a study area of four cells by hand: values 3, 0, 0, 1 have mean 1
// and population variance (4+1+1+0)/4 = 1.5; a cell of 3 with one neighbour of 0 has
// W = 2, V = (4*2-4)/3 = 4/3 and z = (3 - 1*2) / (sqrt(1.5)*sqrt(4/3)) = 1/sqrt(2).
func TestMomentsOfPadded(t *testing.T) {
	m, err := MomentsOf([]float64{3, 1}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if m.N() != 4 {
		t.Errorf("N = %d, want 4", m.N())
	}
	if got, want := m.Z(3, 2), 1/math.Sqrt2; math.Abs(got-want) > 1e-15 {
		t.Errorf("Z(3, 2) = %.17g, want %.17g", got, want)
	}
	// the same with the zeros given explicitly, through GiStar: cell 0 (3) with neighbour 1 (0)
	z, err := GiStar([]float64{3, 0, 0, 1}, [][]int32{{1}, {0}, {3}, {2}})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(z[0]-1/math.Sqrt2) > 1e-15 {
		t.Errorf("GiStar z[0] = %.17g, want %.17g", z[0], 1/math.Sqrt2)
	}
	if m.Z(4, 4) != 0 {
		t.Errorf("a neighbourhood of the whole area: z = %g, want 0", m.Z(4, 4))
	}
	for name, c := range map[string]struct {
		x []float64
		n int
	}{"all zero": {nil, 5}, "one value": {[]float64{2}, 1}, "fewer cells than values": {[]float64{1, 2, 3}, 2}, "all equal": {[]float64{2, 2}, 2}} {
		if _, err := MomentsOf(c.x, c.n); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestFDRCutsWeighted: p values standing for several locations give the cut-offs of the list
// written out in full. By hand, n = 5 (one NaN): sorted 0.001, 0.02, 0.02, 0.5; at 0.05 the
// line is k*0.01, rank 3 has 0.02 <= 0.03, so 0.02 and smaller are significant; at 0.01 the
// line is k*0.002: rank 1 has 0.001 <= 0.002 only.
func TestFDRCutsWeighted(t *testing.T) {
	full := []float64{0.02, 0.001, math.NaN(), 0.5, 0.02}
	w := NewFDRCuts([]float64{0.5, 0.02, 0.001}, []int{1, 2, 1}, 5)
	f := NewFDRCuts(full, nil, len(full))
	if w != f {
		t.Errorf("weighted %+v, written out %+v", w, f)
	}
	for _, c := range []struct {
		z, p float64
		bin  int
	}{{3, 0.001, 3}, {-2.3, 0.02, -2}, {0.7, 0.5, 0}, {0, 0.001, 0}, {2, 0.021, 0}} {
		if got := w.Bin(c.z, c.p); got != c.bin {
			t.Errorf("Bin(%g, %g) = %d, want %d", c.z, c.p, got, c.bin)
		}
	}
	// a run of equal p values is judged at its last rank: 0.02 standing for 3 locations at ranks
	// 1..3, alpha 0.05: with n = 6 rank 3's line is 3*0.05/6 = 0.025 and 0.02 passes (rank 1's,
	// 0.0083, would not); with n = 8 it is 0.01875 and fails.
	for n, want := range map[int]bool{6: true, 8: false} {
		c := NewFDRCuts([]float64{0.02, 0.9}, []int{3, n - 3}, n)
		if got := c.Bin(2, 0.02) == 2; got != want {
			t.Errorf("n = %d: 0.02 significant at 0.05 = %v, want %v", n, got, want)
		}
	}
}
