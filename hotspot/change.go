package hotspot

import "math"

// Change is a period-on-period comparison, the "Current, Diff, % Diff" columns of the
// partnership's crime tables.
type Change struct {
	// Current and Previous are the two periods' values (counts, harm days or costs).
	Current  float64 `json:"current"`
	Previous float64 `json:"previous"`
	// Diff is Current - Previous.
	Diff float64 `json:"diff"`
	// Pct is Diff as a percentage of Previous (+25 for a quarter more), nil when Previous is 0
	// and Current is not: a rise from nothing has no percentage (the papers print "Infinity").
	// 0 to 0 is 0.
	Pct *float64 `json:"pct"`
	// New is true when Previous is 0 and Current above it: something that was not there before.
	New bool `json:"new"`
}

// Compare returns the change from previous to current. The percentage is taken of
// |previous|, so a rise is always positive; it is never Infinity or NaN.
func Compare(current, previous float64) Change {
	c := Change{Current: current, Previous: previous, Diff: current - previous}
	switch {
	case previous != 0:
		pct := c.Diff / math.Abs(previous) * 100
		c.Pct = &pct
	case current == 0:
		var zero float64
		c.Pct = &zero
	default:
		c.New = current > 0
	}
	return c
}
