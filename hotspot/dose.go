package hotspot

import (
	"fmt"
	"math"
	"strings"
)

// PatrolMinutes is the length of a visible patrol visit: the Koper curve
// (Koper 1995) found 10-15 minute stops deter longest.
const PatrolMinutes = "10-15"

// Dose limits: a place expecting under MinDemandPerWeek crimes a week is
// monitored, not patrolled; others get DosePerCrime visits a day for each
// crime they expect in a day, at least MinVisits (one in each daytime shift)
// and at most MaxVisits (every two hours through a 16-hour day, the Koper
// curve's return interval). The rule is this project's, stated on the sheet
// with its arithmetic, not a published figure.
const (
	MinDemandPerWeek = 1.0
	DosePerCrime     = 2.0
	MinVisits        = 2
	MaxVisits        = 8
)

// Dose is the suggested patrol dose for a place.
type Dose struct {
	VisitMinutes string `json:"visit_minutes"`  // PatrolMinutes
	VisitsPerDay int    `json:"visits_per_day"` // 0 when Monitor
	Monitor      bool   `json:"monitor"`        // too little demand for a patrol dose
	Advice       string `json:"advice"`
}

// PatrolDose suggests how often to visit a place from its demand: count
// crimes in a period of days days (fewer than 1 is taken as 1). Visits are
// per day. The advice names the peak when the data give times (hours of the
// day 0..23 and weekday names, busiest first); monthOnly says they do not.
func PatrolDose(count int64, days int, monthOnly bool, peakDays []string, peakHours []int) Dose {
	d := Dose{VisitMinutes: PatrolMinutes}
	when := "across the shift"
	if !monthOnly && len(peakHours) > 0 {
		hs := make([]string, len(peakHours))
		for i, h := range peakHours {
			hs[i] = fmt.Sprintf("%02d:00", h)
		}
		when = "around " + strings.Join(hs, ", ")
	}
	if len(peakDays) > 0 && !monthOnly {
		when += " on " + strings.Join(peakDays, ", ")
	}
	perDay := float64(count) / float64(max(days, 1))
	arith := fmt.Sprintf("%d crimes in %d days is %.1f a day (%.1f a shift)", count, days, perDay, perDay/3)
	if perDay*7 < MinDemandPerWeek {
		d.Monitor = true
		d.Advice = fmt.Sprintf("Monitor, no patrol dose: %s, under %g a week.", arith, MinDemandPerWeek)
		return d
	}
	v := int(math.Ceil(DosePerCrime * perDay))
	d.VisitsPerDay = min(MaxVisits, max(MinVisits, v))
	d.Advice = fmt.Sprintf("%d visible stops a day of %s minutes each, at unpredictable times, %s. Demand: %s.",
		d.VisitsPerDay, PatrolMinutes, when, arith)
	if monthOnly {
		d.Advice += " No peak times: the data give the month only."
	}
	return d
}
