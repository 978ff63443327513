package hotspot

import "fmt"

// Emerging is an ArcGIS Pro Emerging Hot Spot Analysis category for one location. Its value is
// its Code: the hot spot categories are 1..8 in ArcGIS's order (New, Consecutive, Intensifying,
// Persistent, Diminishing, Sporadic, Oscillating, Historical), the cold spot mirrors are -1..-8
// in the same order, and NoPattern, the zero value, is 0. This is the encoding xarray-spatial's
// emerging_hotspots uses.
type Emerging int

// The emerging hot and cold spot categories; see ClassifyEmerging for their definitions.
const (
	NoPattern Emerging = 0

	NewHot          Emerging = 1
	ConsecutiveHot  Emerging = 2
	IntensifyingHot Emerging = 3
	PersistentHot   Emerging = 4
	DiminishingHot  Emerging = 5
	SporadicHot     Emerging = 6
	OscillatingHot  Emerging = 7
	HistoricalHot   Emerging = 8

	NewCold          Emerging = -1
	ConsecutiveCold  Emerging = -2
	IntensifyingCold Emerging = -3
	PersistentCold   Emerging = -4
	DiminishingCold  Emerging = -5
	SporadicCold     Emerging = -6
	OscillatingCold  Emerging = -7
	HistoricalCold   Emerging = -8
)

var emergingKinds = [9]string{"No Pattern Detected", "New", "Consecutive", "Intensifying",
	"Persistent", "Diminishing", "Sporadic", "Oscillating", "Historical"}

// String returns the ArcGIS label: "New Hot Spot", "Persistent Cold Spot", "No Pattern
// Detected", and so on.
func (e Emerging) String() string {
	switch {
	case e == NoPattern:
		return emergingKinds[0]
	case e >= NewHot && e <= HistoricalHot:
		return emergingKinds[e] + " Hot Spot"
	case e <= NewCold && e >= HistoricalCold:
		return emergingKinds[-e] + " Cold Spot"
	}
	return fmt.Sprintf("Emerging(%d)", int(e))
}

// Code returns the category's -8..8 code: hot spots 1 (New) to 8 (Historical) in ArcGIS's
// order, cold spots the negatives, 0 for no pattern.
func (e Emerging) Code() int { return int(e) }

// ClassifyEmerging returns the emerging hot spot category of one location from its time series
// of Gi* results, oldest first: bins[t] is its confidence bin at step t (from BinsFDR or
// BinsPlain; > 0 is a significant hot spot, < 0 a significant cold spot) and z[t] its Gi*
// z-score. The trend is the Mann-Kendall test on z at level alpha (0.05 for 5 %); a series of
// fewer than three steps has no trend.
//
// The ArcGIS Pro definitions ("How Emerging Hot Spot Analysis works", ArcGIS Pro 3), tried in
// this order, first match wins ("hot" = a significant hot spot in that step, "90 %" = at least
// nine tenths of the steps):
//
//	New          hot in the final step only; never hot before
//	Consecutive  one uninterrupted run of two or more hot steps ending at the final step,
//	             never hot before the run; fewer than 90 % of steps hot
//	Intensifying hot in >= 90 % of steps including the final one; significant upward trend
//	Persistent   hot in >= 90 % of steps including the final one; no significant trend
//	Diminishing  hot in >= 90 % of steps including the final one; significant downward trend
//	Historical   not hot in the final step; >= 90 % of steps hot (whatever the trend)
//	Sporadic     hot in the final step; on-again off-again before; fewer than 90 % of steps
//	             hot; never a significant cold spot
//	Oscillating  hot in the final step; a significant cold spot in some earlier step;
//	             fewer than 90 % of steps hot
//
// So a location hot in 90 % of steps but not the last is Historical, never Persistent, and one
// hot on and off but not in the final step has no pattern (ArcGIS's Sporadic and Oscillating
// both require the final step hot).
//
// The hot spot categories are tried first; only a location that fits none of them is tried
// against the cold spot mirrors, where "cold" replaces "hot" and the trend is reversed (an
// intensifying cold spot has z falling). A cold spot in earlier steps does not stop a location
// being a New or Consecutive hot spot. Empty input is NoPattern; ClassifyEmerging panics if
// bins and z differ in length, a caller's bug.
func ClassifyEmerging(bins []int, z []float64, alpha float64) Emerging {
	if len(bins) != len(z) {
		panic(fmt.Sprintf("hotspot: ClassifyEmerging given %d bins and %d z-scores", len(bins), len(z)))
	}
	if len(bins) == 0 {
		return NoPattern
	}
	computed, dir := false, 0
	trend := func() int {
		if !computed {
			computed = true
			if m, err := MannKendallTest(z); err == nil {
				dir = m.Direction(alpha)
			}
		}
		return dir
	}
	if e := classifySide(bins, trend, 1); e != NoPattern {
		return e
	}
	return classifySide(bins, trend, -1)
}

// classifySide applies the category table to one side: sign +1 for hot spots, -1 for cold.
// trend is called only when a category needs it.
func classifySide(bins []int, trend func() int, sign int) Emerging {
	n := len(bins)
	var hits, opposite int
	for _, b := range bins {
		switch {
		case b*sign > 0:
			hits++
		case b*sign < 0:
			opposite++
		}
	}
	if hits == 0 {
		return NoPattern
	}
	cat := func(c Emerging) Emerging { return c * Emerging(sign) }
	final := bins[n-1]*sign > 0
	most := 10*hits >= 9*n // at least 90 % of steps, in integers to keep 9 of 10 exact

	if final && hits == 1 {
		return cat(NewHot)
	}
	if final && !most && trailingRun(bins, sign) == hits {
		return cat(ConsecutiveHot)
	}
	if most {
		if !final {
			return cat(HistoricalHot)
		}
		switch t := trend() * sign; { // +1: towards this side (hotter, or colder for cold spots)
		case t > 0:
			return cat(IntensifyingHot)
		case t < 0:
			return cat(DiminishingHot)
		default:
			return cat(PersistentHot)
		}
	}
	if !final {
		return NoPattern
	}
	if opposite == 0 {
		return cat(SporadicHot)
	}
	return cat(OscillatingHot)
}

// trailingRun counts the steps at the end of bins that are significant on the given side.
func trailingRun(bins []int, sign int) int {
	run := 0
	for t := len(bins) - 1; t >= 0 && bins[t]*sign > 0; t-- {
		run++
	}
	return run
}
