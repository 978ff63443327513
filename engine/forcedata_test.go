package engine

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stockton-csp/hotspots/data"
)

const rmsSource = "cleveland-rms"

// forceTestdata is the bundled synthetic force export (SYNTHETIC).
func forceTestdata(name string) string {
	return filepath.Join("..", "testdata", "force_export_synthetic", name)
}

// forceStore is realStore (police.uk Cleveland and the Stockton wards) with
// the synthetic force export imported beside it as source cleveland-rms.
func forceStore(tb testing.TB) *data.MemStore {
	tb.Helper()
	s := realStore(tb, false)
	parts, _, err := data.ReadIncidents(context.Background(), []string{forceTestdata("stockton_force_export_2023-12_2025-11.csv.gz")},
		data.ReadOptions{Source: rmsSource, Force: "Cleveland Police"})
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Replace(context.Background(), parts); err != nil {
		tb.Fatal(err)
	}
	return s
}

// readExpectedTable reads an expected_table_*.csv: row label -> its 12
// cells as written.
func readExpectedTable(tb testing.TB, name string) ([]string, map[string][]string) {
	tb.Helper()
	f, err := os.Open(forceTestdata(name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var order []string
	cells := map[string][]string{}
	for _, r := range recs[1:] {
		order = append(order, r[0])
		cells[r[0]] = r[1:]
	}
	return order, cells
}

// tableCells writes a profile row as the expected files do: per period
// current, previous, diff, % diff to one decimal (blank when previous is 0).
func tableCells(r ProfileRow) []string {
	var out []string
	for _, c := range r.Cells {
		prev, diff, pct := "", "", ""
		if c.VsPrevious != nil {
			prev, diff = strconv.FormatFloat(c.VsPrevious.Previous, 'f', -1, 64), strconv.FormatFloat(c.VsPrevious.Diff, 'f', -1, 64)
			if c.VsPrevious.Previous != 0 && c.VsPrevious.Pct != nil {
				pct = strconv.FormatFloat(*c.VsPrevious.Pct, 'f', 1, 64)
			}
		}
		out = append(out, strconv.FormatInt(c.Current, 10), prev, diff, pct)
	}
	return out
}

// The partnership's table on force data equals the expected tables computed
// outside the project, row for row and cell for cell.
func TestProfileForceExportMatchesExpected(t *testing.T) {
	s := forceStore(t)
	e := newEngine(t, s, Options{}).Source(rmsSource)
	police := newEngine(t, s, Options{})
	sel := month(t, "2025-11")
	for _, tc := range []struct{ area, file string }{
		{"Stockton Town Centre", "expected_table_stockton_town_centre_2025-11.csv"},
		{"Mandale & Victoria", "expected_table_mandale_and_victoria_2025-11.csv"},
	} {
		t.Run(tc.area, func(t *testing.T) {
			order, want := readExpectedTable(t, tc.file)
			p, err := e.Profile(context.Background(), "wards", tc.area, sel)
			if err != nil {
				t.Fatal(err)
			}
			var labels []string
			for _, r := range p.Rows {
				labels = append(labels, r.Label)
			}
			if !slices.Equal(labels, order) {
				t.Fatalf("rows\n got %q\nwant %q", labels, order)
			}
			for _, r := range p.Rows {
				if got := tableCells(r); !slices.Equal(got, want[r.Label]) {
					t.Errorf("%s:\n got %v\nwant %v", r.Label, got, want[r.Label])
				}
			}
			// a second method: the export's points are police.uk's, so its
			// Total equals police.uk's crime (ASB left out) in the same ward
			pp, err := police.Profile(context.Background(), "wards", tc.area, sel)
			if err != nil {
				t.Fatal(err)
			}
			pt := pp.Rows[slices.IndexFunc(pp.Rows, func(r ProfileRow) bool { return r.Label == "Total" })]
			if fmt.Sprint(tableCells(pt)[:1], tableCells(pt)[4:5], tableCells(pt)[8:9]) != fmt.Sprint(want["Total"][:1], want["Total"][4:5], want["Total"][8:9]) {
				t.Errorf("police.uk Total %v, force export Total %v", tableCells(pt), want["Total"])
			}
		})
	}
}

// police.uk and the force export sit side by side: importing one leaves the
// other's every count as it was.
func TestSourcesSideBySide(t *testing.T) {
	ctx := context.Background()
	s := realStore(t, false)
	byMonthType := func(source string) []data.Row {
		t.Helper()
		rows, err := s.Aggregate(ctx, data.Query{Sources: []string{source}, By: data.GroupBy{Month: true, Type: true, Layer: "wards"}})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	before := byMonthType(data.PoliceUK)
	parts, _, err := data.ReadIncidents(ctx, []string{forceTestdata("stockton_force_export_2023-12_2025-11.csv.gz")}, data.ReadOptions{Source: rmsSource, Force: "Cleveland Police"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, parts); err != nil {
		t.Fatal(err)
	}
	if after := byMonthType(data.PoliceUK); !slices.Equal(after, before) {
		t.Errorf("police.uk counts changed by importing the force export")
	}
	rms := byMonthType(rmsSource)
	var n int64
	for _, r := range rms {
		n += r.Count
	}
	if n != 41631 {
		t.Errorf("force export in the wards: %d, want 41,631", n)
	}
	// re-import police.uk: the force export is untouched
	if err := s.Replace(ctx, cleveland(t)); err != nil {
		t.Fatal(err)
	}
	if again := byMonthType(rmsSource); !slices.Equal(again, rms) {
		t.Errorf("force export counts changed by re-importing police.uk")
	}
	sum, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Sources) != 2 || sum.Sources[0].Name != rmsSource || !sum.Sources[0].HasTimes || sum.Sources[1].Name != data.PoliceUK || sum.Sources[1].HasTimes ||
		len(sum.Sources[0].Months) != 24 || len(sum.Sources[1].Months) != 35 {
		t.Errorf("sources %+v", sum.Sources)
	}
	// the default source is police.uk; the other is chosen by name
	e := newEngine(t, s, Options{})
	if _, err := e.Source("nope").Profile(ctx, "wards", "Stockton Town Centre", 0); err == nil {
		t.Error("an unknown source gave a table")
	}
}

// The hour x weekday grid and the aoristic hours equal the expected files
// computed outside the project (aoristic to 1e-6: the file has 6 decimals).
func TestTimesMatchExpected(t *testing.T) {
	s := forceStore(t)
	e := newEngine(t, s, Options{}).Source(rmsSource)
	ctx := context.Background()
	from, to := month(t, "2025-06"), month(t, "2025-11")
	tp, err := e.Times(ctx, TimeQuery{Layer: "wards", Area: "Stockton Town Centre", From: from, To: to,
		Types: []string{"Violence with injury", "Violence without injury"}})
	if err != nil {
		t.Fatal(err)
	}
	days := map[string]int{"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}
	recs := readCSV(t, forceTestdata("expected_violence_hour_weekday_stockton_town_centre_2025-06_2025-11.csv"))
	var n float64
	for _, r := range recs[1:] {
		h, _ := strconv.Atoi(r[1])
		want, _ := strconv.ParseFloat(r[2], 64)
		n += want
		if got := tp.Grid[days[r[0]]][h]; got != want {
			t.Errorf("%s %02d:00: %v, want %v", r[0], h, got, want)
		}
	}
	if float64(tp.Counted) != n || n != 495 {
		t.Errorf("counted %d, expected file sums to %v (violence with and without injury, 268+227 over 6 months)", tp.Counted, n)
	}
	t.Logf("Stockton Town Centre violence 2025-06..11: %s", tp.Peak.Text)

	ap, err := e.Times(ctx, TimeQuery{From: from, To: to, Types: []string{"Residential burglary"}})
	if err != nil {
		t.Fatal(err)
	}
	hours := ap.Aoristic.Hours()
	for _, r := range readCSV(t, forceTestdata("expected_aoristic_residential_burglary_by_hour_2025-06_2025-11.csv"))[1:] {
		h, _ := strconv.Atoi(r[0])
		want, _ := strconv.ParseFloat(r[1], 64)
		if d := hours[h] - want; d > 1e-6 || d < -1e-6 {
			t.Errorf("aoristic hour %d: %.7f, want %v", h, hours[h], want)
		}
	}
	if ap.Windows == 0 || ap.LongWindows != 0 {
		t.Errorf("windows %d, long windows %d", ap.Windows, ap.LongWindows)
	}
}

func readCSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
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

// The night-time economy filter (Friday and Saturday nights 20:00-04:00)
// on a ranking gives, for Stockton Town Centre's violence, the sum of those
// hours in the expected hour x weekday grid; police.uk, with no times, has
// none.
func TestRankingNightTimeEconomy(t *testing.T) {
	s := forceStore(t)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	from, to := month(t, "2025-06"), month(t, "2025-11")
	days := map[string]int{"Fri": 4, "Sat": 5, "Sun": 6}
	var want int64
	for _, r := range readCSV(t, forceTestdata("expected_violence_hour_weekday_stockton_town_centre_2025-06_2025-11.csv"))[1:] {
		d, ok := days[r[0]]
		h, _ := strconv.Atoi(r[1])
		n, _ := strconv.ParseInt(r[2], 10, 64)
		if ok && ((d == 4 || d == 5) && h >= 20 || (d == 5 || d == 6) && h < 4) {
			want += n
		}
	}
	rk, err := e.Source(rmsSource).WithTimes(data.NightTimeEconomy(0)).Ranking(ctx, RankingQuery{Layer: "wards", From: from, To: to,
		Types: []string{"Violence with injury", "Violence without injury"}})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rk.Areas, func(a AreaRank) bool { return a.Name == "Stockton Town Centre" })
	if i < 0 || rk.Areas[i].Count != want || want == 0 {
		t.Errorf("Stockton Town Centre at night: %+v, want %d", rk.Areas, want)
	}
	// the unfiltered ranking is not the same answer from the cache
	all, err := e.Source(rmsSource).Ranking(ctx, RankingQuery{Layer: "wards", From: from, To: to, Types: []string{"Violence with injury", "Violence without injury"}})
	if err != nil {
		t.Fatal(err)
	}
	if j := slices.IndexFunc(all.Areas, func(a AreaRank) bool { return a.Name == "Stockton Town Centre" }); all.Areas[j].Count != 495 {
		t.Errorf("all hours: %d, want 495", all.Areas[j].Count)
	}
	pk, err := e.WithTimes(data.NightTimeEconomy(0)).Ranking(ctx, RankingQuery{Layer: "wards", From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if pk.Total.Count != 0 {
		t.Errorf("police.uk at night: %d crimes, want none (no times)", pk.Total.Count)
	}
}
