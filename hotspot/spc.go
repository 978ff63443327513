package hotspot

import (
	"fmt"
	"math"
)

// XmR charts (individuals and moving range) with the rules of NHS England's
// "Making Data Count", which UK public services, police included, use for
// exception reporting: is this month's figure unusual, or the ordinary
// variation of the process?

// XmR is an individuals chart's centre and limits, from a baseline.
type XmR struct {
	// Mean is the centre line: the mean of the baseline points.
	Mean float64 `json:"mean"`
	// MeanMovingRange is the mean of |x_t - x_(t-1)| over the baseline.
	MeanMovingRange float64 `json:"mean_moving_range"`
	// Upper and Lower are Mean +/- 2.66 x MeanMovingRange (the natural
	// process limits; 2.66 = 3 / 1.128). Lower may be negative.
	Upper float64 `json:"upper"`
	Lower float64 `json:"lower"`
	// BaselinePoints is how many points the baseline had.
	BaselinePoints int `json:"baseline_points"`
}

// NewXmR computes the chart from baseline points (at least 2). NHS England
// advises a baseline of 12 to 20 points or more; fewer give rough limits.
func NewXmR(baseline []float64) (XmR, error) {
	if len(baseline) < 2 {
		return XmR{}, fmt.Errorf("hotspot: an XmR chart needs a baseline of 2 points or more, got %d", len(baseline))
	}
	var sum, mr float64
	for i, x := range baseline {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return XmR{}, fmt.Errorf("hotspot: baseline point %d is %v", i+1, x)
		}
		sum += x
		if i > 0 {
			mr += math.Abs(x - baseline[i-1])
		}
	}
	n := float64(len(baseline))
	x := XmR{Mean: sum / n, MeanMovingRange: mr / (n - 1), BaselinePoints: len(baseline)}
	x.Upper = x.Mean + 2.66*x.MeanMovingRange
	x.Lower = x.Mean - 2.66*x.MeanMovingRange
	return x, nil
}

// SignalKind names a Making Data Count rule.
type SignalKind string

// The rules.
const (
	// Outside: a point above the upper or below the lower limit.
	Outside SignalKind = "outside"
	// Shift: 7 or more points in a row on one side of the mean (a point
	// equal to the mean ends a run).
	Shift SignalKind = "shift"
	// Trend: 6 or more points in a row, each higher (or each lower) than
	// the one before (an equal point ends a run).
	Trend SignalKind = "trend"
	// TwoOfThree: 2 of 3 points in a row more than two thirds of the way
	// from the mean to a limit, on the same side.
	TwoOfThree SignalKind = "two-of-three"
)

// Direction is which way a signal points: "up" (above the mean, or rising)
// or "down".
type Direction string

// The directions.
const (
	Up   Direction = "up"
	Down Direction = "down"
)

// Signal is one rule broken over points Start..End of a series (indices,
// inclusive).
type Signal struct {
	Kind      SignalKind `json:"kind"`
	Direction Direction  `json:"direction"`
	Start     int        `json:"start"`
	End       int        `json:"end"`
}

// Points is how many points the signal spans.
func (s Signal) Points() int { return s.End - s.Start + 1 }

// The run lengths of the rules.
const (
	ShiftPoints = 7
	TrendPoints = 6
)

// Signals applies the rules to series, in this order: each point outside a
// limit (one signal a point), shifts, trends, then runs of two-of-three
// (overlapping windows merged into one signal). Within a kind, signals are
// in time order.
func (x XmR) Signals(series []float64) []Signal {
	var out []Signal
	for i, v := range series {
		switch {
		case v > x.Upper:
			out = append(out, Signal{Outside, Up, i, i})
		case v < x.Lower:
			out = append(out, Signal{Outside, Down, i, i})
		}
	}
	// shifts: runs strictly on one side of the mean
	runs(len(series), func(i int) int { return sign(series[i] - x.Mean) }, ShiftPoints, func(s, e, d int) {
		out = append(out, Signal{Shift, dir(d), s, e})
	})
	// trends: a run of points each above (below) the one before; the run
	// starts at the point before the first step
	if len(series) > 1 {
		runs(len(series)-1, func(i int) int { return sign(series[i+1] - series[i]) }, TrendPoints-1, func(s, e, d int) {
			out = append(out, Signal{Trend, dir(d), s, e + 1})
		})
	}
	// two of three beyond two thirds of the way to a limit
	hi := x.Mean + 2*(x.Upper-x.Mean)/3
	lo := x.Mean - 2*(x.Mean-x.Lower)/3
	for _, d := range []int{1, -1} {
		beyond := func(i int) bool {
			if d > 0 {
				return series[i] > hi
			}
			return series[i] < lo
		}
		cur := Signal{Start: -1}
		for i := 2; i < len(series); i++ {
			first, last, n := -1, -1, 0
			for j := i - 2; j <= i; j++ {
				if beyond(j) {
					n++
					if first < 0 {
						first = j
					}
					last = j
				}
			}
			if n < 2 {
				continue
			}
			if cur.Start >= 0 && first <= cur.End+1 {
				cur.End = max(cur.End, last)
				continue
			}
			if cur.Start >= 0 {
				out = append(out, cur)
			}
			cur = Signal{TwoOfThree, dir(d), first, last}
		}
		if cur.Start >= 0 {
			out = append(out, cur)
		}
	}
	return out
}

// runs calls found(start, end, sign) for each maximal run of indices
// 0..n-1 with the same non-zero sign(i), at least min long.
func runs(n int, sign func(int) int, min int, found func(s, e, d int)) {
	start := 0
	for i := 0; i <= n; i++ {
		if i < n && i > start && sign(i) == sign(start) {
			continue
		}
		if i > start && sign(start) != 0 && i-start >= min {
			found(start, i-1, sign(start))
		}
		start = i
	}
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func dir(d int) Direction {
	if d > 0 {
		return Up
	}
	return Down
}
