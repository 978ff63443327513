package data

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// clockTime is an incident's committed-from time as a clock reading: UTC
// stands for "UK local time as written", so adding minutes counts clock
// minutes. A record at 01:30 on the night the clocks go back is one
// reading, stored once, whichever of the two 01:30s it was.
func clockTime(m Month, minute int) time.Time {
	return time.Date(m.Year(), time.Month(m.Num()), 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(minute) * time.Minute)
}

// windowSpan reads a committed-to time and returns it as clock minutes
// after the committed-from time (month, minute). A committed-to with no time
// of day is taken as the end of that day.
func windowSpan(m Month, minute int, s string) (int, bool, string) {
	from := clockTime(m, minute)
	for _, l := range dateLayouts {
		t, err := time.Parse(l, s)
		if err != nil {
			continue
		}
		if !strings.Contains(l, "15") {
			if l == "2006-01" {
				break
			}
			t = t.Add(24*time.Hour - time.Minute)
		}
		d := t.Sub(from)
		if d < 0 {
			return 0, false, fmt.Sprintf("committed-to %s is before committed-from %s; check the two columns", s, from.Format("02/01/2006 15:04"))
		}
		mins := int(d / time.Minute)
		if mins > math.MaxUint32 {
			return 0, false, fmt.Sprintf("committed-to %s is more than 8,000 years after committed-from", s)
		}
		return mins, true, ""
	}
	return 0, false, fmt.Sprintf("%q is not a date and time (expected such as 03/11/2025 14:25)", s)
}

// ClockTime is the incident's committed-from time as a clock reading (UTC
// stands for UK local time as written; see clockTime). Only meaningful when
// HasTime(in.Minute).
func (in *Incident) ClockTime() time.Time { return clockTime(in.Month, in.Minute) }
