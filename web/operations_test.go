package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/report"
)

func opSend(tb testing.TB, method, url, token, body string) (int, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, url, bytes.NewBufferString(body))
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestOperationsAPI(t *testing.T) {
	tok := newOGCTokens(t)
	_, _, ts := ogcServer(t, tok.src)
	api := ts.URL + "/api/v1/operations"
	plan := `{"name": "Op Test Jun 2025", "start": "2025-06", "owners": {"Z1": "Town Centre NPT"},
		"from_tasking": {"layer": "wards", "from": "2025-06", "to": "2025-06", "top": 5}}`

	if code, b := opSend(t, http.MethodPost, api, tok.viewer, plan); code != http.StatusForbidden {
		t.Errorf("viewer creating: %d %s", code, b)
	}
	code, b := opSend(t, http.MethodPost, api, tok.analyst, plan)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, b)
	}
	var op data.Operation
	if err := json.Unmarshal(b, &op); err != nil {
		t.Fatal(err)
	}
	if op.ID != "op-test-jun-2025" || len(op.Zones) != 5 || op.Start != data.MonthOf(2025, 6) || op.Zones[0].Owner != "Town Centre NPT" {
		t.Fatalf("created %s with %d zones from %s, owner %q", op.ID, len(op.Zones), op.Start, op.Zones[0].Owner)
	}
	for i, z := range op.Zones {
		if z.ID != "Z"+strconv.Itoa(i+1) || z.Status != data.ZoneNew {
			t.Errorf("zone %d: %s %s, want Z%d new", i, z.ID, z.Status, i+1)
		}
	}
	for _, c := range []struct {
		name, body string
		want       int
	}{
		{"same name again", plan, http.StatusConflict},
		{"no zones", `{"name": "Op X", "start": "2025-06"}`, http.StatusBadRequest},
		{"bad month", `{"name": "Op X", "start": "June", "from_tasking": {}}`, http.StatusBadRequest},
		{"unknown field", `{"name": "Op X", "start": "2025-06", "zone": []}`, http.StatusBadRequest},
		{"not a polygon", `{"name": "Op X", "start": "2025-06", "zones": {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-1.3, 54.5]}}]}}`, http.StatusBadRequest},
		{"no name", `{"start": "2025-06", "from_tasking": {"from": "2025-06", "to": "2025-06"}}`, http.StatusBadRequest},
	} {
		code, b := opSend(t, http.MethodPost, api, tok.analyst, c.body)
		var e struct {
			Error string `json:"error"`
		}
		if code != c.want || json.Unmarshal(b, &e) != nil || e.Error == "" {
			t.Errorf("%s: %d %s, want %d with a message", c.name, code, b, c.want)
		}
	}

	// The sheet for the saved plan names the operation, its owner and its review date.
	sheet := ts.URL + "/tasking?layer=wards&from=2025-06&to=2025-06&top=5&operation="
	code, _, b = ogcGet(t, sheet+op.ID, tok.analyst)
	for _, w := range []string{"<b>Operation:</b> Op Test Jun 2025, from 2025-06", "Town Centre NPT", "<b>Review date:</b> when the 2025-06 data are loaded"} {
		if code != http.StatusOK || !strings.Contains(string(b), w) {
			t.Errorf("sheet of the saved plan: %d, lacks %q", code, w)
		}
	}
	if code, _, b = ogcGet(t, sheet+"op-none", tok.analyst); code != http.StatusNotFound {
		t.Errorf("sheet of an unknown operation: %d %s", code, b)
	}

	var list []data.Operation
	ogcJSON(t, api, tok.viewer, http.StatusOK, &list)
	if len(list) != 1 || list[0].ID != op.ID {
		t.Fatalf("list: %v", list)
	}

	// The GeoJSON export carries each zone's polygon as stored.
	code, ctype, b := ogcGet(t, api+"/"+op.ID+"/zones.geojson", tok.viewer)
	if code != http.StatusOK || ctype != "application/geo+json" {
		t.Fatalf("zones.geojson: %d %s", code, ctype)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil || len(fc.Features) != 5 {
		t.Fatalf("zones.geojson: %v, %d features", err, len(fc.Features))
	}
	for i, f := range fc.Features {
		if !orb.Equal(f.Geometry, op.Zones[i].Geometry) || f.Properties["zone"] != op.Zones[i].ID {
			t.Errorf("feature %d differs from zone %s", i, op.Zones[i].ID)
		}
	}

	// The evaluation: analysts only; the CSV's rows are the JSON's.
	if code, _, _ := ogcGet(t, api+"/"+op.ID+"/evaluation", tok.viewer); code != http.StatusForbidden {
		t.Errorf("viewer evaluation: %d", code)
	}
	var ev engine.OperationEvaluation
	ogcJSON(t, api+"/"+op.ID+"/evaluation", tok.analyst, http.StatusOK, &ev)
	if ev.Before.From != data.MonthOf(2024, 12) || ev.Before.To != data.MonthOf(2025, 5) || ev.After.From != data.MonthOf(2025, 6) || ev.After.To != data.MonthOf(2025, 11) {
		t.Errorf("periods %v %v", ev.Before, ev.After)
	}
	code, ctype, b = ogcGet(t, api+"/"+op.ID+"/evaluation.csv", tok.analyst)
	if code != http.StatusOK || ctype != "text/csv; charset=utf-8" {
		t.Fatalf("evaluation.csv: %d %s", code, ctype)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+1+len(ev.Zones)+len(ev.ByType) {
		t.Fatalf("%d CSV rows", len(recs))
	}
	c := ev.Overall.Counts
	want := []int64{c.TargetBefore, c.TargetAfter, c.ControlBefore, c.ControlAfter, c.BufferBefore, c.BufferAfter, c.BufferControlBefore, c.BufferControlAfter}
	for i, w := range want {
		if recs[1][4+i] != strconv.FormatInt(w, 10) {
			t.Errorf("CSV overall %s = %s, JSON %d", recs[0][4+i], recs[1][4+i], w)
		}
	}
	if code, _, b := ogcGet(t, api+"/"+op.ID+"/evaluation?buffer_k=9", tok.analyst); code != http.StatusBadRequest {
		t.Errorf("buffer_k=9: %d %s", code, b)
	}

	// A drawn zone a month later over the first zone's centre continues it; the rest drop.
	ctr := op.Zones[0].Geometry.Bound().Center()
	if !planar.MultiPolygonContains(op.Zones[0].Geometry, ctr) {
		ctr = op.Zones[0].Geometry[0][0][0]
	}
	d := 0.002
	drawn := fmt.Sprintf(`{"name": "Op Drawn", "start": "2025-07", "zones": {"type": "FeatureCollection", "features": [
		{"type": "Feature", "properties": {"label": "High Street", "owner": "PCSO 1"}, "geometry": {"type": "Polygon",
		"coordinates": [[[%[1]f, %[2]f], [%[3]f, %[2]f], [%[3]f, %[4]f], [%[1]f, %[4]f], [%[1]f, %[2]f]]]}}]}}`,
		ctr[0]-d, ctr[1]-d, ctr[0]+d, ctr[1]+d)
	code, b = opSend(t, http.MethodPost, api, tok.analyst, drawn)
	if code != http.StatusCreated {
		t.Fatalf("drawn: %d %s", code, b)
	}
	var op2 data.Operation
	if err := json.Unmarshal(b, &op2); err != nil {
		t.Fatal(err)
	}
	if op2.Previous != op.ID || op2.Zones[0].ID != "Z1" || op2.Zones[0].Status != data.ZoneContinuing ||
		len(op2.Dropped) != 4 || op2.Zones[0].Owner != "PCSO 1" {
		t.Errorf("drawn operation: previous %q, zone %s %s owner %q, dropped %v", op2.Previous, op2.Zones[0].ID, op2.Zones[0].Status, op2.Zones[0].Owner, op2.Dropped)
	}

	if code, b := opSend(t, http.MethodDelete, api+"/"+op.ID, tok.viewer, ""); code != http.StatusForbidden {
		t.Errorf("viewer delete: %d %s", code, b)
	}
	if code, b := opSend(t, http.MethodDelete, api+"/"+op.ID, tok.analyst, ""); code != http.StatusNoContent {
		t.Errorf("delete: %d %s", code, b)
	}
	if code, _, _ := ogcGet(t, api+"/"+op.ID, tok.viewer); code != http.StatusNotFound {
		t.Errorf("deleted operation: %d", code)
	}
}

// TestEvaluationCSVDoc: docs/exports.md lists the evaluation CSV's columns in order.
func TestEvaluationCSVDoc(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "exports.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "## operation evaluation\n")
	if !ok {
		t.Fatal("docs/exports.md has no section operation evaluation")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var doc []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\|").FindAllStringSubmatch(sec, -1) {
		doc = append(doc, m[1])
	}
	if !slices.Equal(doc, report.EvaluationCSVHeader) {
		t.Errorf("docs list %v\nthe code writes %v", doc, report.EvaluationCSVHeader)
	}
}
