package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// DefaultMaxWindow is the longest committed-from/to window time analysis
// uses: a crime that happened "some time in the last fortnight" says
// nothing about the hour.
const DefaultMaxWindow = 7 * 24 * time.Hour

// TimeQuery asks when crime happens: in one area of a layer, in some H3
// cells, or (neither given) everywhere the source covers.
type TimeQuery struct {
	Layer string     // with Area: that area's crimes
	Area  string     // code or name
	Cells []geo.Cell // crimes in these cells (one resolution)
	// From and To bound the period, inclusive; zero To is the latest month
	// loaded, zero From is To-11 (twelve months).
	From, To data.Month
	// Types restricts to these crime types; empty is every crime type
	// (anti-social behaviour left out).
	Types []string
}

// TimeProfile is when the crimes of a TimeQuery happened, by weekday and
// hour of the UK clock.
type TimeProfile struct {
	Source string   `json:"source"`
	Layer  string   `json:"layer,omitempty"`
	Code   string   `json:"code,omitempty"`
	Name   string   `json:"name,omitempty"`
	Period Period   `json:"period"`
	Types  []string `json:"types"`
	// Grid counts each crime with a time of day at its committed-from time,
	// weekday (Monday first) by hour.
	Grid hotspot.WeekGrid `json:"grid"`
	// Aoristic spreads each crime's weight of 1 evenly over the clock
	// minutes of its committed-from/to window (Ratcliffe 2002); a crime
	// with no window puts 1 in its hour. Equal to Grid when no crime has a
	// window.
	Aoristic hotspot.WeekGrid `json:"aoristic"`
	// Counted is the crimes in the grids; NoTime those with a month or a
	// day only; LongWindows those whose window is longer than the limit
	// (MaxWindow), left out.
	Counted     int64         `json:"counted"`
	Windows     int64         `json:"windows"` // counted crimes with a window
	NoTime      int64         `json:"no_time"`
	LongWindows int64         `json:"long_windows"`
	MaxWindow   time.Duration `json:"max_window_ns"`
	// Peak is when the crimes concentrate (by committed-from), or "no clear
	// peak" with the count.
	Peak        hotspot.Peak `json:"peak"`
	Notes       []string     `json:"notes"`
	DataVersion uint64       `json:"data_version"`
	Computed    time.Time    `json:"computed"`
}

// Times builds the hour x weekday grids of a TimeQuery from the source's
// incident times.
func (e *Engine) Times(ctx context.Context, q TimeQuery) (*TimeProfile, error) {
	pq, err := e.prepare(ctx, Count, q.Types, q.From, q.To, 12, Count)
	if err != nil {
		return nil, err
	}
	out := TimeProfile{Source: sourceOf(pq.sum), Period: pq.p, Types: pq.types, Notes: pq.notes, MaxWindow: e.maxWindow}
	filter := data.Query{From: pq.p.From, To: pq.p.To, Types: pq.types}
	if q.Area != "" {
		l, err := e.layer(ctx, pq.sum, q.Layer)
		if err != nil {
			return nil, err
		}
		ai, err := areaIndex(l, q.Area)
		if err != nil {
			return nil, err
		}
		a := &l.Areas[ai]
		out.Layer, out.Code, out.Name = q.Layer, a.Code, a.Name
		filter.Layer, filter.Areas = q.Layer, []string{a.Code}
	}
	if len(q.Cells) > 0 {
		if _, err := data.CellFilter(q.Cells); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
		filter.Cells = q.Cells
	}
	key := fmt.Sprintf("%s|%s|%s|%v", pq.p, keyList(pq.types), out.Code, q.Cells)
	return compute(ctx, e, pq.sum, "times", key, func(ctx context.Context) (*TimeProfile, error) {
		out.DataVersion, out.Computed = pq.sum.Version, e.now()
		limit := int(e.maxWindow / time.Minute)
		err := e.store.Incidents(ctx, filter, func(in *data.Incident) error {
			if !data.HasTime(in.Minute) {
				out.NoTime++
				return nil
			}
			if in.Span > limit {
				out.LongWindows++
				return nil
			}
			t := in.ClockTime()
			out.Grid.Add(t)
			out.Aoristic.AddAoristic(t, in.Span)
			out.Counted++
			if in.Span > 0 {
				out.Windows++
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("engine: reading crime times: %w", err)
		}
		out.Peak = hotspot.FindPeak(&out.Grid)
		if out.NoTime > 0 {
			out.Notes = append(out.Notes, fmt.Sprintf("%d crimes have a month or day but no time of day and are left out", out.NoTime))
		}
		if out.LongWindows > 0 {
			out.Notes = append(out.Notes, fmt.Sprintf("%d crimes happened some time in a window longer than %s and are left out", out.LongWindows, fmtWindow(e.maxWindow)))
		}
		if out.Counted == 0 {
			out.Notes = append(out.Notes, "no crime here has a time of day: police.uk gives the month only; import a force export with times (hotspotd import --source NAME) and choose it")
		}
		return &out, nil
	})
}

func fmtWindow(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
