package hotspot

import (
	"cmp"
	"math"
	"slices"
)

// HitRate returns hit/total: the share of the next period's crimes that fell inside the
// hotspot area (0.25 for a quarter). It is 0 when total is 0.
func HitRate(hit, total float64) float64 {
	if total == 0 {
		return 0
	}
	return hit / total
}

// PAI returns the Predictive Accuracy Index (Chainey, Tompson & Uhlig 2008): the hit rate
// hitN/totalN over the share of the study area the hotspots cover, areaA/totalA. 1 is no better
// than chance; higher is better. Counts are crimes, areas in any one unit. It is 0 when the
// index is undefined (totalN, areaA or totalA is 0).
func PAI(hitN, totalN, areaA, totalA float64) float64 {
	if totalN == 0 || areaA == 0 || totalA == 0 {
		return 0
	}
	return (hitN / totalN) / (areaA / totalA)
}

// Prediction is one cell of a hotspot map judged against the next period.
type Prediction struct {
	// Obs is the number of crimes observed in the cell in the next period.
	Obs float64 `json:"obs"`
	// Pred is the map's score for the cell (a count, density or z); cells are chosen in
	// descending order of Pred/Area.
	Pred float64 `json:"pred"`
	// Area is the cell's area, > 0, in any unit shared by all cells (1 for equal cells).
	Area float64 `json:"area"`
}

// PAICurve ranks cells the way R's ptools pai does, by Pred/Area descending and ties by Obs
// ascending (so a tie never flatters the map), and for each k = 1..n returns the cumulative
// indices of the top k cells:
//
//	pai[k-1] = (sum of their Obs / all Obs) / (sum of their Area / all Area)
//	pei[k-1] = pai[k-1] / the PAI of an oracle taking the k cells with most Obs per Area
//
// With equal areas the oracle's cells are the k with most crimes, PEI lies in [0, 1] and 1
// means the map chose as well as hindsight could. With unequal areas the oracle picks the same
// number of cells, not the same area, so PEI can pass 1. Cells with Area <= 0 (or a NaN
// density) are ranked last. Indices are 0 where undefined (no crimes at all). Both slices have
// len(cells) entries; nil for no cells.
func PAICurve(cells []Prediction) (pai, pei []float64) {
	n := len(cells)
	if n == 0 {
		return nil, nil
	}
	var totalN, totalA float64
	for _, c := range cells {
		totalN += c.Obs
		totalA += c.Area
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ca, cb := cells[a], cells[b]
		if c := cmp.Compare(density(cb.Pred, cb.Area), density(ca.Pred, ca.Area)); c != 0 {
			return c
		}
		return cmp.Compare(ca.Obs, cb.Obs)
	})
	pai = cumulativePAI(cells, order, totalN, totalA)

	slices.SortStableFunc(order, func(a, b int) int {
		ca, cb := cells[a], cells[b]
		if c := cmp.Compare(density(cb.Obs, cb.Area), density(ca.Obs, ca.Area)); c != 0 {
			return c
		}
		return cmp.Compare(cb.Obs, ca.Obs)
	})
	best := cumulativePAI(cells, order, totalN, totalA)

	for k, b := range best { // best becomes PEI in place; 0 stays 0
		if b != 0 {
			best[k] = pai[k] / b
		}
	}
	return pai, best
}

// density is value per unit area, -Inf for a cell without positive area so it ranks last.
func density(v, area float64) float64 {
	if !(area > 0) {
		return math.Inf(-1)
	}
	return v / area
}

// cumulativePAI returns PAI of the first k cells of order, for each k.
func cumulativePAI(cells []Prediction, order []int, totalN, totalA float64) []float64 {
	out := make([]float64, len(order))
	var hit, area float64
	for k, i := range order {
		hit += cells[i].Obs
		area += cells[i].Area
		out[k] = PAI(hit, totalN, area, totalA)
	}
	return out
}

// TopShare returns the share of the sum of values held by the largest ceil(fraction*n) of
// them, in [0, 1]: TopShare(counts, 0.05) is the share of crime in the top 5 % of cells, the
// law-of-crime-concentration measure. values are non-negative (counts or harm); fraction is
// clamped to [0, 1], and fraction*n is rounded up after allowing 1e-9 for floating-point error
// (0.07 of 100 cells is 7 cells, not 8). It is 0 when the sum is 0 or values is empty.
func TopShare(values []float64, fraction float64) float64 {
	n := len(values)
	if n == 0 || !(fraction > 0) {
		return 0
	}
	k := int(math.Ceil(math.Min(fraction, 1)*float64(n) - 1e-9))
	k = max(1, min(k, n))
	sorted := slices.Clone(values)
	slices.SortFunc(sorted, func(a, b float64) int { return cmp.Compare(b, a) })
	var top, total float64
	for i, v := range sorted {
		total += v
		if i < k {
			top += v
		}
	}
	if total == 0 {
		return 0
	}
	return top / total
}
