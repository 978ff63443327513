package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// What needs the time of each record, so a walk of the incidents rather
// than the store's monthly counts: priorities narrowed to a time of day,
// and weekly charts where the partnership area's records carry times (force
// exports; police.uk has the month only).

// WeeklyChart is a priority's weekly series on an XmR chart: the same as
// the monthly chart, by week, where the records have times.
type WeeklyChart struct {
	// Weeks are the Mondays starting each week ("2025-11-03"): every whole
	// week from the first Monday of the months charted to the last Sunday
	// of the period.
	Weeks []string `json:"weeks"`
	// Baseline is the weeks whose Monday falls in the chart baseline's
	// months, as first..last Monday.
	Baseline string `json:"baseline"`
	Chart
}

// timedShare is the share of the partnership area's records that must
// carry a time for weekly charts to be drawn.
const timedShare = 0.9

// untimedProbe is how many records of the period's last month are looked
// at to decide whether the data have times (when no priority needs them).
const untimedProbe = 2000

var errStopWalk = errors.New("engine: walk stopped")

// timed is what the walk found.
type timed struct {
	// windowed are the counts of each priority narrowed to a time of day
	// (by index into the priorities), shaped like strategyRows.
	windowed map[int]strategyRows
	// weekly are each priority's weekly counts in the partnership area, nil
	// when too few records carry times.
	weekly map[int][]int64
	weeks  []time.Time
}

// timedCounts walks the incidents of the priorities' types once.
func (e *Engine) timedCounts(ctx context.Context, sum *data.Summary, s *Strategy, prios []hotspot.Priority, layer *geo.Layer, focus int, wards *geo.Layer) (*timed, error) {
	var types []string
	anyWindow := false
	for _, pr := range prios {
		anyWindow = anyWindow || pr.HasWindow()
		for _, t := range pr.Types {
			if !slices.Contains(types, t) && slices.ContainsFunc(sum.Types, func(tc data.TypeCount) bool { return tc.Type == t }) {
				types = append(types, t)
			}
		}
	}
	out := &timed{windowed: map[int]strategyRows{}}
	if len(types) == 0 {
		return out, nil
	}
	p, from := s.Period, min(s.Months[0], s.BaselinePeriod.From)
	if !anyWindow {
		// a walk costs about as much as reading every record, even when
		// stopped early: look at the period's last month first
		probe := data.Query{From: p.To, To: p.To, Types: types}
		if focus >= 0 {
			probe.Layer, probe.Areas = layer.Name, []string{layer.Areas[focus].Code}
		}
		n, withTime := 0, 0
		err := e.store.Incidents(ctx, probe, func(in *data.Incident) error {
			if _, hour, _ := data.SplitMinute(in.Minute); hour >= 0 {
				withTime++
			}
			if n++; n >= untimedProbe {
				return errStopWalk
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopWalk) {
			return nil, fmt.Errorf("engine: reading the records' times: %w", err)
		}
		if n == 0 || float64(withTime) < timedShare*float64(n) {
			return out, nil
		}
	}
	// the weeks: from the first Monday of the charted months to the last
	// Sunday of the period
	start := monthStart(s.Months[0])
	for start.Weekday() != time.Monday {
		start = start.AddDate(0, 0, 1)
	}
	end := monthStart(p.To + 1) // exclusive
	for w := start; !w.AddDate(0, 0, 7).After(end); w = w.AddDate(0, 0, 7) {
		out.weeks = append(out.weeks, w)
	}
	type key struct {
		area  int
		month data.Month
		t     string
	}
	byArea := map[int]map[key]int64{}
	byMonth := map[int]map[key]int64{}
	byWard := map[int]map[key]int64{}
	weekly := make(map[int][]int64, len(prios))
	for k, pr := range prios {
		weekly[k] = make([]int64, len(out.weeks))
		if pr.HasWindow() {
			byArea[k], byMonth[k], byWard[k] = map[key]int64{}, map[key]int64{}, map[key]int64{}
		}
	}
	var inFocus, timedFocus int64
	err := e.store.Incidents(ctx, data.Query{From: from, To: p.To, Types: types}, func(in *data.Incident) error {
		day, hour, _ := data.SplitMinute(in.Minute)
		area := -1
		if in.Located() {
			area = layer.Locate(in.Point)
		}
		mine := focus < 0 || (area == focus && area >= 0)
		if mine && in.Month >= s.Months[0] {
			inFocus++
			if hour >= 0 {
				timedFocus++
			}
		}
		week := -1
		if hour >= 0 && len(out.weeks) > 0 {
			d := time.Date(in.Month.Year(), time.Month(in.Month.Num()), day, 12, 0, 0, 0, time.UTC)
			if i := int(d.Sub(out.weeks[0]).Hours() / 24 / 7); d.After(out.weeks[0]) && i < len(out.weeks) {
				week = i
			}
		}
		for k, pr := range prios {
			if !slices.Contains(pr.Types, in.Type) || !pr.InWindow(hour) {
				continue
			}
			if mine && week >= 0 {
				weekly[k][week]++
			}
			if !pr.HasWindow() {
				continue
			}
			if area >= 0 {
				byArea[k][key{area, in.Month, in.Type}]++
			}
			if focus < 0 {
				byMonth[k][key{-1, in.Month, in.Type}]++
			}
			if wards != nil && in.Month >= p.From && in.Located() {
				if wi := wards.Locate(in.Point); wi >= 0 {
					byWard[k][key{wi, 0, in.Type}]++
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: reading the records' times: %w", err)
	}
	for k := range byArea {
		var sr strategyRows
		for x, n := range byArea[k] {
			sr.byArea = append(sr.byArea, data.Row{Area: layer.Areas[x.area].Code, Month: x.month, Type: x.t, Count: n})
		}
		for x, n := range byMonth[k] {
			sr.byMonth = append(sr.byMonth, data.Row{Month: x.month, Type: x.t, Count: n})
		}
		for x, n := range byWard[k] {
			sr.byWard = append(sr.byWard, data.Row{Area: wards.Areas[x.area].Code, Type: x.t, Count: n})
		}
		out.windowed[k] = sr
	}
	if inFocus > 0 && float64(timedFocus) >= timedShare*float64(inFocus) {
		out.weekly = weekly
	}
	return out, nil
}

// monthStart is the first day of m, UTC.
func monthStart(m data.Month) time.Time {
	return time.Date(m.Year(), time.Month(m.Num()), 1, 0, 0, 0, 0, time.UTC)
}

// weeklyChart builds a priority's weekly chart, its baseline the weeks
// starting in the chart baseline's months; nil with fewer than two.
func weeklyChart(name string, weeks []time.Time, counts []int64, base Period) (*WeeklyChart, error) {
	labels := make([]string, len(weeks))
	b0, b1 := -1, -1
	for i, w := range weeks {
		labels[i] = w.Format(time.DateOnly)
		m := data.MonthOf(w.Year(), int(w.Month()))
		if in(base, m) {
			if b0 < 0 {
				b0 = i
			}
			b1 = i
		}
	}
	if b0 < 0 || b1 == b0 {
		return nil, nil
	}
	ch, err := xmrChart(name, "week", labels, counts, b0, b1)
	if err != nil {
		return nil, err
	}
	return &WeeklyChart{Weeks: labels, Baseline: labels[b0] + ".." + labels[b1], Chart: ch}, nil
}
