package main

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// forceFile is a file of the bundled synthetic force export (SYNTHETIC).
func forceFile(name string) string {
	return filepath.Join("..", "..", "testdata", "force_export_synthetic", name)
}

// A force export imported beside police.uk under --source gives the
// partnership's table exactly as the expected files have it, from the CLI's
// CSV and from the API's CSV and JSON.
func TestForceExportTableCLIAndAPI(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, err := run(t, "areas", "import", "--data-dir", dir, "--layer", "wards",
		filepath.Join("..", "..", "data", "sample", "boundaries", "stockton_wards_2023.geojson.gz")); err != nil {
		t.Fatalf("areas import: %v\n%s", err, stderr)
	}
	// without --source the export is refused, saying what to do
	_, _, err := run(t, "import", "--data-dir", dir, forceFile("stockton_force_export_2023-12_2025-11.csv.gz"))
	if err == nil || !strings.Contains(err.Error(), "--source NAME") {
		t.Fatalf("import without --source: %v", err)
	}
	out, stderr, err := run(t, "import", "--data-dir", dir, "--source", "cleveland-rms", "--force", "Cleveland Police", forceFile("stockton_force_export_2023-12_2025-11.csv.gz"))
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, `offence "Offence not yet classified" (7 rows)`) {
		t.Errorf("import report does not name the unclassified offences once with their count:\n%s", out)
	}
	for _, tc := range []struct{ area, code, file string }{
		{"Stockton Town Centre", "E05014882", "expected_table_stockton_town_centre_2025-11.csv"},
		{"Mandale & Victoria", "", "expected_table_mandale_and_victoria_2025-11.csv"},
	} {
		want, err := os.ReadFile(forceFile(tc.file))
		if err != nil {
			t.Fatal(err)
		}
		out, stderr, err := run(t, "profile", "--data-dir", dir, "--area", tc.area, "--month", "2025-11", "--format", "csv")
		if err != nil {
			t.Fatalf("profile: %v\n%s", err, stderr)
		}
		if !sameCSV(t, out, string(want)) {
			t.Errorf("%s: CLI CSV\n%s\nwant\n%s", tc.area, out, want)
		}
	}
	base := serve(t, dir)
	resp, err := http.Get(base + "/api/v1/layers/wards/areas/E05014882/profile?month=2025-11&format=csv&source=cleveland-rms")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, _ := os.ReadFile(forceFile("expected_table_stockton_town_centre_2025-11.csv"))
	if resp.StatusCode != 200 || !sameCSV(t, string(body), string(want)) {
		t.Errorf("API CSV: %d\n%s\nwant\n%s", resp.StatusCode, body, want)
	}
	var pr struct {
		Rows []struct {
			Label string `json:"label"`
			Cells []struct {
				Current int64 `json:"current"`
			} `json:"cells"`
		} `json:"rows"`
	}
	if code := getJSON(t, base+"/api/v1/layers/wards/areas/E05014882/profile?month=2025-11", &pr); code != 200 {
		t.Fatalf("API JSON: %d", code)
	}
	if n := len(pr.Rows); n != 27 || pr.Rows[0].Label != "Victim Based Crime" || pr.Rows[0].Cells[0].Current != 315 || pr.Rows[26].Label != "Total" || pr.Rows[26].Cells[2].Current != 4027 {
		t.Errorf("API JSON (the only source is the default): %d rows %+v", n, pr.Rows)
	}
	var sum struct {
		Sources []struct {
			Name     string   `json:"name"`
			Months   []string `json:"months"`
			HasTimes bool     `json:"has_times"`
		} `json:"sources"`
	}
	getJSON(t, base+"/api/v1/summary", &sum)
	if b, _ := json.Marshal(sum.Sources); len(sum.Sources) != 1 || sum.Sources[0].Name != "cleveland-rms" || len(sum.Sources[0].Months) != 24 || !sum.Sources[0].HasTimes {
		t.Errorf("summary sources %s", b)
	}
	resp, err = http.Get(base + "/api/v1/layers/wards/areas/E05014882/profile?source=nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("unknown source: %d, want 400", resp.StatusCode)
	}
}

// sameCSV compares two CSV texts cell for cell (the expected files have
// CRLF line ends, Python's default; ours LF).
func sameCSV(tb testing.TB, got, want string) bool {
	tb.Helper()
	g, err1 := csv.NewReader(strings.NewReader(got)).ReadAll()
	w, err2 := csv.NewReader(strings.NewReader(want)).ReadAll()
	if err1 != nil || err2 != nil {
		tb.Fatalf("CSV: %v %v", err1, err2)
	}
	return slices.EqualFunc(g, w, slices.Equal[[]string])
}

// The time grid over HTTP: analysts see the grid, viewers the peak only.
func TestTimesAPI(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, err := run(t, "areas", "import", "--data-dir", dir, "--layer", "wards",
		filepath.Join("..", "..", "data", "sample", "boundaries", "stockton_wards_2023.geojson.gz")); err != nil {
		t.Fatalf("areas import: %v\n%s", err, stderr)
	}
	if _, stderr, err := run(t, "import", "--data-dir", dir, "--source", "cleveland-rms", forceFile("stockton_force_export_2023-12_2025-11.csv.gz")); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	// the ranking at night-time economy hours, from the CLI: the expected
	// grid's Friday and Saturday nights 20:00-04:00 hold 127 of the 495
	out, stderr, err := run(t, "rank", "--data-dir", dir, "--from", "2025-06", "--to", "2025-11", "--times", "nte", "--format", "csv",
		"--types", "Violence with injury,Violence without injury")
	if err != nil {
		t.Fatalf("rank --times nte: %v\n%s", err, stderr)
	}
	if !regexp.MustCompile(`(?m)^E05014882,Stockton Town Centre,\d*,` + strconv.Itoa(nteWant(t)) + ",").MatchString(out) {
		t.Errorf("rank --times nte:\n%s", out)
	}
	out, stderr, err = run(t, "times", "--data-dir", dir, "--area", "Stockton Town Centre", "--from", "2025-06", "--to", "2025-11", "--types", "Violence with injury,Violence without injury")
	if err != nil {
		t.Fatalf("times: %v\n%s", err, stderr)
	}
	base := serve(t, dir)
	var tp struct {
		Grid    [7][24]float64 `json:"grid"`
		Counted int64          `json:"counted"`
		Peak    struct {
			Claimed bool   `json:"claimed"`
			Text    string `json:"text"`
		} `json:"peak"`
	}
	u := base + "/api/v1/times?area=Stockton%20Town%20Centre&from=2025-06&to=2025-11&types=Violence%20with%20injury,Violence%20without%20injury"
	if code := getJSON(t, u, &tp); code != 200 {
		t.Fatalf("%d", code)
	}
	// Monday 00:00 holds 6 and Saturday 22:00 12 in the expected grid
	if tp.Counted != 495 || tp.Grid[0][0] != 6 || tp.Grid[5][22] != 12 || !tp.Peak.Claimed {
		t.Errorf("times: counted %d, Mon 0h %v, Sat 22h %v, peak %+v", tp.Counted, tp.Grid[0][0], tp.Grid[5][22], tp.Peak)
	}
	if !strings.Contains(out, "Peak: "+tp.Peak.Text) || !strings.Contains(out, "495 crimes") {
		t.Errorf("times command:\n%s", out)
	}
	var rk struct {
		Areas []struct {
			Name  string `json:"name"`
			Count int    `json:"count"`
		} `json:"areas"`
	}
	if code := getJSON(t, base+"/api/v1/layers/wards/ranking?from=2025-06&to=2025-11&days=fri,sat&hours=20-04&types=Violence%20with%20injury,Violence%20without%20injury", &rk); code != 200 {
		t.Fatalf("ranking at night: %d", code)
	}
	for _, a := range rk.Areas {
		if a.Name == "Stockton Town Centre" && a.Count != nteWant(t) {
			t.Errorf("API ranking at night: %d, want %d", a.Count, nteWant(t))
		}
	}
	resp, err := http.Get(base + "/api/v1/layers/wards/ranking?hours=25-04")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("hours=25-04: %d, want 400", resp.StatusCode)
	}
}

// nteWant sums the expected violence grid over Friday and Saturday nights
// 20:00-04:00 (Fri 20-23, Sat 0-3 and 20-23, Sun 0-3).
func nteWant(tb testing.TB) int {
	tb.Helper()
	b, err := os.ReadFile(forceFile("expected_violence_hour_weekday_stockton_town_centre_2025-06_2025-11.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, r := range recs[1:] {
		h, _ := strconv.Atoi(r[1])
		c, _ := strconv.Atoi(r[2])
		if (r[0] == "Fri" || r[0] == "Sat") && h >= 20 || (r[0] == "Sat" || r[0] == "Sun") && h < 4 {
			n += c
		}
	}
	return n
}
