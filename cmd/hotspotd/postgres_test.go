package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

// TestPostgresStoreEndToEnd imports into PostgreSQL with --store, then
// serves from it: the README's commands work on either store.
func TestPostgresStoreEndToEnd(t *testing.T) {
	url := os.Getenv("HOTSPOTS_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("HOTSPOTS_TEST_DATABASE_URL is not set under CI: .ci/run must start PostgreSQL")
		}
		t.Skip("HOTSPOTS_TEST_DATABASE_URL not set")
	}
	schema := fmt.Sprintf("e2e_%d", time.Now().UnixNano())
	store := []string{"--store", url, "--store-schema", schema}
	dir := t.TempDir()
	out, stderr, err := run(t, append([]string{"import", "--data-dir", dir, "--json"}, append(store, fixture.Path(t, fixture.ClevelandMonth("2025-11")))...)...)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var rep struct {
		Stored int `json:"stored"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil || rep.Stored == 0 {
		t.Fatalf("report: %v %s", err, out)
	}
	if _, stderr, err := run(t, append([]string{"areas", "import", "--data-dir", dir, "--layer", "wards"}, append(store, fixture.Path(t, fixture.StocktonWards))...)...); err != nil {
		t.Fatalf("areas import: %v\n%s", err, stderr)
	}
	base := serve(t, dir, store...)
	var sum struct {
		Incidents int      `json:"incidents"`
		Months    []string `json:"months"`
	}
	getJSON(t, base+"/api/v1/summary", &sum)
	if sum.Incidents != rep.Stored || len(sum.Months) != 1 || sum.Months[0] != "2025-11" {
		t.Errorf("summary %+v, imported %d", sum, rep.Stored)
	}
	var counts []struct{ Count int }
	getJSON(t, base+"/api/v1/layers/wards/counts", &counts)
	if len(counts) != 27 {
		t.Errorf("%d wards", len(counts))
	}
	_, _, err = run(t, "import", "--store", "mysql://nope", fixture.Path(t, fixture.ClevelandMonth("2025-11")))
	if err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("bad --store: %v", err)
	}
}
