package hotspot

import (
	"slices"
	"testing"
)

// steps returns n z-scores from `from`, changing by `step` each time: step 0 is flat (every
// value tied, so Mann-Kendall has Var 0 and no trend), any other step a perfectly monotonic
// series (significant at 0.05 from n = 5 on).
func steps(n int, from, step float64) []float64 {
	z := make([]float64, n)
	for i := range z {
		z[i] = from + step*float64(i)
	}
	return z
}

// repeat returns bin b n times.
func repeat(b, n int) []int { return slices.Repeat([]int{b}, n) }

func TestClassifyEmerging(t *testing.T) {
	tests := []struct {
		name  string
		bins  []int
		z     []float64
		alpha float64 // 0 means 0.05
		want  Emerging
	}{
		{"no steps", nil, nil, 0, NoPattern},
		{"never significant", []int{0, 0, 0, 0}, steps(4, 0.5, 0), 0, NoPattern},
		{"hot and cold, neither at the end", []int{2, -2, 0}, []float64{2, -2, 0}, 0, NoPattern},

		// New: hot in the final step only.
		{"new: hot only at the end", []int{0, 0, 0, 0, 2}, []float64{0, 0.2, 0.1, 0.3, 2.1}, 0, NewHot},
		{"new: a single step", []int{3}, []float64{3}, 0, NewHot},
		{"new: a cold spot before does not matter", []int{-2, 0, 0, 0, 2}, []float64{-2, 0, 0, 0, 2}, 0, NewHot},

		// Consecutive: a run at the end after never hot, under 90 %.
		{"consecutive: run at the end after never hot", []int{0, 0, 0, 2, 2, 2}, steps(6, 1, 0), 0, ConsecutiveHot},
		{"consecutive: 8 of 10", append(repeat(0, 2), repeat(2, 8)...), steps(10, 2, 0), 0, ConsecutiveHot},
		{"consecutive: 17 of 20", append(repeat(0, 3), repeat(1, 17)...), steps(20, 2, 0), 0, ConsecutiveHot},
		// 90 % threshold boundary: 9 of 10 and 18 of 20 are ">= 90 %", so not Consecutive.
		{"90%: 9 of 10 at the end is persistent", append([]int{0}, repeat(2, 9)...), steps(10, 2, 0), 0, PersistentHot},
		{"90%: 18 of 20 at the end is persistent", append(repeat(0, 2), repeat(1, 18)...), steps(20, 2, 0), 0, PersistentHot},

		// >= 90 % hot: the trend decides.
		{"persistent: all steps hot, flat z", repeat(2, 12), steps(12, 2.5, 0), 0, PersistentHot},
		// Mann-Kendall of this zigzag: S = -5, Var = 121, Z = -0.3636, P = 0.716.
		{"persistent: all steps hot, zigzag z", repeat(2, 10),
			[]float64{2.5, 2.2, 2.6, 2.1, 2.4, 2.3, 2.5, 2.2, 2.4, 2.3}, 0, PersistentHot},
		{"persistent: two steps are too few for a trend", []int{2, 2}, []float64{2, 9}, 0, PersistentHot},
		{"intensifying: all hot, z rising", repeat(2, 10), steps(10, 2, 0.1), 0, IntensifyingHot},
		{"intensifying: 9 of 10 with a gap", []int{2, 2, 2, 0, 2, 2, 2, 2, 2, 2}, steps(10, 2, 0.1), 0, IntensifyingHot},
		// [1..5]-shaped z has P = 0.027: a trend at 0.05, none at 0.01.
		{"alpha 0.05: rising z is intensifying", repeat(3, 5), steps(5, 3, 1), 0.05, IntensifyingHot},
		{"alpha 0.01: same z is persistent", repeat(3, 5), steps(5, 3, 1), 0.01, PersistentHot},
		{"diminishing: all hot, z falling", repeat(2, 10), steps(10, 4, -0.1), 0, DiminishingHot},
		{"historical: 9 of 10 hot, not at the end, z falling", append(repeat(3, 9), 0), steps(10, 5, -0.3), 0, HistoricalHot},
		// ArcGIS: hot in 90 % of steps but not the last is Historical whatever the trend (an
		// earlier version called this Persistent). z: nine 2.5s then 0.5: S = -9, Var = 33,
		// Z = -1.39, P = 0.16, no trend.
		{"historical: 9 of 10 hot, not at the end, no trend", append(repeat(2, 9), 0),
			append(steps(9, 2.5, 0), 0.5), 0, HistoricalHot},
		{"historical: 19 of 20 hot, not at the end, flat z", append(repeat(1, 19), 0),
			append(steps(19, 1.8, 0), 1.8), 0, HistoricalHot},
		// Hot spots are tried first: this is also a New Cold Spot.
		{"order: hot before cold", append(repeat(2, 9), -2), append(steps(9, 2.5, 0), -2.5), 0, HistoricalHot},
		{"new cold when never hot", append(repeat(0, 9), -2), append(steps(9, 0, 0), -2.5), 0, NewCold},

		// Under 90 %, not a new or consecutive run.
		// ArcGIS's Sporadic and Oscillating both need the final step hot; on and off but not at
		// the end is no pattern (an earlier version called these Sporadic).
		{"no pattern: on and off, not hot at the end", []int{2, 0, 2, 0, 0, 1, 0}, []float64{2, 0, 2, 0, 0, 1.7, 0}, 0, NoPattern},
		{"no pattern: hot once, long ago", []int{2, 0, 0, 0}, []float64{2, 0, 0, 0}, 0, NoPattern},
		{"no pattern: hot and cold before, neither at the end", []int{2, -2, 2, 0}, []float64{2, -2, 2, 0}, 0, NoPattern},
		{"sporadic: hot at the end, not one run", []int{0, 2, 0, 0, 2}, []float64{0, 2, 0, 0, 2}, 0, SporadicHot},
		{"sporadic: a run of one at the end after earlier hot steps", []int{2, 2, 0, 0, 0, 2}, []float64{2, 2, 0, 0, 0, 2}, 0, SporadicHot},
		{"sporadic: a run at the end after earlier hot steps is not consecutive", []int{2, 0, 0, 2, 2, 2}, []float64{2, 0, 0, 2, 2, 2}, 0, SporadicHot},
		{"oscillating: hot at the end, cold before", []int{-2, 0, 2, 0, 2}, []float64{-2, 0, 2, 0, 2}, 0, OscillatingHot},
		{"consecutive beats oscillating: cold long before the run", []int{-2, 0, 0, 2, 2}, []float64{-2, 0, 0, 2, 2}, 0, ConsecutiveHot},

		// Cold mirrors: cold for hot, trend reversed.
		{"new cold", []int{0, 0, -1}, []float64{0, 0, -1.7}, 0, NewCold},
		{"consecutive cold", []int{0, 0, 0, -2, -3}, []float64{0, 0, 0, -2, -3}, 0, ConsecutiveCold},
		{"intensifying cold: z falling", repeat(-2, 10), steps(10, -2, -0.1), 0, IntensifyingCold},
		{"persistent cold", repeat(-2, 10), steps(10, -2.5, 0), 0, PersistentCold},
		{"diminishing cold: z rising towards 0", repeat(-2, 10), steps(10, -4, 0.1), 0, DiminishingCold},
		{"sporadic cold", []int{-2, 0, -1, 0, -2}, []float64{-2, 0, -1.7, 0, -2}, 0, SporadicCold},
		{"no pattern: cold on and off, not at the end", []int{-2, 0, -1, 0, 0}, []float64{-2, 0, -1.7, 0, 0}, 0, NoPattern},
		{"oscillating cold", []int{2, 0, -2, 0, -2}, []float64{2, 0, -2, 0, -2}, 0, OscillatingCold},
		{"historical cold: z rising, not cold at the end", append(repeat(-3, 9), 0), steps(10, -5, 0.3), 0, HistoricalCold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alpha := tt.alpha
			if alpha == 0 {
				alpha = 0.05
			}
			if got := ClassifyEmerging(tt.bins, tt.z, alpha); got != tt.want {
				t.Errorf("ClassifyEmerging(%v) = %v, want %v", tt.bins, got, tt.want)
			}
		})
	}
}

func TestEmergingLabelsAndCodes(t *testing.T) {
	tests := []struct {
		e     Emerging
		label string
		code  int
	}{
		{NoPattern, "No Pattern Detected", 0},
		{NewHot, "New Hot Spot", 1},
		{ConsecutiveHot, "Consecutive Hot Spot", 2},
		{IntensifyingHot, "Intensifying Hot Spot", 3},
		{PersistentHot, "Persistent Hot Spot", 4},
		{DiminishingHot, "Diminishing Hot Spot", 5},
		{SporadicHot, "Sporadic Hot Spot", 6},
		{OscillatingHot, "Oscillating Hot Spot", 7},
		{HistoricalHot, "Historical Hot Spot", 8},
		{NewCold, "New Cold Spot", -1},
		{ConsecutiveCold, "Consecutive Cold Spot", -2},
		{IntensifyingCold, "Intensifying Cold Spot", -3},
		{PersistentCold, "Persistent Cold Spot", -4},
		{DiminishingCold, "Diminishing Cold Spot", -5},
		{SporadicCold, "Sporadic Cold Spot", -6},
		{OscillatingCold, "Oscillating Cold Spot", -7},
		{HistoricalCold, "Historical Cold Spot", -8},
		{Emerging(9), "Emerging(9)", 9},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			if got := tt.e.String(); got != tt.label {
				t.Errorf("String() = %q, want %q", got, tt.label)
			}
			if got := tt.e.Code(); got != tt.code {
				t.Errorf("Code() = %d, want %d", got, tt.code)
			}
		})
	}
}

func BenchmarkClassifyEmerging(b *testing.B) {
	bins := []int{2, 2, 2, 0, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}
	z := steps(len(bins), 2, 0.05)
	b.ReportAllocs()
	for b.Loop() {
		ClassifyEmerging(bins, z, 0.05)
	}
}
