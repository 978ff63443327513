package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/data"
)

// TestSecurityHeaders: every response, page, file, API answer, tile or
// error, carries nosniff, a Referrer-Policy, a Content-Security-Policy that
// forbids framing, and the tasking sheet's policy lets it draw but run
// nothing (issue 9, item 11).
func TestSecurityHeaders(t *testing.T) {
	toks, _ := data.OpenTokens(t.TempDir(), nil)
	viewer, _ := toks.Create("v", data.RoleViewer)
	_, ts := apiServer(t, Options{Tokens: toks})
	for _, c := range []struct {
		path, token string
		status      int
		csp         string // a part the policy must have
	}{
		{"/", "", 200, "script-src 'self'"},
		{"/static/app.js", "", 200, "default-src"},
		// MapLibre's worker runs under its own response's policy: it must
		// be let fetch tiles from this server
		{"/static/vendor/maplibre-gl-6.17.0/maplibre-gl-worker.mjs", "", 200, "connect-src 'self'"},
		{"/healthz", "", 200, "default-src 'none'"},
		{"/api/v1/summary", "", 401, "default-src 'none'"},
		{"/api/v1/summary", viewer, 200, "default-src 'none'"},
		{"/api/v1/export/ranking.csv", viewer, 200, "default-src 'none'"},
		{"/tiles/cells/14/8131/5253.mvt", viewer, 0, "default-src 'none'"},
		{"/tasking?top=1", viewer, 200, "style-src 'unsafe-inline'"},
		{"/no-such-page", viewer, 404, "default-src 'none'"},
	} {
		t.Run(c.path, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL+c.path, nil)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			if resp.StatusCode != c.status && !(c.status == 0 && resp.StatusCode < 300) {
				t.Errorf("status %d, want %d", resp.StatusCode, c.status)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", h.Get("X-Content-Type-Options"))
			}
			if rp := h.Get("Referrer-Policy"); rp != "no-referrer" && rp != "same-origin" {
				t.Errorf("Referrer-Policy %q", rp)
			}
			if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, c.csp) {
				t.Errorf("Content-Security-Policy %q; want frame-ancestors 'none' and %q", csp, c.csp)
			}
			if strings.Contains(csp, "script-src") && c.path == "/tasking?top=1" {
				t.Errorf("the sheet may run scripts: %q", csp)
			}
		})
	}
}
