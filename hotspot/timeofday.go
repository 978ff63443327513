package hotspot

import (
	"fmt"
	"math"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// WeekGrid holds counts (or aoristic weights) by weekday, Monday first, and
// hour of the UK clock, 0..23.
type WeekGrid [7][24]float64

// weekdayIndex is t's weekday with Monday 0.
func weekdayIndex(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }

// Add counts one crime at the clock time t (its committed-from time). The
// time's location is ignored: t is read as a clock reading.
func (g *WeekGrid) Add(t time.Time) { g[weekdayIndex(t)][t.Hour()]++ }

// AddAoristic spreads a weight of 1 evenly over the clock minutes of the
// window that starts at t and lasts minutes (Ratcliffe 2002): each of the
// minutes t, t+1, ..., t+minutes-1 gets 1/minutes, so an hour the window
// covers fully gets 60/minutes. A window of 0 minutes (no committed-to
// time) puts 1 in t's hour.
func (g *WeekGrid) AddAoristic(t time.Time, minutes int) {
	if minutes <= 0 {
		g.Add(t)
		return
	}
	w := 1 / float64(minutes)
	day, min := weekdayIndex(t), t.Hour()*60+t.Minute()
	for left := minutes; left > 0; {
		take := min2(left, 60-min%60)
		g[day][min/60] += float64(take) * w
		left -= take
		if min += take; min == 1440 {
			min, day = 0, (day+1)%7
		}
	}
}

func min2(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// Hours sums the grid over the weekdays.
func (g *WeekGrid) Hours() [24]float64 {
	var h [24]float64
	for d := range g {
		for i, v := range g[d] {
			h[i] += v
		}
	}
	return h
}

// Total is the grid's sum.
func (g *WeekGrid) Total() float64 {
	var n float64
	for _, v := range g.Hours() {
		n += v
	}
	return n
}

// EvenSpreadTest is Pearson's chi-square test of counts against an even
// spread over their cells: the statistic and its p-value on len(counts)-1
// degrees of freedom (1 when every count is 0: nothing to test).
func EvenSpreadTest(counts []float64) (chi2, p float64) {
	var n float64
	for _, c := range counts {
		n += c
	}
	if n == 0 || len(counts) < 2 {
		return 0, 1
	}
	e := n / float64(len(counts))
	for _, c := range counts {
		chi2 += (c - e) * (c - e) / e
	}
	return chi2, distuv.ChiSquared{K: float64(len(counts) - 1)}.Survival(chi2)
}

// PeakMinCrimes is the fewest crimes a peak is claimed from.
const PeakMinCrimes = 20

// PeakAlpha is the significance level of the even-spread test a peak needs.
const PeakAlpha = 0.05

// Peak is when crime concentrates in a week grid: a window of hours on some
// days, or no clear peak.
type Peak struct {
	Claimed bool `json:"claimed"`
	// Days are the weekdays whose evenings the window starts on, Monday 0.
	Days []int `json:"days,omitempty"`
	// FromHour and ToHour bound the window: from FromHour:00 to ToHour:00,
	// past midnight when ToHour <= FromHour.
	FromHour int `json:"from_hour"`
	ToHour   int `json:"to_hour"`
	// Share is the share of the crimes in the window on those days (0..1).
	Share float64 `json:"share"`
	N     float64 `json:"n"`    // crimes in the grid
	Chi2  float64 `json:"chi2"` // the hours' chi-square against an even spread
	P     float64 `json:"p"`    // its p-value (23 degrees of freedom)
	Text  string  `json:"text"` // "Fri-Sat 22:00-03:00, 41% of 120 crimes" or "no clear peak (12 crimes)"
}

var dayNames = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// FindPeak says when the crimes of g concentrate. A peak is claimed only
// from PeakMinCrimes crimes or more whose hours of the day differ from an
// even spread by Pearson's chi-square test at PeakAlpha; otherwise the
// answer is "no clear peak" with the count. The window is the run of 1 to
// 8 consecutive hours (across midnight too) with the largest standardised
// excess over an even spread, (observed - expected) / sqrt(expected); its
// days are those whose share of the window (hours after midnight counted
// with the evening before) is at least 1.2 times an even share, or every
// day when none or all are.
func FindPeak(g *WeekGrid) Peak {
	hours := g.Hours()
	pk := Peak{N: g.Total()}
	pk.Chi2, pk.P = EvenSpreadTest(hours[:])
	if pk.N < PeakMinCrimes || pk.P >= PeakAlpha {
		why := "fewer than 20 crimes"
		if pk.N >= PeakMinCrimes {
			why = "times spread too evenly to say"
		}
		pk.Text = fmt.Sprintf("no clear peak (%s crimes; %s)", fmtCount(pk.N), why)
		return pk
	}
	best := math.Inf(-1)
	for l := 1; l <= 8; l++ {
		exp := pk.N * float64(l) / 24
		for s := 0; s < 24; s++ {
			var obs float64
			for k := 0; k < l; k++ {
				obs += hours[(s+k)%24]
			}
			if z := (obs - exp) / math.Sqrt(exp); z > best {
				best, pk.FromHour, pk.ToHour = z, s, (s+l)%24
			}
		}
	}
	l := (pk.ToHour - pk.FromHour + 24) % 24
	if l == 0 {
		l = 24
	}
	var byDay [7]float64
	var inWindow float64
	for d := 0; d < 7; d++ {
		for k := 0; k < l; k++ {
			h := pk.FromHour + k
			byDay[d] += g[(d+h/24)%7][h%24]
		}
		inWindow += byDay[d]
	}
	for d, v := range byDay {
		if v >= 1.2*inWindow/7 {
			pk.Days = append(pk.Days, d)
		}
	}
	if len(pk.Days) == 0 || len(pk.Days) == 7 {
		pk.Days = []int{0, 1, 2, 3, 4, 5, 6}
	}
	var in float64
	for _, d := range pk.Days {
		in += byDay[d]
	}
	pk.Claimed, pk.Share = true, in/pk.N
	pk.Text = fmt.Sprintf("%s %02d:00-%02d:00, %.0f%% of %s crimes", DaysLabel(pk.Days), pk.FromHour, pk.ToHour, 100*pk.Share, fmtCount(pk.N))
	return pk
}

// DaysLabel names weekdays (Monday 0) briefly: "every day", "Fri-Sat",
// "Mon, Wed".
func DaysLabel(days []int) string {
	if len(days) == 7 {
		return "every day"
	}
	if len(days) > 1 && days[len(days)-1]-days[0] == len(days)-1 {
		return dayNames[days[0]] + "-" + dayNames[days[len(days)-1]]
	}
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = dayNames[d]
	}
	return strings.Join(names, ", ")
}

func fmtCount(n float64) string {
	if n == math.Trunc(n) {
		return fmt.Sprintf("%.0f", n)
	}
	return fmt.Sprintf("%.1f", n)
}
