package engine

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// exampleStore holds testdata/example: three made-up months (2025-09..11)
// in two squares, North (N1) and South (S1). 2025-10 has anti-social
// behaviour only; 2025-11 has a "Fraud", a type police.uk does not publish.
func exampleStore(tb testing.TB) *data.MemStore {
	tb.Helper()
	ctx := context.Background()
	s, err := data.OpenMem(tb.TempDir(), data.MemOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	areas, _, err := data.ReadAreaFiles([]string{"testdata/example/areas.geojson"}, geo.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.PutLayer(ctx, "example", areas, data.LayerMeta{}); err != nil {
		tb.Fatal(err)
	}
	parts, _, err := data.ReadIncidents(ctx, []string{"testdata/example"}, data.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Replace(ctx, parts); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestZeroVariance(t *testing.T) {
	e := newEngine(t, exampleStore(t), Options{})
	ctx := context.Background()
	oct := data.MonthOf(2025, 10)
	_, err := e.Hotspots(ctx, HotspotQuery{Layer: "example", From: oct, To: oct, Types: []string{"Burglary"}})
	if !errors.Is(err, hotspot.ErrZeroVariance) {
		t.Fatalf("a month without burglary: %v, want ErrZeroVariance", err)
	}
	t.Log(err)
	em, err := e.Emerging(ctx, HotspotQuery{Layer: "example", Types: []string{"Burglary"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(em.ZeroVarianceMonths) != 1 || em.ZeroVarianceMonths[0] != oct || len(em.Months) != 3 {
		t.Fatalf("months %v, zero-variance months %v", em.Months, em.ZeroVarianceMonths)
	}
	for _, c := range em.Cells {
		if c.Bins[1] != 0 || c.Z[1] != 0 {
			t.Fatalf("cell %s in 2025-10: bin %d, z %v; want 0", c.Cell, c.Bins[1], c.Z[1])
		}
	}
	if len(em.Notes) < 2 { // the short period, the zero-variance month
		t.Errorf("notes %q", em.Notes)
	}
}

func TestTrendsAreasAndCells(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	from, to := month(t, "2024-12"), month(t, "2025-11")
	tr, err := e.Trends(ctx, TrendQuery{Layer: "wards", From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Ranking(ctx, RankingQuery{Layer: "wards", From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]int64{}
	for _, a := range r.Areas {
		byCode[a.Code] = a.Count
	}
	if len(tr.Series) != 27 || len(tr.Months) != 12 {
		t.Fatalf("%d series of %d months", len(tr.Series), len(tr.Months))
	}
	for i, m := range tr.Months {
		if m != from+data.Month(i) {
			t.Fatalf("months %v: not 2024-12..2025-11 in order", tr.Months)
		}
	}
	raw := rawWardCounts(t)
	for _, s := range tr.Series {
		var n float64
		for i, v := range s.Values {
			n += v
			// month by month against ray casting on the raw rows
			if want := sumRaw(raw, s.Code, tr.Months[i], tr.Months[i], isCrime); int64(v) != want {
				t.Errorf("%s %s: %v incidents, ray casting counts %d", s.Name, tr.Months[i], v, want)
			}
		}
		if int64(n) != byCode[s.Code] {
			t.Errorf("%s: months add to %v, ranking says %d", s.Name, n, byCode[s.Code])
		}
		sv, z := mannKendallByHand(s.Values)
		if s.Trend == nil || s.Trend.S != sv || math.Abs(s.Trend.Z-z) > 1e-12 {
			t.Errorf("%s: trend %+v, by hand S %v z %v", s.Name, s.Trend, sv, z)
		}
		if want := fsign(z) * btoi(2*(1-normalCDF(math.Abs(z))) < TrendAlpha); s.Direction != want {
			t.Errorf("%s: direction %d, want %d (z %v)", s.Name, s.Direction, want, z)
		}
	}
	// Default: three years, clipped to the 35 months loaded.
	all, err := e.Trends(ctx, TrendQuery{Layer: "wards", Measure: Harm})
	if err != nil {
		t.Fatal(err)
	}
	if all.Period.Months != 35 || all.Total.Trend == nil {
		t.Errorf("default period %v", all.Period)
	}
	t.Logf("Stockton harm, 2023-01..2025-11: Mann-Kendall z %.2f, p %.3f", all.Total.Trend.Z, all.Total.Trend.P)

	cells, err := e.Trends(ctx, TrendQuery{Layer: "wards", Res: 9, From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.Hotspots(ctx, HotspotQuery{Layer: "wards", From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if len(cells.Series) != len(h.Cells) {
		t.Fatalf("%d cell series, %d hot spot cells", len(cells.Series), len(h.Cells))
	}
	for i, s := range cells.Series {
		var n float64
		for _, v := range s.Values {
			n += v
		}
		if s.Cell != h.Cells[i].Cell || int64(n) != h.Cells[i].Count {
			t.Fatalf("cell %s: months add to %v; hot spot cell %s has %d", s.Cell, n, h.Cells[i].Cell, h.Cells[i].Count)
		}
	}
}

// TestEmergingStockton checks the monthly Gi* against a one-month hot spot
// map and that every cell's category follows from its series.
func TestEmergingStockton(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	em, err := e.Emerging(ctx, HotspotQuery{Layer: "wards"})
	if err != nil {
		t.Fatal(err)
	}
	if len(em.Months) != 12 || len(em.Cells) != 2238 || len(em.ZeroVarianceMonths) != 0 {
		t.Fatalf("%d months, %d cells, zero-variance months %v", len(em.Months), len(em.Cells), em.ZeroVarianceMonths)
	}
	for _, ti := range []int{0, 11} {
		m := em.Months[ti]
		h, err := e.Hotspots(ctx, HotspotQuery{Layer: "wards", From: m, To: m})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range h.Cells {
			ec := em.Cells[i]
			if ec.Cell != c.Cell || math.Abs(ec.Z[ti]-c.Z) > 1e-12 || ec.Bins[ti] != c.Bin || ec.Values[ti] != float64(c.Count) {
				t.Fatalf("%s cell %s: emerging z %v bin %d value %v; month map z %v bin %d count %d",
					m, c.Cell, ec.Z[ti], ec.Bins[ti], ec.Values[ti], c.Z, c.Bin, c.Count)
			}
		}
	}
	total := 0
	for _, c := range em.Categories {
		total += c.Cells
		t.Logf("%-28s %5d cells", c.Label, c.Cells)
	}
	if total != len(em.Cells) {
		t.Errorf("categories hold %d cells of %d", total, len(em.Cells))
	}
	for _, c := range em.Cells {
		if want := hotspot.ClassifyEmerging(c.Bins, c.Z, TrendAlpha); c.Category != want.Code() || c.Label != want.String() {
			t.Fatalf("cell %s: category %d %s, want %v", c.Cell, c.Category, c.Label, want)
		}
	}
}

// mannKendallByHand is the Mann-Kendall S and continuity-corrected z written
// out from the textbook (Hipel & McLeod 1994, ch. 23), independently of
// package hotspot: S = sum over i < j of sign(x_j - x_i), Var(S) =
// [n(n-1)(2n+5) - sum over tie groups t(t-1)(2t+5)] / 18.
func mannKendallByHand(x []float64) (s, z float64) {
	n := len(x)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			switch {
			case x[j] > x[i]:
				s++
			case x[j] < x[i]:
				s--
			}
		}
	}
	ties := map[float64]int{}
	for _, v := range x {
		ties[v]++
	}
	v := float64(n * (n - 1) * (2*n + 5))
	for _, t := range ties {
		v -= float64(t * (t - 1) * (2*t + 5))
	}
	v /= 18
	switch {
	case v == 0 || s == 0:
		return s, 0
	case s > 0:
		return s, (s - 1) / math.Sqrt(v)
	default:
		return s, (s + 1) / math.Sqrt(v)
	}
}

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

func fsign(z float64) int {
	switch {
	case z > 0:
		return 1
	case z < 0:
		return -1
	}
	return 0
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
