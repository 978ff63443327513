package geo

import (
	"math"
	"testing"
)

// TestFromBNGInvertsToBNG holds FromBNG to what its comment promises: the
// Newton steps on the forward transform bring the round trip to well under a
// millimetre. The expected answer is the grid reference we started from,
// over a lattice of the whole National Grid (100 km squares' corners and
// centres, the far west and north included, where wroge/wgs84's own inverse
// starts tens of metres out). A Jacobian taken the wrong way, or a loop that
// stops before both residuals are small, leaves centimetres or metres.
func TestFromBNGInvertsToBNG(t *testing.T) {
	const tolM = 1e-4 // 0.1 mm; the loop stops at 1e-5 m
	worst := 0.0
	for e := 0.0; e <= 700000; e += 50000 {
		for n := 0.0; n <= 1300000; n += 50000 {
			p := FromBNG(e, n)
			e2, n2 := ToBNG(p)
			d := math.Hypot(e2-e, n2-n)
			worst = math.Max(worst, d)
			if !(d <= tolM) {
				t.Errorf("ToBNG(FromBNG(E %.0f, N %.0f)) = E %.6f N %.6f, %.3g m out; want within %g m", e, n, e2, n2, d, tolM)
			}
		}
	}
	t.Logf("worst round trip over the grid: %.3g m", worst)
}
