package engine

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// The police tables' rows in police.uk types, restated here from the
// partnership's papers rather than taken from the code under test.
var (
	theft    = []string{"Vehicle crime", "Shoplifting", "Other theft", "Burglary", "Bicycle theft", "Theft from the person"}
	victim   = append([]string{"Violence and sexual offences", "Robbery", "Criminal damage and arson"}, theft...)
	society  = []string{"Drugs", "Possession of weapons", "Public order", "Other crime"}
	allCrime = append(slices.Clone(victim), society...)
)

var wantProfileRows = []struct {
	label string
	types []string
}{
	{"Victim Based Crime", victim},
	{"Violence and sexual offences", []string{"Violence and sexual offences"}},
	{"Theft Offences", theft},
	{"Vehicle Offences", []string{"Vehicle crime"}},
	{"Shoplifting", []string{"Shoplifting"}},
	{"All Other Theft Offences", []string{"Other theft"}},
	{"Burglary", []string{"Burglary"}},
	{"Bicycle Theft", []string{"Bicycle theft"}},
	{"Theft From The Person", []string{"Theft from the person"}},
	{"Criminal Damage & Arson", []string{"Criminal damage and arson"}},
	{"Robbery", []string{"Robbery"}},
	{"Non victim based", society},
	{"Public Order Offences", []string{"Public order"}},
	{"Misc Crimes Against Society", []string{"Other crime"}},
	{"Drug Offences", []string{"Drugs"}},
	{"Weapons Possession Offences", []string{"Possession of weapons"}},
	{"Total", allCrime},
	{"Anti-social behaviour", []string{"Anti-social behaviour"}},
	{"Total crimes and ASB incidents", append(slices.Clone(allCrime), "Anti-social behaviour")},
}

// TestProfileStocktonTownCentre rebuilds the whole Stockton Town Centre
// table for 2025-11 from the raw CSV rows, placed in the ward by plain ray
// casting, and compares every figure.
func TestProfileStocktonTownCentre(t *testing.T) {
	counts := rawWardCounts(t)
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	const code = "E05014882"
	sel := month(t, "2025-11")
	p, err := e.Profile(context.Background(), "wards", code, sel)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Stockton Town Centre" || p.Code != code || p.Month != sel || p.TotalIncludesASB {
		t.Fatalf("profile of %s %s for %s, total includes ASB %v", p.Code, p.Name, p.Month, p.TotalIncludesASB)
	}
	if len(p.Rows) != len(wantProfileRows) {
		var got []string
		for _, r := range p.Rows {
			got = append(got, r.Label)
		}
		t.Fatalf("rows %q, want %d rows", got, len(wantProfileRows))
	}
	spans := []int{1, 6, 12}
	for i, want := range wantProfileRows {
		row := p.Rows[i]
		if row.Label != want.label {
			t.Errorf("row %d is %q, want %q", i, row.Label, want.label)
			continue
		}
		keep := func(typ string) bool { return slices.Contains(want.types, typ) }
		for j, n := range spans {
			c := row.Cells[j]
			from := sel - data.Month(n-1)
			cur := sumRaw(counts, code, from, sel, keep)
			prev := sumRaw(counts, code, from-data.Month(n), from-1, keep)
			year := sumRaw(counts, code, from-12, sel-12, keep)
			if c.Current != cur {
				t.Errorf("%s, %s: current %d, raw %d", row.Label, p.Periods[j].Label, c.Current, cur)
			}
			if c.VsPrevious == nil || c.VsPrevious.Previous != float64(prev) || c.VsPrevious.Diff != float64(cur-prev) {
				t.Errorf("%s, %s: vs previous %+v, raw %d then %d", row.Label, p.Periods[j].Label, c.VsPrevious, prev, cur)
			} else if prev > 0 && (c.VsPrevious.Pct == nil || *c.VsPrevious.Pct != float64(cur-prev)/float64(prev)*100) {
				t.Errorf("%s, %s: %% diff %v", row.Label, p.Periods[j].Label, c.VsPrevious.Pct)
			}
			if c.YearEarlier == nil || c.YearEarlier.Previous != float64(year) {
				t.Errorf("%s, %s: vs year earlier %+v, raw %d", row.Label, p.Periods[j].Label, c.YearEarlier, year)
			}
		}
	}
	// 4,027 crimes (ASB excluded) lie in the ward in 2024-12..2025-11,
	// counted from the raw police.uk rows by ray casting outside the project
	// (the October 2024 police table had 4,043 for its own 12 months).
	if tc := p.Rows[16].Cells[2].Current; tc != 4027 {
		t.Errorf("Total crime over 12 months %d, want 4,027", tc)
	}
	for i, pp := range p.Periods {
		n := spans[i]
		if pp.Current.Months != n || pp.Current.To != sel || pp.Previous.To != pp.Current.From-1 || pp.Previous.Months != n || pp.YearEarlier.To != sel-12 {
			t.Errorf("periods of %s: %+v", pp.Label, pp)
		}
	}
	t.Logf("Stockton Town Centre %s: %d crimes in the month, %d in 6 months, %d in 12 months; ASB %d in 12 months",
		sel, p.Rows[16].Cells[0].Current, p.Rows[16].Cells[1].Current, p.Rows[16].Cells[2].Current, p.Rows[17].Cells[2].Current)
}

func TestProfileErrors(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	_, err := e.Profile(ctx, "wards", "E05014882", month(t, "2026-01"))
	if !errors.Is(err, ErrNoMonth) || err.Error() != "engine: month not loaded: no data for 2026-01; the latest month loaded is 2025-11" {
		t.Errorf("future month: %v", err)
	}
	if _, err := e.Profile(ctx, "wards", "E09999999", 0); !errors.Is(err, data.ErrNoArea) {
		t.Errorf("unknown area: %v", err)
	}
	if _, err := e.Profile(ctx, "nope", "E05014882", 0); !errors.Is(err, data.ErrNoLayer) {
		t.Errorf("unknown layer: %v", err)
	}
	// by name, latest month
	p, err := e.Profile(ctx, "wards", "stockton town centre", 0)
	if err != nil || p.Code != "E05014882" || p.Month != month(t, "2025-11") {
		t.Errorf("by name: %v %+v", err, p)
	}
	// An early month: comparisons reaching before 2023-01 are nil, noted.
	p, err = e.Profile(ctx, "wards", "E05014882", month(t, "2023-06"))
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Rows[0].Cells[0]; c.VsPrevious == nil || c.YearEarlier != nil {
		t.Errorf("2023-06 selected month: vs previous %v (want one), vs year earlier %v (want nil)", c.VsPrevious, c.YearEarlier)
	}
	if c := p.Rows[0].Cells[2]; c.VsPrevious != nil {
		t.Errorf("2023-06 last 12 months: vs previous %v, want nil (2021-07..2022-06 is not loaded)", c.VsPrevious)
	}
	if len(p.Notes) == 0 {
		t.Error("no note about the comparisons left out")
	}
}

// TestCellProfileAndTrend checks a hexagon's table and trend against counts
// of the raw points that the cell holds (geo.CellAt on each point).
func TestCellProfileAndTrend(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	cell, err := geo.CellAt(orb.Point{-1.3094, 54.5653}, 9) // Stockton High Street
	if err != nil {
		t.Fatal(err)
	}
	sel := month(t, "2025-11")
	perMonth := map[data.Month]int64{}      // crimes and ASB (the table's last row)
	crimePerMonth := map[data.Month]int64{} // crimes (the trend's default)
	cellOf := map[orb.Point]geo.Cell{}
	for _, p := range cleveland(t) {
		for i := 0; i < p.Len(); i++ {
			l := p.Locations[p.Loc[i]]
			pt := orb.Point{l.Lon, l.Lat}
			c, ok := cellOf[pt]
			if !ok {
				c, _ = geo.CellAt(pt, 9)
				cellOf[pt] = c
			}
			if c == cell {
				perMonth[p.Month]++
				if isCrime(p.Strs[p.Type[i]]) {
					crimePerMonth[p.Month]++
				}
			}
		}
	}
	pr, err := e.CellProfile(ctx, cell, sel)
	if err != nil {
		t.Fatal(err)
	}
	var want12 int64
	for m := sel - 11; m <= sel; m++ {
		want12 += perMonth[m]
	}
	total := pr.Rows[len(pr.Rows)-1]
	if total.Label != "Total crimes and ASB incidents" || total.Cells[0].Current != perMonth[sel] || total.Cells[2].Current != want12 || want12 == 0 {
		t.Errorf("cell table totals %v / %v; raw points give %d / %d", total.Cells[0].Current, total.Cells[2].Current, perMonth[sel], want12)
	}
	tr, err := e.CellTrend(ctx, cell, TrendQuery{From: sel - 11, To: sel})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range tr.Months {
		if int64(tr.Series[0].Values[i]) != crimePerMonth[m] {
			t.Errorf("%s: trend %v, raw %d crimes", m, tr.Series[0].Values[i], crimePerMonth[m])
		}
	}
	if _, err := e.CellProfile(ctx, geo.Cell(12345), sel); !errors.Is(err, ErrBadQuery) {
		t.Errorf("bad cell: %v", err)
	}
}
