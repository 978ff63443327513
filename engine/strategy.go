package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// The strategy view's defaults.
const (
	// StrategyLayer is the layer whose areas the strategy view compares:
	// the local authorities, as the partnership's papers do.
	StrategyLayer = "authorities"
	// StrategyArea is the partnership's own area in StrategyLayer.
	StrategyArea = "Stockton-on-Tees"
	// StrategyWards is the layer of the hotspot wards.
	StrategyWards = "wards"
	// DefaultTopWards is how many hotspot wards a priority lists (the
	// papers list four).
	DefaultTopWards = 4
	// SPCBaselineMonths is the default XmR baseline: the first 24 months
	// loaded (NHS England advises 20 points or more).
	SPCBaselineMonths = 24
	// minSPCBaseline is the baseline length below which the limits are
	// noted as rough.
	minSPCBaseline = 12
	// recentMonths is how far back a signal that has ended still makes a
	// priority worth watching.
	recentMonths = 3
)

// StrategyQuery asks for the strategy view: every priority's comparison
// across areas, change, cost, hotspot wards and exceptions over time.
type StrategyQuery struct {
	// Layer is the layer whose areas are compared; "" is StrategyLayer.
	Layer string
	// Area is the partnership's area in Layer (code or name), whose change,
	// cost and monthly chart are shown; "" is every incident loaded.
	Area string
	// From and To bound the period compared; zero To is the latest month
	// loaded, zero From is To-11 (twelve months).
	From, To data.Month
	// BaselineYear is the year the change is measured from: the period
	// moved back whole years so that it ends in BaselineYear. 0 is the
	// year before (the period moved back 12 months).
	BaselineYear int
	// SPCFrom and SPCTo bound the XmR chart's baseline months; zero is the
	// first SPCBaselineMonths months loaded (up to To).
	SPCFrom, SPCTo data.Month
	// Wards is the layer of the hotspot wards; "" is StrategyWards, left
	// out (with a note) when not loaded.
	Wards string
	// TopWards is how many hotspot wards to list; 0 is DefaultTopWards.
	TopWards int
	// Priorities names the priorities to show (any case); empty is all.
	Priorities []string
}

// Strategy is the strategy view: one section per priority, in the shape of
// the partnership's strategy papers, and a summary flagged by exception.
type Strategy struct {
	Layer string `json:"layer"`
	// AreaCode and AreaName are the partnership's area; "" and "all areas"
	// when the query named none.
	AreaCode string `json:"area_code"`
	AreaName string `json:"area_name"`
	// Period is compared; BaselinePeriod is the same months in the
	// baseline year, for the change.
	Period         Period `json:"period"`
	BaselinePeriod Period `json:"baseline_period"`
	// Months are the months of every priority's chart, first loaded to To.
	Months []data.Month `json:"months"`
	// SPCBaseline is the months the XmR limits come from.
	SPCBaseline Period `json:"spc_baseline"`
	Wards       string `json:"wards_layer"`
	// PrioritiesFile names the priorities table ("default.csv").
	PrioritiesFile string `json:"priorities_file"`
	// FunnelMethod says how the funnel limits are computed.
	FunnelMethod string            `json:"funnel_method"`
	Priorities   []PriorityFigures `json:"priorities"`
	Notes        []string          `json:"notes"`
	DataVersion  uint64            `json:"data_version"`
	Computed     time.Time         `json:"computed"`
}

// The statuses of a priority in the summary.
const (
	StatusException = "exception" // above the 99.8% funnel limit, or a signal of more crime in the latest month
	StatusWatch     = "watch"     // above the 95% limit, or a signal of more crime that ended lately
	StatusNormal    = "normal"
)

// PriorityFigures is one priority's section of the strategy view.
type PriorityFigures struct {
	Name    string   `json:"name"`
	Types   []string `json:"types"`
	Sources []string `json:"sources"`
	// Status is StatusException, StatusWatch or StatusNormal, raised by
	// more crime than normal only; Reasons say why in plain words (empty
	// for normal).
	Status  string   `json:"status"`
	Reasons []string `json:"reasons"`
	// Better lists the good news: a rate lower than normal for the group,
	// and signals of less crime that run to the last three months.
	Better []string `json:"better"`
	// Count is the partnership area's count over the period; Rate per
	// 1,000 residents (nil without a population).
	Count int64    `json:"count"`
	Rate  *float64 `json:"rate_per_1000"`
	// Change compares Count with the baseline period; nil when the data do
	// not cover it.
	Change *hotspot.Change `json:"change"`
	// Cost is the area's cost of crime over the period, GBP at 2015/16
	// prices; NotCosted lists types it leaves out and why.
	Cost      float64        `json:"cost"`
	NotCosted []ExcludedType `json:"not_costed"`
	// Comparison places every area of the layer on a funnel plot.
	Comparison Comparison `json:"comparison"`
	// TopWards are the wards with most of the priority over the period.
	TopWards []WardCount `json:"top_wards"`
	// Chart is the partnership area's monthly series as an XmR chart.
	Chart Chart `json:"chart"`
	// Weekly is the same by week, where the records have times; nil
	// otherwise.
	Weekly *WeeklyChart `json:"weekly"`
	Notes  []string     `json:"notes"`
}

// Comparison is a priority's areas on a funnel plot.
type Comparison struct {
	// GroupRate is the rate per 1,000 of all the areas compared together.
	GroupRate float64        `json:"group_rate_per_1000"`
	Areas     []ComparedArea `json:"areas"`
	// LeftOut names areas with no population figure, not compared.
	LeftOut []string `json:"left_out"`
}

// ComparedArea is one area on the funnel plot, highest rate first.
type ComparedArea struct {
	Code string `json:"code"`
	Name string `json:"name"`
	hotspot.FunnelPoint
	// Words is the reading in plain words.
	Words string `json:"words"`
	// Partnership is true for the partnership's own area.
	Partnership bool `json:"partnership"`
}

// WardCount is a hotspot ward with its count.
type WardCount struct {
	Rank  int    `json:"rank"`
	Code  string `json:"code"`
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Chart is a monthly series on an XmR chart with its signals.
type Chart struct {
	// Values are the counts of Strategy.Months, in order.
	Values  []int64        `json:"values"`
	XmR     hotspot.XmR    `json:"xmr"`
	Signals []SignalReport `json:"signals"`
}

// SignalReport is a Making Data Count signal in plain words, with its
// first and last month ("2025-04") or week (its Monday, "2025-04-07").
type SignalReport struct {
	hotspot.Signal
	From string `json:"from"`
	To   string `json:"to"`
	// Current is true when the signal runs to the latest month or week.
	Current bool   `json:"current"`
	Words   string `json:"words"`
}

// FunnelMethod describes the funnel limits used.
const FunnelMethod = "Spiegelhalter (2005): for an expected count E of 100 or more the normal approximation to the Poisson, (E ± z·√E) / population with z 1.96 (95%) and 3.09 (99.8%); below 100 exact Poisson limits"

// Strategy builds the strategy view from the engine's priorities.
func (e *Engine) Strategy(ctx context.Context, q StrategyQuery) (*Strategy, error) {
	sum, err := e.summary(ctx)
	if err != nil {
		return nil, err
	}
	ld, err := loadedOf(sum)
	if err != nil {
		return nil, err
	}
	var notes []string
	p, err := ld.window(q.From, q.To, 12, &notes)
	if err != nil {
		return nil, err
	}
	if q.Layer == "" {
		q.Layer = StrategyLayer
	}
	layer, err := e.layer(ctx, sum, q.Layer)
	if err != nil {
		return nil, err
	}
	focus := -1
	if q.Area != "" {
		if focus, err = areaIndex(layer, q.Area); err != nil {
			return nil, err
		}
	}
	base, err := baselinePeriod(p, q.BaselineYear)
	if err != nil {
		return nil, err
	}
	series := period(ld.first(), p.To)
	spc, err := spcBaseline(series, q.SPCFrom, q.SPCTo)
	if err != nil {
		return nil, err
	}
	prios := e.priorities.List
	if len(q.Priorities) > 0 {
		prios = nil
		for _, n := range q.Priorities {
			pr, ok := e.priorities.Find(n)
			if !ok {
				return nil, fmt.Errorf("%w: no priority %q in %s; the priorities are: %s", ErrBadQuery, n, e.priorities.Name, strings.Join(e.priorities.Names(), ", "))
			}
			prios = append(prios, pr)
		}
	}
	wards := q.Wards
	if wards == "" {
		wards = StrategyWards
		if !slices.Contains(sum.Layers, wards) {
			wards = ""
			notes = append(notes, fmt.Sprintf("no hotspot wards: the layer %q is not loaded", StrategyWards))
		}
	}
	var wardLayer *geo.Layer
	if wards != "" {
		if wardLayer, err = e.layer(ctx, sum, wards); err != nil {
			return nil, err
		}
	}
	top := q.TopWards
	if top <= 0 {
		top = DefaultTopWards
	}
	names := make([]string, len(prios))
	for i, pr := range prios {
		names[i] = pr.Name
	}
	key := fmt.Sprintf("%s|%d|%s|%s|%s|%s|%d|%s", layer.Name, focus, p, base, spc, wards, top, keyList(names))
	return compute(ctx, e, sum, "strategy", key, func(ctx context.Context) (*Strategy, error) {
		s := &Strategy{Layer: layer.Name, AreaName: "all areas", Period: p, BaselinePeriod: base, SPCBaseline: spc, Wards: wards,
			PrioritiesFile: e.priorities.Name, FunnelMethod: FunnelMethod, Notes: nonNil(notes),
			DataVersion: sum.Version, Computed: e.now()}
		if focus >= 0 {
			s.AreaCode, s.AreaName = layer.Areas[focus].Code, layer.Areas[focus].Name
		}
		for m := series.From; m <= series.To; m++ {
			s.Months = append(s.Months, m)
		}
		ld.uncovered("baseline year", base, &s.Notes)
		if spc.Months < minSPCBaseline {
			s.Notes = append(s.Notes, fmt.Sprintf("the charts' limits come from %d months only (%s); 20 or more give steadier limits", spc.Months, spc))
		}
		rows, err := e.strategyRows(ctx, sum, s, prios, layer, focus, wardLayer)
		if err != nil {
			return nil, err
		}
		tc, err := e.timedCounts(ctx, sum, s, prios, layer, focus, wardLayer)
		if err != nil {
			return nil, err
		}
		if tc.weekly == nil {
			s.Notes = append(s.Notes, "no weekly charts: they need records with times (force exports); police.uk records have the month only")
		}
		for k, pr := range prios {
			sr := rows
			if pr.HasWindow() {
				sr = tc.windowed[k]
				sr.anyData = rows.anyData
			}
			pf, err := e.priorityFigures(sum, ld, s, pr, sr, layer, focus, wardLayer, top)
			if err != nil {
				return nil, err
			}
			if pr.HasWindow() {
				pf.Notes = append(pf.Notes, fmt.Sprintf("counts only records timed %s:00 to %s:00; records with no time (police.uk's) cannot be placed and are left out",
					pr.Hours[:2], pr.Hours[3:]))
			}
			if tc.weekly != nil {
				if pf.Weekly, err = weeklyChart(pr.Name, tc.weeks, tc.weekly[k], s.SPCBaseline); err != nil {
					return nil, err
				}
			}
			s.Priorities = append(s.Priorities, pf)
		}
		return s, nil
	})
}

// baselinePeriod moves p back whole years so it ends in year (0: one year).
func baselinePeriod(p Period, year int) (Period, error) {
	if year == 0 {
		return p.shift(-12), nil
	}
	if year >= p.To.Year() {
		return Period{}, fmt.Errorf("%w: baseline year %d is not before the period's end (%s); give an earlier year", ErrBadQuery, year, p.To)
	}
	return p.shift(-12 * (p.To.Year() - year)), nil
}

// spcBaseline resolves the XmR baseline inside the series.
func spcBaseline(series Period, from, to data.Month) (Period, error) {
	if from == 0 {
		from = series.From
	}
	if to == 0 {
		to = min(from+SPCBaselineMonths-1, series.To)
	}
	switch {
	case from > to:
		return Period{}, fmt.Errorf("%w: the chart baseline runs backwards (%s to %s); give the earlier month first", ErrBadQuery, from, to)
	case from < series.From || to > series.To:
		return Period{}, fmt.Errorf("%w: the chart baseline %s..%s is outside the months loaded up to the period's end (%s); choose months inside it", ErrNoMonth, from, to, series)
	case to == from:
		return Period{}, fmt.Errorf("%w: the chart baseline is one month (%s); give at least two, 20 or more for steady limits", ErrBadQuery, from)
	}
	return period(from, to), nil
}

// strategyRows are the counts every priority's figures come from, read
// once for all priorities: by area of the layer, month and type over the
// months charted and the baseline; by month and type (with no partnership
// area); by ward and type over the period.
type strategyRows struct {
	byArea, byMonth, byWard []data.Row
	// anyData marks the areas of the layer with a record of any type in
	// the period: an area with none lies outside the data loaded (another
	// force's), and comparing its zero would mislead.
	anyData []bool
}

func (e *Engine) strategyRows(ctx context.Context, sum *data.Summary, s *Strategy, prios []hotspot.Priority, layer *geo.Layer, focus int, wards *geo.Layer) (strategyRows, error) {
	var out strategyRows
	var types []string
	for _, pr := range prios {
		for _, t := range pr.Types {
			if !slices.Contains(types, t) && slices.ContainsFunc(sum.Types, func(tc data.TypeCount) bool { return tc.Type == t }) {
				types = append(types, t)
			}
		}
	}
	p, from := s.Period, min(s.Months[0], s.BaselinePeriod.From)
	out.anyData = make([]bool, len(layer.Areas))
	all, err := e.store.Aggregate(ctx, data.Query{From: p.From, To: p.To, By: data.GroupBy{Layer: layer.Name}})
	if err != nil {
		return out, fmt.Errorf("engine: counting records by %s: %w", layer.Name, err)
	}
	for _, r := range all {
		if i := layer.Index(r.Area); i >= 0 && r.Count > 0 {
			out.anyData[i] = true
		}
	}
	if len(types) == 0 {
		return out, nil
	}
	slices.Sort(types)
	if out.byArea, err = e.store.Aggregate(ctx, data.Query{From: from, To: p.To, Types: types,
		By: data.GroupBy{Layer: layer.Name, Month: true, Type: true}}); err != nil {
		return out, fmt.Errorf("engine: counting the priorities by %s: %w", layer.Name, err)
	}
	if focus < 0 {
		if out.byMonth, err = e.store.Aggregate(ctx, data.Query{From: from, To: p.To, Types: types, By: data.GroupBy{Month: true, Type: true}}); err != nil {
			return out, fmt.Errorf("engine: counting the priorities by month: %w", err)
		}
	}
	if wards != nil {
		if out.byWard, err = e.store.Aggregate(ctx, data.Query{From: p.From, To: p.To, Types: types, By: data.GroupBy{Layer: wards.Name, Type: true}}); err != nil {
			return out, fmt.Errorf("engine: counting the priorities by %s: %w", wards.Name, err)
		}
	}
	return out, nil
}

// priorityFigures computes one priority's section.
func (e *Engine) priorityFigures(sum *data.Summary, ld loaded, s *Strategy, pr hotspot.Priority, sr strategyRows, layer *geo.Layer, focus int, wards *geo.Layer, top int) (PriorityFigures, error) {
	pf := PriorityFigures{Name: pr.Name, Types: pr.Types, Sources: pr.Sources, Status: StatusNormal, Reasons: []string{}, Better: []string{}, Notes: []string{}, TopWards: []WardCount{}}
	types := make([]string, 0, len(pr.Types))
	for _, t := range pr.Types {
		if slices.ContainsFunc(sum.Types, func(tc data.TypeCount) bool { return tc.Type == t }) {
			types = append(types, t)
		} else {
			pf.Notes = append(pf.Notes, fmt.Sprintf("crime type %q is not in the data and counts nothing", t))
		}
	}
	pf.NotCosted = []ExcludedType{}
	for _, x := range e.excluded(pr.Types) {
		if x.Measure == Cost {
			pf.NotCosted = append(pf.NotCosted, x)
		}
	}
	p, base := s.Period, s.BaselinePeriod
	first := s.Months[0]
	mine := func(r data.Row) bool { return slices.Contains(types, r.Type) }
	inArea := make([]int64, len(layer.Areas))
	monthly := make([]int64, len(s.Months))
	var cur, prev int64
	addFocus := func(m data.Month, t string, n int64) {
		if in(p, m) {
			cur += n
			_, c := e.weigh(t, n)
			pf.Cost += c
		}
		if in(base, m) {
			prev += n
		}
		if m >= first && m <= p.To {
			monthly[m-first] += n
		}
	}
	for _, r := range sr.byArea {
		i := layer.Index(r.Area)
		if i < 0 || !mine(r) {
			continue
		}
		if in(p, r.Month) {
			inArea[i] += r.Count
		}
		if i == focus {
			addFocus(r.Month, r.Type, r.Count)
		}
	}
	for _, r := range sr.byMonth {
		if mine(r) {
			addFocus(r.Month, r.Type, r.Count)
		}
	}
	pf.Count = cur
	if ld.covers(base) {
		c := hotspot.Compare(float64(cur), float64(prev))
		pf.Change = &c
	}

	// funnel across the areas with a population
	var fa []hotspot.FunnelArea
	var idx []int
	pf.Comparison.LeftOut = []string{}
	var noData []string
	for i := range layer.Areas {
		a := &layer.Areas[i]
		if !a.HasPopulation || a.Population <= 0 {
			pf.Comparison.LeftOut = append(pf.Comparison.LeftOut, a.Name)
			continue
		}
		if sr.anyData != nil && !sr.anyData[i] {
			pf.Comparison.LeftOut = append(pf.Comparison.LeftOut, a.Name)
			noData = append(noData, a.Name)
			continue
		}
		fa = append(fa, hotspot.FunnelArea{Count: float64(inArea[i]), Population: a.Population})
		idx = append(idx, i)
	}
	if focus >= 0 && layer.Areas[focus].HasPopulation && layer.Areas[focus].Population > 0 {
		r := float64(cur) / layer.Areas[focus].Population * 1000
		pf.Rate = &r
	}
	pf.Comparison.Areas = []ComparedArea{}
	if len(fa) >= 2 {
		f, err := hotspot.NewFunnel(fa)
		if err != nil {
			return pf, fmt.Errorf("engine: %w", err)
		}
		pf.Comparison.GroupRate = f.GroupRate
		for k, pt := range f.Points {
			a := &layer.Areas[idx[k]]
			pf.Comparison.Areas = append(pf.Comparison.Areas, ComparedArea{Code: a.Code, Name: a.Name, FunnelPoint: pt,
				Words: pt.Reading.Words(), Partnership: idx[k] == focus})
		}
		slices.SortStableFunc(pf.Comparison.Areas, func(a, b ComparedArea) int {
			if c := cmp.Compare(b.Rate, a.Rate); c != 0 {
				return c
			}
			return cmp.Compare(a.Name, b.Name)
		})
	} else {
		pf.Notes = append(pf.Notes, fmt.Sprintf("no comparison: fewer than two areas of %s have both a population figure and records (import populations with hotspotd areas import --population)", layer.Name))
	}
	if n := len(pf.Comparison.LeftOut) - len(noData); n > 0 {
		pf.Notes = append(pf.Notes, "not compared (no population figure): "+strings.Join(without(pf.Comparison.LeftOut, noData), ", "))
	}
	if len(noData) > 0 {
		pf.Notes = append(pf.Notes, "not compared (no records of any kind in the period: outside the data loaded): "+strings.Join(noData, ", "))
	}

	// hotspot wards
	if wards != nil {
		byWard := make([]int64, len(wards.Areas))
		for _, r := range sr.byWard {
			if i := wards.Index(r.Area); i >= 0 && mine(r) {
				byWard[i] += r.Count
			}
		}
		for i, n := range byWard {
			if n > 0 {
				pf.TopWards = append(pf.TopWards, WardCount{Code: wards.Areas[i].Code, Name: wards.Areas[i].Name, Count: n})
			}
		}
		slices.SortFunc(pf.TopWards, func(a, b WardCount) int {
			if c := cmp.Compare(b.Count, a.Count); c != 0 {
				return c
			}
			return cmp.Compare(a.Name, b.Name)
		})
		for i := range pf.TopWards {
			if i > 0 && pf.TopWards[i].Count == pf.TopWards[i-1].Count {
				pf.TopWards[i].Rank = pf.TopWards[i-1].Rank
			} else {
				pf.TopWards[i].Rank = i + 1
			}
		}
		pf.TopWards = pf.TopWards[:min(top, len(pf.TopWards))]
	}

	// the XmR chart
	labels := make([]string, len(s.Months))
	for i, m := range s.Months {
		labels[i] = m.String()
	}
	var err error
	if pf.Chart, err = xmrChart(pr.Name, "month", labels, monthly, int(s.SPCBaseline.From-first), int(s.SPCBaseline.To-first)); err != nil {
		return pf, err
	}
	pf.status(s.AreaName, len(monthly)-1)
	return pf, nil
}

// xmrChart puts a series on an XmR chart whose limits come from points
// b0..b1, and words its signals; unit is "month" or "week", labels name
// each point.
func xmrChart(name, unit string, labels []string, values []int64, b0, b1 int) (Chart, error) {
	vals := make([]float64, len(values))
	for i, v := range values {
		vals[i] = float64(v)
	}
	x, err := hotspot.NewXmR(vals[b0 : b1+1])
	if err != nil {
		return Chart{}, fmt.Errorf("engine: %w", err)
	}
	ch := Chart{Values: values, XmR: x, Signals: []SignalReport{}}
	last := len(vals) - 1
	for _, sg := range x.Signals(vals) {
		sr := SignalReport{Signal: sg, From: labels[sg.Start], To: labels[sg.End], Current: sg.End == last}
		sr.Words = signalWords(name, unit, sr, vals, x)
		ch.Signals = append(ch.Signals, sr)
	}
	return ch, nil
}

// status sets the summary flag, its reasons and the good news. Only more
// crime than normal raises the flag (an exception report asks for action);
// less crime than normal is listed under Better.
func (pf *PriorityFigures) status(area string, last int) {
	raise := func(st string) {
		if st == StatusException || pf.Status == StatusNormal {
			pf.Status = st
		}
	}
	for _, a := range pf.Comparison.Areas {
		if !a.Partnership {
			continue
		}
		words := fmt.Sprintf("%s's rate (%.2f per 1,000) is %s", area, a.Rate, a.Words)
		switch a.Reading {
		case hotspot.AboveHigh:
			raise(StatusException)
			pf.Reasons = append(pf.Reasons, words)
		case hotspot.Above95:
			raise(StatusWatch)
			pf.Reasons = append(pf.Reasons, words)
		case hotspot.BelowHigh, hotspot.Below95:
			pf.Better = append(pf.Better, words)
		}
	}
	for _, sg := range pf.Chart.Signals {
		recent := last-sg.End < recentMonths
		switch {
		case sg.Direction == hotspot.Down:
			if recent {
				pf.Better = append(pf.Better, sg.Words)
			}
			continue
		case sg.Current:
			raise(StatusException)
		case recent:
			raise(StatusWatch)
		default:
			continue
		}
		pf.Reasons = append(pf.Reasons, sg.Words)
	}
}

// signalWords says a signal in plain words: "Robbery has been below its
// usual level for 10 months (since 2025-02)"; unit is "month" or "week".
func signalWords(name, unit string, sg SignalReport, vals []float64, x hotspot.XmR) string {
	subject := name // the page and the answer name the area
	n := sg.Points()
	units := unit + "s"
	at := sg.From
	if unit == "week" {
		at = "the week of " + sg.From
	}
	span := fmt.Sprintf("%s to %s", sg.From, sg.To)
	upDown := func(up, down string) string {
		if sg.Direction == hotspot.Up {
			return up
		}
		return down
	}
	switch sg.Kind {
	case hotspot.Outside:
		limit := x.Upper
		if sg.Direction == hotspot.Down {
			limit = x.Lower
		}
		verb := "was"
		if sg.Current {
			verb = "is"
		}
		dp := 0
		if limit < 100 {
			dp = 1 // so a count of 30 above a limit of 29.7 does not read "30; the limit is 30"
		}
		return fmt.Sprintf("%s %s %s its usual range in %s (%.0f; %s limit %.*f)", subject, verb,
			upDown("above", "below"), at, vals[sg.Start], upDown("upper", "lower"), dp, limit)
	case hotspot.Shift:
		if sg.Current {
			return fmt.Sprintf("%s has been %s its usual level for %d %s (since %s)", subject, upDown("above", "below"), n, units, sg.From)
		}
		return fmt.Sprintf("%s was %s its usual level for %d %s (%s)", subject, upDown("above", "below"), n, units, span)
	case hotspot.Trend:
		if sg.Current {
			return fmt.Sprintf("%s has %s for %d %s in a row (since %s)", subject, upDown("risen", "fallen"), n, units, sg.From)
		}
		return fmt.Sprintf("%s %s for %d %s in a row (%s)", subject, upDown("rose", "fell"), n, units, span)
	case hotspot.TwoOfThree:
		return fmt.Sprintf("%s was near its %s limit in 2 of 3 %s (%s)", subject, upDown("upper", "lower"), units, span)
	}
	return fmt.Sprintf("%s: %s %s (%s)", subject, sg.Kind, sg.Direction, span)
}

// without is xs less the strings in drop.
func without(xs, drop []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(drop, x) {
			out = append(out, x)
		}
	}
	return out
}
