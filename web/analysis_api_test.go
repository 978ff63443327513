package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

// The analysis endpoints answer over HTTP with the figures known from
// outside: the 2,238-cell Stockton resolution-9 grid and its 25,415 crimes
// in 2024-12..2025-11 (testdata/gistar, the R spdep vector), the 23 months
// the backtest can score, and per-ward monthly series that add up to the
// ward counts.
func TestAnalysisEndpoints(t *testing.T) {
	_, _, ts := ogcServer(t, nil)
	period := "from=2024-12&to=2025-11"

	var conc struct {
		Cells  int   `json:"cells"`
		Count  int64 `json:"count"`
		Shares []struct {
			Fraction float64 `json:"fraction"`
			Cells    int     `json:"cells"`
		} `json:"shares"`
	}
	// R spdep's grid counted every row, ASB included: ask for crimes and ASB
	// to compare with its 25,415.
	all := "&types=" + url.QueryEscape(strings.Join(fixture.CrimesAndASB, ","))
	ogcJSON(t, ts.URL+"/api/v1/concentration?layer=wards&"+period+all, "", 200, &conc)
	if conc.Cells != 2238 || conc.Count != 25415 || len(conc.Shares) != 3 || conc.Shares[0].Cells != 23 || conc.Shares[2].Cells != 224 {
		t.Errorf("concentration %+v: want 2,238 cells, 25,415 crimes, top 1%% = 23 cells, 10%% = 224", conc)
	}

	var em struct {
		Months []string `json:"months"`
		Cells  []struct {
			Cell   string    `json:"cell"`
			Values []float64 `json:"values"`
		} `json:"cells"`
		Categories []struct {
			Cells int `json:"cells"`
		} `json:"categories"`
	}
	ogcJSON(t, ts.URL+"/api/v1/emerging?format=json&layer=wards&"+period+all, "", 200, &em)
	// The default answer is GeoJSON, a hexagon per cell with its category.
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			ID         string         `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	ogcJSON(t, ts.URL+"/api/v1/emerging?layer=wards&"+period, "", 200, &fc)
	if fc.Type != "FeatureCollection" || len(fc.Features) != 2238 || fc.Features[0].Properties["label"] == nil {
		t.Errorf("emerging GeoJSON: %s with %d features", fc.Type, len(fc.Features))
	}
	var emTotal float64
	for _, c := range em.Cells {
		for _, v := range c.Values {
			emTotal += v
		}
	}
	inCats := 0
	for _, c := range em.Categories {
		inCats += c.Cells
	}
	if len(em.Months) != 12 || em.Months[0] != "2024-12" || len(em.Cells) != 2238 || emTotal != 25415 || inCats != 2238 {
		t.Errorf("emerging: months %v, %d cells, %v crimes, %d in categories", em.Months, len(em.Cells), emTotal, inCats)
	}

	var ev struct {
		Cells   int      `json:"cells"`
		Months  []string `json:"months"`
		Methods []struct {
			Method string `json:"method"`
		} `json:"methods"`
	}
	ogcJSON(t, ts.URL+"/api/v1/evaluation?layer=wards", "", 200, &ev)
	if ev.Cells != 2238 || len(ev.Months) != 23 || ev.Months[0] != "2024-01" || ev.Months[22] != "2025-11" || len(ev.Methods) != 8 {
		t.Errorf("evaluation: %d cells, months %v, %d method scores", ev.Cells, ev.Months, len(ev.Methods))
	}

	var tr struct {
		Months []string `json:"months"`
		Series []struct {
			Code   string    `json:"code"`
			Values []float64 `json:"values"`
		} `json:"series"`
	}
	ogcJSON(t, ts.URL+"/api/v1/layers/wards/trends?"+period, "", 200, &tr)
	var counts []struct {
		Code  string `json:"code"`
		Count int64  `json:"count"`
	}
	if len(tr.Series) != 27 || len(tr.Months) != 12 {
		t.Fatalf("trends: %d series of %d months", len(tr.Series), len(tr.Months))
	}
	// The last month of each series is that ward's count for 2025-11.
	ogcJSON(t, ts.URL+"/api/v1/layers/wards/counts?from=2025-11&to=2025-11", "", 200, &counts)
	last := map[string]int64{}
	for _, c := range counts {
		last[c.Code] = c.Count
	}
	var sum float64
	for _, s := range tr.Series {
		for _, v := range s.Values {
			sum += v
		}
		if int64(s.Values[11]) != last[s.Code] {
			t.Errorf("ward %s: trend's 2025-11 value %v, counts say %d", s.Code, s.Values[11], last[s.Code])
		}
	}
	ogcJSON(t, ts.URL+"/api/v1/layers/wards/counts?"+period, "", 200, &counts)
	var inWards int64
	for _, c := range counts {
		inWards += c.Count
	}
	if int64(sum) != inWards {
		t.Errorf("the wards' series add to %v; the wards' counts for the 12 months to %d", sum, inWards)
	}

	for _, c := range []struct{ path, words string }{
		{"/api/v1/emerging?layer=wards&res=99", "resolution 99"},
		{"/api/v1/concentration?layer=nope", `no such area layer`},
		{"/api/v1/evaluation?layer=wards&k=9", "k=9"},
		{"/api/v1/layers/wards/trends?from=2025-13", "not a month"},
	} {
		code, _, body := ogcGet(t, ts.URL+c.path, "")
		if code/100 != 4 || !strings.Contains(string(body), c.words) {
			t.Errorf("%s: %d %s; want a 4xx saying %q", c.path, code, body, c.words)
		}
	}
}
