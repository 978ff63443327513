package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/data/sample"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/hotspot"
	"github.com/stockton-csp/hotspots/report"
)

const strategyAbout = `Prints the strategy view: for each of the partnership's priorities, the
rate per 1,000 residents of every area of a layer on a funnel plot (is it
higher or lower than normal for the group?), the change since a baseline
year, the cost of crime, the hotspot wards, and a month-by-month XmR chart
with the signals of NHS England's Making Data Count rules, each in plain
words; a summary flags the priorities that are exceptions.

By default the four Cleveland authorities are compared and the partnership's
area is Stockton-on-Tees. --format html writes a printable page: a summary and
one A4 page per priority; csv writes every figure, one a row.

The priorities come from a CSV file (priority,crime_type,source[,hours]; the
default is hotspot/priorities/default.csv); --priorities FILE replaces them.
hours (such as 19-05) narrows a priority to a time of day on data with times.
Where the records have times (force exports), weekly charts are added.`

func (m *Main) strategy(ctx context.Context, args []string) error {
	fs := m.newFlags("strategy", "strategy [flags] > strategy.html", strategyAbout)
	sf := m.storeFlags(fs)
	layer := fs.String("layer", engine.StrategyLayer, "area layer whose areas are compared (they need populations)")
	area := fs.String("area", engine.StrategyArea, `the partnership's area in --layer, code or name ("" for all areas)`)
	from := fs.String("from", "", "first month, YYYY-MM (default: 12 months to --to)")
	to := fs.String("to", "", "last month, YYYY-MM (default: the latest loaded)")
	baseYear := fs.Int("baseline-year", 0, "measure the change from the same months ending in this year (default: a year earlier)")
	spcFrom := fs.String("spc-from", "", "first month of the charts' baseline, YYYY-MM (default: the first month loaded)")
	spcTo := fs.String("spc-to", "", "last month of the charts' baseline, YYYY-MM (default: 24 months from --spc-from)")
	wards := fs.String("wards", "", "area layer of the hotspot wards (default: wards)")
	top := fs.Int("top", engine.DefaultTopWards, "hotspot wards listed per priority")
	prioFile := fs.String("priorities", "", "priorities CSV file (priority,crime_type,source[,hours]) to use instead of the default")
	var only listFlag
	fs.Var(&only, "priority", "show only these priorities, by name (repeat or comma separate)")
	format := fs.String("format", "table", "output: table, csv, json, html")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format, "table", "csv", "json", "html"); err != nil {
		return err
	}
	q := engine.StrategyQuery{Layer: *layer, Area: *area, BaselineYear: *baseYear, Wards: *wards, TopWards: *top, Priorities: only}
	for _, f := range []struct {
		flag, v string
		dst     *data.Month
	}{{"--from", *from, &q.From}, {"--to", *to, &q.To}, {"--spc-from", *spcFrom, &q.SPCFrom}, {"--spc-to", *spcTo, &q.SPCTo}} {
		if f.v == "" {
			continue
		}
		m, err := data.ParseMonth(f.v)
		if err != nil {
			return fmt.Errorf("%s: %w", f.flag, err)
		}
		*f.dst = m
	}
	prios, err := readPriorities(*prioFile)
	if err != nil {
		return err
	}
	store, err := m.openStore(sf)
	if err != nil {
		return err
	}
	eng, err := engine.New(store, engine.Options{Logger: m.Logger, Now: m.Now, Priorities: prios})
	if err != nil {
		return err
	}
	s, err := eng.Strategy(ctx, q)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		return writeJSONTo(m.Stdout, s)
	case "csv":
		return report.WriteStrategyCSV(m.Stdout, s)
	case "html":
		return report.WriteStrategyHTML(m.Stdout, report.StrategyPage{Strategy: s, Attribution: sample.Attribution, Now: m.Now()})
	}
	return writeStrategyTable(m, s)
}

// readPriorities reads a priorities file; "" is the default (nil).
func readPriorities(path string) (*hotspot.Priorities, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--priorities: %w", err)
	}
	defer f.Close()
	ps, err := hotspot.ParsePriorities(path, f)
	if err != nil {
		return nil, fmt.Errorf("--priorities: %w", err)
	}
	return ps, nil
}

// writeStrategyTable prints the summary, then each priority's comparison
// and signals.
func writeStrategyTable(m *Main, s *engine.Strategy) error {
	w := m.Stdout
	fmt.Fprintf(w, "Strategy view: %s, %s to %s, compared across %s; change since %s; chart limits from %s\n\n",
		s.AreaName, s.Period.From, s.Period.To, s.Layer, s.BaselinePeriod, s.SPCBaseline)
	t := table{head: []string{"priority", "status", "crimes", "per_1000", "change", "cost_gbp"}, right: []bool{false, false, true, true, true, true}}
	for _, pf := range s.Priorities {
		cost := num(pf.Cost, 0)
		if len(pf.NotCosted) == len(pf.Types) {
			cost = "not costed"
		}
		t.add(pf.Name, pf.Status, strconv.FormatInt(pf.Count, 10), optNum(pf.Rate, 2), changeWord(pf.Change), cost)
	}
	if err := t.write(w); err != nil {
		return err
	}
	for _, pf := range s.Priorities {
		fmt.Fprintf(w, "\n%s (%s): %s\n", pf.Name, strings.Join(pf.Types, ", "), pf.Status)
		for _, r := range pf.Reasons {
			fmt.Fprintf(w, "  - %s\n", r)
		}
		ct := table{head: []string{"area", "crimes", "per_1000", "expected", "95%", "99.8%", "reading"}, right: []bool{false, true, true, true, true, true, false}}
		for _, a := range pf.Comparison.Areas {
			ct.add(a.Name, num(a.Count, 0), num(a.Rate, 4), num(a.Expected, 1), num(a.Lower95, 4)+".."+num(a.Upper95, 4),
				num(a.Lower998, 4)+".."+num(a.Upper998, 4), string(a.Reading))
		}
		if len(pf.Comparison.Areas) > 0 {
			fmt.Fprintf(w, "  group rate %.4f per 1,000\n", pf.Comparison.GroupRate)
			if err := ct.write(w); err != nil {
				return err
			}
		}
		wards := make([]string, len(pf.TopWards))
		for i, wc := range pf.TopWards {
			wards[i] = fmt.Sprintf("%d %s %d", wc.Rank, wc.Name, wc.Count)
		}
		if len(wards) > 0 {
			fmt.Fprintf(w, "  hotspot wards: %s\n", strings.Join(wards, "; "))
		}
		x := pf.Chart.XmR
		fmt.Fprintf(w, "  monthly chart: mean %.1f, limits %.1f..%.1f\n", x.Mean, x.Lower, x.Upper)
		for _, sg := range pf.Chart.Signals {
			fmt.Fprintf(w, "  - %s\n", sg.Words)
		}
		if wc := pf.Weekly; wc != nil {
			fmt.Fprintf(w, "  weekly chart (%d weeks): mean %.1f, limits %.1f..%.1f from the weeks %s\n", len(wc.Weeks), wc.XmR.Mean, wc.XmR.Lower, wc.XmR.Upper, wc.Baseline)
			for _, sg := range wc.Signals {
				fmt.Fprintf(w, "  - %s\n", sg.Words)
			}
		}
		for _, n := range pf.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "\nnote: %s\n", n)
	}
	return nil
}

func changeWord(c *hotspot.Change) string {
	switch {
	case c == nil:
		return "n/a"
	case c.New:
		return "new"
	case c.Pct == nil:
		return "0%"
	}
	return fmt.Sprintf("%+.0f%%", *c.Pct)
}
