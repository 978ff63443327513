package engine

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// knownStore is a store whose backtest answer is known by construction: a
// 3 km square study area over Stockton (about 86 resolution-9 cells), cell A
// with 10 burglaries a month in 2024-01..2024-12, cell B (far from A) with
// 500 in 2025-01 and 500 in 2025-02, nothing anywhere else.
func knownStore(tb testing.TB) (s *data.MemStore, a, b geo.Cell) {
	tb.Helper()
	const lon0, lat0 = -1.33, 54.55
	dlon, dlat := 3000/(111320*math.Cos(lat0*math.Pi/180)), 3000/111320.0
	var err error
	if a, err = geo.CellAt(orb.Point{lon0 + dlon*0.25, lat0 + dlat*0.25}, 9); err != nil {
		tb.Fatal(err)
	}
	if b, err = geo.CellAt(orb.Point{lon0 + dlon*0.75, lat0 + dlat*0.75}, 9); err != nil {
		tb.Fatal(err)
	}
	square := fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"SQ","name":"Square"},`+
		`"geometry":{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]}}]}`,
		lon0, lat0, lon0+dlon, lat0+dlat)
	areas, _, err := geo.ReadAreas("square.geojson", []byte(square), geo.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString(data.PoliceUKHeader + "\n")
	row := func(month string, c geo.Cell, n int) {
		p := c.Center()
		for i := range n {
			fmt.Fprintf(&csv, "%s-%d,%s,Cleveland Police,Cleveland Police,%.6f,%.6f,On or near Test Street,E01012345,Stockton-on-Tees 001A,Burglary,Under investigation,\n",
				month, i, month, p[0], p[1])
		}
	}
	for m := 1; m <= 12; m++ {
		row(fmt.Sprintf("2024-%02d", m), a, 10)
	}
	row("2025-01", b, 500)
	row("2025-02", b, 500)
	dir := tb.TempDir()
	path := filepath.Join(dir, "known.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	parts, _, err := data.ReadIncidents(context.Background(), []string{path}, data.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	s, err = data.OpenMem(filepath.Join(dir, "store"), data.MemOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.PutLayer(context.Background(), "square", areas, data.LayerMeta{Source: "square.geojson"}); err != nil {
		tb.Fatal(err)
	}
	if err := s.Replace(context.Background(), parts); err != nil {
		tb.Fatal(err)
	}
	return s, a, b
}

// The backtest on a fixture whose right answer is known by construction.
//
// 2025-01 is scored with maps drawn from 2024-01..2024-12 (and the 3-month
// map from 2024-10..12): every method puts A first, but all of 2025-01's
// crime is in B, so every map misses: hit rate, PAI and PEI 0. A map that
// looked at 2025-01 itself would rank B (500) first and score 100%.
//
// 2025-02 is scored with maps from 2024-02..2025-01: B (500) is first in
// the count and harm methods, and all of 2025-02's crime is in B: hit rate
// 1, PAI = n/k, PEI 1.
func TestEvaluateKnownAnswer(t *testing.T) {
	s, _, _ := knownStore(t)
	e := newEngine(t, s, Options{})
	ev, err := e.Evaluate(context.Background(), EvalQuery{Layer: "square"})
	if err != nil {
		t.Fatal(err)
	}
	n := ev.Cells
	if n < 60 || n > 100 {
		t.Fatalf("%d study cells: the square should hold about 86 (9 km² / 0.105 km²)", n)
	}
	if len(ev.Months) != 2 || ev.Months[0].String() != "2025-01" || ev.Months[1].String() != "2025-02" {
		t.Fatalf("months scored %v, want 2025-01 and 2025-02", ev.Months)
	}
	if len(ev.Methods) != 8 {
		t.Fatalf("%d method scores", len(ev.Methods))
	}
	for _, m := range ev.Methods {
		k := int(math.Ceil(m.Fraction * float64(n)))
		if m.Cells != k {
			t.Errorf("%s %v: %d cells in the map, want ceil(%v x %d) = %d", m.Method, m.Fraction, m.Cells, m.Fraction, n, k)
		}
		if len(m.Months) != 2 {
			t.Fatalf("%s: %d months", m.Method, len(m.Months))
		}
		jan, feb := m.Months[0], m.Months[1]
		if jan.Incidents != 500 || feb.Incidents != 500 {
			t.Errorf("%s: incidents %d, %d, want 500 each", m.Method, jan.Incidents, feb.Incidents)
		}
		if jan.HitRate != 0 || jan.PAI != 0 || jan.PEI != 0 {
			t.Errorf("%s at %v, 2025-01: %+v, want a complete miss (a map that saw 2025-01 would hit)", m.Method, m.Fraction, jan)
		}
		if m.Method == MethodGiStar12 {
			// Gi* gives B and its six neighbours the same z (each
			// neighbourhood sum holds B's 500 once), and ties are taken
			// least-crime first, so a map of 1 or 5 cells takes only
			// neighbours: a miss too. (Smoothing is why Gi* predicts worst.)
			if feb.HitRate != 0 || m.MeanHitRate != 0 {
				t.Errorf("%s at %v, 2025-02: %+v, want a miss (7 cells tie)", m.Method, m.Fraction, feb)
			}
			continue
		}
		wantPAI := float64(n) / float64(k)
		if feb.HitRate != 1 || math.Abs(feb.PAI-wantPAI) > 1e-9 || math.Abs(feb.PEI-1) > 1e-12 {
			t.Errorf("%s at %v, 2025-02: %+v, want hit rate 1, PAI %v, PEI 1", m.Method, m.Fraction, feb, wantPAI)
		}
		if m.MeanHitRate != 0.5 || math.Abs(m.MeanPAI-wantPAI/2) > 1e-9 || math.Abs(m.MedianPEI-0.5) > 1e-12 {
			t.Errorf("%s at %v: means %v %v %v, want 0.5, %v, median PEI 0.5", m.Method, m.Fraction, m.MeanHitRate, m.MeanPAI, m.MedianPEI, wantPAI/2)
		}
	}
}
