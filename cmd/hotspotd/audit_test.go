package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAuditCommand: an incident export through the server is in the access
// log, and `hotspotd audit` reads it back, filtered by who and time.
func TestAuditCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("short: loads the bundled sample")
	}
	dir := t.TempDir()
	secret, _, err := run(t, "token", "create", "--data-dir", dir, "--role", "analyst", "--name", "Analyst CURV")
	if err != nil {
		t.Fatal(err)
	}
	secret = strings.TrimSpace(secret)
	viewer, _, err := run(t, "token", "create", "--data-dir", dir, "--role", "viewer", "--name", "Neighbourhood team")
	if err != nil {
		t.Fatal(err)
	}
	viewer = strings.TrimSpace(viewer)
	base := serve(t, dir)
	req, _ := http.NewRequest("GET", base+"/api/v1/export/incidents.csv?from=2025-11&to=2025-11&types=Robbery", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d %.200s", resp.StatusCode, body)
	}
	rows := bytes.Count(body, []byte("\n")) - 1
	req, _ = http.NewRequest("GET", base+"/api/v1/export/incidents.csv", nil)
	req.Header.Set("Authorization", "Bearer "+viewer)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Fatalf("export by a viewer: %v %v", err, resp)
	}

	out, stderr, err := run(t, "audit", "--data-dir", dir, "--who", "analyst curv", "--since", "1h")
	if err != nil {
		t.Fatalf("audit: %v %s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "Time (UTC)") {
		t.Fatalf("audit printed:\n%s", out)
	}
	f := strings.Fields(lines[1])
	// time (2 fields), who (2), role, from, action, request, status, rows
	if len(f) != 11 || f[2]+" "+f[3] != "Analyst CURV" || f[4] != "analyst" || f[5] != "127.0.0.1" || f[6] != "incidents" ||
		f[7] != "GET" || f[8] != "/api/v1/export/incidents.csv?from=2025-11&to=2025-11&types=Robbery" {
		t.Errorf("audit line %q", lines[1])
	}
	if len(f) == 11 && (f[9] != "200" || f[10] != itoa(rows)) {
		t.Errorf("audit line %q: want status 200 and %d rows", lines[1], rows)
	}
	// the refusal is there too
	out, _, _ = run(t, "audit", "--data-dir", dir, "--format", "json")
	var n int
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var e struct {
			Who    string
			Status int
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("%v in %q", err, l)
		}
		n++
		if n == 2 && (e.Who != "Neighbourhood team" || e.Status != 403) {
			t.Errorf("second entry %q; want the refused export", l)
		}
	}
	if n != 2 || strings.Contains(out, secret) || strings.Contains(out, viewer) {
		t.Errorf("%d entries (want 2), or the token is in the log:\n%s", n, out)
	}
	_, stderr, err = run(t, "audit", "--data-dir", dir, "--until", time.Now().Add(-time.Hour).Format(time.RFC3339))
	if err != nil || !strings.Contains(stderr, "No access matches") {
		t.Errorf("audit --until an hour ago: %v %q", err, stderr)
	}
	if _, _, err := run(t, "audit", "--data-dir", dir, "--since", "last week"); err == nil {
		t.Error("--since 'last week' was accepted")
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
