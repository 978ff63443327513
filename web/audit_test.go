package web

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/audit"
	"github.com/stockton-csp/hotspots/data"
)

// TestAccessLog: every export, incident read, import and layer change is
// logged with who, what, the rows and from where, refusals too; aggregate
// reads are not; no token is ever written (issue 9, item 10).
func TestAccessLog(t *testing.T) {
	toks, _ := data.OpenTokens(t.TempDir(), nil)
	viewer, _ := toks.Create("Neighbourhood team", data.RoleViewer)
	analyst, _ := toks.Create("Analyst CURV", data.RoleAnalyst)
	admin, _ := toks.Create("Admin", data.RoleAdmin)
	dir := t.TempDir()
	log, err := audit.Open(dir, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	_, ts := apiServer(t, Options{Tokens: toks, Audit: log})

	before := time.Now().UTC().Add(-time.Second)
	code, _, csv := ogcGet(t, ts.URL+"/api/v1/export/incidents.csv?from=2025-11&to=2025-11&types=Burglary", analyst)
	if code != 200 {
		t.Fatalf("export: %d %.200s", code, csv)
	}
	csvRows := int64(bytes.Count(csv, []byte("\n")) - 1) // less the header
	if code, _, _ := ogcGet(t, ts.URL+"/api/v1/export/incidents.csv?from=2025-11&to=2025-11", viewer); code != 403 {
		t.Fatalf("viewer export: %d", code)
	}
	ogcJSON(t, ts.URL+"/ogc/collections/incidents/items?limit=5&access_token="+analyst, "", 200, nil)
	ogcJSON(t, ts.URL+"/api/v1/summary", viewer, 200, nil) // not logged: an aggregate
	ogcJSON(t, ts.URL+"/api/v1/layers/wards/ranking", viewer, 200, nil)
	if code, b := send(t, "POST", ts.URL+"/api/v1/layers/squares", squareGeoJSON, map[string]string{"Authorization": "Bearer " + admin, "Content-Type": "application/geo+json"}); code != 201 {
		t.Fatalf("layer upload: %d %s", code, b)
	}
	if code, b := send(t, "DELETE", ts.URL+"/api/v1/layers/squares", "", map[string]string{"Authorization": "Bearer " + admin}); code != 204 {
		t.Fatalf("layer delete: %d %s", code, b)
	}

	var got []audit.Entry
	if err := audit.Read(dir, audit.Filter{}, func(e audit.Entry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	five, one := int64(5), int64(1)
	want := []audit.Entry{
		{Who: "Analyst CURV", Role: "analyst", Action: "incidents", Method: "GET", Endpoint: "/api/v1/export/incidents.csv",
			Filters: map[string]string{"from": "2025-11", "to": "2025-11", "types": "Burglary"}, Status: 200, Rows: &csvRows},
		{Who: "Neighbourhood team", Role: "viewer", Action: "incidents", Method: "GET", Endpoint: "/api/v1/export/incidents.csv",
			Filters: map[string]string{"from": "2025-11", "to": "2025-11"}, Status: 403},
		{Who: "Analyst CURV", Role: "analyst", Action: "incidents", Method: "GET", Endpoint: "/ogc/collections/incidents/items",
			Filters: map[string]string{"limit": "5"}, Status: 200, Rows: &five},
		{Who: "Admin", Role: "admin", Action: "layer", Method: "POST", Endpoint: "/api/v1/layers/squares", Status: 201, Rows: &one},
		{Who: "Admin", Role: "admin", Action: "layer", Method: "DELETE", Endpoint: "/api/v1/layers/squares", Status: 204},
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Who != w.Who || g.Role != w.Role || g.Action != w.Action || g.Method != w.Method || g.Endpoint != w.Endpoint ||
			g.Status != w.Status || (g.Rows == nil) != (w.Rows == nil) || g.Rows != nil && *g.Rows != *w.Rows ||
			len(g.Filters) != len(w.Filters) || g.From != "127.0.0.1" || g.Time.Before(before) || time.Since(g.Time) > time.Minute {
			t.Errorf("entry %d:\n got %+v (rows %v)\nwant %+v (rows %v)", i, g, deref(g.Rows), w, deref(w.Rows))
		}
		for k, v := range w.Filters {
			if g.Filters[k] != v {
				t.Errorf("entry %d: filter %s = %q, want %q", i, k, g.Filters[k], v)
			}
		}
	}
	// the records in the wards (the export's layer), by ray casting on the raw rows
	if want := rawInWards(t, "2025-11", "Burglary"); csvRows != int64(want) {
		t.Errorf("%d burglaries exported for 2025-11; ray casting finds %d in the wards", csvRows, want)
	}
	b, _ := os.ReadFile(filepath.Join(dir, audit.FileName))
	for _, secret := range []string{viewer, analyst, admin, "access_token"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the access log holds %q", secret)
		}
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestAccessLogTiles: incident tiles are logged, the map's aggregate tiles
// are not.
func TestAccessLogTiles(t *testing.T) {
	dir := t.TempDir()
	log, err := audit.Open(dir, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	_, ts := apiServer(t, Options{Audit: log})
	for _, p := range []string{"/tiles/cells/14/8131/5253.mvt", "/tiles/incidents/16/16263/10507.mvt", "/tiles/incidents.json"} {
		if code, _, b := ogcGet(t, ts.URL+p, ""); code >= 300 {
			t.Fatalf("%s: %d %.200s", p, code, b)
		}
	}
	var got []audit.Entry
	audit.Read(dir, audit.Filter{}, func(e audit.Entry) error { got = append(got, e); return nil })
	if len(got) != 1 || got[0].Endpoint != "/tiles/incidents/16/16263/10507.mvt" || got[0].Action != "incidents" || got[0].Role != "admin" || got[0].Who != "" {
		t.Errorf("logged %+v; want the one incident tile, by the single user", got)
	}
}
