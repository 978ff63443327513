package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/engine"
)

// TestSearchAPI: the search box's endpoint answers a street, a ward and a
// cell, and says plainly what is wrong with a bad limit.
func TestSearchAPI(t *testing.T) {
	tok := newOGCTokens(t)
	_, _, ts := ogcServer(t, tok.src)
	var ans SearchAnswer
	ogcJSON(t, ts.URL+"/api/v1/search?q=regent", tok.viewer, http.StatusOK, &ans)
	if len(ans.Results) == 0 || ans.Results[0].Kind != engine.FoundStreet || ans.Results[0].Label != "Regent Street" ||
		ans.Results[0].Point[0] != -1.313972 || ans.Results[0].Point[1] != 54.565497 {
		t.Errorf("regent: %+v; want Stockton's Regent Street (-1.313972, 54.565497) first", ans.Results)
	}
	ogcJSON(t, ts.URL+"/api/v1/search?q=Stockton+Town", tok.viewer, http.StatusOK, &ans)
	if len(ans.Results) == 0 || ans.Results[0].Kind != engine.FoundArea || ans.Results[0].Code != "E05014882" {
		t.Errorf("Stockton Town: %+v", ans.Results)
	}
	ogcJSON(t, ts.URL+"/api/v1/search?q=89194655b9bffff", tok.viewer, http.StatusOK, &ans)
	if len(ans.Results) != 1 || ans.Results[0].Cell != "89194655b9bffff" {
		t.Errorf("cell: %+v", ans.Results)
	}
	var e struct{ Error string }
	ogcJSON(t, ts.URL+"/api/v1/search?q=x&limit=0", tok.viewer, http.StatusBadRequest, &e)
	if !strings.Contains(e.Error, "1 to 50") {
		t.Errorf("bad limit: %q", e.Error)
	}
	if code, _, _ := ogcGet(t, ts.URL+"/api/v1/search?q=regent", ""); code != http.StatusUnauthorized {
		t.Errorf("search without a token: %d, want 401", code)
	}
}

// TestStreetsAPI: the labels are police.uk's names at their busiest points,
// with no figures, the same for a viewer, and revalidated by ETag.
func TestStreetsAPI(t *testing.T) {
	tok := newOGCTokens(t)
	_, _, ts := ogcServer(t, tok.src)
	code, ctype, body := ogcGet(t, ts.URL+"/api/v1/streets", tok.viewer)
	if code != http.StatusOK || ctype != "application/geo+json" {
		t.Fatalf("%d %s", code, body)
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Coordinates [2]float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fc.Features {
		if _, ok := f.Properties["count"]; ok {
			t.Fatalf("a label carries a count: %v", f.Properties)
		}
		if f.Properties["name"] == "Regent Street" && f.Geometry.Coordinates == [2]float64{-1.313972, 54.565497} {
			found = true
			if f.Properties["generic"] != false || f.Properties["points"] != 1.0 {
				t.Errorf("Regent Street: %v", f.Properties)
			}
		}
	}
	if !found {
		t.Errorf("no label for Stockton's Regent Street among %d", len(fc.Features))
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/streets", nil)
	req.Header.Set("Authorization", "Bearer "+tok.viewer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, _, _ := ogcGet(t, ts.URL+"/api/v1/streets", tok.viewer, "If-None-Match", resp.Header.Get("ETag")); code != http.StatusNotModified || resp.Header.Get("ETag") == "" {
		t.Errorf("revalidation of ETag %q: %d, want 304", resp.Header.Get("ETag"), code)
	}
}
