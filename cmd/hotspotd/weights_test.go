package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --weights replaces the harm table: a ranking by harm follows it, as
// computed by hand. North holds 3 shoplifting, South 1 burglary.
func TestRankWithWeightsFile(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, err := run(t, "areas", "import", "--data-dir", dir, "--layer", "wards",
		filepath.Join("..", "..", "engine", "testdata", "example", "areas.geojson")); err != nil {
		t.Fatalf("areas import: %v\n%s", err, stderr)
	}
	csv := "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n" +
		strings.Repeat(",2025-11,Test Police,Test Police,-1.31,54.57,North St,,,Shoplifting,,\n", 3) +
		",2025-11,Test Police,Test Police,-1.31,54.555,South St,,,Burglary,,\n"
	p := filepath.Join(t.TempDir(), "2025-11-test-street.csv")
	if err := os.WriteFile(p, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := run(t, "import", "--data-dir", dir, p); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	rank := func(extra ...string) string {
		t.Helper()
		out, stderr, err := run(t, append([]string{"rank", "--data-dir", dir, "--measure", "harm", "--from", "2025-11", "--to", "2025-11", "--format", "csv"}, extra...)...)
		if err != nil {
			t.Fatalf("rank: %v\n%s", err, stderr)
		}
		return out
	}
	// default CCHI: South 1 x 234.59 days (the burglary blend) above North 3 x 1 day
	if out := rank(); !firstArea(out, "South") {
		t.Errorf("default weights: South should lead:\n%s", out)
	}
	// shoplifting 100 days, burglary 1: North 3 x 100 = 300, South 1 x 1 = 1
	w := filepath.Join(t.TempDir(), "w.csv")
	os.WriteFile(w, []byte("# unit: days\ncrime_type,weight,police_generated,source\nShoplifting,100,false,test\nBurglary,1,false,test\n"), 0o644)
	out := rank("--weights", w)
	if !firstArea(out, "North") || !strings.Contains(out, ",300") {
		t.Errorf("--weights: North should lead with 300 days:\n%s", out)
	}
	// a malformed file is refused naming the line and field
	os.WriteFile(w, []byte("crime_type,weight,police_generated,source\nShoplifting,lots,false,test\n"), 0o644)
	_, _, err := run(t, "rank", "--data-dir", dir, "--measure", "harm", "--weights", w)
	if err == nil || !strings.Contains(err.Error(), `line 2: weight "lots" is not a number`) {
		t.Errorf("malformed weights: %v", err)
	}
}

// firstArea reports whether the first data row of a CSV ranking names area.
func firstArea(out, area string) bool {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return len(lines) > 1 && strings.Contains(lines[1], area)
}
