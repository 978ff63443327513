package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaleUploadsRemovedAtStart: uploads a killed server left in the data
// folder are removed when the next one starts, and uploads read there are
// removed when done (issue 9, item 11).
func TestStaleUploadsRemovedAtStart(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "uploads", "hotspots-upload-123", "2025-11-cleveland-street.csv")
	if err := os.MkdirAll(filepath.Dir(stale), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	base := serve(t, dir, "--no-sample")
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale upload is still there after start-up: %v", err)
	}
	csv := "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n" +
		",2025-11,Cleveland Police,Cleveland Police,-1.31,54.57,On or near X,E01,Stockton 001A,Burglary,,\n"
	resp, err := http.Post(base+"/api/v1/import?filename=2025-11-cleveland-street.csv", "text/csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %s", resp.Status)
	}
	left, _ := os.ReadDir(filepath.Join(dir, "uploads"))
	if len(left) != 0 {
		t.Errorf("%d entries left in the uploads folder after an upload", len(left))
	}
}
