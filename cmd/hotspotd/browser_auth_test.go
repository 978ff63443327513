package main

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// TestBrowserSignIn drives the map page on a server with tokens: a bad
// token in the address still gets the page, which asks for a token; signed
// in, the map draws with the token sent in headers only; the download is
// fetched with the header and saved from a blob, the tasking sheet opens
// from a signed link; no address the page makes holds the token, and the
// page's Content-Security-Policy is not violated (issue 9, items 8, 11).
func TestBrowserSignIn(t *testing.T) {
	if testing.Short() {
		t.Skip("short: the browser test takes about half a minute")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Chromium is needed under CI: %v (apt-get install chromium)", err)
		}
		t.Skipf("needs Chromium at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	dir := t.TempDir()
	secret, _, err := run(t, "token", "create", "--data-dir", dir, "--role", "viewer", "--name", "Neighbourhood team")
	if err != nil {
		t.Fatal(err)
	}
	secret = strings.TrimSpace(secret)
	base := serve(t, dir)

	b := newBrowser(t, 1366, 768)
	b.do(chromedp.Navigate(base + "/?access_token=hs_not_a_token"))
	b.poll(`!!document.querySelector('#token-form')`)
	b.do(chromedp.SendKeys(chromedp.ID(`token-input`), secret), chromedp.Click(chromedp.CSS(`#token-form button[type=submit]`)))
	b.do(chromedp.Sleep(time.Second)) // the page reloads
	b.waitMap()

	// Every address the page asked for: none carries the token.
	var urls []string
	b.eval(`performance.getEntriesByType('resource').map(e => e.name).concat([location.href, document.querySelector('#tasking').href], [...document.querySelectorAll('#download-list a')].map(a => a.href))`, &urls)
	for _, u := range urls {
		if strings.Contains(u, secret) || strings.Contains(u, "access_token") {
			t.Errorf("the page asked for %s", u)
		}
	}
	if len(urls) < 10 {
		t.Errorf("only %d requests seen: %v", len(urls), urls)
	}

	// The download: fetched with the header, saved from a blob. What it
	// saves is what the API gives the same token.
	b.eval(`(() => { window.__blobs = []; const orig = URL.createObjectURL; URL.createObjectURL = x => { window.__blobs.push(x); return orig(x); }; return true; })()`, new(bool))
	const hotspotsLink = `#download-list a[data-export="hotspots"][data-format="geojson"]`
	b.do(chromedp.Click(chromedp.CSS(`#downloads > summary`)), chromedp.Click(chromedp.CSS(hotspotsLink)))
	b.poll(`window.__blobs.length > 0`)
	var saved string
	b.eval(`window.__blobs[0].text()`, &saved)
	var dl, api struct {
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal([]byte(saved), &dl); err != nil {
		t.Fatalf("the download is not GeoJSON: %v %.200s", err, saved)
	}
	var href string
	b.eval(`document.querySelector('`+hotspotsLink+`').href`, &href)
	req, _ := http.NewRequest("GET", href, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&api)
	resp.Body.Close()
	if len(dl.Features) == 0 || len(dl.Features) != len(api.Features) {
		t.Errorf("the download holds %d features, the API %d", len(dl.Features), len(api.Features))
	}

	// The tasking sheet: a click opens a new tab on the sheet, by a signed
	// link; the tab gets no token.
	b.do(chromedp.Click(chromedp.ID(`tasking`)))
	var tab *target.Info
	for deadline := time.Now().Add(30 * time.Second); tab == nil && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		tabs, err := chromedp.Targets(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range tabs {
			if x.Type == "page" && strings.HasPrefix(x.URL, base+"/tasking?") && strings.HasPrefix(x.Title, "Patrol tasking") {
				tab = x
			}
		}
	}
	if tab == nil {
		tabs, _ := chromedp.Targets(b.ctx)
		for _, x := range tabs {
			t.Logf("tab %s %q %s", x.Type, x.Title, x.URL)
		}
		t.Fatal("no tab opened on the tasking sheet")
	}
	if !strings.Contains(tab.URL, "sig=") || strings.Contains(tab.URL, secret) {
		t.Errorf("the sheet's tab is at %s", tab.URL)
	}

	// The same, step by step: the page opens a tab and sends it to the link.
	b.eval(`(() => { window.open = () => ({ set opener(v) {}, close() {}, location: { replace: u => { window.__opened = u; } } }); return true; })()`, new(bool))
	b.do(chromedp.Click(chromedp.ID(`tasking`)))
	b.poll(`typeof window.__opened === 'string'`)
	var opened string
	b.eval(`window.__opened`, &opened)
	if !strings.HasPrefix(opened, base+"/tasking?") || !strings.Contains(opened, "sig=") || strings.Contains(opened, secret) {
		t.Fatalf("the sheet opened at %s", opened)
	}
	resp, err = http.Get(opened) // as the new tab would: no header
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("the signed sheet link: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}

	if v := b.cspViolations(); len(v) > 0 {
		t.Errorf("Content-Security-Policy violations: %v", v)
	}
	if e := b.errors(); len(e) > 0 {
		t.Errorf("page errors: %v", e)
	}
}
