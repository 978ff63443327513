package engine

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/hotspot"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// readPopulation reads the ward population file with encoding/csv.
func readPopulation(tb testing.TB) map[string]float64 {
	tb.Helper()
	f, err := os.Open(fixture.Path(tb, fixture.StocktonWardPopulation))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	col := -1
	for i, h := range recs[0] {
		if strings.HasPrefix(h, "population_census2021_bestfit") {
			col = i
		}
	}
	out := map[string]float64{}
	for _, r := range recs[1:] {
		v, err := strconv.ParseFloat(r[col], 64)
		if err != nil {
			tb.Fatal(err)
		}
		out[r[0]] = v
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestRankingWards checks every Stockton ward's figures against counts made
// by ray casting over the raw points, and its rate against the Census file.
func TestRankingWards(t *testing.T) {
	counts := rawWardCounts(t)
	pop := readPopulation(t)
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	from, to := month(t, "2024-12"), month(t, "2025-11")
	r, err := e.Ranking(context.Background(), RankingQuery{Layer: "wards", From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Areas) != 27 {
		t.Fatalf("%d wards, want 27", len(r.Areas))
	}
	if r.PreviousPeriod != period(from-12, to-12) || r.YearEarlierPeriod != period(from-12, to-12) {
		t.Errorf("previous %v, year earlier %v", r.PreviousPeriod, r.YearEarlierPeriod)
	}
	harmW := hotspot.DefaultHarm()
	var share, total float64
	for i, a := range r.Areas {
		cur := sumRaw(counts, a.Code, from, to, isCrime)
		prev := sumRaw(counts, a.Code, from-12, to-12, isCrime)
		if a.Count != cur {
			t.Errorf("%s: count %d, ray casting %d", a.Name, a.Count, cur)
		}
		if a.Change == nil || a.Change.Previous != float64(prev) || a.ChangeYearEarlier == nil || a.ChangeYearEarlier.Previous != float64(prev) {
			t.Errorf("%s: change %+v / %+v, ray casting previous %d", a.Name, a.Change, a.ChangeYearEarlier, prev)
		}
		if a.Population == nil || *a.Population != pop[a.Code] || a.Rate == nil || !near(*a.Rate, float64(cur)/pop[a.Code]*1000) {
			t.Errorf("%s: population %v, rate %v; census %v, count %d", a.Name, a.Population, a.Rate, pop[a.Code], cur)
		}
		if i > 0 && (a.Count > r.Areas[i-1].Count || (a.Count == r.Areas[i-1].Count) != (a.Rank == r.Areas[i-1].Rank)) {
			t.Errorf("rank %d %s (%d) after rank %d (%d)", a.Rank, a.Name, a.Count, r.Areas[i-1].Rank, r.Areas[i-1].Count)
		}
		share += a.Share
		total += float64(a.Count)
	}
	if r.Areas[0].Rank != 1 || !near(share, 100) || r.Total.Count != int64(total) {
		t.Errorf("first rank %d, shares add to %v, total %d of %v", r.Areas[0].Rank, share, r.Total.Count, total)
	}
	// Harm of two wards from the raw counts and the weights table.
	for _, code := range []string{"E05014882", "E05014872"} {
		var want float64
		for k, n := range counts {
			m, _ := data.ParseMonth(k.month)
			if k.code != code || m < from || m > to {
				continue
			}
			if w, ok := harmW.Weight(k.typ); ok && !harmW.PoliceGenerated(k.typ) {
				want += float64(n) * w
			}
		}
		found := false
		for _, a := range r.Areas {
			if a.Code == code {
				found = true
				if !near(a.Harm, want) {
					t.Errorf("%s: harm %.2f, from raw counts %.2f", a.Name, a.Harm, want)
				}
			}
		}
		if !found {
			t.Errorf("ward %s missing", code)
		}
	}
	top := r.Areas[0]
	t.Logf("top ward %s: %d incidents, %.1f per 1,000, change %+.0f", top.Name, top.Count, *top.Rate, top.Change.Diff)
}

// TestRankingNewFromZero finds a ward, type and month with none the month
// before and some that month, and checks the change reads as new.
func TestRankingNewFromZero(t *testing.T) {
	counts := rawWardCounts(t)
	var key wardKey
	for k, n := range counts {
		m, _ := data.ParseMonth(k.month)
		if n > 0 && m > month(t, "2023-01") && k.typ == "Possession of weapons" && counts[wardKey{k.code, (m - 1).String(), k.typ}] == 0 {
			if key.code == "" || k.code+k.month < key.code+key.month {
				key = k
			}
		}
	}
	if key.code == "" {
		t.Fatal("no ward-month rising from zero found")
	}
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	m := month(t, key.month)
	r, err := e.Ranking(context.Background(), RankingQuery{Layer: "wards", From: m, To: m, Types: []string{key.typ}, Areas: []string{key.code}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Areas) != 1 || r.Areas[0].Code != key.code {
		t.Fatalf("areas %+v", r.Areas)
	}
	c := r.Areas[0].Change
	if c == nil || !c.New || c.Pct != nil || c.Previous != 0 || c.Current != float64(counts[key]) {
		t.Errorf("%s %s %s: change %+v, want new from 0 to %d", key.code, key.typ, key.month, c, counts[key])
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Inf") || strings.Contains(string(b), "NaN") {
		t.Errorf("JSON holds Infinity or NaN: %s", b)
	}
	if !strings.Contains(string(b), `"new":true`) {
		t.Errorf("JSON does not say new: %s", b)
	}
}

func TestRankingMeasures(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	for _, m := range []Measure{Harm, Cost, ""} {
		r, err := e.Ranking(ctx, RankingQuery{Layer: "wards", Measure: m})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(r.Areas); i++ {
			a, b := r.Areas[i-1], r.Areas[i]
			if value(r.Measure, b.Count, b.Harm, b.Cost) > value(r.Measure, a.Count, a.Harm, a.Cost) {
				t.Errorf("%s: %s ranked below %s", r.Measure, a.Name, b.Name)
			}
		}
		if r.Period.Months != 12 || r.Period.To != month(t, "2025-11") {
			t.Errorf("default period %v", r.Period)
		}
		if len(r.Weights) != 2 || r.Weights[0].Name != "cchi.csv" {
			t.Errorf("weights %+v", r.Weights)
		}
	}
	// Police-generated types count in harm only when asked.
	with := newEngine(t, s, Options{IncludePoliceGenerated: true})
	q := RankingQuery{Layer: "wards", Types: []string{"Drugs"}, Measure: Harm}
	a, err := e.Ranking(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	b, err := with.Ranking(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if a.Total.Harm != 0 || b.Total.Harm != 3*float64(b.Total.Count) || b.Total.Count == 0 {
		t.Errorf("Drugs harm %v without, %v with police-generated (%d crimes at 3 days)", a.Total.Harm, b.Total.Harm, b.Total.Count)
	}
	if len(a.ExcludedTypes) == 0 || a.ExcludedTypes[0] != (ExcludedType{"Drugs", Harm, "police-generated"}) {
		t.Errorf("excluded %+v", a.ExcludedTypes)
	}
	_, err = e.Ranking(ctx, RankingQuery{Layer: "wards", Measure: "harms"})
	if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), "use count") {
		t.Errorf("bad measure: %v", err)
	}
	if _, err = e.Ranking(ctx, RankingQuery{Layer: "wards", Types: []string{"Burglery"}}); !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), "Burglary") {
		t.Errorf("bad type: %v", err)
	}
	if _, err = e.Ranking(ctx, RankingQuery{Layer: "wards", From: month(t, "2025-11"), To: month(t, "2025-01")}); !errors.Is(err, ErrBadQuery) {
		t.Errorf("backwards period: %v", err)
	}
	if _, err = e.Ranking(ctx, RankingQuery{Layer: "wards", From: month(t, "2022-01")}); !errors.Is(err, ErrNoMonth) {
		t.Errorf("period before the data: %v", err)
	}
	if _, err = e.Ranking(ctx, RankingQuery{}); !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), "wards") {
		t.Errorf("no layer: %v", err)
	}
	// The first year loaded has no previous period: changes are nil.
	r, err := e.Ranking(ctx, RankingQuery{Layer: "wards", To: month(t, "2023-12")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Areas[0].Change != nil || r.Total.Change != nil || len(r.Notes) == 0 {
		t.Errorf("2023: change %v, notes %v", r.Areas[0].Change, r.Notes)
	}
}
