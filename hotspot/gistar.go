package hotspot

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrZeroVariance is returned by GiStar when every value is the same: the z-score divides by
// the standard deviation, so there is no answer rather than a NaN.
var ErrZeroVariance = errors.New("hotspot: every value is the same, so Gi* has no z-scores (zero variance)")

// ErrNeighbours is returned, wrapped with the offending cell, when GiStar's neighbour lists do
// not fit its values: a different number of lists, an index out of range, a cell listed as its
// own neighbour, or an index listed twice.
var ErrNeighbours = errors.New("hotspot: bad neighbour list")

// Two-sided critical values of the standard normal distribution, to 13 significant figures:
// |z| above Z90, Z95, Z99 is significant at 90, 95 and 99 % confidence (p below 0.10, 0.05,
// 0.01). ArcGIS documents them rounded as 1.65, 1.96 and 2.58; Bin uses these exact values, so
// a z of 2.576 is in the 99 % bin here and would not be with the rounded 2.58.
const (
	Z90 = 1.644853626951
	Z95 = 1.959963984540
	Z99 = 2.5758293035489
)

// GiStar returns the Getis-Ord Gi* z-score of every value in x (Ord & Getis 1995), with binary
// weights and each cell its own neighbour, the form ArcGIS "Hot Spot Analysis", R spdep
// localG(include.self) and PySAL G_Local(star=True, transform="B") compute:
//
//	z_i = (sum_j x_j - xbar*W_i) / (S * sqrt((n*W_i - W_i^2) / (n-1)))
//
// where j runs over i and its neighbours, W_i = 1 + len(neighbours[i]), xbar is the mean of x
// and S its population standard deviation. A positive z is a hot spot, a negative one a cold
// spot.
//
// neighbours[i] lists the indices into x of i's neighbours, not including i itself (GiStar adds
// i with weight 1). Lists need not be symmetric. It is an error, wrapping ErrNeighbours, for
// len(neighbours) to differ from len(x), or for a list to hold an index outside x, i itself, or
// an index twice. x must hold at least two finite values that are not all equal (else
// ErrZeroVariance). A cell whose neighbourhood is the whole of x has nothing to compare
// against and gets z = 0.
//
// It runs in O(n * average degree) and allocates only the result.
func GiStar(x []float64, neighbours [][]int32) ([]float64, error) {
	n := len(x)
	if len(neighbours) != n {
		return nil, fmt.Errorf("%w: %d neighbour lists for %d values", ErrNeighbours, len(neighbours), n)
	}
	if n < 2 {
		return nil, fmt.Errorf("hotspot: Gi* needs at least two values, got %d", n)
	}

	// Welford's one-pass mean and sum of squared deviations: stable where sum(x^2)/n - xbar^2
	// would cancel.
	var mean, m2 float64
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("hotspot: Gi* value %d is %v; values must be finite", i, v)
		}
		d := v - mean
		mean += d / float64(i+1)
		m2 += d * (v - mean)
	}
	if m2 <= 0 {
		return nil, ErrZeroVariance
	}
	sd := math.Sqrt(m2 / float64(n))

	z := make([]float64, n)
	// Validate before computing, using z as scratch: z[j] holds the last cell whose list named
	// j, which finds a repeated index without a set per cell.
	for i := range z {
		z[i] = -1
	}
	for i, nb := range neighbours {
		stamp := float64(i)
		for _, j := range nb {
			switch {
			case j < 0 || int(j) >= n:
				return nil, fmt.Errorf("%w: cell %d lists neighbour %d, outside 0..%d", ErrNeighbours, i, j, n-1)
			case int(j) == i:
				return nil, fmt.Errorf("%w: cell %d lists itself; lists exclude the cell (it is added with weight 1)", ErrNeighbours, i)
			case z[j] == stamp:
				return nil, fmt.Errorf("%w: cell %d lists neighbour %d twice", ErrNeighbours, i, j)
			}
			z[j] = stamp
		}
	}

	nf := float64(n)
	for i, nb := range neighbours {
		sum := x[i]
		for _, j := range nb {
			sum += x[j]
		}
		w := float64(len(nb) + 1) // binary weights: W_i = S1_i = count including self
		v := (nf*w - w*w) / (nf - 1)
		if v <= 0 {
			z[i] = 0
			continue
		}
		z[i] = (sum - mean*w) / (sd * math.Sqrt(v))
	}
	return z, nil
}

// PValue returns the two-sided p value of a standard normal z-score: the chance of a |Z| at
// least |z| when there is no clustering, erfc(|z|/sqrt 2). (PySAL esda's p_norm is one-sided;
// this is not.) NaN gives NaN.
func PValue(z float64) float64 {
	return math.Erfc(math.Abs(z) / math.Sqrt2)
}

// Bin returns ArcGIS's Gi_Bin confidence bin for a z-score without any false discovery rate
// correction: +3 / +2 / +1 for a hot spot at 99 / 95 / 90 % confidence (z above Z99, Z95, Z90),
// -3 / -2 / -1 for the mirrored cold spots, 0 otherwise. A z exactly on a critical value falls
// in the lower bin.
func Bin(z float64) int {
	a := math.Abs(z)
	var b int
	switch {
	case a > Z99:
		b = 3
	case a > Z95:
		b = 2
	case a > Z90:
		b = 1
	default:
		return 0
	}
	if z < 0 {
		return -b
	}
	return b
}

// BinsPlain returns Bin of every z-score, in order.
func BinsPlain(z []float64) []int {
	bins := make([]int, len(z))
	for i, v := range z {
		bins[i] = Bin(v)
	}
	return bins
}

// FDRReject applies the Benjamini-Hochberg false discovery rate procedure at level alpha (0.05
// for 5 %) to the p values p and reports, in p's order, which are significant: with the p
// values sorted ascending, the largest rank k with p_(k) <= k/n * alpha and every smaller rank
// are significant. This is how ArcGIS "Optimized Hot Spot Analysis" applies FDR.
//
// n counts every entry of p; a NaN p is never significant. A p exactly on the line k/n * alpha
// is significant (the comparison allows 1e-12 relative, for the rounding of k/n * alpha).
func FDRReject(p []float64, alpha float64) []bool {
	reject := make([]bool, len(p))
	cut, ok := bhCutoff(sortedFinite(p), len(p), alpha)
	if !ok {
		return reject
	}
	for i, v := range p {
		reject[i] = v <= cut
	}
	return reject
}

// BinsFDR returns ArcGIS's "FDR-corrected" confidence bins: a location's bin is +-3 if
// Benjamini-Hochberg (FDRReject) finds it significant at 0.01, else +-2 at 0.05, else +-1 at
// 0.10, else 0, with the sign of its z (0 for z = 0). z and p are per location, p normally
// PValue(z); BinsFDR panics if their lengths differ, a caller's bug.
func BinsFDR(z, p []float64) []int {
	if len(z) != len(p) {
		panic(fmt.Sprintf("hotspot: BinsFDR given %d z-scores and %d p values", len(z), len(p)))
	}
	sorted := sortedFinite(p)
	var cuts [3]float64
	var oks [3]bool
	for k, alpha := range [3]float64{0.01, 0.05, 0.10} {
		cuts[k], oks[k] = bhCutoff(sorted, len(p), alpha)
	}
	bins := make([]int, len(z))
	for i, v := range p {
		var b int
		switch {
		case oks[0] && v <= cuts[0]:
			b = 3
		case oks[1] && v <= cuts[1]:
			b = 2
		case oks[2] && v <= cuts[2]:
			b = 1
		}
		switch {
		case z[i] > 0:
			bins[i] = b
		case z[i] < 0:
			bins[i] = -b
		}
	}
	return bins
}

// sortedFinite returns p without NaNs, sorted ascending, in a new slice.
func sortedFinite(p []float64) []float64 {
	s := make([]float64, 0, len(p))
	for _, v := range p {
		if !math.IsNaN(v) {
			s = append(s, v)
		}
	}
	slices.Sort(s)
	return s
}

// bhCutoff returns the largest sorted p value at or under the Benjamini-Hochberg line
// k/n * alpha, and false when none is.
func bhCutoff(sorted []float64, n int, alpha float64) (float64, bool) {
	if !(alpha > 0) {
		return 0, false
	}
	for k := len(sorted); k >= 1; k-- {
		line := float64(k) * alpha / float64(n)
		if sorted[k-1] <= line*(1+1e-12) {
			return sorted[k-1], true
		}
	}
	return 0, false
}
