package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// strategyServer is ogcServer with the bundled authorities layer and its
// Census 2021 populations (data/sample, in the repository).
func strategyServer(tb testing.TB) (tokens ogcTokens, base string) {
	tb.Helper()
	tokens = newOGCTokens(tb)
	_, store, ts := ogcServer(tb, tokens.src)
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
	if err := store.PutLayer(context.Background(), "authorities", areas, data.LayerMeta{Source: "test"}); err != nil {
		tb.Fatal(err)
	}
	return tokens, ts.URL
}

type strategyJSON struct {
	AreaName   string `json:"area_name"`
	Period     struct{ From, To string }
	Priorities []struct {
		Name       string          `json:"name"`
		Status     string          `json:"status"`
		Count      json.RawMessage `json:"count"`
		Rate       *float64        `json:"rate_per_1000"`
		Comparison struct {
			Areas []map[string]any `json:"areas"`
		} `json:"comparison"`
		Chart struct {
			Values []any `json:"values"`
		} `json:"chart"`
	} `json:"priorities"`
}

func TestStrategyAPI(t *testing.T) {
	tok, base := strategyServer(t)
	var s strategyJSON
	ogcJSON(t, base+"/api/v1/strategy?from=2024-12&to=2025-11&priorities=Robbery", tok.analyst, http.StatusOK, &s)
	if s.AreaName != "Stockton-on-Tees" || len(s.Priorities) != 1 {
		t.Fatalf("got %+v", s)
	}
	rob := s.Priorities[0]
	// the strategy.md vector: Stockton 307 robberies, 1.5616 per 1,000, below 99.8%
	if string(rob.Count) != "307" || rob.Rate == nil || *rob.Rate < 1.56155 || *rob.Rate > 1.56165 {
		t.Errorf("Stockton robbery: count %s rate %v status %s", rob.Count, rob.Rate, rob.Status)
	}
	readings := map[string]string{}
	for _, a := range rob.Comparison.Areas {
		readings[a["name"].(string)] = a["reading"].(string)
	}
	if readings["Middlesbrough"] != "above 99.8%" || readings["Hartlepool"] != "within" || len(readings) != 4 {
		t.Errorf("readings %v", readings)
	}

	// CSV: every figure, one a row
	code, ctype, body := ogcGet(t, base+"/api/v1/strategy.csv?from=2024-12&to=2025-11&priorities=robbery", tok.analyst)
	if code != http.StatusOK || !strings.HasPrefix(ctype, "text/csv") {
		t.Fatalf("csv: %d %s %s", code, ctype, body)
	}
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, r := range recs[1:] {
		found[r[1]+"|"+r[3]+"|"+r[5]] = r[6]
	}
	for k, want := range map[string]string{
		"comparison|Stockton-on-Tees|rate_per_1000": "1.5616",
		"comparison|Middlesbrough|count":            "497",
		"comparison|Redcar and Cleveland|upper998":  "2.5011",
		"comparison|Hartlepool|expected":            "195.441",
		"summary|Stockton-on-Tees|status":           "exception",
	} {
		if found[k] != want {
			t.Errorf("csv %s = %q, want %q", k, found[k], want)
		}
	}

	// the page: a summary and one page per priority
	code, ctype, body = ogcGet(t, base+"/strategy", tok.viewer)
	page := string(body)
	if code != http.StatusOK || !strings.HasPrefix(ctype, "text/html") {
		t.Fatalf("page: %d %s %.300s", code, ctype, body)
	}
	if n := strings.Count(page, `<section class="page`); n != 7 {
		t.Errorf("%d pages, want 7 (a summary and 6 priorities)", n)
	}
	for _, w := range []string{"Strategy view: Stockton-on-Tees", "Serious violence", "Hotspot wards", "Stockton Town Centre", "<svg class=\"chart funnel\"", "<svg class=\"chart xmr\"", "per 1,000 residents"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// TestStrategyDisclosure: the strategy view of police.uk, public, is the
// same for a viewer as for an analyst; of a restricted source it is
// withheld from viewers (403 naming analysts) and exact for analysts.
func TestStrategyDisclosure(t *testing.T) {
	tok, base := strategyServer(t)
	u := base + "/api/v1/strategy?layer=wards&from=2025-11&to=2025-11&priorities=Robbery"
	_, _, an := ogcGet(t, u, tok.analyst)
	_, _, vw := ogcGet(t, u, tok.viewer)
	if !bytes.Equal(an, vw) {
		t.Error("a viewer's strategy view of police.uk differs from the analyst's")
	}
	ts := restrictedServer(t, tok.src)
	for _, p := range []string{"/api/v1/strategy", "/api/v1/strategy.csv", "/strategy"} {
		code, _, b := ogcGet(t, ts.URL+p+"?layer=wards&from=2025-11&to=2025-11&priorities=Robbery", tok.viewer)
		if code != 403 || !strings.Contains(string(b), "analysts only") {
			t.Errorf("%s, viewer of a restricted source: %d %.200s", p, code, b)
		}
	}
}

func TestStrategyAPIErrors(t *testing.T) {
	tok, base := strategyServer(t)
	for _, c := range []struct {
		query string
		code  int
		msg   string
	}{
		{"baseline_year=last", 400, "parameter baseline_year"},
		{"spc_from=Jan", 400, "parameter spc_from"},
		{"priorities=Arson", 400, "the priorities are: Serious violence"},
		{"layer=beats", 404, "beats"},
		{"area=Leeds", 404, "Leeds"},
		{"baseline_year=2030", 400, "give an earlier year"},
	} {
		code, _, body := ogcGet(t, base+"/api/v1/strategy?"+c.query, tok.analyst)
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		if code != c.code || !strings.Contains(e.Error, c.msg) || strings.HasPrefix(e.Error, "engine:") {
			t.Errorf("%s: %d %q, want %d with %q", c.query, code, e.Error, c.code, c.msg)
		}
	}
}

// TestStrategyLink: the map opens the strategy view by a signed link with
// no token in it; the page itself needs the link (or a token), and it is
// served with the printable sheets' Content-Security-Policy.
func TestStrategyLink(t *testing.T) {
	tok, base := strategyServer(t)
	if code, _, _ := ogcGet(t, base+"/strategy?priorities=Robbery", ""); code != http.StatusUnauthorized {
		t.Errorf("the page with no token or link: %d, want 401", code)
	}
	var link struct{ URL, Expires string }
	ogcJSON(t, base+"/api/v1/strategy/link?priorities=Robbery&from=2024-12&to=2025-11", tok.viewer, http.StatusOK, &link)
	if !strings.HasPrefix(link.URL, "/strategy?") || strings.Contains(link.URL, tok.viewer) || strings.Contains(link.URL, "access_token") {
		t.Fatalf("link %s", link.URL)
	}
	code, ctype, body := ogcGet(t, base+link.URL, "")
	if code != http.StatusOK || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(string(body), "Robbery") {
		t.Fatalf("opening the link: %d %s %.200s", code, ctype, body)
	}
	req, _ := http.NewRequest(http.MethodGet, base+link.URL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); csp != sheetCSP {
		t.Errorf("CSP %q, want the sheets' %q", csp, sheetCSP)
	}
	// a link does not open the JSON API, nor a page with other parameters
	if code, _, _ := ogcGet(t, base+strings.Replace(link.URL, "/strategy?", "/api/v1/strategy?", 1), ""); code != http.StatusUnauthorized {
		t.Errorf("the link's signature opened the API: %d", code)
	}
	if code, _, _ := ogcGet(t, base+strings.Replace(link.URL, "Robbery", "Drugs", 1), ""); code != http.StatusUnauthorized {
		t.Errorf("a changed link opened: %d", code)
	}
	if code, _, _ := ogcGet(t, base+"/api/v1/strategy/link?baseline_year=x", tok.viewer); code != http.StatusBadRequest {
		t.Errorf("a link for bad parameters: %d, want 400", code)
	}
}
