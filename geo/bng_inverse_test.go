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
// starts tens of metres out). A Jacobian taken the wrong way leaves
// centimetres or metres; a wrong sign on one of its small terms, or a loop
// that stops before both residuals are small, more than the 1e-5 m the loop
// promises.
func TestFromBNGInvertsToBNG(t *testing.T) {
	// FromBNG stops when the forward transform of its answer is within
	// 1e-5 m of the grid reference in each coordinate, and four Newton steps
	// reach that everywhere on the Grid. A Jacobian term of the wrong sign
	// still converges, more slowly: 1.4e-5 to 3.2e-5 m after the four steps.
	const tolM = 1e-5
	worst := 0.0
	for e := 0.0; e <= 700000; e += 50000 {
		for n := 0.0; n <= 1300000; n += 50000 {
			p := FromBNG(e, n)
			e2, n2 := ToBNG(p)
			d := math.Max(math.Abs(e2-e), math.Abs(n2-n))
			worst = math.Max(worst, d)
			if !(d < tolM) {
				t.Errorf("ToBNG(FromBNG(E %.0f, N %.0f)) = E %.7f N %.7f, %.3g m out; want under %g m in each", e, n, e2, n2, d, tolM)
			}
		}
	}
	t.Logf("worst round trip over the grid: %.3g m", worst)
}
