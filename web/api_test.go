package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/disclosure"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// apiServer starts the HTTP server over a fresh store on 127.0.0.1.
func apiServer(tb testing.TB, opts Options) (*Server, *httptest.Server) {
	tb.Helper()
	store := ogcStore(tb)
	eng, err := engine.New(store, engine.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(store, eng, opts)
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return s, ts
}

func call(tb testing.TB, method, url, token string, body []byte) (int, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestRolesByEndpointClass sends each class of endpoint a request with no
// token, a bad one, and each role's token.
func TestRolesByEndpointClass(t *testing.T) {
	toks, err := data.OpenTokens(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	secret := map[Role]string{}
	for _, role := range []Role{data.RoleViewer, data.RoleAnalyst, data.RoleAdmin} {
		if secret[role], err = toks.Create("test "+role.String(), role); err != nil {
			t.Fatal(err)
		}
	}
	_, ts := apiServer(t, Options{Tokens: toks})
	bad := []byte("not,a,crime,file\n")
	cases := []struct {
		name   string
		method string
		path   string
		body   []byte
		need   Role
	}{
		{"health", "GET", "/healthz", nil, data.RoleNone},
		{"summary", "GET", "/api/v1/summary", nil, data.RoleViewer},
		{"ranking", "GET", "/api/v1/layers/wards/ranking", nil, data.RoleViewer},
		{"profile", "GET", "/api/v1/layers/wards/areas/E05014882/profile", nil, data.RoleViewer},
		{"hotspots", "GET", "/api/v1/hotspots?layer=wards", nil, data.RoleViewer},
		{"tasking", "GET", "/api/v1/tasking?top=2", nil, data.RoleViewer},
		{"tasking page", "GET", "/tasking?top=2", nil, data.RoleViewer},
		{"cell tiles", "GET", "/tiles/cells.json", nil, data.RoleViewer},
		{"cell tile", "GET", "/tiles/cells/14/8131/5253.mvt", nil, data.RoleViewer},
		{"incident tiles", "GET", "/tiles/incidents.json", nil, data.RoleAnalyst},
		{"incident tile", "GET", "/tiles/incidents/16/16263/10507.mvt", nil, data.RoleAnalyst},
		{"incident export", "GET", "/api/v1/export/incidents.csv?from=2025-11&to=2025-11", nil, data.RoleAnalyst},
		{"OGC incidents", "GET", "/ogc/collections/incidents/items?limit=1", nil, data.RoleAnalyst},
		{"import", "POST", "/api/v1/import?filename=x.csv", bad, data.RoleAnalyst},
		{"layer upload", "POST", "/api/v1/layers/beats", []byte("{}"), data.RoleAdmin},
		{"layer delete", "DELETE", "/api/v1/layers/no-such-layer", nil, data.RoleAdmin},
	}
	callers := []struct {
		name  string
		token string
		role  Role
	}{{"no token", "", data.RoleNone}, {"viewer", secret[data.RoleViewer], data.RoleViewer}, {"analyst", secret[data.RoleAnalyst], data.RoleAnalyst}, {"admin", secret[data.RoleAdmin], data.RoleAdmin}}
	for _, c := range cases {
		for _, who := range callers {
			t.Run(c.name+"/"+who.name, func(t *testing.T) {
				code, body := call(t, c.method, ts.URL+c.path, who.token, c.body)
				switch {
				case who.role >= c.need:
					if code == 401 || code == 403 || code >= 500 {
						t.Errorf("%s %s as %s: %d %s", c.method, c.path, who.name, code, body)
					}
				case who.role == data.RoleNone:
					if code != 401 || !strings.Contains(string(body), "token") {
						t.Errorf("%s as %s: %d %s; want 401 asking for a token", c.path, who.name, code, body)
					}
				default:
					if code != 403 || !strings.Contains(string(body), "needs the "+c.need.String()+" role") {
						t.Errorf("%s as %s: %d %s; want 403 naming the role", c.path, who.name, code, body)
					}
				}
			})
		}
	}
	t.Run("bad token", func(t *testing.T) {
		code, body := call(t, "GET", ts.URL+"/api/v1/summary", "hs_nonsense", nil)
		if code != 401 || !strings.Contains(string(body), "not valid") {
			t.Errorf("%d %s", code, body)
		}
	})
	t.Run("revoked token", func(t *testing.T) {
		if err := toks.Revoke("test viewer"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // the server rereads the file at most once a second
		if code, _ := call(t, "GET", ts.URL+"/api/v1/summary", secret[data.RoleViewer], nil); code != 401 {
			t.Errorf("revoked token: %d", code)
		}
	})
}

func TestNoTokensMakesEveryoneAdmin(t *testing.T) {
	_, ts := apiServer(t, Options{})
	if code, body := call(t, "DELETE", ts.URL+"/api/v1/layers/wards", "", nil); code != 204 {
		t.Errorf("delete layer with no tokens configured: %d %s", code, body)
	}
}

// TestViewerBands: police.uk, public, is shown to viewers as published; a
// restricted source (police.uk restricted for the test) shows viewers each
// count as the lower end of its band of five, worked here by hand from the
// analyst's exact figure (n - n mod 5), with the rate and share from the
// banded counts and harm and cost withheld; a ranking by harm is refused.
func TestViewerBands(t *testing.T) {
	toks, _ := data.OpenTokens(t.TempDir(), nil)
	viewer, _ := toks.Create("v", data.RoleViewer)
	analyst, _ := toks.Create("a", data.RoleAnalyst)
	type ranking struct {
		Areas []map[string]any `json:"areas"`
		Total map[string]any   `json:"total"`
	}
	get := func(t *testing.T, base, tok string) ranking {
		var r ranking
		ogcJSON(t, base+"/api/v1/layers/wards/ranking?from=2025-11&to=2025-11&types=Bicycle%20theft", tok, 200, &r)
		slices.SortFunc(r.Areas, func(a, b map[string]any) int { return strings.Compare(a["code"].(string), b["code"].(string)) })
		return r
	}
	t.Run("public", func(t *testing.T) {
		_, ts := apiServer(t, Options{Tokens: toks})
		an, vw := get(t, ts.URL, analyst), get(t, ts.URL, viewer)
		for i, a := range an.Areas {
			if vw.Areas[i]["count"] != a["count"] || vw.Areas[i]["harm"] != a["harm"] {
				t.Errorf("%s: viewer sees %v, analyst %v", a["name"], vw.Areas[i], a)
			}
		}
	})
	t.Run("restricted", func(t *testing.T) {
		_, ts := apiServer(t, Options{Tokens: toks, Disclosure: disclosure.New(disclosure.Options{Public: []string{}})})
		an, vw := get(t, ts.URL, analyst), get(t, ts.URL, viewer)
		small := 0
		total := an.Total["count"].(float64)
		wantTotal := total - math.Mod(total, 5)
		if vw.Total["count"] != wantTotal {
			t.Errorf("total %v shown as %v, want %v", total, vw.Total["count"], wantTotal)
		}
		for i, a := range an.Areas {
			v, n := vw.Areas[i], a["count"].(float64)
			want := n - math.Mod(n, 5)
			if n >= 1 && n <= 2 {
				small++
			}
			if v["count"] != want || v["harm"] != 0.0 || v["cost"] != 0.0 {
				t.Errorf("%s: count %v shown as %v (want %v), harm %v, cost %v", a["name"], n, v["count"], want, v["harm"], v["cost"])
			}
			if pop, ok := a["population"].(float64); ok {
				if r := v["rate_per_1000"].(float64); math.Abs(r-want/pop*1000) > 1e-9 {
					t.Errorf("%s: rate %v, want %v", a["name"], r, want/pop*1000)
				}
			}
			if wantTotal > 0 {
				if sh := v["share_pct"].(float64); math.Abs(sh-want/wantTotal*100) > 1e-9 {
					t.Errorf("%s: share %v, want %v", a["name"], sh, want/wantTotal*100)
				}
			}
		}
		if small == 0 {
			t.Fatal("no ward had 1 or 2 bicycle thefts in 2025-11; the test needs one")
		}
		code, body := call(t, "GET", ts.URL+"/api/v1/layers/wards/ranking?from=2025-11&to=2025-11&measure=harm", viewer, nil)
		if code != 403 || !strings.Contains(string(body), "analysts only") {
			t.Errorf("ranking by harm for a viewer: %d %s", code, body)
		}
	})
}

func TestUploads(t *testing.T) {
	s, ts := apiServer(t, Options{MaxUpload: 2 << 20})
	body := fixture.Read(t, fixture.ClevelandMonth("2025-11"))
	before, _ := s.store.Summary(context.Background())
	t.Run("re-import a month", func(t *testing.T) {
		code, resp := call(t, "POST", ts.URL+"/api/v1/import?filename=2025-11-cleveland-street.csv", "", body)
		var rep data.Report
		json.Unmarshal(resp, &rep)
		if code != 200 || rep.Stored == 0 || rep.Rejected != 0 {
			t.Fatalf("%d %s", code, resp)
		}
		after, _ := s.store.Summary(context.Background())
		if after.Incidents != before.Incidents {
			t.Errorf("re-importing 2025-11 changed the total from %d to %d", before.Incidents, after.Incidents)
		}
	})
	t.Run("too large", func(t *testing.T) {
		big := bytes.Repeat(body, 3)
		code, resp := call(t, "POST", ts.URL+"/api/v1/import?filename=big.csv", "", big)
		if code != 413 || !strings.Contains(string(resp), "2 MB limit") {
			t.Errorf("%d %s", code, resp)
		}
	})
	t.Run("bad file changes nothing", func(t *testing.T) {
		code, resp := call(t, "POST", ts.URL+"/api/v1/import?filename=bad.csv", "", []byte("a,b\n1,2\n"))
		if code != 422 || !strings.Contains(string(resp), "nothing was changed") || !strings.Contains(string(resp), "missing column") {
			t.Errorf("%d %s", code, resp)
		}
	})
	t.Run("area layer upload", func(t *testing.T) {
		gj := fixture.Read(t, fixture.StocktonWards)
		code, resp := call(t, "POST", ts.URL+"/api/v1/layers/wards-copy", "", gj)
		if code != 201 || !strings.Contains(string(resp), `"areas":27`) {
			t.Fatalf("%d %s", code, resp)
		}
		code, resp = call(t, "GET", ts.URL+"/api/v1/layers/wards-copy/counts?from=2025-11&to=2025-11", "", nil)
		if code != 200 || strings.Count(string(resp), `"code"`) != 27 {
			t.Errorf("%d %s", code, resp)
		}
		// a name the store refuses is the user's to fix: 400 with the rule
		code, resp = call(t, "POST", ts.URL+"/api/v1/layers/Wards%20Copy", "", gj)
		if code != 400 || !strings.Contains(string(resp), `layer name \"Wards Copy\": use 1-63 lower-case letters`) {
			t.Errorf("bad layer name: %d %s", code, resp)
		}
	})
}

func TestHeavyQueriesBounded(t *testing.T) {
	s, ts := apiServer(t, Options{HeavyQueries: 1, QueryTimeout: 200 * time.Millisecond})
	// Computed beforehand, so that the answer below comes from the cache
	// within the 200 ms however busy the machine is.
	if _, err := s.engine.Hotspots(context.Background(), engine.HotspotQuery{Layer: "wards"}); err != nil {
		t.Fatal(err)
	}
	s.heavySem <- struct{}{} // another heavy query holds the only place
	code, body := call(t, "GET", ts.URL+"/api/v1/hotspots?layer=wards", "", nil)
	<-s.heavySem
	if code != 503 || !strings.Contains(string(body), "busy") {
		t.Errorf("%d %s", code, body)
	}
	if code, _ := call(t, "GET", ts.URL+"/api/v1/hotspots?layer=wards", "", nil); code != 200 {
		t.Errorf("after the place freed: %d", code)
	}
}

// TestCountsOneSource: /layers/{layer}/counts counts the request's source
// only (it summed every source loaded), as the ranking of the same period
// does by its own path; police.uk by default, the force export with
// ?source=.
func TestCountsOneSource(t *testing.T) {
	s, ts := apiServer(t, Options{})
	parts, _, err := data.ReadIncidents(context.Background(), []string{fixture.Path(t, fixture.ForceExport)}, data.ReadOptions{Source: "cleveland-rms", Force: "Cleveland Police"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.store.Replace(context.Background(), parts); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"", "&source=cleveland-rms"} {
		var counts []AreaCount
		var rk struct {
			Areas []struct {
				Code  string  `json:"code"`
				Count float64 `json:"count"`
			} `json:"areas"`
		}
		ogcJSON(t, ts.URL+"/api/v1/layers/wards/counts?from=2025-11&to=2025-11"+src, "", 200, &counts)
		ogcJSON(t, ts.URL+"/api/v1/layers/wards/ranking?from=2025-11&to=2025-11"+src, "", 200, &rk)
		want := map[string]int64{}
		for _, a := range rk.Areas {
			want[a.Code] = int64(a.Count)
		}
		for _, c := range counts {
			if c.Count != want[c.Code] || c.Band != "" {
				t.Errorf("source %q: %s counts %d (%q), the ranking %d", src, c.Code, c.Count, c.Band, want[c.Code])
			}
		}
	}
}
