package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

// run runs hotspotd in process and returns its stdout and stderr.
func run(tb testing.TB, args ...string) (string, string, error) {
	tb.Helper()
	return runWith(tb, nil, args...)
}

// runWith runs hotspotd in process after set (nil: nothing) has changed
// its Main, such as its clock.
func runWith(tb testing.TB, set func(*Main), args ...string) (string, string, error) {
	tb.Helper()
	var out, errb bytes.Buffer
	m := NewMain()
	if set != nil {
		set(m)
	}
	m.Stdout, m.Stderr = &out, &errb
	m.Logger = slog.New(slog.NewTextHandler(&errb, nil))
	err := m.Run(context.Background(), args)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return out.String(), errb.String(), err
}

// serve starts hotspotd serve on 127.0.0.1:0 and returns its base URL.
func serve(tb testing.TB, dataDir string, extra ...string) string {
	tb.Helper()
	return serveWith(tb, dataDir, nil, extra...)
}

// serveWith is serve after set (nil: nothing) has changed its Main.
func serveWith(tb testing.TB, dataDir string, set func(*Main), extra ...string) string {
	tb.Helper()
	base, _ := serveStoppableWith(tb, dataDir, set, extra...)
	return base
}

// serveStoppable is serve that the test can also stop early (stop waits
// until the server has shut down; calling it again does nothing).
func serveStoppable(tb testing.TB, dataDir string, extra ...string) (string, func()) {
	tb.Helper()
	return serveStoppableWith(tb, dataDir, nil, extra...)
}

func serveStoppableWith(tb testing.TB, dataDir string, set func(*Main), extra ...string) (string, func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := NewMain()
	if set != nil {
		set(m)
	}
	var logs bytes.Buffer
	m.Stdout, m.Stderr = io.Discard, &logs
	m.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	ready := make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, append([]string{"serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0"}, extra...))
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				tb.Errorf("serve: %v", err)
			}
			m.Close()
		})
	}
	tb.Cleanup(stop)
	select {
	case addr := <-ready:
		return "http://" + addr, stop
	case err := <-done:
		tb.Fatalf("serve stopped: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		tb.Fatalf("serve not ready\n%s", logs.String())
	}
	return "", stop
}

// fetch GETs u and returns the status and the body.
func fetch(tb testing.TB, u string) (int, []byte) {
	tb.Helper()
	resp, err := http.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, b
}

func getJSON(tb testing.TB, url string, v any) int {
	tb.Helper()
	code, b := fetch(tb, url)
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("%s: %v: %s", url, err, b)
	}
	return code
}

func TestImportJSONThenServe(t *testing.T) {
	dir := t.TempDir()
	clev := fixture.Path(t, fixture.Cleveland)
	out, stderr, err := run(t, "import", "--data-dir", dir, "--json", clev)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var rep struct {
		RowsRead int                       `json:"rows_read"`
		Stored   int                       `json:"stored"`
		Rejected int                       `json:"rejected"`
		Months   map[string]map[string]int `json:"months"`
		Reasons  map[string]int            `json:"reasons"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out)
	}
	if rep.RowsRead != 269438 || rep.Stored != 269438 || rep.Rejected != 0 || len(rep.Months) != 35 || rep.Reasons == nil {
		t.Fatalf("report %+v", rep)
	}
	if rep.Months["2025-11"]["rows"] == 0 {
		t.Errorf("no per-month detail")
	}
	out, stderr, err = run(t, "areas", "import", "--data-dir", dir, "--layer", "wards",
		"--population", fixture.Path(t, fixture.StocktonWardPopulation),
		fixture.Path(t, fixture.StocktonWards))
	if err != nil {
		t.Fatalf("areas import: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "27 areas") {
		t.Errorf("areas import said %q", out)
	}
	out, _, err = run(t, "areas", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "wards") || !strings.Contains(out, "27") {
		t.Errorf("areas list: %v %q", err, out)
	}

	base := serve(t, dir)
	var health map[string]any
	if code := getJSON(t, base+"/healthz", &health); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	var sum struct {
		Incidents int      `json:"incidents"`
		Months    []string `json:"months"`
	}
	getJSON(t, base+"/api/v1/summary", &sum)
	if sum.Incidents != 269438 || len(sum.Months) != 35 || sum.Months[0] != "2023-01" || sum.Months[34] != "2025-11" {
		t.Errorf("summary %+v", sum)
	}
	var counts []struct {
		Code, Name string
		Count      int
	}
	getJSON(t, base+"/api/v1/layers/wards/counts?from=2025-11&to=2025-11&types=Bicycle%20theft", &counts)
	if len(counts) != 27 {
		t.Fatalf("%d wards, want all 27 (zero counts included)", len(counts))
	}
	zero, total := 0, 0
	for _, c := range counts {
		if c.Count == 0 {
			zero++
		}
		total += c.Count
	}
	if zero == 0 || total == 0 {
		t.Errorf("bicycle thefts by ward in 2025-11: total %d, %d wards with none; expected some of each", total, zero)
	}
	for _, tc := range []struct {
		url    string
		status int
		words  string
	}{
		{"/api/v1/layers/nope/counts", 404, `no such area layer "nope"`},
		{"/api/v1/layers/wards/counts?from=2025-13", 400, "not a month"},
		{"/api/v1/layers/wards/counts?from=2025-11&to=2025-01", 400, "runs backwards"},
		{"/api/v1/layers/wards/counts?types=Burglery", 400, `crime type "Burglery" is not in the data`},
		{"/api/v1/nothing", 404, "no such page"},
	} {
		var e struct {
			Error string `json:"error"`
		}
		if code := getJSON(t, base+tc.url, &e); code != tc.status || !strings.Contains(e.Error, tc.words) {
			t.Errorf("%s: %d %q; want %d with %q", tc.url, code, e.Error, tc.status, tc.words)
		}
	}
}

func TestServeLoadsBundledSample(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	base := serve(t, t.TempDir())
	var sum struct {
		Incidents int      `json:"incidents"`
		Layers    []string `json:"layers"`
		Months    []string `json:"months"`
	}
	getJSON(t, base+"/api/v1/summary", &sum)
	if sum.Incidents != 269438 || len(sum.Months) < 24 || fmt.Sprint(sum.Layers) != "[authorities lsoa-2011 town-centres wards wards-2013]" {
		t.Errorf("sample summary %+v", sum)
	}
	// The six town centres, as the police tables define them by ward, and
	// the patrol zones name the one they touch.
	var towns []struct{ Code, Name string }
	getJSON(t, base+"/api/v1/layers/town-centres/counts", &towns)
	if len(towns) != 6 || towns[1].Name != "Stockton Town Centre" || towns[1].Code != "E05014882" {
		t.Errorf("town centres %+v", towns)
	}
	var tk struct {
		Zones []struct {
			TownCentres []string `json:"town_centres"`
		} `json:"zones"`
	}
	getJSON(t, base+"/api/v1/tasking?top=1", &tk)
	if len(tk.Zones) != 1 || fmt.Sprint(tk.Zones[0].TownCentres) != "[Stockton Town Centre]" {
		t.Errorf("top zone's town centres %+v", tk.Zones)
	}
}

func TestHelpAndUsage(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		ok    bool
		words string
	}{
		{[]string{"help"}, true, "Commands:"},
		{[]string{"import", "--help"}, true, "replaces the stored one whole"},
		{[]string{"areas", "import", "--help"}, true, "--code-field"},
		{[]string{"frobnicate"}, false, `unknown command "frobnicate"`},
		{[]string{"import"}, false, "Usage: hotspotd import"},
		{[]string{"areas", "import", "x.geojson"}, false, "--layer"},
	} {
		out, errb, err := run(t, tc.args...)
		if (err == nil || err == errHelp || strings.Contains(fmt.Sprint(err), "help")) != tc.ok {
			t.Errorf("%v: err %v", tc.args, err)
		}
		if !strings.Contains(out+errb, tc.words) {
			t.Errorf("%v: output lacks %q:\n%s%s", tc.args, tc.words, out, errb)
		}
	}
}

// TestAnalysisCommands runs rank, profile, hotspots and evaluate on the
// real data and checks what a reader relies on in each.
func TestAnalysisCommands(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, err := run(t, "import", "--data-dir", dir, fixture.Path(t, fixture.Cleveland)); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if _, stderr, err := run(t, "areas", "import", "--data-dir", dir, "--layer", "wards",
		"--population", fixture.Path(t, fixture.StocktonWardPopulation),
		fixture.Path(t, fixture.StocktonWards)); err != nil {
		t.Fatalf("areas import: %v\n%s", err, stderr)
	}
	t.Run("rank table", func(t *testing.T) {
		out, stderr, err := run(t, "rank", "--data-dir", dir, "--layer", "wards", "--from", "2024-12", "--to", "2025-11", "--measure", "harm")
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		lines := strings.Split(out, "\n")
		// 27 wards and a total, under a heading naming the measure and period
		if !strings.Contains(lines[0], "harm") || !strings.Contains(lines[0], "2024-12 to 2025-11") {
			t.Errorf("heading %q", lines[0])
		}
		if !strings.Contains(out, "   1  Stockton Town Centre") || !strings.Contains(out, "Total") || !strings.Contains(out, "Crime types: all crime (anti-social behaviour left out)") || strings.Contains(out, "Anti-social behaviour") {
			t.Errorf("table:\n%s", out)
		}
		// one ranked line per ward: rank, name, figures
		ranked := regexp.MustCompile(`(?m)^ +\d+  \S`).FindAllString(out, -1)
		if len(ranked) != 27 {
			t.Errorf("%d ranked lines, want one for each of the 27 wards:\n%s", len(ranked), out)
		}
	})
	t.Run("rank csv", func(t *testing.T) {
		out, _, err := run(t, "rank", "--data-dir", dir, "--format", "csv")
		if err != nil {
			t.Fatal(err)
		}
		// the download's columns (docs/exports.md, "ranking")
		if !strings.HasPrefix(out, "code,name,population,count,harm,cost,") || strings.Count(out, "\n") != 28 {
			t.Errorf("csv:\n%s", out)
		}
	})
	t.Run("profile", func(t *testing.T) {
		out, stderr, err := run(t, "profile", "--data-dir", dir, "--area", "Stockton Town Centre", "--month", "2025-11")
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		for _, w := range []string{"Stockton Town Centre (E05014882), selected month 2025-11", "Victim Based Crime", "Non victim based", "Total", "Anti-social behaviour", "Total crimes and ASB incidents", "Selected Month", "12 Months"} {
			if !strings.Contains(out, w) {
				t.Errorf("profile lacks %q:\n%s", w, out)
			}
		}
	})
	t.Run("hotspots csv header", func(t *testing.T) {
		out, _, err := run(t, "hotspots", "--data-dir", dir, "--format", "csv", "--from", "2024-12", "--to", "2025-11")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if !strings.HasPrefix(lines[0], "cell,lon,lat,count,harm,z,p,bin,") || len(lines) != 2239 {
			t.Errorf("header %q, %d lines (want 2,238 cells + header)", lines[0], len(lines))
		}
	})
	t.Run("hotspots geojson", func(t *testing.T) {
		out, _, err := run(t, "hotspots", "--data-dir", dir, "--format", "geojson")
		if err != nil {
			t.Fatal(err)
		}
		var fc struct {
			Type     string `json:"type"`
			Features []struct {
				Geometry struct {
					Type        string        `json:"type"`
					Coordinates [][][]float64 `json:"coordinates"`
				} `json:"geometry"`
			} `json:"features"`
		}
		if err := json.Unmarshal([]byte(out), &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) != 2238 {
			t.Fatalf("geojson: %v, %d features", err, len(fc.Features))
		}
		ring := fc.Features[0].Geometry.Coordinates[0]
		if len(ring) != 7 || ring[0][0] != ring[6][0] || ring[0][0] > -1 || ring[0][1] < 54 {
			t.Errorf("first hexagon ring %v: want 7 closed lon,lat points near Stockton", ring)
		}
	})
	t.Run("evaluate", func(t *testing.T) {
		out, stderr, err := run(t, "evaluate", "--data-dir", dir)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		// 2,238 study cells (the R spdep grid); every month from 2024-01
		// has the 12 months before it loaded: 23 months scored.
		if !strings.Contains(out, "Backtest on 2238 H3 resolution-9 cells of wards, 23 months scored (2024-01 to 2025-11)") {
			t.Errorf("heading:\n%s", out)
		}
		for _, w := range []string{"most crimes in the 12 months before", "most harm (CCHI days) in the 12 months before",
			"highest Gi* z-score", "most crimes in the 3 months before", "top 1% (23 cells)", "top 5% (112 cells)", "Best at top 1%"} {
			if !strings.Contains(out, w) {
				t.Errorf("evaluate lacks %q:\n%s", w, out)
			}
		}
		js, _, err := run(t, "evaluate", "--data-dir", dir, "--format", "json")
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Cells   int      `json:"cells"`
			Months  []string `json:"months"`
			Methods []struct {
				Method      string  `json:"method"`
				Cells       int     `json:"cells"`
				MeanHitRate float64 `json:"mean_hit_rate"`
			} `json:"methods"`
		}
		if err := json.Unmarshal([]byte(js), &ev); err != nil || ev.Cells != 2238 || len(ev.Months) != 23 || len(ev.Methods) != 8 {
			t.Fatalf("json: %v %+v", err, ev)
		}
		// the table prints the JSON's figures
		if want := fmt.Sprintf("%.1f%%", ev.Methods[0].MeanHitRate*100); !strings.Contains(out, want) {
			t.Errorf("table lacks the count_12m top-1%% mean hit rate %s:\n%s", want, out)
		}
		if _, _, err := run(t, "evaluate", "--data-dir", dir, "--format", "markdown"); err == nil {
			t.Error("--format markdown accepted but not written")
		}
	})
	t.Run("bad flags say so", func(t *testing.T) {
		_, errb, err := run(t, "rank", "--data-dir", dir, "--measure", "danger")
		if err == nil || !strings.Contains(err.Error()+errb, "danger") {
			t.Errorf("err %v %s", err, errb)
		}
		_, _, err = run(t, "profile", "--data-dir", dir, "--area", "Atlantis")
		if err == nil || !strings.Contains(err.Error(), "Atlantis") {
			t.Errorf("unknown area: %v", err)
		}
	})
}
