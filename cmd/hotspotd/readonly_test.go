package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// TestServeReadOnlyFolder: serve works on a data folder it may not write,
// read-only: reads answer, an import is refused saying why; the access log
// goes to --audit-dir, and without one serve says it needs one (issue 9,
// item 11). File permissions do not bind root, so the test needs another
// user.
func TestServeReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may write a read-only folder; run the test as another user")
	}
	dir := t.TempDir()
	s, err := data.OpenMem(dir, data.MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sq := orb.MultiPolygon{{{{-1.32, 54.56}, {-1.30, 54.56}, {-1.30, 54.58}, {-1.32, 54.58}, {-1.32, 54.56}}}}
	if err := s.PutLayer(context.Background(), "wards", []geo.Area{{Code: "E0", Name: "Square", Geometry: sq, Bound: sq.Bound()}}, data.LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })

	if _, _, err := run(t, "serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--no-sample"); err == nil || !strings.Contains(err.Error(), "--audit-dir") {
		t.Errorf("serve on a read-only folder with no --audit-dir: %v; want a refusal naming --audit-dir", err)
	}
	base := serve(t, dir, "--no-sample", "--audit-dir", t.TempDir())
	resp, err := http.Get(base + "/api/v1/layers")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("layers: %v %v", err, resp)
	}
	resp.Body.Close()
	csv := "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n" +
		",2025-11,Cleveland Police,Cleveland Police,-1.31,54.57,On or near X,E01,Stockton 001A,Burglary,,\n"
	resp, err = http.Post(base+"/api/v1/import?filename=2025-11-cleveland-street.csv", "text/csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "imports and layer changes are refused") {
		t.Errorf("import into a read-only folder: %d %s", resp.StatusCode, b)
	}
}
