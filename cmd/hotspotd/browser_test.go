package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stockton-csp/hotspots/web"
)

// chromiumPath is Debian's Chromium (apt-get install chromium).
const chromiumPath = "/usr/bin/chromium"

// TestBrowserMap drives the map page in headless Chromium against the real
// server on the bundled sample: the page loads, the hexagons render, the
// figures drawn for a ward are the API's, a filter change changes the map,
// a click on a ward opens its profile with the right total, and the page
// works on a phone-sized screen. Screenshots go to $SCREENSHOT_DIR, or
// .screenshots/ at the top of the repository.
func TestBrowserMap(t *testing.T) {
	if testing.Short() {
		t.Skip("short: the browser test takes about half a minute")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Chromium is needed under CI: %v (apt-get install chromium)", err)
		}
		t.Skipf("needs Chromium at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	api := serve(t, t.TempDir())
	base := pageServer(t, api)
	shots := screenshotDir(t)

	t.Run("assets", func(t *testing.T) { checkAssets(t, base) })

	b := newBrowser(t, 1366, 768)
	b.do(chromedp.Navigate(base + "/"))
	b.waitMap()
	b.screenshot(filepath.Join(shots, "hotspots-1366x768.png"))

	// The page's filters: the latest 12 months, wards, count, every type.
	var st struct {
		From, To, Layer, Measure string
	}
	b.eval(`({from: hotspotsApp.from, to: hotspotsApp.to, layer: hotspotsApp.layer, measure: hotspotsApp.measure})`, &st)
	var sum struct{ Months []string }
	getJSON(t, api+"/api/v1/summary", &sum)
	if st.To != sum.Months[len(sum.Months)-1] || st.From != sum.Months[len(sum.Months)-12] || st.Layer != "wards" || st.Measure != "count" {
		t.Errorf("default filters %+v; want the latest 12 months of %v, wards, count", st, sum.Months[len(sum.Months)-12:])
	}

	t.Run("figures", func(t *testing.T) {
		rk := ranking(t, api, url.Values{"from": {st.From}, "to": {st.To}})
		drawn := b.areaCounts()
		if len(drawn) < 20 {
			t.Fatalf("%d wards drawn, want (nearly) all 27: %v", len(drawn), drawn)
		}
		for _, a := range rk.Areas {
			if got, ok := drawn[a.Name]; ok && got != float64(a.Count) {
				t.Errorf("%s: the map draws count %v, the ranking API says %d", a.Name, got, a.Count)
			}
		}
		stc := rk.area(t, "Stockton Town Centre")
		if drawn["Stockton Town Centre"] != float64(stc.Count) {
			t.Errorf("Stockton Town Centre drawn with %v, API %d", drawn["Stockton Town Centre"], stc.Count)
		}
		// The ranking panel lists the same first area and the key says what
		// the colours and outlines mean.
		first := b.text(`#ranking-table tbody tr:first-child .area-btn`)
		if first != rk.Areas[0].Name {
			t.Errorf("ranking panel starts with %q, API with %q", first, rk.Areas[0].Name)
		}
		legend := b.text(`#legend`)
		for _, w := range []string{"Crimes per hexagon", "Hot spot, 99% confidence", "Cold spot, 90% confidence", "Ward boundary"} {
			if !strings.Contains(legend, w) {
				t.Errorf("key lacks %q: %q", w, legend)
			}
		}
		if att := b.text(`#attribution-text`); !strings.Contains(att, "Open Government Licence") {
			t.Errorf("attribution %q", att)
		}
	})

	t.Run("filters change the map", func(t *testing.T) {
		paintBefore := b.cellPaint()
		b.do(chromedp.Click(chromedp.CSS(`input[name="measure"][value="harm"] + span`)))
		b.poll(`JSON.stringify(hotspotsMap.getPaintProperty('cells-fill', 'fill-color')).includes('"harm"') && hotspotsMap.areTilesLoaded()`)
		if after := b.cellPaint(); after == paintBefore || !strings.Contains(after, `"harm"`) {
			t.Errorf("cell colours did not follow the measure: %s", after)
		}
		b.poll(`document.querySelector('#ranking-measure-head').textContent === 'Harm days'`)
		b.poll(`document.querySelector('#legend-cells-title').textContent.includes('Harm (CCHI days)')`)

		// One crime type, through the list: the ward counts drawn become
		// that type's counts.
		rkAll := ranking(t, api, url.Values{"from": {st.From}, "to": {st.To}})
		rk := ranking(t, api, url.Values{"from": {st.From}, "to": {st.To}, "types": {"Burglary"}})
		b.do(chromedp.Click(chromedp.CSS(`#types-box summary`)), chromedp.Click(chromedp.ID(`types-none`)),
			chromedp.Click(chromedp.CSS(`#types-list input[value="Burglary"]`)))
		want := rk.area(t, "Stockton Town Centre").Count
		if want >= rkAll.area(t, "Stockton Town Centre").Count {
			t.Fatalf("burglaries %d not fewer than all crime", want)
		}
		b.poll(fmt.Sprintf(`hotspotsMap.areTilesLoaded() && hotspotsMap.queryRenderedFeatures({layers: ['areas-fill']}).some(f => f.properties.name === 'Stockton Town Centre' && f.properties.count === %d)`, want))
		if got := b.areaCounts()["Stockton Town Centre"]; got != float64(want) {
			t.Errorf("Stockton Town Centre burglaries drawn %v, API %d", got, want)
		}
		if h := b.text(`#types-summary`); h != "Burglary" {
			t.Errorf("types summary %q", h)
		}
		// back to every type and count, for what follows
		b.do(chromedp.Click(chromedp.ID(`types-all`)), chromedp.Click(chromedp.CSS(`input[name="measure"][value="count"] + span`)))
		b.poll(fmt.Sprintf(`hotspotsApp.measure === 'count' && !hotspotsApp.types && hotspotsMap.areTilesLoaded() && hotspotsMap.queryRenderedFeatures({layers: ['areas-fill']}).some(f => f.properties.name === 'Stockton Town Centre' && f.properties.count === %d)`, rkAll.area(t, "Stockton Town Centre").Count))
	})

	t.Run("keyboard", func(t *testing.T) {
		// A ranked area opens with Enter, the profile takes the focus, and
		// Escape closes it.
		second := b.text(`#ranking-table tbody tr:nth-child(2) .area-btn`)
		b.do(chromedp.SendKeys(chromedp.CSS(`#ranking-table tbody tr:nth-child(2) .area-btn`), kb.Enter))
		b.poll(fmt.Sprintf(`!document.querySelector('#detail').hidden && document.querySelector('#detail-title').textContent === %q && document.activeElement === document.querySelector('#detail')`, second))
		b.do(chromedp.SendKeys(chromedp.ID(`detail`), kb.Escape))
		b.poll(`document.querySelector('#detail').hidden && !document.querySelector('#sidebar').classList.contains('collapsed')`)
	})

	var prof profileJSON
	getJSON(t, api+"/api/v1/layers/wards/areas/E05014882/profile?month="+st.To, &prof)
	total := prof.row(t, "Total")

	t.Run("click a ward", func(t *testing.T) {
		b.clickArea("Stockton Town Centre")
		b.poll(`!document.querySelector('#detail').hidden && document.querySelector('#detail-title').textContent === 'Stockton Town Centre' && document.querySelector('table.profile')`)
		got := b.text(`table.profile tr.total th`)
		if got != "Total" {
			t.Errorf("first total row %q", got)
		}
		cell := b.text(`table.profile tr.total td.p0`)
		if want := fmt.Sprintf("%d", total.Cells[0].Current); strings.ReplaceAll(cell, ",", "") != want {
			t.Errorf("Total crime, selected month: page %q, API %s", cell, want)
		}
		cell12 := b.text(`table.profile tr.total td.p2`)
		if want := fmt.Sprintf("%d", total.Cells[2].Current); strings.ReplaceAll(cell12, ",", "") != want {
			t.Errorf("Total crime, last 12 months: page %q, API %s", cell12, want)
		}
		tableText := b.text(`table.profile`)
		for _, w := range []string{"Victim Based Crime", "Non victim based", "Anti-social behaviour", "Total crimes and ASB incidents", "Selected Month", "Last 6 Months", "Last 12 Months", "% Diff"} {
			if !strings.Contains(tableText, w) {
				t.Errorf("profile table lacks %q", w)
			}
		}
		if strings.Contains(tableText, "Infinity") || strings.Contains(tableText, "NaN") {
			t.Errorf("profile table prints Infinity or NaN: %s", tableText)
		}
		b.poll(`document.querySelector('.trend-word')`)
		if w := b.text(`.trend-word`); w != "rising" && w != "falling" && w != "no clear trend" {
			t.Errorf("trend word %q", w)
		}
		if n := b.count(`.trend svg rect.bar`); n != 12 {
			t.Errorf("trend chart has %d bars, want 12 months", n)
		}
		b.poll(`document.querySelector('#ranking-table tr.selected')`)
		b.screenshot(filepath.Join(shots, "hotspots-1366x768-profile.png"))

		// The hexagon clicked has its own tab: its profile, or, while the
		// server has no cell profiles, the server's message.
		var hex string
		b.eval(`(hotspotsApp.sel && hotspotsApp.sel.cell && hotspotsApp.sel.cell.id) || ''`, &hex)
		if hex == "" {
			t.Fatalf("the click found no hexagon")
		}
		b.do(chromedp.Click(chromedp.ID(`tab-cell`)))
		b.poll(fmt.Sprintf(`document.querySelector('#detail-title').textContent === %q && (document.querySelector('table.profile') || document.querySelector('#detail-body .panel-status.error'))`, hex))
		if code := status(t, api+"/api/v1/cells/"+hex+"/profile?month="+st.To); code == http.StatusOK {
			if !b.visible(`table.profile`) {
				t.Errorf("cell %s: no profile table", hex)
			}
		} else {
			t.Logf("cell profiles are not served yet (%d): checking the page says so", code)
			if msg := b.text(`#detail-body .panel-status.error`); !strings.Contains(msg, "not available from this server yet") {
				t.Errorf("cell tab without the endpoint shows %q", msg)
			}
		}
		b.do(chromedp.Click(chromedp.ID(`tab-area`)))
		b.poll(`document.querySelector('#detail-title').textContent === 'Stockton Town Centre' && document.querySelector('table.profile tr.total')`)
	})

	t.Run("phone", func(t *testing.T) {
		b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
		b.poll(`matchMedia('(max-width: 759px)').matches && hotspotsMap.getCanvas().clientWidth === 390`)
		b.poll(`hotspotsMap.areTilesLoaded() && hotspotsMap.queryRenderedFeatures({layers: ['cells-fill']}).length > 0`)
		// The profile is a bottom sheet across the screen, its table one
		// period at a time, with nothing wider than the screen.
		var sheet struct{ Left, Right, Bottom, Top, ScrollW, ClientW float64 }
		b.eval(`(() => { const r = document.querySelector('#detail').getBoundingClientRect(); const w = document.querySelector('.profile-wrap');
			return {left: r.left, right: r.right, bottom: r.bottom, top: r.top, scrollW: w.scrollWidth, clientW: w.clientWidth}; })()`, &sheet)
		if sheet.Left != 0 || sheet.Right != 390 || math.Abs(sheet.Bottom-844) > 1 || sheet.Top < 100 {
			t.Errorf("profile sheet at %+v; want the bottom of a 390x844 screen", sheet)
		}
		if sheet.ScrollW > sheet.ClientW+1 {
			t.Errorf("profile table %v wide in %v: it overflows the phone", sheet.ScrollW, sheet.ClientW)
		}
		if !b.visible(`table.profile tr.total td.p2`) || b.visible(`table.profile tr.total td.p0`) {
			t.Errorf("phone table should show the last 12 months only")
		}
		b.do(chromedp.Click(chromedp.CSS(`.period-switch input[value="1"] + span`)))
		b.poll(`getComputedStyle(document.querySelector('table.profile tr.total td.p1')).display !== 'none'`)
		if b.visible(`table.profile tr.total td.p2`) {
			t.Errorf("after choosing 6 months the 12-month columns still show")
		}
		b.screenshot(filepath.Join(shots, "hotspots-390x844-profile.png"))

		// Close it; the filters and ranking sheet opens and closes.
		b.do(chromedp.Click(chromedp.ID(`detail-close`)))
		b.poll(`document.querySelector('#detail').hidden`)
		if b.visible(`#ranking-table`) {
			t.Errorf("ranking shows while the sheet is folded")
		}
		b.do(chromedp.Click(chromedp.ID(`sheet-toggle`)))
		b.poll(`document.querySelector('#sheet-toggle').getAttribute('aria-expanded') === 'true'`)
		if !b.visible(`#ranking-table`) || !b.visible(`#from`) {
			t.Errorf("the open sheet should show the filters and ranking")
		}
		b.do(chromedp.Click(chromedp.ID(`sheet-toggle`)))
		b.poll(`document.querySelector('#sheet-toggle').getAttribute('aria-expanded') === 'false'`)
		b.screenshot(filepath.Join(shots, "hotspots-390x844.png"))
	})

	if v := b.cspViolations(); len(v) > 0 {
		t.Errorf("Content-Security-Policy violations: %v", v)
	}
	if e := b.errors(); len(e) > 0 {
		t.Errorf("page errors: %v", e)
	}
}

// pageServer returns the address to load the page from: the server itself
// once it serves the page at "/", or else a front that serves web.Assets()
// there and passes everything else on to the server.
func pageServer(t *testing.T, api string) string {
	t.Helper()
	resp, err := http.Get(api + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		return api
	}
	t.Logf("the server does not serve the page at / yet (%s): testing web.Assets() in front of it", resp.Status)
	target, _ := url.Parse(api)
	proxy := httputil.NewSingleHostReverseProxy(target)
	assets := web.Assets()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" || r.URL.Path == "/index.html" || strings.HasPrefix(r.URL.Path, "/static/") {
			assets.ServeHTTP(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL
}

// maplibreVersion is the MapLibre GL JS version web/ui/package.json pins,
// which names the folder vendor.sh copies it to.
func maplibreVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "web", "ui", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil || pkg.Dependencies["maplibre-gl"] == "" {
		t.Fatalf("web/ui/package.json: %v %+v", err, pkg)
	}
	return pkg.Dependencies["maplibre-gl"]
}

// checkAssets checks what Assets serves: types, caching, gzip, errors.
func checkAssets(t *testing.T, base string) {
	vendor := "/static/vendor/maplibre-gl-" + maplibreVersion(t)
	get := func(path string, hdr map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // no automatic gzip
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	for _, tc := range []struct {
		path, ctype, cache string
	}{
		{"/", "text/html; charset=utf-8", "no-cache"},
		{"/static/app.js", "text/javascript; charset=utf-8", "no-cache"},
		{"/static/style.css", "text/css; charset=utf-8", "no-cache"},
		{vendor + "/maplibre-gl.mjs", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{vendor + "/maplibre-gl-worker.mjs", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{vendor + "/maplibre-gl.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
	} {
		resp, body := get(tc.path, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || resp.Header.Get("Cache-Control") != tc.cache || len(body) == 0 {
			t.Errorf("%s: %s, %q, %q, %d bytes; want 200, %q, %q", tc.path, resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"), len(body), tc.ctype, tc.cache)
			continue
		}
		etag := resp.Header.Get("ETag")
		if r2, _ := get(tc.path, map[string]string{"If-None-Match": etag}); etag == "" || r2.StatusCode != http.StatusNotModified {
			t.Errorf("%s: ETag %q, revalidation %s; want 304", tc.path, etag, r2.Status)
		}
	}
	resp, body := get("/", nil)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(string(body), vendor+"/") {
		t.Errorf("page: CSP %q, body names the vendored MapLibre %s: %v", csp, vendor, strings.Contains(string(body), vendor+"/"))
	}
	if strings.Contains(string(body), "://unpkg") || strings.Contains(string(body), "cdn.") {
		t.Errorf("the page loads something from a CDN")
	}
	resp, gz := get(vendor+"/maplibre-gl.mjs", map[string]string{"Accept-Encoding": "gzip"})
	_, plain := get(vendor+"/maplibre-gl.mjs", nil)
	if resp.Header.Get("Content-Encoding") != "gzip" || len(gz) >= len(plain)/2 {
		t.Errorf("MapLibre gzipped: encoding %q, %d of %d bytes", resp.Header.Get("Content-Encoding"), len(gz), len(plain))
	}
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/static/nope.js", 404},
		{"GET", "/static/../assets.go", 404},
		{"POST", "/static/app.js", 405},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Error  string `json:"error"`
			Status int    `json:"status"`
		}
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tc.status || err != nil || e.Error == "" {
			t.Errorf("%s %s: %s %+v %v; want %d with a JSON error", tc.method, tc.path, resp.Status, e, err, tc.status)
		}
	}
}

func status(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

type rankingJSON struct {
	Areas []struct {
		Code, Name string
		Count      int64
	}
}

func (r rankingJSON) area(t *testing.T, name string) struct {
	Code, Name string
	Count      int64
} {
	t.Helper()
	for _, a := range r.Areas {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no %q in the ranking", name)
	return r.Areas[0]
}

func ranking(t *testing.T, api string, q url.Values) rankingJSON {
	t.Helper()
	var rk rankingJSON
	if code := getJSON(t, api+"/api/v1/layers/wards/ranking?"+q.Encode(), &rk); code != 200 || len(rk.Areas) != 27 {
		t.Fatalf("ranking %v: %d, %d areas", q, code, len(rk.Areas))
	}
	return rk
}

type profileJSON struct {
	Name string
	Rows []struct {
		Label, Kind string
		Cells       []struct {
			Current int64
		}
	}
}

func (p profileJSON) row(t *testing.T, label string) struct {
	Label, Kind string
	Cells       []struct{ Current int64 }
} {
	t.Helper()
	for _, r := range p.Rows {
		if r.Label == label {
			return r
		}
	}
	t.Fatalf("profile has no row %q", label)
	return p.Rows[0]
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", ".screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser is one headless Chromium tab, with what the page reported.
type browser struct {
	t      *testing.T
	ctx    context.Context
	errs   chan string
	cancel func()
}

func newBrowser(t *testing.T, w, h int) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	b := &browser{t: t, ctx: ctx, errs: make(chan string, 100), cancel: func() { cancelC(); cancelA() }}
	t.Cleanup(b.cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting Chromium: %v", err)
	}
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	console := chromedp.Events(ctx, runtime.ConsoleAPICalled)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			b.report(fmt.Sprintf("uncaught: %s (%s:%d)", msg, d.URL, d.LineNumber+1))
		}
	}()
	go func() {
		for ev, err := range console {
			if err != nil {
				return
			}
			if ev.Type != runtime.ConsoleAPICalledTypeError {
				continue
			}
			var parts []string
			for _, a := range ev.Args {
				if a.Description != "" {
					parts = append(parts, a.Description)
				} else {
					parts = append(parts, string(a.Value))
				}
			}
			b.report("console.error: " + strings.Join(parts, " "))
		}
	}()
	b.do(chromedp.EmulateViewport(int64(w), int64(h)))
	return b
}

func (b *browser) report(s string) {
	select {
	case b.errs <- s:
	default:
	}
}

func (b *browser) errors() []string {
	var out []string
	for {
		select {
		case e := <-b.errs:
			out = append(out, e)
		default:
			return out
		}
	}
}

func (b *browser) timeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 60*time.Second)
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v; page errors: %v", err, b.errors())
	}
}

// eval runs a JavaScript expression and decodes its JSON value into v.
func (b *browser) eval(expr string, v any) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v; page errors: %v", expr, err, b.errors())
	}
	if err := json.Unmarshal(raw, v); err != nil {
		b.t.Fatalf("evaluating %s: %v: %s", expr, err, raw)
	}
}

// poll waits until a JavaScript expression is truthy.
func (b *browser) poll(expr string) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(45*time.Second), chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		var state string
		b.eval(`JSON.stringify({messages: [...document.querySelectorAll('#messages .msg')].map(m => m.textContent), ranking: document.querySelector('#ranking-status').textContent, panel: document.querySelector('#detail-body') && document.querySelector('#detail-body').textContent.slice(0, 300)})`, &state)
		b.t.Fatalf("waiting for %s: %v\npage: %s\nerrors: %v", expr, err, state, b.errors())
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	b.eval(fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, sel), &s)
	return strings.TrimSpace(s)
}

func (b *browser) count(sel string) int {
	b.t.Helper()
	var n int
	b.eval(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel), &n)
	return n
}

// visible reports whether an element takes up room on the screen.
func (b *browser) visible(sel string) bool {
	b.t.Helper()
	var v bool
	b.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })()`, sel), &v)
	return v
}

// waitMap waits until the map has drawn hexagons and gone idle.
func (b *browser) waitMap() {
	b.t.Helper()
	b.poll(`window.hotspotsMap && hotspotsMap.getLayer('cells-fill') && hotspotsMap.queryRenderedFeatures({layers: ['cells-fill']}).length > 0 && hotspotsMap.getLayer('areas-fill') && hotspotsMap.queryRenderedFeatures({layers: ['areas-fill']}).length > 0 && hotspotsMap.areTilesLoaded() && hotspotsApp.idleCount > 0`)
	// area names are placed once the areas have loaded
	b.poll(`hotspotsMap.queryRenderedFeatures({layers: ['area-labels']}).length > 0 && hotspotsMap.loaded()`)
	b.do(chromedp.Sleep(300 * time.Millisecond)) // labels fade in
}

// areaCounts returns each drawn area's count by name. Tiles cut an area
// into pieces; every piece must carry the same figures.
func (b *browser) areaCounts() map[string]float64 {
	b.t.Helper()
	var feats []struct {
		Name  string  `json:"name"`
		Count float64 `json:"count"`
	}
	b.eval(`hotspotsMap.queryRenderedFeatures({layers: ['areas-fill']}).map(f => ({name: f.properties.name, count: f.properties.count}))`, &feats)
	out := map[string]float64{}
	for _, f := range feats {
		if c, ok := out[f.Name]; ok && c != f.Count {
			b.t.Errorf("%s: tile pieces disagree: %v and %v", f.Name, c, f.Count)
		}
		out[f.Name] = f.Count
	}
	return out
}

func (b *browser) cellPaint() string {
	b.t.Helper()
	var s string
	b.eval(`JSON.stringify(hotspotsMap.getPaintProperty('cells-fill', 'fill-color'))`, &s)
	return s
}

func (b *browser) cspViolations() []string {
	b.t.Helper()
	var v []string
	b.eval(`hotspotsApp.cspViolations || []`, &v)
	return v
}

// clickArea clicks the map inside the named area: at the point its label
// stands on (inside the area by construction), brought to the middle of
// the map so no panel covers it.
func (b *browser) clickArea(name string) {
	b.t.Helper()
	var pt struct{ X, Y float64 }
	b.eval(fmt.Sprintf(`new Promise(resolve => {
		const m = hotspotsMap;
		const f = m.querySourceFeatures('area-labels').find(f => f.properties.name === %q);
		if (!f) { resolve({x: -1, y: -1}); return; }
		m.jumpTo({center: f.geometry.coordinates});
		m.once('idle', () => {
			const p = m.project(f.geometry.coordinates), r = m.getContainer().getBoundingClientRect();
			resolve({x: r.left + p.x, y: r.top + p.y});
		});
	})`, name), &pt)
	if pt.X < 0 {
		b.t.Fatalf("no label point for %s", name)
	}
	var hit string
	b.eval(fmt.Sprintf(`(document.elementFromPoint(%f, %f) || {}).tagName || ''`, pt.X, pt.Y), &hit)
	if hit != "CANVAS" {
		b.t.Fatalf("the middle of %s is covered by a %s", name, hit)
	}
	b.do(chromedp.MouseClickXY(pt.X, pt.Y))
}

func (b *browser) screenshot(path string) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", path)
}
