package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/data/sample"
	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/hotspot"
	"github.com/stockton-csp/hotspots/report"
)

// query holds the flags the analysis commands share.
type query struct {
	st                     *storeFlags
	layer, measure, format string
	from, to, month        string
	source                 string
	timesPreset, days, hrs string
	weights                weightFlags
	res, k                 int
	types                  listFlag
	setAside               string // places file for tasking; "" the default list
}

// sourceFlag adds --source, the data source a command answers from.
func sourceFlag(fs *flag.FlagSet, q *query) {
	fs.StringVar(&q.source, "source", "", "data source: police.uk or a force export's name given at import (default: police.uk where loaded, else the only source)")
}

func (m *Main) queryFlags(fs *flag.FlagSet, q *query, formats string) {
	def, _, _ := strings.Cut(formats, ",")
	q.st = m.storeFlags(fs)
	fs.StringVar(&q.layer, "layer", "wards", "area layer")
	fs.StringVar(&q.from, "from", "", "first month, YYYY-MM (default: 12 months to --to)")
	fs.StringVar(&q.to, "to", "", "last month, YYYY-MM (default: the latest loaded)")
	fs.Var(&q.types, "types", "crime types, comma separated (default: every crime type; anti-social behaviour is not crime and counts only when named, e.g. --types 'Anti-social behaviour')")
	fs.StringVar(&q.measure, "measure", "count", "count, harm (Cambridge Crime Harm Index days) or cost (GBP)")
	fs.StringVar(&q.format, "format", def, "output: "+formats)
	sourceFlag(fs, q)
	weightsFlags(fs, &q.weights)
	fs.StringVar(&q.timesPreset, "times", "", "time filter preset: nte (Friday and Saturday nights 20:00-04:00); needs a source with times")
	fs.StringVar(&q.days, "days", "", "only crimes on these weekdays, such as fri,sat (by committed-from time)")
	fs.StringVar(&q.hrs, "hours", "", "only crimes in these hours, such as 20-04 (past midnight) or 09-17")
}

// open parses the shared flags and opens the store and engine.
func (m *Main) open(q *query) (*engine.Engine, data.Month, data.Month, engine.Measure, error) {
	var from, to data.Month
	var err error
	if q.from != "" {
		if from, err = data.ParseMonth(q.from); err != nil {
			return nil, 0, 0, "", fmt.Errorf("--from: %w", err)
		}
	}
	if q.to != "" {
		if to, err = data.ParseMonth(q.to); err != nil {
			return nil, 0, 0, "", fmt.Errorf("--to: %w", err)
		}
	}
	meas, err := engine.ParseMeasure(q.measure)
	if err != nil {
		return nil, 0, 0, "", fmt.Errorf("--measure %s: %s", q.measure, engine.UserMessage(err))
	}
	opts := engine.Options{Logger: m.Logger, Now: m.Now}
	if err := q.weights.apply(&opts); err != nil {
		return nil, 0, 0, "", err
	}
	store, err := m.openStore(q.st)
	if err != nil {
		return nil, 0, 0, "", err
	}
	if q.setAside != "" {
		f, err := os.Open(q.setAside)
		if err != nil {
			return nil, 0, 0, "", fmt.Errorf("--set-aside: %w", err)
		}
		defer f.Close()
		if opts.SetAside, err = engine.ParseSetAside(f); err != nil {
			return nil, 0, 0, "", fmt.Errorf("--set-aside %s: %s", q.setAside, engine.UserMessage(err))
		}
	}
	eng, err := engine.New(store, opts)
	if err != nil {
		return nil, 0, 0, "", err
	}
	tf, err := data.ParseTimeFilter(q.timesPreset, q.days, q.hrs, int(engine.DefaultMaxWindow.Minutes()))
	if err != nil {
		return nil, 0, 0, "", fmt.Errorf("%w: %s", errUsage, strings.TrimPrefix(err.Error(), data.ErrBadQuery.Error()+": "))
	}
	return eng.Source(q.source).WithTimes(tf), from, to, meas, nil
}

func checkFormat(f string, allowed ...string) error {
	for _, a := range allowed {
		if f == a {
			return nil
		}
	}
	return fmt.Errorf("%w: --format %q: use %s", errUsage, f, strings.Join(allowed, ", "))
}

const rankAbout = `Ranks the areas of a layer by crime count, harm (Cambridge Crime Harm
Index days) or cost (GBP, Home Office 2015/16 unit costs) over a period, with
rates per 1,000 residents and the change against the previous period of the
same length. Police-generated offences (drugs) are left out of harm and cost.`

func (m *Main) rank(ctx context.Context, args []string) error {
	var q query
	fs := m.newFlags("rank", "rank [flags]", rankAbout)
	m.queryFlags(fs, &q, "table, csv, geojson, xlsx, json")
	top := fs.Int("top", 0, "show only the top N areas (0: all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat(q.format, "table", "csv", "geojson", "xlsx", "json"); err != nil {
		return err
	}
	eng, from, to, meas, err := m.open(&q)
	if err != nil {
		return err
	}
	if isFile(q.format) {
		t, err := report.Ranking(ctx, eng, report.Query{Layer: q.layer, From: from, To: to, Types: q.types, Measure: meas})
		if err != nil {
			return err
		}
		if *top > 0 {
			t = report.Page(t, 0, *top)
		}
		return m.writeTable(ctx, t, q.format)
	}
	rk, err := eng.Ranking(ctx, engine.RankingQuery{Layer: q.layer, From: from, To: to, Types: q.types, Measure: meas})
	if err != nil {
		return err
	}
	areas := rk.Areas
	if *top > 0 && *top < len(areas) {
		areas = areas[:*top]
	}
	switch q.format {
	case "json":
		return writeJSONTo(m.Stdout, rk)
	}
	out := m.Stdout
	fmt.Fprintf(out, "%s ranked by %s, %s to %s (%d months); change against %s to %s\n", titleLayer(rk.Layer), measureWords(rk.Measure),
		rk.Period.From, rk.Period.To, rk.Period.Months, rk.PreviousPeriod.From, rk.PreviousPeriod.To)
	fmt.Fprintf(out, "Crime types: %s\n", eng.DescribeTypes(ctx, rk.Types))
	fmt.Fprintln(out)
	t := &table{head: []string{"Rank", "Area", "Crimes", "Harm (days)", "Cost (£)", measurePer(rk.Measure), "Share", "Previous", "Change", "% change"},
		right: []bool{true, false, true, true, true, true, true, true, true, true}}
	for _, a := range append(areas, rk.Total) {
		rank, name := strconv.Itoa(a.Rank), a.Name
		if a.Rank == 0 {
			rank, name = "", "Total"
		}
		t.add(rank, name, thousands(float64(a.Count), 0), thousands(a.Harm, 0), thousands(a.Cost, 0), optThousands(a.Rate, 1),
			num(a.Share, 1)+"%", chPrev(a.Change), signedThousands(a.Change), pctWords(a.Change))
	}
	if err := t.write(out); err != nil {
		return err
	}
	if len(rk.ExcludedTypes) > 0 {
		byM := map[engine.Measure][]string{}
		for _, x := range rk.ExcludedTypes {
			byM[x.Measure] = append(byM[x.Measure], x.Type+" ("+x.Reason+")")
		}
		for _, mm := range []engine.Measure{engine.Harm, engine.Cost} {
			if len(byM[mm]) > 0 {
				fmt.Fprintf(out, "\nNot weighed in %s: %s", mm, strings.Join(byM[mm], ", "))
			}
		}
	}
	for _, n := range rk.Notes {
		fmt.Fprintf(out, "\nNote: %s", n)
	}
	fmt.Fprintln(out)
	return nil
}

// measurePer heads the rate column.
func measurePer(m engine.Measure) string {
	switch m {
	case engine.Harm:
		return "Harm per 1,000"
	case engine.Cost:
		return "£ per 1,000"
	}
	return "Per 1,000"
}

func optThousands(v *float64, dp int) string {
	if v == nil {
		return ""
	}
	return thousands(*v, dp)
}

func signedThousands(c *hotspot.Change) string {
	if c == nil {
		return ""
	}
	return signed(thousands(c.Diff, 0))
}

// isFile reports whether format is one of the export files (docs/exports.md),
// written by the report package as the downloads are.
func isFile(format string) bool { return format == "csv" || format == "geojson" || format == "xlsx" }

// writeTable writes an export table to stdout as the download of the same
// query would be: the same columns, figures and, for the same clock, bytes.
func (m *Main) writeTable(ctx context.Context, t *report.Table, format string) error {
	t.Stamp(sample.Attribution, m.Now())
	switch format {
	case "csv":
		return report.WriteCSV(ctx, m.Stdout, t)
	case "xlsx":
		return report.WriteXLSX(m.Stdout, t.File, m.Now(), report.TableSheet(ctx, t))
	}
	return report.WriteGeoJSON(ctx, m.Stdout, t)
}

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func titleLayer(l string) string {
	if l == "" {
		return l
	}
	return strings.ToUpper(l[:1]) + l[1:]
}

func measureWords(m engine.Measure) string {
	switch m {
	case engine.Harm:
		return "harm (Cambridge Crime Harm Index, days)"
	case engine.Cost:
		return "cost (GBP, 2015/16 prices)"
	}
	return "number of crimes"
}

func num(v float64, dp int) string { return strconv.FormatFloat(v, 'f', dp, 64) }

func optNum(v *float64, dp int) string {
	if v == nil {
		return ""
	}
	return num(*v, dp)
}

// thousands formats v with dp decimals and comma thousands separators.
func thousands(v float64, dp int) string { return report.Thousands(v, dp) }

func chPrev(c *hotspot.Change) string {
	if c == nil {
		return ""
	}
	return thousands(c.Previous, 0)
}

func chDiff(c *hotspot.Change) string {
	if c == nil {
		return ""
	}
	return num(c.Diff, 0)
}

func signed(s string) string {
	if s != "" && s != "0" && !strings.HasPrefix(s, "-") {
		return "+" + s
	}
	return s
}

// pctWords is a change's percentage as a reader wants it: "+12.5%", "new"
// for a rise from nothing, "" when not known.
func pctWords(c *hotspot.Change) string {
	if p := pctOrNew(c); p != "new" {
		return signed(p)
	}
	return "new"
}

const profileAbout = `Prints the partnership's crime table for one area and month, in the rows of
Cleveland Police's town-centre tables (Victim Based Crime, Violence, Theft
Offences, ..., Non victim based, Unknown, Total; on police.uk data the rows
police.uk can fill), with Selected Month, Last 6 Months and Last 12 Months,
each Current, Diff and % Diff against the period of the same length before it.
Anti-social behaviour is never counted as crime: it has its own row after
Total. --format csv gives current, previous, diff and % diff per period.`

func (m *Main) profile(ctx context.Context, args []string) error {
	var q query
	fs := m.newFlags("profile", "profile (--area CODE|NAME | --all) [--month YYYY-MM] [flags]", profileAbout)
	q.st = m.storeFlags(fs)
	fs.StringVar(&q.layer, "layer", "wards", "area layer")
	area := fs.String("area", "", "area code or name, such as \"Stockton Town Centre\" (or --all)")
	all := fs.Bool("all", false, "every area of the layer (csv, with each row's area_code and area_name; xlsx, one sheet per area)")
	fs.StringVar(&q.month, "month", "", "selected month, YYYY-MM (default: the latest loaded)")
	fs.StringVar(&q.format, "format", "table", "output: table, csv, xlsx, json")
	sourceFlag(fs, &q)
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*area == "") == !*all {
		fs.Usage()
		return fmt.Errorf("%w: profile needs --area NAME or --all (not both)", errUsage)
	}
	if err := checkFormat(q.format, "table", "csv", "xlsx", "json"); err != nil {
		return err
	}
	if *all && q.format != "csv" && q.format != "xlsx" {
		return fmt.Errorf("%w: profile --all writes --format csv or xlsx", errUsage)
	}
	q.measure = "count"
	var month data.Month
	if q.month != "" {
		var err error
		if month, err = data.ParseMonth(q.month); err != nil {
			return fmt.Errorf("--month: %w", err)
		}
	}
	eng, _, _, _, err := m.open(&q)
	if err != nil {
		return err
	}
	var areas []string
	if !*all {
		areas = []string{*area}
	}
	prs, err := report.AreaTables(ctx, eng, q.layer, month, areas)
	if err != nil {
		return err
	}
	switch {
	case q.format == "xlsx":
		return report.WriteAreaTablesXLSX(m.Stdout, prs, disclosure.Exact(), m.Now())
	case q.format == "csv" && *all:
		return report.WriteAreaTablesCSV(m.Stdout, prs, disclosure.Exact())
	}
	pr := prs[0]
	switch q.format {
	case "json":
		return writeJSONTo(m.Stdout, pr)
	case "csv":
		return report.WriteAreaTableCSV(m.Stdout, pr, disclosure.Exact())
	}
	out := m.Stdout
	fmt.Fprintf(out, "%s (%s), selected month %s\n\n", pr.Name, pr.Code, pr.Month)
	t := &table{head: []string{"Crime"}, right: []bool{false}}
	for _, p := range pr.Periods {
		short := strings.TrimPrefix(p.Label, "Last ")
		t.head = append(t.head, short, "Diff", "% Diff")
		t.right = append(t.right, true, true, true)
	}
	for _, r := range pr.Rows {
		row := []string{strings.Repeat("  ", r.Level) + r.Label}
		for _, c := range r.Cells {
			row = append(row, thousands(float64(c.Current), 0), signed(chDiff(c.VsPrevious)), pctOrNew(c.VsPrevious))
		}
		t.add(row...)
	}
	if err := t.write(out); err != nil {
		return err
	}
	for _, p := range pr.Periods {
		fmt.Fprintf(out, "\n%s: %s to %s, compared with %s to %s", p.Label, p.Current.From, p.Current.To, p.Previous.From, p.Previous.To)
	}
	for _, n := range pr.Notes {
		fmt.Fprintf(out, "\nNote: %s", n)
	}
	fmt.Fprintln(out)
	return nil
}

func pctOrNew(c *hotspot.Change) string {
	switch {
	case c == nil:
		return ""
	case c.New:
		return "new"
	case c.Pct == nil:
		return ""
	}
	return num(*c.Pct, 1) + "%"
}

const hotspotsAbout = `Finds hot and cold spots with Getis-Ord Gi* on H3 cells covering the
layer's areas (every cell whose centre is inside one), with the false
discovery rate controlled (Benjamini-Hochberg). Bins: +3/+2/+1 hot spot at
99/95/90% confidence, negative for cold spots, 0 not significant.`

func (m *Main) hotspots(ctx context.Context, args []string) error {
	var q query
	fs := m.newFlags("hotspots", "hotspots [flags]", hotspotsAbout)
	m.queryFlags(fs, &q, "table, csv, geojson, xlsx, json")
	fs.IntVar(&q.res, "res", engine.DefaultRes, "H3 resolution, 7 (5 km² cells) to 11 (2,000 m²)")
	fs.IntVar(&q.k, "k", engine.DefaultK, "neighbourhood: cells within k grid steps")
	all := fs.Bool("all", false, "list every cell, not only significant ones (table)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat(q.format, "table", "csv", "geojson", "xlsx", "json"); err != nil {
		return err
	}
	eng, from, to, meas, err := m.open(&q)
	if err != nil {
		return err
	}
	h, err := eng.Hotspots(ctx, engine.HotspotQuery{Layer: q.layer, Res: q.res, K: q.k, From: from, To: to, Types: q.types, Measure: meas})
	if err != nil {
		return err
	}
	switch q.format {
	case "json":
		return writeJSONTo(m.Stdout, h)
	case "csv", "geojson", "xlsx":
		// the command line reads the data folder itself: exact figures
		return m.writeTable(ctx, report.HotspotTable(h, disclosure.Exact()), q.format)
	}
	out := m.Stdout
	fmt.Fprintf(out, "Gi* hot spots of %s, %s to %s, on %d H3 resolution-%d cells (k=%d)\n", measureWords(h.Measure), h.Period.From, h.Period.To, len(h.Cells), h.Res, h.K)
	for _, b := range h.Bins {
		fmt.Fprintf(out, "  %-28s %5d cells\n", b.Label, b.Cells)
	}
	fmt.Fprintln(out)
	t := &table{head: []string{"Cell", "Crimes", "Harm (days)", "z", "Confidence", "Areas"}, right: []bool{false, true, true, true, false, false}}
	cells := append([]engine.HotCell(nil), h.Cells...)
	sortHot(cells)
	for _, c := range cells {
		if c.Bin == 0 && !*all {
			continue
		}
		t.add(c.Cell.String(), thousands(float64(c.Count), 0), thousands(c.Harm, 0), num(c.Z, 2), hotspot.BinLabel(c.Bin), strings.Join(c.Areas, "; "))
	}
	return t.write(out)
}

// sortHot orders cells hottest first.
func sortHot(cs []engine.HotCell) {
	slices.SortStableFunc(cs, func(a, b engine.HotCell) int { return cmp.Compare(b.Z, a.Z) })
}

const evaluateAbout = `Backtests ways of drawing a hot spot map against the month that followed,
for every month the data allow: each method ranks the cells on the 12 months
before, its top 1% and 5% of cells are the map, and the map is scored on the
next month's crimes: hit rate (share of crimes inside), PAI (hit rate over
share of area) and PEI (PAI over the best possible PAI, 0..1).`

func (m *Main) evaluate(ctx context.Context, args []string) error {
	var q query
	fs := m.newFlags("evaluate", "evaluate [flags]", evaluateAbout)
	m.queryFlags(fs, &q, "table, json")
	fs.IntVar(&q.res, "res", engine.DefaultRes, "H3 resolution of the cells, 7..11")
	fs.IntVar(&q.k, "k", engine.DefaultK, "Gi* neighbourhood in grid steps")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat(q.format, "table", "json"); err != nil {
		return err
	}
	eng, from, to, _, err := m.open(&q)
	if err != nil {
		return err
	}
	ev, err := eng.Evaluate(ctx, engine.EvalQuery{Layer: q.layer, Res: q.res, K: q.k, Types: q.types, From: from, To: to})
	if err != nil {
		return err
	}
	if q.format == "json" {
		return writeJSONTo(m.Stdout, ev)
	}
	out := m.Stdout
	fmt.Fprintf(out, "Backtest on %d H3 resolution-%d cells of %s, %d months scored (%s to %s)\n\n", ev.Cells, ev.Res, ev.Layer, len(ev.Months), ev.Months[0], ev.Months[len(ev.Months)-1])
	t := &table{head: []string{"Method", "Map", "Hit rate", "PAI", "PEI", "Median hit rate", "PAI", "PEI"}, right: []bool{false, false, true, true, true, true, true, true}}
	for _, s := range ev.Methods {
		t.add(s.Description, fmt.Sprintf("top %g%% (%d cells)", s.Fraction*100, s.Cells), num(s.MeanHitRate*100, 1)+"%", num(s.MeanPAI, 1), num(s.MeanPEI, 2),
			num(s.MedianHitRate*100, 1)+"%", num(s.MedianPAI, 1), num(s.MedianPEI, 2))
	}
	if err := t.write(out); err != nil {
		return err
	}
	for _, b := range ev.Best {
		fmt.Fprintf(out, "\nBest at top %g%%: %s (mean PAI %.1f)", b.Fraction*100, b.Method, b.MeanPAI)
	}
	for _, n := range ev.Notes {
		fmt.Fprintf(out, "\nNote: %s", n)
	}
	fmt.Fprintln(out)
	return nil
}
