package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/internal/fixture"
	"github.com/stockton-csp/hotspots/report"
)

// TestEmergingGeoJSON: the emerging hot spot map written by report's typed
// writer holds, for every one of the 2,238 cells of the R spdep grid
// (testdata/gistar), monthly counts adding up to that grid's count for the
// cell, the JSON answer's Mann-Kendall trend in figures and in words, and
// category tallies equal to its categories member; properties in
// docs/exports.md's order.
func TestEmergingGeoJSON(t *testing.T) {
	_, _, ts := ogcServer(t, nil)
	// R spdep's grid counted every row, ASB included.
	all := "&types=" + url.QueryEscape(strings.Join(fixture.CrimesAndASB, ","))
	code, ct, b := ogcGet(t, ts.URL+"/api/v1/emerging?layer=wards&from=2024-12&to=2025-11"+all, "")
	if code != 200 || ct != "application/geo+json" {
		t.Fatalf("%d %s: %.300s", code, ct, b)
	}
	var fc struct {
		Type       string   `json:"type"`
		Name       string   `json:"name"`
		Months     []string `json:"months"`
		Alpha      float64  `json:"alpha"`
		Categories []struct {
			Category int `json:"category"`
			Cells    int `json:"cells"`
		} `json:"categories"`
		Features []struct {
			ID         string          `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties json.RawMessage `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || fc.Name != report.KindEmerging || len(fc.Months) != 12 || fc.Months[0] != "2024-12" {
		t.Fatalf("%s %q, months %v", fc.Type, fc.Name, fc.Months)
	}
	var js struct {
		Cells []struct {
			Cell  string `json:"cell"`
			Trend *struct {
				Z float64 `json:"z"`
				P float64 `json:"p"`
			} `json:"trend"`
		} `json:"cells"`
	}
	ogcJSON(t, ts.URL+"/api/v1/emerging?format=json&layer=wards&from=2024-12&to=2025-11"+all, "", 200, &js)
	trends := map[string]*struct {
		Z float64 `json:"z"`
		P float64 `json:"p"`
	}{}
	for _, c := range js.Cells {
		trends[c.Cell] = c.Trend
	}
	want := spdepCounts(t)
	if len(fc.Features) != len(want) {
		t.Fatalf("%d features, want the grid's %d cells", len(fc.Features), len(want))
	}
	var names []string
	for _, c := range report.EmergingColumns {
		names = append(names, c.Name)
	}
	tally := map[int]int{}
	var total float64
	for i, f := range fc.Features {
		var p struct {
			Cell     string    `json:"cell"`
			Category int       `json:"category"`
			Label    string    `json:"label"`
			Values   []float64 `json:"values"`
			Z        []float64 `json:"z"`
			Bins     []int     `json:"bins"`
			Trend    string    `json:"trend"`
			TrendZ   float64   `json:"trend_z"`
			TrendP   float64   `json:"trend_p"`
		}
		if err := json.Unmarshal(f.Properties, &p); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if got := propertyNames(t, f.Properties); !slices.Equal(got, names) {
				t.Errorf("properties %v, want %v", got, names)
			}
		}
		n, ok := want[p.Cell]
		if !ok || f.ID != p.Cell || len(p.Values) != 12 || len(p.Z) != 12 || len(p.Bins) != 12 || p.Label == "" {
			t.Fatalf("feature %s: %+v", f.ID, p)
		}
		var sum float64
		for _, v := range p.Values {
			sum += v
		}
		if sum != n {
			t.Errorf("%s: monthly counts add up to %v, the R spdep grid has %v", p.Cell, sum, n)
		}
		total += sum
		tally[p.Category]++
		// the trend as the JSON answer gives it, p to 4 significant digits
		// (Mann-Kendall itself is checked against the reference vectors in
		// hotspot)
		mk := trends[p.Cell]
		if mk == nil || math.Abs(p.TrendZ-mk.Z) > 1e-6 || math.Abs(p.TrendP-mk.P) > 5e-4*mk.P {
			t.Errorf("%s: trend z %v p %v; the JSON answer has %+v", p.Cell, p.TrendZ, p.TrendP, mk)
			continue
		}
		z := mk.Z
		word := "no clear trend"
		if p.TrendP < fc.Alpha && z > 0 {
			word = "rising"
		} else if p.TrendP < fc.Alpha && z < 0 {
			word = "falling"
		}
		if p.Trend != word {
			t.Errorf("%s: trend %q with z %v, p %v; want %q", p.Cell, p.Trend, p.TrendZ, p.TrendP, word)
		}
	}
	if total != 25415 {
		t.Errorf("%v crimes over the cells, want 25,415", total)
	}
	for _, c := range fc.Categories {
		if tally[c.Category] != c.Cells {
			t.Errorf("category %d: %d features, the member says %d", c.Category, tally[c.Category], c.Cells)
		}
		delete(tally, c.Category)
	}
	if len(tally) > 0 {
		t.Errorf("categories with features but not in the member: %v", tally)
	}
}

// spdepCounts reads the R spdep grid's count of each cell.
func spdepCounts(tb testing.TB) map[string]float64 {
	tb.Helper()
	rows, err := csv.NewReader(bytes.NewReader(fixture.Read(tb, fixture.GiStarStockton))).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]float64{}
	for _, r := range rows[1:] {
		n, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			tb.Fatal(err)
		}
		out[r[0]] = n
	}
	return out
}

// propertyNames lists an object's member names in the order written.
func propertyNames(tb testing.TB, obj json.RawMessage) []string {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	var names []string
	if _, err := dec.Token(); err != nil {
		tb.Fatal(err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			tb.Fatal(err)
		}
		names = append(names, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			tb.Fatal(err)
		}
	}
	return names
}

// TestEmergingStreamedMemory: the emerging hot spot map of the wards at
// resolution 10 (some 15,000 cells, each with three monthly series) is
// written holding at most 2 MB beyond the engine's cached answer, as the
// hot spot pages are.
func TestEmergingStreamedMemory(t *testing.T) {
	s, _ := apiServer(t, Options{})
	if _, err := s.engine.Emerging(context.Background(), engine.HotspotQuery{Layer: "wards", Res: 10}); err != nil {
		t.Fatal(err)
	}
	checkStreamed(t, s, "/api/v1/emerging?layer=wards&res=10", 2<<20)
}
