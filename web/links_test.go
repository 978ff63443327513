package web

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/data"
)

// TestNoTokenInPages: the map page and its scripts never put the token in
// an address (issue 9, item 8: the map put access_token in the tasking and
// download links, and the sheet's printed footer showed it).
func TestNoTokenInPages(t *testing.T) {
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, "static/vendor/") {
			return err
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		// the one mention allowed: removing it from the page's own address
		rest := strings.ReplaceAll(string(b), "searchParams.delete('access_token')", "")
		rest = strings.ReplaceAll(rest, "URLSearchParams(location.search).has('access_token')", "")
		if strings.Contains(rest, "access_token") {
			t.Errorf("%s puts access_token in an address", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSheetLink: the tasking sheet opens from a short-lived link signed for
// one sheet and one token, which carries no token, and that link opens
// nothing else, after its time, with its parameters changed, or once the
// token is revoked.
func TestSheetLink(t *testing.T) {
	toks, err := data.OpenTokens(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	viewer, _ := toks.Create("Neighbourhood team", data.RoleViewer)
	clock := &fakeClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	_, ts := apiServer(t, Options{Tokens: toks, Now: clock.Now})

	var link struct{ URL, Expires string }
	ogcJSON(t, ts.URL+"/api/v1/tasking/link?top=2&from=2025-06&to=2025-11", viewer, 200, &link)
	if strings.Contains(link.URL, viewer) || strings.Contains(link.URL, "access_token") {
		t.Fatalf("the link %s carries the token", link.URL)
	}
	if link.Expires != "2026-12-01T12:10:00Z" {
		t.Errorf("expires %s, want ten minutes on: 2026-12-01T12:10:00Z", link.Expires)
	}
	u, err := url.Parse(link.URL)
	if err != nil || u.Path != "/tasking" || u.Query().Get("top") != "2" || u.Query().Get("from") != "2025-06" {
		t.Fatalf("link %s: %v", link.URL, err)
	}
	code, ct, body := ogcGet(t, ts.URL+link.URL, "")
	if code != 200 || !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("opening the link: %d %s %.300s", code, ct, body)
	}
	if strings.Contains(string(body), viewer) {
		t.Error("the sheet shows the token")
	}
	// the link speaks for a viewer: small counts hidden as on the viewer's own sheet
	_, _, direct := ogcGet(t, ts.URL+"/tasking?top=2&from=2025-06&to=2025-11", viewer)
	if stripGenerated(string(body)) != stripGenerated(string(direct)) {
		t.Error("the sheet from the link differs from the viewer's own")
	}

	tamper := func(k, v string) string {
		q := u.Query()
		q.Set(k, v)
		return ts.URL + u.Path + "?" + q.Encode()
	}
	for _, c := range []struct{ name, url string }{
		{"another top", tamper("top", "50")},
		{"another role", tamper("as", "analyst")},
		{"another token", tamper("by", "someone else")},
		{"later expiry", tamper("exp", "9999999999")},
		{"another page", ts.URL + "/api/v1/export/incidents.csv?" + u.RawQuery},
		{"another page with the same query", ts.URL + "/api/v1/tasking?" + u.RawQuery},
	} {
		if code, _, b := ogcGet(t, c.url, ""); code != http.StatusUnauthorized {
			t.Errorf("%s: %d %.200s; want 401", c.name, code, b)
		}
	}
	clock.Add(LinkLifetime + time.Second)
	code, _, b := ogcGet(t, ts.URL+link.URL, "")
	var e struct{ Error string }
	json.Unmarshal(b, &e)
	if code != http.StatusUnauthorized || !strings.Contains(e.Error, "expired") {
		t.Errorf("after %v: %d %.200s; want 401 saying the link expired", LinkLifetime, code, b)
	}

	// a fresh link dies with its token
	clock.Add(-LinkLifetime)
	ogcJSON(t, ts.URL+"/api/v1/tasking/link?top=2", viewer, 200, &link)
	if err := toks.Revoke("Neighbourhood team"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the token file is reread at most once a second
	if code, _, _ := ogcGet(t, ts.URL+link.URL, ""); code != http.StatusUnauthorized {
		t.Errorf("a link after its token was revoked: %d, want 401", code)
	}
}

// stripGenerated drops the "produced" time, which differs between two
// renderings.
func stripGenerated(s string) string {
	if i := strings.Index(s, "produced "); i >= 0 {
		if j := strings.Index(s[i:], "</p>"); j >= 0 {
			return s[:i] + s[i+j:]
		}
	}
	return s
}

// BenchmarkAuth is what checking a caller costs each request: a bearer
// token, and a signed sheet link.
func BenchmarkAuth(b *testing.B) {
	toks, _ := data.OpenTokens(b.TempDir(), nil)
	viewer, _ := toks.Create("v", data.RoleViewer)
	s, _ := smallServer(b, Options{Tokens: toks})
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	h := s.authenticate(ok)
	link := s.signLink("/tasking", url.Values{"top": {"10"}, "from": {"2025-01"}}, who{Role: data.RoleViewer, Name: "v"})
	for _, c := range []struct {
		name string
		req  *http.Request
	}{
		{"bearer", func() *http.Request {
			r, _ := http.NewRequest("GET", "/api/v1/summary", nil)
			r.Header.Set("Authorization", "Bearer "+viewer)
			return r
		}()},
		{"signed link", func() *http.Request { r, _ := http.NewRequest("GET", link, nil); return r }()},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(nil, c.req)
			}
		})
	}
}
