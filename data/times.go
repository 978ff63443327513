package data

import (
	"fmt"
	"math"
	"strconv"
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
	if tm, tmin, ok := ukDateTime(s); ok {
		d := clockTime(tm, tmin).Sub(from)
		if d < 0 {
			return 0, false, fmt.Sprintf("committed-to %s is before committed-from %s; check the two columns", s, from.Format("02/01/2006 15:04"))
		}
		return int(d / time.Minute), true, ""
	}
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

// ukDateTime reads "dd/mm/yyyy HH:MM", the usual shape of a UK force
// export's date-times, without trying every layout: the month and the
// minute within it. ok is false for any other shape or an impossible date
// or time, which the general parser then reads or refuses.
func ukDateTime(s string) (Month, int, bool) {
	if len(s) != 16 || s[2] != '/' || s[5] != '/' || s[10] != ' ' || s[13] != ':' {
		return 0, 0, false
	}
	num := func(a, b int) int {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	d, mo, y, h, mi := num(0, 2), num(3, 5), num(6, 10), num(11, 13), num(14, 16)
	if d < 1 || mo < 1 || mo > 12 || y < 1900 || y > 2200 || h < 0 || h > 23 || mi < 0 || mi > 59 {
		return 0, 0, false
	}
	if d > time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return 0, 0, false
	}
	return MonthOf(y, mo), (d-1)*1440 + h*60 + mi, true
}

// TimeFilter keeps incidents by the clock time of their committed-from:
// the hours of the week they may fall in. Incidents with no time of day,
// or with a committed-to window longer than MaxSpan minutes, are left out.
type TimeFilter struct {
	// Hours are the hours of the week kept, Monday 00:00-01:00 first
	// (index weekday*24 + hour, Monday 0).
	Hours [168]bool
	// MaxSpan is the longest committed-from/to window kept, in minutes;
	// 0 keeps every window.
	MaxSpan int
}

// Keep reports whether an incident of month m at minute (Incident.Minute)
// with window span passes the filter.
func (f *TimeFilter) Keep(m Month, minute, span int) bool {
	if !HasTime(minute) || (f.MaxSpan > 0 && span > f.MaxSpan) {
		return false
	}
	return f.Hours[weekHour(m.firstWeekday(), minute)]
}

// firstWeekday is the weekday of the month's first day, Monday 0.
func (m Month) firstWeekday() int {
	return (int(time.Date(m.Year(), time.Month(m.Num()), 1, 0, 0, 0, 0, time.UTC).Weekday()) + 6) % 7
}

// weekHour is the hour of the week (Monday 00:00 = 0) of minute in a month
// starting on weekday wd.
func weekHour(wd, minute int) int {
	return ((wd+minute/1440)%7)*24 + (minute%1440)/60
}

// HourList is the filter's hours of the week, ascending.
func (f *TimeFilter) HourList() []int32 {
	var out []int32
	for i, ok := range f.Hours {
		if ok {
			out = append(out, int32(i))
		}
	}
	return out
}

// Key is the filter as a string, for cache keys.
func (f *TimeFilter) Key() string {
	if f == nil {
		return ""
	}
	return fmt.Sprintf("%v/%d", f.HourList(), f.MaxSpan)
}

// NightTimeEconomy is the night-time economy preset: Friday and Saturday
// nights, 20:00 to 04:00 the next morning.
func NightTimeEconomy(maxSpan int) *TimeFilter {
	f, _ := NewTimeFilter([]int{4, 5}, 20, 4, maxSpan)
	return f
}

// NewTimeFilter keeps the hours from fromHour to toHour (0..24; past
// midnight into the next day when toHour <= fromHour) starting on each of
// days (Monday 0). No days: every day.
func NewTimeFilter(days []int, fromHour, toHour, maxSpan int) (*TimeFilter, error) {
	if fromHour < 0 || fromHour > 23 || toHour < 0 || toHour > 24 {
		return nil, fmt.Errorf("%w: hours run 0 to 24 (from %d to %d given)", ErrBadQuery, fromHour, toHour)
	}
	if len(days) == 0 {
		days = []int{0, 1, 2, 3, 4, 5, 6}
	}
	n := (toHour - fromHour + 24) % 24
	if n == 0 {
		n = 24
	}
	f := &TimeFilter{MaxSpan: maxSpan}
	for _, d := range days {
		if d < 0 || d > 6 {
			return nil, fmt.Errorf("%w: weekday %d is outside Monday (0) to Sunday (6)", ErrBadQuery, d)
		}
		for k := 0; k < n; k++ {
			f.Hours[(d*24+fromHour+k)%168] = true
		}
	}
	return f, nil
}

var weekdayNames = map[string]int{"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

// ParseTimeFilter reads a time filter as users give it: preset "nte" (the
// night-time economy, Friday and Saturday nights 20:00-04:00), or days
// ("fri,sat"; empty: every day) and hours ("20-04", past midnight when the
// end is not after the start; empty: the whole day). nil when nothing is
// asked for. Errors wrap ErrBadQuery and say what to write.
func ParseTimeFilter(preset, days, hours string, maxSpan int) (*TimeFilter, error) {
	switch p := strings.ToLower(strings.TrimSpace(preset)); p {
	case "":
	case "nte", "night-time-economy":
		return NightTimeEconomy(maxSpan), nil
	default:
		return nil, fmt.Errorf("%w: %q is not a time preset; use nte (Friday and Saturday nights 20:00-04:00), or days and hours such as fri,sat and 20-04", ErrBadQuery, preset)
	}
	days, hours = strings.TrimSpace(days), strings.TrimSpace(hours)
	if days == "" && hours == "" {
		return nil, nil
	}
	var ds []int
	for _, d := range strings.Split(days, ",") {
		if d = strings.ToLower(strings.TrimSpace(d)); d == "" {
			continue
		}
		i, ok := weekdayNames[d[:min(3, len(d))]]
		if !ok {
			return nil, fmt.Errorf("%w: %q is not a weekday; use mon, tue, wed, thu, fri, sat, sun", ErrBadQuery, d)
		}
		ds = append(ds, i)
	}
	from, to := 0, 24
	if hours != "" {
		a, b, ok := strings.Cut(hours, "-")
		x, err1 := strconv.Atoi(strings.TrimSpace(a))
		y, err2 := strconv.Atoi(strings.TrimSpace(b))
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: %q is not a range of hours; use such as 20-04 (past midnight) or 09-17", ErrBadQuery, hours)
		}
		from, to = x, y
	}
	return NewTimeFilter(ds, from, to, maxSpan)
}
