package engine

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// authorities reads the bundled Tees Valley authorities with the bundled
// Census 2021 populations of the four Cleveland ones (in the repository,
// data/sample).
func authorities(tb testing.TB) []geo.Area {
	tb.Helper()
	dir := filepath.Join("..", "data", "sample")
	areas, _, err := data.ReadAreaFiles([]string{filepath.Join(dir, "boundaries", "tees_valley_lads_2024.geojson.gz")}, geo.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	pop, err := data.ReadPopulation(filepath.Join(dir, "population", "tees_lad24_population_census2021_lsoa_sum.csv"), "", "")
	if err != nil {
		tb.Fatal(err)
	}
	data.ApplyPopulation(areas, pop)
	return areas
}

// strategyStore is the real Cleveland store with the authorities layer.
func strategyStore(tb testing.TB) *data.MemStore {
	tb.Helper()
	s := realStore(tb, false)
	if err := s.PutLayer(context.Background(), "authorities", authorities(tb), data.LayerMeta{Source: "tees_valley_lads_2024"}); err != nil {
		tb.Fatal(err)
	}
	return s
}

func readCSVFile(tb testing.TB, parts ...string) [][]string {
	tb.Helper()
	f, err := os.Open(filepath.Join(parts...))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return recs
}

func atof(tb testing.TB, s string) float64 {
	tb.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// TestStrategyRobberyFunnelVector reproduces the robbery vector of
// strategy.md (testdata/strategy/funnel_robbery_authorities.csv) from the
// real data: counts, populations, rates, expected counts, limits and
// readings of the four Cleveland authorities, 2024-12..2025-11.
func TestStrategyRobberyFunnelVector(t *testing.T) {
	e := newEngine(t, strategyStore(t), Options{})
	s, err := e.Strategy(context.Background(), StrategyQuery{Area: "Stockton-on-Tees",
		From: month(t, "2024-12"), To: month(t, "2025-11"), Priorities: []string{"robbery"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Priorities) != 1 || s.Priorities[0].Name != "Robbery" {
		t.Fatalf("priorities %+v", s.Priorities)
	}
	c := s.Priorities[0].Comparison
	if math.Abs(c.GroupRate-2.116356) > 5e-7 {
		t.Errorf("group rate %.7f, want 2.116356", c.GroupRate)
	}
	if len(c.LeftOut) != 1 || c.LeftOut[0] != "Darlington" {
		t.Errorf("left out %v, want Darlington (no population: outside Cleveland)", c.LeftOut)
	}
	got := map[string]ComparedArea{}
	for _, a := range c.Areas {
		got[a.Name] = a
	}
	vec := readCSVFile(t, "..", "testdata", "strategy", "funnel_robbery_authorities.csv")[1:]
	if len(c.Areas) != len(vec) {
		t.Fatalf("%d areas compared, want %d", len(c.Areas), len(vec))
	}
	for _, v := range vec {
		a, ok := got[v[0]]
		if !ok {
			t.Errorf("no %s", v[0])
			continue
		}
		if a.Count != atof(t, v[1]) || a.Population != atof(t, v[2]) {
			t.Errorf("%s: count %v population %v, want %s and %s", v[0], a.Count, a.Population, v[1], v[2])
		}
		for i, g := range []float64{a.Rate, a.Expected, a.Lower95, a.Upper95, a.Lower998, a.Upper998} {
			tol := 5e-5
			if i == 1 {
				tol = 5e-4
			}
			if want := atof(t, v[3+i]); math.Abs(g-want) > tol {
				t.Errorf("%s: column %d = %.5f, want %s", v[0], 4+i, g, v[3+i])
			}
		}
		if string(a.Reading) != v[9] {
			t.Errorf("%s: reading %q, want %q", v[0], a.Reading, v[9])
		}
		if a.Partnership != (v[0] == "Stockton-on-Tees") {
			t.Errorf("%s: partnership %v", v[0], a.Partnership)
		}
	}
	// the paper's order: highest rate first
	order := []string{}
	for _, a := range c.Areas {
		order = append(order, a.Name)
	}
	if strings.Join(order, ",") != "Middlesbrough,Hartlepool,Stockton-on-Tees,Redcar and Cleveland" {
		t.Errorf("order %v", order)
	}
	pf := s.Priorities[0]
	if pf.Count != 307 || pf.Rate == nil || math.Abs(*pf.Rate-1.5616) > 5e-5 {
		t.Errorf("Stockton: %d robberies, rate %v; want 307, 1.5616", pf.Count, pf.Rate)
	}
	// lower than normal is good news, not an exception; the 2025-11 count
	// of 38 above the upper limit of 29.7 (and a shift since 2025-04) is
	if len(pf.Better) == 0 || pf.Better[0] != "Stockton-on-Tees's rate (1.56 per 1,000) is lower than normal for the group" {
		t.Errorf("better %q", pf.Better)
	}
	if pf.Status != StatusException || len(pf.Reasons) == 0 || pf.Reasons[0] != "Robbery is above its usual range in 2025-11 (38; upper limit 29.7)" {
		t.Errorf("status %s %q", pf.Status, pf.Reasons)
	}
	// cost: 307 robberies at the table's unit cost
	unit, _ := hotspot.DefaultCost().Weight("Robbery")
	if math.Abs(pf.Cost-307*unit) > 1e-6 {
		t.Errorf("cost %.2f, want 307 x %.2f", pf.Cost, unit)
	}
}

// TestStrategyViolenceXmRVector reproduces the XmR vector of strategy.md
// (testdata/strategy/xmr_violence_cleveland.txt) from the real data, and
// checks the monthly counts against the reference counts.
func TestStrategyViolenceXmRVector(t *testing.T) {
	ps, err := hotspot.ParsePriorities("vector.csv", strings.NewReader("priority,crime_type,source\nViolence,Violence and sexual offences,strategy.md\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, strategyStore(t), Options{Priorities: ps})
	s, err := e.Strategy(context.Background(), StrategyQuery{To: month(t, "2025-11"),
		SPCFrom: month(t, "2023-01"), SPCTo: month(t, "2024-12")})
	if err != nil {
		t.Fatal(err)
	}
	ch := s.Priorities[0].Chart
	// monthly counts: a second count, in the reference table
	i := 0
	for _, r := range readCSVFile(t, "..", "testdata", "reference", "cleveland_monthly_counts_by_type.csv")[1:] {
		if r[1] != "Violence and sexual offences" {
			continue
		}
		if s.Months[i].String() != r[0][:7] || float64(ch.Values[i]) != atof(t, r[2]) {
			t.Errorf("month %d: %s %d, want %s %s", i, s.Months[i], ch.Values[i], r[0][:7], r[2])
		}
		i++
	}
	if i != 35 || len(ch.Values) != 35 {
		t.Fatalf("%d reference months, %d charted", i, len(ch.Values))
	}
	vec := map[string][]string{}
	for _, line := range strings.Split(string(mustReadFile(t, filepath.Join("..", "testdata", "strategy", "xmr_violence_cleveland.txt"))), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(k, "#") {
			vec[k] = append(vec[k], v)
		}
	}
	for _, c := range []struct {
		key string
		got float64
	}{{"mean", ch.XmR.Mean}, {"mean_moving_range", ch.XmR.MeanMovingRange}, {"upper", ch.XmR.Upper}, {"lower", ch.XmR.Lower}} {
		if want := atof(t, vec[c.key][0]); math.Abs(c.got-want) > 5e-5 {
			t.Errorf("%s = %.5f, want %.4f", c.key, c.got, want)
		}
	}
	var outside, shifts []string
	words := []string{}
	for _, sg := range ch.Signals {
		dir := map[hotspot.Direction]string{hotspot.Up: "above", hotspot.Down: "below"}[sg.Direction]
		switch sg.Kind {
		case hotspot.Outside:
			outside = append(outside, sg.From+" "+dir+" "+strconv.FormatInt(ch.Values[sg.Start], 10))
		case hotspot.Shift:
			shifts = append(shifts, sg.From+".."+sg.To+" "+dir)
		}
		words = append(words, sg.Words)
	}
	if strings.Join(outside, "|") != strings.Join(vec["outside"], "|") {
		t.Errorf("outside %v, want %v", outside, vec["outside"])
	}
	if strings.Join(shifts, "|") != strings.Join(vec["shift"], "|") {
		t.Errorf("shifts %v, want %v", shifts, vec["shift"])
	}
	if !strings.Contains(strings.Join(words, "\n"), "Violence was below its usual level for 10 months (2024-09 to 2025-06)") {
		t.Errorf("no plain-words shift among:\n%s", strings.Join(words, "\n"))
	}
}

func mustReadFile(tb testing.TB, p string) []byte {
	tb.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestStrategyDefaults runs every default priority on the default layers
// and checks the figures against each other and a second count.
func TestStrategyDefaults(t *testing.T) {
	st := strategyStore(t)
	e := newEngine(t, st, Options{})
	s, err := e.Strategy(context.Background(), StrategyQuery{Area: StrategyArea})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Priorities) != 6 || s.Period.String() != "2024-12..2025-11" || s.BaselinePeriod.String() != "2023-12..2024-11" ||
		s.SPCBaseline.String() != "2023-01..2024-12" || s.Wards != "wards" {
		t.Fatalf("strategy %d priorities, period %s, baseline %s, spc %s, wards %q", len(s.Priorities), s.Period, s.BaselinePeriod, s.SPCBaseline, s.Wards)
	}
	ctx := context.Background()
	for _, pf := range s.Priorities {
		// the partnership's count is its area's in the comparison, and the
		// sum of its chart's months in the period
		var chartSum int64
		for i, m := range s.Months {
			if m >= s.Period.From {
				chartSum += pf.Chart.Values[i]
			}
		}
		var inComparison float64
		for _, a := range pf.Comparison.Areas {
			if a.Partnership {
				inComparison = a.Count
			}
		}
		if chartSum != pf.Count || float64(pf.Count) != inComparison {
			t.Errorf("%s: count %d, chart %d, comparison %v", pf.Name, pf.Count, chartSum, inComparison)
		}
		// second count: the store's total for the area and types
		rows, err := st.Aggregate(ctx, data.Query{From: s.Period.From, To: s.Period.To, Types: pf.Types, Layer: "authorities", Areas: []string{"E06000004"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Count != pf.Count {
			t.Errorf("%s: store counts %v, strategy %d", pf.Name, rows, pf.Count)
		}
		if len(pf.TopWards) != DefaultTopWards || pf.TopWards[0].Count < pf.TopWards[3].Count {
			t.Errorf("%s: top wards %+v", pf.Name, pf.TopWards)
		}
		if pf.Change == nil {
			t.Errorf("%s: no change since the baseline", pf.Name)
		}
	}
	asb := s.Priorities[4]
	if asb.Name != "Anti-social behaviour" || asb.Cost != 0 || len(asb.NotCosted) != 1 {
		t.Errorf("ASB costed: %v %+v", asb.Cost, asb.NotCosted)
	}
}

func TestStrategyRefuses(t *testing.T) {
	e := newEngine(t, strategyStore(t), Options{})
	ctx := context.Background()
	for _, c := range []struct {
		name string
		q    StrategyQuery
		is   error
		msg  string
	}{
		{"unknown priority", StrategyQuery{Priorities: []string{"Arson"}}, ErrBadQuery, "the priorities are: Serious violence, Robbery"},
		{"unknown area", StrategyQuery{Area: "Leeds"}, data.ErrNoArea, "has no area"},
		{"unknown layer", StrategyQuery{Layer: "beats"}, data.ErrNoLayer, ""},
		{"baseline year not before", StrategyQuery{BaselineYear: 2025}, ErrBadQuery, "give an earlier year"},
		{"chart baseline outside", StrategyQuery{SPCFrom: month(t, "2022-01"), SPCTo: month(t, "2023-06")}, ErrNoMonth, "outside the months loaded"},
		{"chart baseline one month", StrategyQuery{SPCFrom: month(t, "2023-06"), SPCTo: month(t, "2023-06")}, ErrBadQuery, "at least two"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.Strategy(ctx, c.q)
			if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %v, want %v with %q", err, c.is, c.msg)
			}
		})
	}
}

func BenchmarkStrategy(b *testing.B) {
	st := strategyStore(b)
	e := newEngine(b, st, Options{CacheEntries: -1})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Strategy(ctx, StrategyQuery{Area: StrategyArea}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestStrategyTimes gives a force export with times: a priority narrowed to
// the night counts only the night's records, and the partnership area gets
// weekly charts whose signals name the week. Expected figures are hand
// counts of the records written.
func TestStrategyTimes(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("Date,Time,Crime type,Longitude,Latitude\n")
	nights := 0
	for d := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC); d.Month() <= 6 && d.Year() == 2025; d = d.AddDate(0, 0, 1) {
		// area A: one robbery at 22:00 and one at 10:00 every day
		fmt.Fprintf(&b, "%s,22:15,Robbery,-1.30,54.55\n%s,10:00,Robbery,-1.30,54.55\n", d.Format("02/01/2006"), d.Format("02/01/2006"))
		nights++
		if d.Day() <= 10 {
			fmt.Fprintf(&b, "%s,12:00,Robbery,-1.20,54.55\n", d.Format("02/01/2006")) // area B, by day
		}
	}
	// 30 more night robberies in A in the week of Monday 2 June 2025
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "%02d/06/2025,23:%02d,Robbery,-1.30,54.55\n", 2+i%7, i)
	}
	p := filepath.Join(dir, "export.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	parts, _, err := data.ReadIncidents(ctx, []string{p}, data.ReadOptions{Force: "Test Police", Source: "test-rms"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := data.OpenMem(filepath.Join(dir, "store"), data.MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sq := func(code string, w float64) geo.Area {
		return geo.Area{Code: code, Name: "Area " + code, Population: 10000, HasPopulation: true,
			Geometry: orb.MultiPolygon{{{{w, 54.5}, {w + 0.05, 54.5}, {w + 0.05, 54.6}, {w, 54.6}, {w, 54.5}}}}}
	}
	if err := st.PutLayer(ctx, "squares", []geo.Area{sq("A", -1.33), sq("B", -1.23), sq("C", -1.13)}, data.LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	if err := st.Replace(ctx, parts); err != nil {
		t.Fatal(err)
	}
	ps, err := hotspot.ParsePriorities("t.csv", strings.NewReader("priority,crime_type,source,hours\nNight robbery,Robbery,test,19-05\nAll robbery,Robbery,test,\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, st, Options{Priorities: ps})
	s, err := e.Strategy(ctx, StrategyQuery{Layer: "squares", Area: "A", Wards: "squares", SPCFrom: month(t, "2025-01"), SPCTo: month(t, "2025-04")})
	if err != nil {
		t.Fatal(err)
	}
	night, all := s.Priorities[0], s.Priorities[1]
	if night.Count != int64(nights+30) || all.Count != int64(2*nights+30) {
		t.Errorf("counts: night %d, all %d; want %d and %d", night.Count, all.Count, nights+30, 2*nights+30)
	}
	if got := fmt.Sprint(night.Chart.Values); got != "[31 28 31 30 31 60]" {
		t.Errorf("night by month %s", got)
	}
	// B's robberies are all by day: 0 at night, 60 in all
	for _, c := range []struct {
		pf   PriorityFigures
		want float64
	}{{night, 0}, {all, 60}} {
		for _, a := range c.pf.Comparison.Areas {
			if a.Code == "B" && a.Count != c.want {
				t.Errorf("%s: B has %v, want %v", c.pf.Name, a.Count, c.want)
			}
		}
	}
	// C has residents but no records at all (outside the data): left out,
	// not read as "below"
	if len(night.Comparison.Areas) != 2 || fmt.Sprint(night.Comparison.LeftOut) != "[Area C]" ||
		!slices.ContainsFunc(night.Notes, func(n string) bool { return strings.Contains(n, "no records of any kind in the period") }) {
		t.Errorf("compared %d areas, left out %v, notes %q", len(night.Comparison.Areas), night.Comparison.LeftOut, night.Notes)
	}
	if len(night.TopWards) != 1 || night.TopWards[0].Code != "A" {
		t.Errorf("night top wards %+v", night.TopWards)
	}
	w := night.Weekly
	if w == nil {
		t.Fatal("no weekly chart")
	}
	// whole weeks: Monday 2025-01-06 to the week of Monday 2025-06-23
	if len(w.Weeks) != 25 || w.Weeks[0] != "2025-01-06" || w.Weeks[24] != "2025-06-23" || w.Baseline != "2025-01-06..2025-04-28" {
		t.Fatalf("weeks %d %v..%v, baseline %s", len(w.Weeks), w.Weeks[0], w.Weeks[len(w.Weeks)-1], w.Baseline)
	}
	for i, v := range w.Values {
		want := int64(7)
		if w.Weeks[i] == "2025-06-02" {
			want = 37
		}
		if v != want {
			t.Errorf("week %s: %d, want %d", w.Weeks[i], v, want)
		}
	}
	if len(w.Signals) != 1 || w.Signals[0].Words != "Night robbery was above its usual range in the week of 2025-06-02 (37; upper limit 7.0)" {
		t.Errorf("weekly signals %+v", w.Signals)
	}
	if !slices.ContainsFunc(night.Notes, func(n string) bool { return strings.Contains(n, "timed 19:00 to 05:00") }) {
		t.Errorf("notes %q", night.Notes)
	}
}
