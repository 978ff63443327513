package web

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestUploadReportsNoServerPaths: an import report and a layer's repair
// notes name the file as uploaded, not the server's temporary folder
// (issue 9, item 11).
func TestUploadReportsNoServerPaths(t *testing.T) {
	_, ts := smallServer(t, Options{})
	csv := "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n" +
		",2025-11,Cleveland Police,Cleveland Police,-1.31,54.57,On or near X,E01,Stockton 001A,Burglary,,\n" +
		",2025-11,Cleveland Police,Cleveland Police,-1.31,54.57,On or near X,E01,Stockton 001A,Burglary,,\n" +
		",2025-11,Cleveland Police,Cleveland Police,abc,54.57,On or near X,E01,Stockton 001A,Burglary,,\n"
	code, b := send(t, "POST", ts.URL+"/api/v1/import?filename=2025-11-cleveland-street.csv", csv, map[string]string{"Content-Type": "text/csv"})
	var rep struct {
		Stored   int
		Files    []struct{ File string }
		Problems []struct {
			File string
			Line int
		}
	}
	if code != 200 || json.Unmarshal([]byte(b), &rep) != nil {
		t.Fatalf("import: %d %s", code, b)
	}
	if rep.Stored != 2 || len(rep.Files) != 1 || rep.Files[0].File != "2025-11-cleveland-street.csv" ||
		len(rep.Problems) != 1 || rep.Problems[0].File != "2025-11-cleveland-street.csv" || rep.Problems[0].Line != 4 {
		t.Errorf("import report %s; want 2 stored, the file and its problem on line 4 named 2025-11-cleveland-street.csv", b)
	}
	open := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"X1","name":"Open"},
"geometry":{"type":"Polygon","coordinates":[[[-1.32,54.56],[-1.30,54.56],[-1.30,54.58],[-1.32,54.58]]]}}]}`
	code, b = send(t, "POST", ts.URL+"/api/v1/layers/x", open, map[string]string{"Content-Type": "application/geo+json"})
	var lay struct{ Notes []string }
	if code != 201 || json.Unmarshal([]byte(b), &lay) != nil || len(lay.Notes) != 1 || !strings.HasPrefix(lay.Notes[0], "x.geojson feature 1 (X1)") {
		t.Errorf("layer upload: %d %s; want one note about x.geojson feature 1", code, b)
	}
	for _, s := range []string{os.TempDir(), "hotspots-upload-"} {
		if strings.Contains(b, s) {
			t.Errorf("the answer shows the server's %q: %s", s, b)
		}
	}
}
