package hotspot

import (
	"cmp"
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

	m, err := MomentsOf(x, n)
	if err != nil {
		return nil, err
	}

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

	for i, nb := range neighbours {
		sum := x[i]
		for _, j := range nb {
			sum += x[j]
		}
		z[i] = m.Z(sum, len(nb)+1)
	}
	return z, nil
}

// Moments are what Gi* needs of the whole study area: the number of values n, their mean and
// population standard deviation. With them, a cell's z needs only its own neighbourhood's sum
// and size (Moments.Z), so a tile or a bounding box can be answered from its own cells and a
// margin of k rings, with the same z as GiStar over the whole area.
type Moments struct {
	n, mean, sd float64
}

// MomentsOf returns the moments of x padded with zeros to n values (n >= len(x)): the study
// area's cells with crime in x, and n counting every study cell, zero cells included. It uses
// Welford's one-pass mean and sum of squared deviations, stable where sum(x^2)/n - mean^2
// would cancel, and adds the zeros as one group (Chan et al. 1979). Errors: fewer than two
// values, a value that is not finite, n < len(x), or ErrZeroVariance when all n are equal.
func MomentsOf(x []float64, n int) (Moments, error) {
	if n < len(x) {
		return Moments{}, fmt.Errorf("hotspot: %d values given for a study area of %d", len(x), n)
	}
	if n < 2 {
		return Moments{}, fmt.Errorf("hotspot: Gi* needs at least two values, got %d", n)
	}
	var mean, m2 float64
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Moments{}, fmt.Errorf("hotspot: Gi* value %d is %v; values must be finite", i, v)
		}
		d := v - mean
		mean += d / float64(i+1)
		m2 += d * (v - mean)
	}
	if zeros := n - len(x); zeros > 0 {
		na, nb, nf := float64(len(x)), float64(zeros), float64(n)
		m2 += mean * mean * na * nb / nf
		mean = mean * na / nf
	}
	if m2 <= 0 {
		return Moments{}, ErrZeroVariance
	}
	return Moments{n: float64(n), mean: mean, sd: math.Sqrt(m2 / float64(n))}, nil
}

// N is the number of values.
func (m Moments) N() int { return int(m.n) }

// Z is the Gi* z-score of a cell whose neighbourhood (the cell and its w-1 neighbours, binary
// weights) sums to sum, as GiStar defines it. A neighbourhood of the whole area gets 0.
func (m Moments) Z(sum float64, w int) float64 {
	wf := float64(w)
	v := (m.n*wf - wf*wf) / (m.n - 1)
	if v <= 0 {
		return 0
	}
	return (sum - m.mean*wf) / (m.sd * math.Sqrt(v))
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

// BinLabel says a confidence bin in words, as ArcGIS's Gi_Bin legend does:
// "Hot spot, 99% confidence" (+3), "Cold spot, 90% confidence" (-1), "Not
// significant" (0 and anything outside -3..+3).
func BinLabel(bin int) string {
	conf := [...]string{1: "90%", 2: "95%", 3: "99%"}
	switch {
	case bin > 0 && bin <= 3:
		return "Hot spot, " + conf[bin] + " confidence"
	case bin < 0 && bin >= -3:
		return "Cold spot, " + conf[-bin] + " confidence"
	}
	return "Not significant"
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
	cuts := NewFDRCuts(p, nil, len(p))
	bins := make([]int, len(z))
	for i := range p {
		bins[i] = cuts.Bin(z[i], p[i])
	}
	return bins
}

// FDRCuts are the Benjamini-Hochberg cut-offs of one study area's p values at 0.01, 0.05 and
// 0.10: computed once over every p value, they let any part of the area (a tile, a bounding
// box) take its FDR-corrected bins by comparing its own p values with them (Bin), as BinsFDR
// does over the whole.
type FDRCuts struct {
	cut [3]float64
	ok  [3]bool
}

// NewFDRCuts computes the cut-offs of p values where p[i] stands for mult[i] locations (nil
// mult: one each; the many cells with no crime near them share one p value per neighbourhood
// size) among n in all (n counts NaN p values too, which are never significant).
func NewFDRCuts(p []float64, mult []int, n int) FDRCuts {
	var c FDRCuts
	if mult == nil {
		sorted := sortedFinite(p)
		for k, alpha := range [3]float64{0.01, 0.05, 0.10} {
			c.cut[k], c.ok[k] = bhCutoff(sorted, n, alpha)
		}
		return c
	}
	type pm struct {
		p float64
		m int
	}
	s := make([]pm, 0, len(p))
	for i, v := range p {
		if !math.IsNaN(v) && mult[i] > 0 {
			s = append(s, pm{v, mult[i]})
		}
	}
	slices.SortFunc(s, func(a, b pm) int { return cmp.Compare(a.p, b.p) })
	sorted, counts := make([]float64, len(s)), make([]int, len(s))
	for i, x := range s {
		sorted[i], counts[i] = x.p, x.m
	}
	for k, alpha := range [3]float64{0.01, 0.05, 0.10} {
		c.cut[k], c.ok[k] = bhCutoffWeighted(sorted, counts, n, alpha)
	}
	return c
}

// Bin is the FDR-corrected confidence bin of a location with z-score z and p value p.
func (c FDRCuts) Bin(z, p float64) int {
	var b int
	switch {
	case c.ok[0] && p <= c.cut[0]:
		b = 3
	case c.ok[1] && p <= c.cut[1]:
		b = 2
	case c.ok[2] && p <= c.cut[2]:
		b = 1
	}
	switch {
	case z > 0:
		return b
	case z < 0:
		return -b
	}
	return 0
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

// bhCutoffWeighted is bhCutoff where sorted[i] stands for counts[i] locations: a run of equal p
// values at ranks a..b is under the line when its last rank b is (the line rises with rank).
// nil counts is one location each.
func bhCutoffWeighted(sorted []float64, counts []int, n int, alpha float64) (float64, bool) {
	if !(alpha > 0) {
		return 0, false
	}
	k := len(sorted)
	if counts != nil {
		k = 0
		for _, m := range counts {
			k += m
		}
	}
	for i := len(sorted) - 1; i >= 0; i-- {
		line := float64(k) * alpha / float64(n)
		if sorted[i] <= line*(1+1e-12) {
			return sorted[i], true
		}
		if counts != nil {
			k -= counts[i]
		} else {
			k--
		}
	}
	return 0, false
}

// bhCutoff returns the largest sorted p value at or under the Benjamini-Hochberg line
// k/n * alpha, and false when none is.
func bhCutoff(sorted []float64, n int, alpha float64) (float64, bool) {
	return bhCutoffWeighted(sorted, nil, n, alpha)
}
