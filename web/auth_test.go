package web

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
)

// smallServer serves a store holding one square ward ("wards") and no
// incidents: enough for tests of who may do what, without loading the real
// data.
func smallServer(tb testing.TB, opts Options) (*Server, *httptest.Server) {
	tb.Helper()
	store, err := data.OpenMem(tb.TempDir(), data.MemOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	sq := orb.MultiPolygon{{{{-1.32, 54.56}, {-1.30, 54.56}, {-1.30, 54.58}, {-1.32, 54.58}, {-1.32, 54.56}}}}
	if err := store.PutLayer(context.Background(), "wards", []geo.Area{{Code: "E0", Name: "Square", Geometry: sq, Bound: sq.Bound()}}, data.LayerMeta{Source: "test"}); err != nil {
		tb.Fatal(err)
	}
	eng, err := engine.New(store, engine.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(store, eng, opts)
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return s, ts
}

// fakeClock is a clock the test moves on by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestTokensGoneKeepsServerLocked is the attack of issue 9, item 1: a
// server started with one token must not make every caller an admin when
// that token is revoked, the token file is deleted, emptied or garbled.
func TestTokensGoneKeepsServerLocked(t *testing.T) {
	for _, tc := range []struct {
		name string
		gone func(t *testing.T, dir string, cli *data.Tokens)
	}{
		{"revoked", func(t *testing.T, dir string, cli *data.Tokens) {
			if err := cli.Revoke("only"); err != nil {
				t.Fatal(err)
			}
		}},
		{"file deleted", func(t *testing.T, dir string, cli *data.Tokens) {
			if err := os.Remove(filepath.Join(dir, "tokens.json")); err != nil {
				t.Fatal(err)
			}
		}},
		{"file emptied", func(t *testing.T, dir string, cli *data.Tokens) {
			if err := os.WriteFile(filepath.Join(dir, "tokens.json"), []byte("[]"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"file garbled", func(t *testing.T, dir string, cli *data.Tokens) {
			if err := os.WriteFile(filepath.Join(dir, "tokens.json"), []byte("[{"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			clock := &fakeClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
			cli, err := data.OpenTokens(dir, nil) // the CLI's view of the file
			if err != nil {
				t.Fatal(err)
			}
			secret, err := cli.Create("only", data.RoleAdmin)
			if err != nil {
				t.Fatal(err)
			}
			toks, err := data.OpenTokens(dir, clock.Now) // the server's
			if err != nil {
				t.Fatal(err)
			}
			_, ts := smallServer(t, Options{Tokens: toks})
			if code, body := call(t, "GET", ts.URL+"/api/v1/layers", secret, nil); code != 200 {
				t.Fatalf("with the token: %d %s", code, body)
			}
			tc.gone(t, dir, cli)
			clock.Add(2 * time.Second) // the server rereads the file at most once a second
			for _, c := range []struct{ method, path string }{
				{"GET", "/api/v1/export/incidents.csv"},
				{"GET", "/api/v1/layers"},
				{"DELETE", "/api/v1/layers/wards"},
			} {
				code, body := call(t, c.method, ts.URL+c.path, "", nil)
				if code != http.StatusUnauthorized || tc.name != "file garbled" && !strings.Contains(string(body), "hotspotd token create") {
					t.Errorf("%s %s with no token after the last was %s: %d %s; want 401 saying how to make a token", c.method, c.path, tc.name, code, body)
				}
			}
			if code, _ := call(t, "GET", ts.URL+"/api/v1/layers", secret, nil); code != http.StatusUnauthorized {
				t.Errorf("the old token after the file was %s: %d, want 401", tc.name, code)
			}
		})
	}
}

// TestTokenCreatedLaterLocksServer: a single-user server that sees a token
// created stays a token server when it is revoked again.
func TestTokenCreatedLaterLocksServer(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	toks, err := data.OpenTokens(dir, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	_, ts := smallServer(t, Options{Tokens: toks})
	if code, _ := call(t, "GET", ts.URL+"/api/v1/layers", "", nil); code != 200 {
		t.Fatalf("single-user mode: %d", code)
	}
	cli, _ := data.OpenTokens(dir, nil)
	if _, err := cli.Create("later", data.RoleViewer); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Second)
	if code, _ := call(t, "GET", ts.URL+"/api/v1/layers", "", nil); code != 401 {
		t.Fatalf("after a token was created: %d, want 401", code)
	}
	if err := cli.Revoke("later"); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Second)
	if code, _ := call(t, "DELETE", ts.URL+"/api/v1/layers/wards", "", nil); code != 401 {
		t.Errorf("after the token was revoked again: %d, want 401", code)
	}
}

// TestNoTokensOnlyOnLoopback: with no tokens, a request that arrived on an
// address other than loopback is refused, whatever the command line did.
func TestNoTokensOnlyOnLoopback(t *testing.T) {
	s, _ := smallServer(t, Options{})
	for _, c := range []struct {
		local string
		want  int
	}{{"127.0.0.1:8080", 200}, {"[::1]:8080", 200}, {"192.168.1.20:8080", 401}, {"10.0.0.5:80", 401}} {
		req := httptest.NewRequest("GET", "/api/v1/layers", nil)
		req.Host = "localhost"
		local, err := net.ResolveTCPAddr("tcp", c.local)
		if err != nil {
			t.Fatal(err)
		}
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, local))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != c.want {
			t.Errorf("GET /api/v1/layers on %s with no tokens: %d %s, want %d", c.local, w.Code, w.Body, c.want)
		}
	}
}

// TestHealthWithoutToken: /healthz says only ready or not to a caller with
// no token, and a bad token on the page / still gets the page, which asks
// for a new one, not a bare 401 (issue 9, item 11).
func TestHealthWithoutToken(t *testing.T) {
	toks, _ := data.OpenTokens(t.TempDir(), nil)
	viewer, _ := toks.Create("v", data.RoleViewer)
	_, ts := smallServer(t, Options{Tokens: toks})
	code, body := call(t, "GET", ts.URL+"/healthz", "", nil)
	if code != 200 || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Errorf("healthz without a token: %d %s; want only the status", code, body)
	}
	code, body = call(t, "GET", ts.URL+"/healthz", viewer, nil)
	if code != 200 || !strings.Contains(string(body), `"incidents"`) {
		t.Errorf("healthz with a token: %d %s; want the figures", code, body)
	}
	for _, u := range []string{"/", "/?access_token=hs_wrong"} {
		code, _, page := ogcGet(t, ts.URL+u, "hs_wrong")
		if code != 200 || !strings.Contains(string(page), "<html") {
			t.Errorf("GET %s with a bad token: %d %.100s; want the page", u, code, page)
		}
	}
	code, body = call(t, "GET", ts.URL+"/api/v1/summary", "hs_wrong", nil)
	if code != 401 || !strings.Contains(string(body), "not valid") {
		t.Errorf("the API with a bad token: %d %s", code, body)
	}
}
