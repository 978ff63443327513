package report

import (
	"cmp"
	"embed"
	"encoding/csv"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/hotspot"
)

//go:embed templates/strategy.html
var strategyFS embed.FS

var strategyTmpl = template.Must(template.New("strategy.html").Funcs(template.FuncMap{
	"join":   strings.Join,
	"count":  func(n int64) string { return Thousands(float64(n), 0) },
	"countF": func(v float64) string { return Thousands(v, 0) },
	"rate": func(r *float64) string {
		if r == nil {
			return "n/a"
		}
		return strconv.FormatFloat(*r, 'f', 2, 64)
	},
	"rateF":  func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) },
	"change": changeText,
	"money": func(v float64) string {
		switch {
		case v >= 1e6:
			return "£" + strconv.FormatFloat(v/1e6, 'f', 2, 64) + "m"
		}
		return "£" + Thousands(v, 0)
	},
	"notable": func(c engine.Comparison) []engine.ComparedArea {
		if len(c.Areas) <= 10 {
			return c.Areas
		}
		var out []engine.ComparedArea
		for _, a := range c.Areas {
			if a.Partnership || a.Reading != hotspot.Within {
				out = append(out, a)
			}
		}
		return out
	},
	// first is the n latest signals, latest first
	"first": func(n int, xs []engine.SignalReport) []engine.SignalReport {
		xs = slices.Clone(xs)
		slices.SortStableFunc(xs, func(a, b engine.SignalReport) int { return cmp.Compare(b.To, a.To) })
		return xs[:min(n, len(xs))]
	},
	"minus":  func(a, b int) int { return a - b },
	"firstN": func(n int, xs []string) []string { return xs[:min(n, len(xs))] },
	"statusWord": func(s string) string {
		switch s {
		case engine.StatusException:
			return "Exception"
		case engine.StatusWatch:
			return "Watch"
		}
		return "Normal"
	},
}).ParseFS(strategyFS, "templates/strategy.html"))

// StrategyPage is what the printable strategy page needs.
type StrategyPage struct {
	Strategy    *engine.Strategy
	Attribution string
	Now         time.Time
}

// maxSignalsShown bounds the signals listed on a priority's page so it
// stays one A4 page; the CSV and JSON have them all.
const maxSignalsShown = 4

// WriteStrategyHTML writes the printable strategy view: a summary page of
// every priority flagged by exception, then one A4 page per priority in the
// partnership papers' shape.
func WriteStrategyHTML(w io.Writer, p StrategyPage) error {
	s := p.Strategy
	charts := make([]template.HTML, len(s.Priorities))
	weekly := make([]template.HTML, len(s.Priorities))
	funnels := make([]template.HTML, len(s.Priorities))
	for i, pf := range s.Priorities {
		charts[i] = xmrSVG(pf.Name, s.Months, pf.Chart, s.SPCBaseline)
		weekly[i] = weeklySVG(pf.Name, pf.Weekly)
		funnels[i] = funnelSVG(pf)
	}
	counts := map[string]int{}
	for _, pf := range s.Priorities {
		counts[pf.Status]++
	}
	return strategyTmpl.Execute(w, map[string]any{
		"S":           s,
		"Charts":      charts,
		"Funnels":     funnels,
		"Weekly":      weekly,
		"Counts":      counts,
		"MaxSignals":  maxSignalsShown,
		"Generated":   p.Now.Format("2 January 2006 15:04"),
		"Attribution": p.Attribution,
	})
}

// WriteStrategyCSV writes every figure of the strategy view, one per row:
// priority, section, area code and name, month, figure, value.
func WriteStrategyCSV(w io.Writer, s *engine.Strategy) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"priority", "section", "area_code", "area", "month", "figure", "value"})
	num := func(v float64, dp int) string { return strconv.FormatFloat(v, 'f', dp, 64) }
	cnt := func(v float64) string { return num(v, 0) }
	row := func(pr, sec, code, area, month, fig, val string) {
		cw.Write([]string{pr, sec, code, area, month, fig, val})
	}
	for _, pf := range s.Priorities {
		n := pf.Name
		row(n, "summary", s.AreaCode, s.AreaName, "", "period", s.Period.String())
		row(n, "summary", s.AreaCode, s.AreaName, "", "status", pf.Status)
		for _, r := range pf.Reasons {
			row(n, "summary", s.AreaCode, s.AreaName, "", "reason", r)
		}
		row(n, "summary", s.AreaCode, s.AreaName, "", "crime_types", strings.Join(pf.Types, "; "))
		row(n, "summary", s.AreaCode, s.AreaName, "", "count", cnt(float64(pf.Count)))
		if pf.Rate != nil {
			row(n, "summary", s.AreaCode, s.AreaName, "", "rate_per_1000", num(*pf.Rate, 4))
		}
		if pf.Change != nil {
			row(n, "summary", s.AreaCode, s.AreaName, "", "baseline_period", s.BaselinePeriod.String())
			row(n, "summary", s.AreaCode, s.AreaName, "", "baseline_count", num(pf.Change.Previous, 0))
			row(n, "summary", s.AreaCode, s.AreaName, "", "change_since_baseline_pct", changeText(pf.Change))
		}
		row(n, "summary", s.AreaCode, s.AreaName, "", "cost_gbp_2015_16", num(pf.Cost, 0))
		row(n, "comparison", "", s.Layer, "", "group_rate_per_1000", num(pf.Comparison.GroupRate, 6))
		for _, a := range pf.Comparison.Areas {
			for _, f := range []struct {
				name, val string
			}{{"count", cnt(a.Count)}, {"population", num(a.Population, 0)}, {"rate_per_1000", rateCell(a.Rate)}, {"expected", num(a.Expected, 3)},
				{"lower95", num(a.Lower95, 4)}, {"upper95", num(a.Upper95, 4)}, {"lower998", num(a.Lower998, 4)}, {"upper998", num(a.Upper998, 4)},
				{"reading", string(a.Reading)}} {
				row(n, "comparison", a.Code, a.Name, "", f.name, f.val)
			}
		}
		for _, wc := range pf.TopWards {
			row(n, "hotspot_ward", wc.Code, wc.Name, "", "rank "+strconv.Itoa(wc.Rank), cnt(float64(wc.Count)))
		}
		for i, m := range s.Months {
			row(n, "chart", s.AreaCode, s.AreaName, m.String(), "count", cnt(float64(pf.Chart.Values[i])))
		}
		x := pf.Chart.XmR
		row(n, "chart", s.AreaCode, s.AreaName, "", "baseline", s.SPCBaseline.String())
		for _, f := range []struct {
			name string
			v    float64
		}{{"mean", x.Mean}, {"mean_moving_range", x.MeanMovingRange}, {"upper_limit", x.Upper}, {"lower_limit", x.Lower}} {
			row(n, "chart", s.AreaCode, s.AreaName, "", f.name, num(f.v, 4))
		}
		for _, sg := range pf.Chart.Signals {
			row(n, "signal", s.AreaCode, s.AreaName, sg.From+".."+sg.To, string(sg.Kind)+" "+string(sg.Direction), sg.Words)
		}
		if wc := pf.Weekly; wc != nil {
			for i, wk := range wc.Weeks {
				row(n, "weekly_chart", s.AreaCode, s.AreaName, wk, "count", cnt(float64(wc.Values[i])))
			}
			row(n, "weekly_chart", s.AreaCode, s.AreaName, "", "baseline", wc.Baseline)
			for _, f := range []struct {
				name string
				v    float64
			}{{"mean", wc.XmR.Mean}, {"mean_moving_range", wc.XmR.MeanMovingRange}, {"upper_limit", wc.XmR.Upper}, {"lower_limit", wc.XmR.Lower}} {
				row(n, "weekly_chart", s.AreaCode, s.AreaName, "", f.name, num(f.v, 4))
			}
			for _, sg := range wc.Signals {
				row(n, "weekly_signal", s.AreaCode, s.AreaName, sg.From+".."+sg.To, string(sg.Kind)+" "+string(sg.Direction), sg.Words)
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func rateCell(r float64) string { return strconv.FormatFloat(r, 'f', 4, 64) }
