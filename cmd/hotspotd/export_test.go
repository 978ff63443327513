package main

import (
	"archive/zip"
	"bytes"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

// TestCLIAndWebExportsAreByteIdentical asks the command line and the
// server the same questions and compares the files byte for byte: the
// report package writes both, so the column names, figures, rounding,
// members and order must be the same. The clock is fixed in both, for the
// files' "generated" member.
func TestCLIAndWebExportsAreByteIdentical(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, err := run(t, "import", "--data-dir", dir, fixture.Path(t, fixture.Cleveland)); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if _, stderr, err := run(t, "areas", "import", "--data-dir", dir, "--layer", "wards",
		"--population", fixture.Path(t, fixture.StocktonWardPopulation), fixture.Path(t, fixture.StocktonWards)); err != nil {
		t.Fatalf("areas import: %v\n%s", err, stderr)
	}
	now := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
	clock := func(m *Main) { m.Now = func() time.Time { return now } }
	tests := []struct {
		name string
		cli  []string
		web  string
	}{
		{"ranking.csv", []string{"rank", "--from", "2024-12", "--to", "2025-11", "--measure", "harm", "--format", "csv"},
			"/api/v1/export/ranking.csv?layer=wards&from=2024-12&to=2025-11&measure=harm"},
		{"ranking.geojson", []string{"rank", "--types", "Burglary,Robbery", "--format", "geojson"},
			"/api/v1/export/ranking.geojson?types=Burglary,Robbery"},
		{"ranking.xlsx", []string{"rank", "--format", "xlsx"}, "/api/v1/export/ranking.xlsx"},
		{"hotspots.csv", []string{"hotspots", "--from", "2025-06", "--to", "2025-11", "--types", "Burglary", "--format", "csv"},
			"/api/v1/export/hotspots.csv?from=2025-06&to=2025-11&types=Burglary"},
		{"hotspots.geojson", []string{"hotspots", "--res", "10", "--measure", "harm", "--format", "geojson"},
			"/api/v1/export/hotspots.geojson?res=10&measure=harm"},
		{"the map's hot spot GeoJSON", []string{"hotspots", "--format", "geojson"}, "/api/v1/hotspots?layer=wards"},
		{"zones.csv", []string{"tasking", "--top", "5", "--format", "csv"}, "/api/v1/export/zones.csv?top=5"},
		{"zones.geojson", []string{"tasking", "--from", "2025-11", "--to", "2025-11", "--format", "geojson"},
			"/api/v1/export/zones.geojson?from=2025-11&to=2025-11"},
		{"area table of one area", []string{"profile", "--area", "Stockton Town Centre", "--month", "2025-11", "--format", "csv"},
			"/api/v1/layers/wards/areas/E05014882/profile?month=2025-11&format=csv"},
		{"area-tables.csv", []string{"profile", "--all", "--month", "2025-10", "--format", "csv"}, "/api/v1/export/area-tables.csv?month=2025-10"},
		{"area-tables.xlsx", []string{"profile", "--all", "--format", "xlsx"}, "/api/v1/export/area-tables.xlsx"},
	}
	// The command line first: one process at a time owns the data folder.
	cli := make([]string, len(tests))
	for i, tt := range tests {
		out, stderr, err := runWith(t, clock, append(tt.cli, "--data-dir", dir)...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tt.name, err, stderr)
		}
		cli[i] = out
	}
	base := serveWith(t, dir, clock)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(base + tt.web)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			web, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, web)
			}
			if len(web) < 200 {
				t.Fatalf("a %d-byte file: %s", len(web), web)
			}
			same := bytes.Equal(web, []byte(cli[i]))
			if !same && strings.HasPrefix(tt.name, "the map's") {
				// the map's pages say what they are a page of (study_cells,
				// matched, offset, limit) after the export's members: the
				// features must be the same bytes
				same = bytes.Equal(features(t, web), features(t, []byte(cli[i])))
			}
			if !same && strings.HasSuffix(tt.name, ".xlsx") {
				// excelize writes a workbook's parts in no fixed order:
				// the parts must be the same, byte for byte.
				same = maps.EqualFunc(xlsxParts(t, web), xlsxParts(t, []byte(cli[i])), bytes.Equal)
			}
			if !same {
				d := t.TempDir()
				os.WriteFile(filepath.Join(d, "web"), web, 0o644)
				os.WriteFile(filepath.Join(d, "cli"), []byte(cli[i]), 0o644)
				t.Errorf("the download (%d bytes) and the command line's file (%d bytes) differ; both are in %s", len(web), len(cli[i]), d)
			}
		})
	}
}

// features is the "features" array of a FeatureCollection, as written.
func features(tb testing.TB, b []byte) []byte {
	tb.Helper()
	i := bytes.Index(b, []byte(`"features":[`))
	if i < 0 {
		tb.Fatalf("no features in %.200s", b)
	}
	return b[i:]
}

// xlsxParts reads a workbook's parts: name -> bytes.
func xlsxParts(tb testing.TB, b []byte) map[string][]byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		out[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
	}
	return out
}
