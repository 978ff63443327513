package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
	"github.com/stockton-csp/hotspots/report"
)

// exPaths are the exports with the parameters the tests ask for.
var exPaths = map[string]string{
	"ranking":   "/api/v1/export/ranking.%s?layer=wards&measure=harm",
	"hotspots":  "/api/v1/export/hotspots.%s?layer=wards&res=9&k=1",
	"zones":     "/api/v1/export/zones.%s?layer=wards&top=8",
	"incidents": "/api/v1/export/incidents.%s?from=2025-11&to=2025-11&layer=wards",
}

// exNames are the exports in a fixed order.
var exNames = []string{"ranking", "hotspots", "zones", "incidents"}

// exFC is an exported FeatureCollection with its members.
type exFC struct {
	Type          string           `json:"type"`
	Name          string           `json:"name"`
	SchemaVersion int              `json:"schema_version"`
	Attribution   string           `json:"attribution"`
	Suppressed    *int             `json:"suppressed"`
	Features      []ogcTestFeature `json:"features"`
}

// exPropertyOrder returns the property names of each feature of a GeoJSON
// document in the order they are written.
func exPropertyOrder(tb testing.TB, b []byte) [][]string {
	tb.Helper()
	var raw struct {
		Features []struct {
			Properties json.RawMessage `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		tb.Fatal(err)
	}
	var out [][]string
	for _, f := range raw.Features {
		dec := json.NewDecoder(bytes.NewReader(f.Properties))
		dec.Token() // {
		var keys []string
		for dec.More() {
			k, _ := dec.Token()
			keys = append(keys, k.(string))
			var skip json.RawMessage
			dec.Decode(&skip)
		}
		out = append(out, keys)
	}
	return out
}

func exColumnNames(kind string, csvFile bool) []string {
	var names []string
	cols, _ := report.Columns(kind)
	for _, c := range cols {
		if csvFile || !c.CSVOnly {
			names = append(names, c.Name)
		}
	}
	return names
}

func TestExportFormats(t *testing.T) {
	_, _, ts := ogcServer(t, nil)
	for _, kind := range exNames {
		for _, format := range []string{"geojson", "csv"} {
			t.Run(kind+"."+format, func(t *testing.T) {
				code, ct, b := ogcGet(t, ts.URL+fmt.Sprintf(exPaths[kind], format), "")
				if code != 200 {
					t.Fatalf("%d: %s", code, b)
				}
				wantCT := map[string]string{"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8"}[format]
				if ct != wantCT {
					t.Errorf("Content-Type %q, want %q", ct, wantCT)
				}
				resp, err := http.Get(ts.URL + fmt.Sprintf(exPaths[kind], format))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				disp, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
				if err != nil || disp != "attachment" || !strings.HasPrefix(params["filename"], kind+"-") || !strings.HasSuffix(params["filename"], "."+format) {
					t.Errorf("Content-Disposition %q", resp.Header.Get("Content-Disposition"))
				}
				if format == "csv" {
					rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(rows[0], exColumnNames(kind, true)) {
						t.Errorf("header %v, want %v", rows[0], exColumnNames(kind, true))
					}
					if len(rows) < 2 {
						t.Errorf("no rows")
					}
					return
				}
				var fc exFC
				if err := json.Unmarshal(b, &fc); err != nil {
					t.Fatal(err)
				}
				if fc.Type != "FeatureCollection" || fc.Name != kind || fc.SchemaVersion != ExportSchemaVersion || fc.Attribution != "test attribution" || len(fc.Features) == 0 {
					t.Errorf("type %q name %q schema %d attribution %q, %d features", fc.Type, fc.Name, fc.SchemaVersion, fc.Attribution, len(fc.Features))
				}
				for i, keys := range exPropertyOrder(t, b) {
					if !slices.Equal(keys, exColumnNames(kind, false)) {
						t.Fatalf("feature %d properties %v, want %v", i, keys, exColumnNames(kind, false))
					}
				}
			})
		}
	}
}

// exRingArea is a ring's signed planar area (positive counter-clockwise),
// computed here apart from the code under test.
func exRingArea(r orb.Ring) float64 {
	var a float64
	for i := 1; i < len(r); i++ {
		a += (r[i][0] - r[i-1][0]) * (r[i][1] + r[i-1][1])
	}
	return -a / 2
}

// TestExportRFC7946 checks the geometry of every export: WGS84 lon/lat near
// Stockton, closed rings, exterior rings counter-clockwise and holes
// clockwise.
func TestExportRFC7946(t *testing.T) {
	_, _, ts := ogcServer(t, nil)
	for _, kind := range exNames {
		t.Run(kind, func(t *testing.T) {
			_, _, b := ogcGet(t, ts.URL+fmt.Sprintf(exPaths[kind], "geojson"), "")
			fc, err := geojson.UnmarshalFeatureCollection(b)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fc.Features {
				if f.Geometry == nil {
					continue
				}
				var polys []orb.Polygon
				switch g := f.Geometry.(type) {
				case orb.Point:
					if !(g[0] > -2 && g[0] < 0 && g[1] > 54 && g[1] < 55.5) {
						t.Fatalf("%v: point %v is not lon/lat in the north east", f.ID, g)
					}
				case orb.Polygon:
					polys = []orb.Polygon{g}
				case orb.MultiPolygon:
					polys = g
				default:
					t.Fatalf("%v: geometry %T", f.ID, g)
				}
				for _, p := range polys {
					for i, r := range p {
						if len(r) < 4 || r[0] != r[len(r)-1] {
							t.Fatalf("%v: ring %d not closed", f.ID, i)
						}
						if a := exRingArea(r); (i == 0) != (a > 0) {
							t.Fatalf("%v: ring %d has signed area %g: exterior rings run counter-clockwise, holes clockwise", f.ID, i, a)
						}
						for _, pt := range r {
							if !(pt[0] > -1.6 && pt[0] < -1.0 && pt[1] > 54.4 && pt[1] < 54.7) {
								t.Fatalf("%v: vertex %v is not lon/lat in Stockton", f.ID, pt)
							}
						}
					}
				}
			}
		})
	}
}

// exDecimals is the number of digits after the decimal point of v as JSON
// writes it.
func exDecimals(v float64) int {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

func TestExportRounding(t *testing.T) {
	_, _, ts := ogcServer(t, nil)
	limits := map[string]int{"harm": 2, "cost": 2, "z": 6, "rate_per_1000": 2, "share_pct": 2, "change_pct": 1,
		"change_year_pct": 1, "lon": 6, "lat": 6, "area_km2": 2, "max_z": 6}
	for _, kind := range []string{"ranking", "hotspots", "zones"} {
		t.Run(kind, func(t *testing.T) {
			var fc exFC
			ogcJSON(t, ts.URL+fmt.Sprintf(exPaths[kind], "geojson"), "", 200, &fc)
			for _, f := range fc.Features {
				for k, dp := range limits {
					if v, ok := f.Properties[k].(float64); ok && exDecimals(v) > dp {
						t.Errorf("%s %s = %v: more than %d decimal places", f.ID, k, v, dp)
					}
				}
				if p, ok := f.Properties["p"].(float64); ok {
					if s := strconv.FormatFloat(p, 'e', -1, 64); len(strings.TrimLeft(strings.Split(s, "e")[0], "-0.")) > 5 {
						t.Errorf("%s p = %v: more than 4 significant digits", f.ID, p)
					}
				}
			}
		})
	}
	t.Run("numbers carry a decimal point", func(t *testing.T) {
		_, _, b := ogcGet(t, ts.URL+"/api/v1/export/ranking.geojson?types=Robbery&from=2025-11&to=2025-11", "")
		if !regexp.MustCompile(`"harm":\d+\.\d`).Match(b) || regexp.MustCompile(`"harm":\d+[,}]`).Match(b) {
			t.Errorf("harm written without a decimal point: %.400s", b)
		}
	})
}

func TestExportIncidents(t *testing.T) {
	toks := newOGCTokens(t)
	_, store, ts := ogcServer(t, toks.src)
	u := ts.URL + "/api/v1/export/incidents.geojson?from=2025-11&to=2025-11&types=Robbery"

	t.Run("roles", func(t *testing.T) {
		for _, tt := range []struct {
			token string
			code  int
		}{{"", 401}, {toks.viewer, 403}, {toks.analyst, 200}, {toks.admin, 200}} {
			for _, format := range []string{"geojson", "csv"} {
				code, _, b := ogcGet(t, strings.Replace(u, ".geojson", "."+format, 1), tt.token)
				if code != tt.code {
					t.Errorf("%s with token %q: %d, want %d: %.200s", format, tt.token, code, tt.code, b)
				}
			}
		}
	})

	t.Run("the records of the layer, against ray casting on the raw rows", func(t *testing.T) {
		var fc exFC
		ogcJSON(t, u, toks.analyst, 200, &fc)
		// Before the export honoured its layer it gave every Cleveland
		// robbery (the tally's 120), 68% of them outside Stockton.
		if want := rawInWards(t, "2025-11", "Robbery"); len(fc.Features) != want || want == 0 {
			t.Errorf("%d robberies exported; ray casting finds %d in the wards (the force-wide tally has %d)", len(fc.Features), want, ogcReferenceCount(t, "2025-11", "Robbery"))
		}
		for _, f := range fc.Features {
			if f.Properties["area_code"] == nil || string(f.Geometry) == "null" {
				t.Fatalf("record %s outside the layer: %v", f.ID, f.Properties)
			}
		}
		f := fc.Features[0]
		if f.Properties["type"] != "Robbery" || f.Properties["month"] != "2025-11" || f.Properties["force"] != "Cleveland Police" ||
			!strings.HasPrefix(f.ID, "2025-11-") || len(f.Properties["crime_id"].(string)) != 64 {
			t.Errorf("first record %s: %v", f.ID, f.Properties)
		}
	})

	t.Run("in areas of a layer, against the store's own count", func(t *testing.T) {
		q := data.Query{From: ogcMonth(t, "2025-01"), To: ogcMonth(t, "2025-11"), Types: fixture.Crimes, Layer: "wards", Areas: []string{"E05014882", "E05014873"}}
		var want int64
		err := store.Incidents(context.Background(), q, func(*data.Incident) error { want++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		code, _, b := ogcGet(t, ts.URL+"/api/v1/export/incidents.csv?from=2025-01&to=2025-11&layer=wards&areas=E05014882,Newtown", toks.analyst)
		if code != 200 {
			t.Fatalf("%d %s", code, b)
		}
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(rows)-1) != want || want == 0 {
			t.Errorf("%d rows, the store holds %d", len(rows)-1, want)
		}
		ci := slices.Index(rows[0], "area_name")
		for _, r := range rows[1:] {
			if r[ci] != "Stockton Town Centre" && r[ci] != "Newtown" {
				t.Fatalf("row in %q", r[ci])
			}
		}
	})
}

func TestExportErrors(t *testing.T) {
	_, _, ts := ogcServer(t, nil)
	tests := []struct {
		path string
		code int
		says string
	}{
		{"/api/v1/export/rankings.geojson", 404, "the exports are ranking, hotspots, zones and incidents"},
		{"/api/v1/export/ranking.shp", 404, ".geojson, .csv or .xlsx"},
		{"/api/v1/export/ranking", 404, "no export"},
		{"/api/v1/export/ranking.csv?measure=volume", 400, "count, harm or cost"},
		{"/api/v1/export/ranking.csv?from=2025-13", 400, "YYYY-MM"},
		{"/api/v1/export/ranking.csv?from=2025-11&to=2025-01", 400, "runs backwards"},
		{"/api/v1/export/ranking.csv?types=Piracy", 400, "Piracy"},
		{"/api/v1/export/ranking.csv?layer=counties", 404, "counties"},
		{"/api/v1/export/hotspots.csv?measure=cost", 400, "cost"},
		{"/api/v1/export/hotspots.csv?res=2", 400, "res"},
		{"/api/v1/export/zones.csv?top=1000", 400, "top"},
		{"/api/v1/export/zones.csv?top=ten", 400, "top"},
		{"/api/v1/export/incidents.csv?types=Piracy", 400, "Piracy"},
		{"/api/v1/export/incidents.csv?areas=Atlantis", 404, "Atlantis"},
		{"/api/v1/export/incidents.csv?layer=counties", 404, "counties"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, ct, b := ogcGet(t, ts.URL+tt.path, "")
			var e struct {
				Error string `json:"error"`
			}
			json.Unmarshal(b, &e)
			if code != tt.code || !strings.Contains(e.Error, tt.says) || !strings.HasPrefix(ct, "application/json") {
				t.Errorf("%d %s; want %d saying %q", code, b, tt.code, tt.says)
			}
		})
	}
}

// bandLabel is how a viewer reads a restricted count n: "<5" for 0..4,
// "5-9", "10-14", ... (worked by hand, not by package disclosure).
func bandLabel(n float64) string {
	lo := int(n) - int(n)%5
	if lo == 0 {
		return "<5"
	}
	return fmt.Sprintf("%d-%d", lo, lo+4)
}

// restrictedServer serves the real data with police.uk restricted, so
// viewers get the bands a force export's viewers get.
func restrictedServer(tb testing.TB, tokens TokenSource) *httptest.Server {
	tb.Helper()
	store := ogcStore(tb)
	eng, err := engine.New(store, engine.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(store, eng, Options{Tokens: tokens, Attribution: "test attribution", Disclosure: disclosure.New(disclosure.Options{Public: []string{}})})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return ts
}

// TestExportViewerBands: a viewer's downloads of a restricted source carry
// every count as its band's label, harm and cost withheld (null), and a
// disclosure member; the analyst's are exact.
func TestExportViewerBands(t *testing.T) {
	toks := newOGCTokens(t)
	ts := restrictedServer(t, toks.src)
	q := "?types=" + url.QueryEscape("Theft from the person") + "&from=2025-09&to=2025-11"

	var exact, shown exFC
	var exactMeta, shownMeta map[string]any
	_, _, eb := ogcGet(t, ts.URL+"/api/v1/export/ranking.geojson"+q, toks.analyst)
	_, _, sb := ogcGet(t, ts.URL+"/api/v1/export/ranking.geojson"+q, toks.viewer)
	json.Unmarshal(eb, &exact)
	json.Unmarshal(eb, &exactMeta)
	json.Unmarshal(sb, &shown)
	json.Unmarshal(sb, &shownMeta)
	if exactMeta["disclosure"] != nil || shownMeta["disclosure"] == nil {
		t.Errorf("disclosure member: analyst %v, viewer %v", exactMeta["disclosure"], shownMeta["disclosure"])
	}
	counts := map[string]float64{}
	small := 0
	for _, f := range exact.Features {
		n := f.Properties["count"].(float64)
		counts[f.ID] = n
		if n >= 1 && n <= 2 {
			small++
		}
	}
	if small == 0 {
		t.Fatal("no ward has 1 or 2 thefts from the person: the test tests nothing")
	}
	for _, f := range shown.Features {
		if want := bandLabel(counts[f.ID]); f.Properties["count"] != want {
			t.Errorf("%s: count %v shown as %v, want %s", f.ID, counts[f.ID], f.Properties["count"], want)
		}
		if f.Properties["harm"] != nil || f.Properties["cost"] != nil {
			t.Errorf("%s: harm or cost shown: %v", f.ID, f.Properties)
		}
	}
	code, _, b := ogcGet(t, ts.URL+"/api/v1/export/ranking.csv"+q, toks.viewer)
	if code != 200 {
		t.Fatal(code)
	}
	rows, _ := csv.NewReader(bytes.NewReader(b)).ReadAll()
	for _, r := range rows[1:] {
		if want := bandLabel(counts[r[0]]); r[3] != want || r[4] != "" || r[5] != "" {
			t.Errorf("CSV row %v: want count %s and no harm or cost", r, want)
		}
	}

	// Hot spot cells: the same bands, the totals banded too.
	var cells, exactCells exFC
	var meta map[string]any
	_, _, hb := ogcGet(t, ts.URL+"/api/v1/export/hotspots.geojson"+q, toks.viewer)
	_, _, xb := ogcGet(t, ts.URL+"/api/v1/export/hotspots.geojson"+q, toks.analyst)
	json.Unmarshal(hb, &cells)
	json.Unmarshal(hb, &meta)
	json.Unmarshal(xb, &exactCells)
	for i, f := range cells.Features {
		n := exactCells.Features[i].Properties["count"].(float64)
		if f.Properties["count"] != bandLabel(n) || f.Properties["harm"] != nil {
			t.Errorf("cell %s: %v incidents shown as %v, harm %v", f.ID, n, f.Properties["count"], f.Properties["harm"])
		}
	}
	if meta["harm"] != nil || meta["count"] == nil {
		t.Errorf("totals: count %v harm %v", meta["count"], meta["harm"])
	}
}

// TestExportReimport reads the ranking and zones exports back as area
// layers: the areas come back, and hold the same incidents.
func TestExportReimport(t *testing.T) {
	_, store, ts := ogcServer(t, nil)
	ctx := context.Background()
	dir := t.TempDir()
	get := func(path, file string) string {
		code, _, b := ogcGet(t, ts.URL+path, "")
		if code != 200 {
			t.Fatalf("%s: %d %s", path, code, b)
		}
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	countBy := func(layer string, from, to data.Month) map[string]int64 {
		rows, err := store.Aggregate(ctx, data.Query{From: from, To: to, Types: fixture.Crimes, By: data.GroupBy{Layer: layer}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, r := range rows {
			out[r.Area] = r.Count
		}
		return out
	}

	t.Run("ranking", func(t *testing.T) {
		p := get("/api/v1/export/ranking.geojson?layer=wards", "ranking.geojson")
		areas, _, err := data.ReadAreaFiles([]string{p}, geo.ReadOptions{CodeField: "code", NameField: "name"})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.PutLayer(ctx, "reimported", areas, data.LayerMeta{Source: "ranking export"}); err != nil {
			t.Fatal(err)
		}
		orig, _, err := store.Layer(ctx, "wards")
		if err != nil {
			t.Fatal(err)
		}
		back, _, err := store.Layer(ctx, "reimported")
		if err != nil {
			t.Fatal(err)
		}
		if len(back.Areas) != len(orig.Areas) {
			t.Fatalf("%d areas back of %d", len(back.Areas), len(orig.Areas))
		}
		for _, a := range orig.Areas {
			i := back.Index(a.Code)
			if i < 0 || back.Areas[i].Name != a.Name || back.Areas[i].Bound != a.Bound {
				t.Errorf("area %s (%s) did not come back the same", a.Code, a.Name)
			}
		}
		want, got := countBy("wards", 0, 0), countBy("reimported", 0, 0)
		if fmt.Sprint(want) != fmt.Sprint(got) {
			t.Errorf("incidents by area differ:\n%v\n%v", want, got)
		}
	})

	t.Run("zones", func(t *testing.T) {
		p := get("/api/v1/export/zones.geojson?layer=wards&from=2024-12&to=2025-11", "zones.geojson")
		var fc exFC
		b, _ := os.ReadFile(p)
		json.Unmarshal(b, &fc)
		areas, _, err := data.ReadAreaFiles([]string{p}, geo.ReadOptions{CodeField: "id", NameField: "name"})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.PutLayer(ctx, "zones", areas, data.LayerMeta{Source: "zones export"}); err != nil {
			t.Fatal(err)
		}
		back, _, err := store.Layer(ctx, "zones")
		if err != nil {
			t.Fatal(err)
		}
		if len(back.Areas) != len(fc.Features) || len(fc.Features) == 0 {
			t.Fatalf("%d zones back of %d", len(back.Areas), len(fc.Features))
		}
		got := countBy("zones", ogcMonth(t, "2024-12"), ogcMonth(t, "2025-11"))
		for _, f := range fc.Features {
			i := back.Index(f.ID)
			if i < 0 || back.Areas[i].Name != f.Properties["name"] {
				t.Errorf("zone %s did not come back", f.ID)
				continue
			}
			// The zone's polygon holds the incidents its cells hold.
			if n := f.Properties["count"].(float64); float64(got[f.ID]) != n {
				t.Errorf("zone %s: %d incidents inside the re-imported polygon, the export says %v", f.ID, got[f.ID], n)
			}
		}
	})
}

// --- GDAL -------------------------------------------------------------------

// exNeedGDAL skips without ogrinfo, and fails under CI.
func exNeedGDAL(tb testing.TB) {
	tb.Helper()
	for _, tool := range []string{"ogrinfo", "ogr2ogr"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				tb.Fatalf("%s is missing under CI (apt-get install gdal-bin): %v", tool, err)
			}
			tb.Skipf("%s not installed (apt-get install gdal-bin): %v", tool, err)
		}
	}
}

// exGDAL runs a GDAL tool and returns its output.
func exGDAL(tb testing.TB, tool string, args ...string) string {
	tb.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=120", "CPL_VSIL_CURL_CACHE_SIZE=0", "GDAL_HTTP_MAX_RETRY=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	if testing.Verbose() {
		tb.Logf("%s %s:\n%s", tool, strings.Join(args, " "), exKeyLines(string(out)))
	}
	return string(out)
}

// exKeyLines keeps the lines of ogrinfo's output worth reading in a log.
func exKeyLines(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Layer name:") || strings.HasPrefix(l, "Geometry:") || strings.HasPrefix(l, "Feature Count:") ||
			strings.HasPrefix(l, "Extent:") || regexp.MustCompile(`^\d+: `).MatchString(l) || strings.Contains(l, "using driver") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

var (
	exFeatureCountRE = regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)
	exFieldRE        = regexp.MustCompile(`(?m)^([A-Za-z0-9_]+): (String|Integer|Integer64|Real|Date|DateTime|StringList|IntegerList)`)
)

// exOGRSummary reads the feature count and field names of ogrinfo -so.
func exOGRSummary(tb testing.TB, out string) (int, []string) {
	tb.Helper()
	m := exFeatureCountRE.FindStringSubmatch(out)
	if m == nil {
		tb.Fatalf("no feature count in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	var fields []string
	for _, f := range exFieldRE.FindAllStringSubmatch(out, -1) {
		fields = append(fields, f[1])
	}
	return n, fields
}

// TestOGCWithGDAL opens the OGC API with GDAL's OAPIF driver, as QGIS does:
// the layers it lists, the feature counts it reports and the features it
// reads by following the next links must be the API's own.
func TestOGCWithGDAL(t *testing.T) {
	exNeedGDAL(t)
	toks := newOGCTokens(t)
	_, _, ts := ogcServer(t, toks.src)
	api := "OAPIF:" + ts.URL + "/ogc?access_token=" + url.QueryEscape(toks.analyst)

	out := exGDAL(t, "ogrinfo", "-ro", "-so", api)
	var doc ogcCollectionsDoc
	ogcJSON(t, ts.URL+"/ogc/collections", toks.analyst, 200, &doc)
	for i, c := range doc.Collections {
		if !strings.Contains(out, fmt.Sprintf("%d: %s (title: %s)", i+1, c.ID, c.Title)) {
			t.Errorf("ogrinfo does not list %s:\n%s", c.ID, out)
		}
	}
	if len(doc.Collections) != 4 {
		t.Fatalf("%d collections", len(doc.Collections))
	}
	viewerOut := exGDAL(t, "ogrinfo", "-ro", "-so", "OAPIF:"+ts.URL+"/ogc?access_token="+url.QueryEscape(toks.viewer))
	if strings.Contains(viewerOut, "incidents") || !strings.Contains(viewerOut, "zones") {
		t.Errorf("a viewer's ogrinfo:\n%s", viewerOut)
	}

	for _, c := range doc.Collections {
		t.Run(c.ID, func(t *testing.T) {
			var fc ogcFC
			ogcJSON(t, ts.URL+"/ogc/collections/"+c.ID+"/items?limit=1", toks.analyst, 200, &fc)
			matched := *fc.NumberMatched
			n, fields := exOGRSummary(t, exGDAL(t, "ogrinfo", "-ro", "-al", "-so", api, c.ID))
			if n != matched {
				t.Errorf("GDAL counts %d features, the API %d", n, matched)
			}
			kind := map[string]string{"areas-wards": "ranking"}[c.ID]
			if kind == "" {
				kind = c.ID
			}
			for _, want := range exColumnNames(kind, false) {
				if !slices.Contains(fields, want) {
					t.Errorf("GDAL has no field %s: %v", want, fields)
				}
			}
			// Read every feature: GDAL follows the next links.
			dst := filepath.Join(t.TempDir(), c.ID+".geojson")
			exGDAL(t, "ogr2ogr", "-f", "GeoJSON", "-oo", "PAGE_SIZE=1000", dst, api, c.ID)
			b, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			var got exFC
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for _, f := range got.Features {
				ids[fmt.Sprint(f.Properties["id"])] = true
			}
			if len(got.Features) != matched || len(ids) != matched {
				t.Errorf("GDAL read %d features (%d distinct ids) through the pages; the API matched %d", len(got.Features), len(ids), matched)
			}
		})
	}
}

// TestOGCFiltersWithGDAL opens the OGC API with the map's filters in the
// connection string, as an analyst pastes it into QGIS or ogrinfo: GDAL
// sends them with every request (the landing page, the collections, the
// items), every collection opens, and the feature counts GDAL reports are
// the API's; the incident count is also checked against ray casting on the
// raw rows, and the areas' figures are of the filtered period and types.
func TestOGCFiltersWithGDAL(t *testing.T) {
	exNeedGDAL(t)
	toks := newOGCTokens(t)
	_, _, ts := ogcServer(t, toks.src)
	filters := "datetime=2025-06/2025-11&types=" + url.QueryEscape("Burglary,Robbery")
	api := "OAPIF:" + ts.URL + "/ogc?" + filters + "&access_token=" + url.QueryEscape(toks.analyst)
	out := exGDAL(t, "ogrinfo", "-ro", "-so", api)
	for _, c := range []string{"areas-wards", "hotspots", "zones", "incidents"} {
		if !strings.Contains(out, ": "+c+" (title: ") {
			t.Fatalf("ogrinfo does not list %s:\n%s", c, out)
		}
	}
	raw := 0
	for _, m := range []string{"2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11"} {
		raw += rawInWards(t, m, "Burglary") + rawInWards(t, m, "Robbery")
	}
	for _, c := range []string{"areas-wards", "hotspots", "zones", "incidents"} {
		t.Run(c, func(t *testing.T) {
			var fc ogcFC
			ogcJSON(t, ts.URL+"/ogc/collections/"+c+"/items?limit=1&"+filters, toks.analyst, 200, &fc)
			matched := *fc.NumberMatched
			n, _ := exOGRSummary(t, exGDAL(t, "ogrinfo", "-ro", "-al", "-so", api, c))
			if n != matched || n == 0 {
				t.Errorf("GDAL counts %d features, the API %d", n, matched)
			}
			if c == "incidents" && n != raw {
				t.Errorf("GDAL counts %d burglaries and robberies in the wards, 2025-06..2025-11; ray casting on the raw rows %d", n, raw)
			}
			if c != "areas-wards" {
				return
			}
			// every area's count is of the filtered months and types
			dst := filepath.Join(t.TempDir(), "areas.geojson")
			exGDAL(t, "ogr2ogr", "-f", "GeoJSON", dst, api, c)
			b, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			var got exFC
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			var rk struct {
				Areas []struct {
					Code  string `json:"code"`
					Count int64  `json:"count"`
				} `json:"areas"`
			}
			ogcJSON(t, ts.URL+"/api/v1/layers/wards/ranking?from=2025-06&to=2025-11&types=Burglary,Robbery", toks.analyst, 200, &rk)
			want := map[string]float64{}
			for _, a := range rk.Areas {
				want[a.Code] = float64(a.Count)
			}
			for _, f := range got.Features {
				if f.Properties["count"] != want[fmt.Sprint(f.Properties["code"])] || f.Properties["period_from"] != "2025-06" {
					t.Errorf("%v: count %v from %v; the ranking has %v", f.Properties["code"], f.Properties["count"], f.Properties["period_from"], want[fmt.Sprint(f.Properties["code"])])
				}
			}
		})
	}
}

// TestExportsWithGDAL reads every export file with ogrinfo: its feature
// count and fields must be the file's.
func TestExportsWithGDAL(t *testing.T) {
	exNeedGDAL(t)
	_, _, ts := ogcServer(t, nil)
	dir := t.TempDir()
	for _, kind := range exNames {
		for _, format := range []string{"geojson", "csv"} {
			t.Run(kind+"."+format, func(t *testing.T) {
				code, _, b := ogcGet(t, ts.URL+fmt.Sprintf(exPaths[kind], format), "")
				if code != 200 {
					t.Fatalf("%d %s", code, b)
				}
				p := filepath.Join(dir, kind+"."+format)
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
				var want int
				if format == "csv" {
					rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
					if err != nil {
						t.Fatal(err)
					}
					want = len(rows) - 1
				} else {
					var fc exFC
					if err := json.Unmarshal(b, &fc); err != nil {
						t.Fatal(err)
					}
					want = len(fc.Features)
				}
				n, fields := exOGRSummary(t, exGDAL(t, "ogrinfo", "-ro", "-al", "-so", p))
				if n != want || n == 0 {
					t.Errorf("GDAL counts %d features, the file holds %d", n, want)
				}
				cols := exColumnNames(kind, format == "csv")
				got := slices.DeleteFunc(slices.Clone(fields), func(f string) bool { return f == "id" && !slices.Contains(cols, "id") })
				if !slices.Equal(got, cols) {
					t.Errorf("GDAL fields %v, want %v", fields, cols)
				}
			})
		}
	}
}
