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
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/internal/fixture"
	"github.com/stockton-csp/hotspots/internal/pmtilesfixture"
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
	needTool(t, chromiumPath, "chromium")
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
		// The hexagon is named by its busiest street, as the API names it.
		var cp struct{ Street string }
		getJSON(t, api+"/api/v1/cells/"+hex+"/profile?month="+st.To, &cp)
		wantTitle := hex
		if cp.Street != "" {
			wantTitle = "around " + cp.Street
		}
		b.do(chromedp.Click(chromedp.ID(`tab-cell`)))
		b.poll(fmt.Sprintf(`document.querySelector('#detail-title').textContent === %q && (document.querySelector('table.profile') || document.querySelector('#detail-body .panel-status.error'))`, wantTitle))
		if sub := b.text(`#detail-sub`); !strings.Contains(sub, hex) {
			t.Errorf("the hexagon's subtitle %q does not give its H3 id %s", sub, hex)
		}
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
		b.axe("the map with a profile open")
	})

	t.Run("contrast", func(t *testing.T) { checkMapContrast(t, b) })

	t.Run("save the plan as an operation", func(t *testing.T) {
		var f struct {
			From, To, Layer string
			Types           []string
		}
		b.eval(`({from: hotspotsApp.from, to: hotspotsApp.to, layer: hotspotsApp.layer, types: hotspotsApp.types ? [...hotspotsApp.types] : []})`, &f)
		var opened bool
		b.eval(`(() => { document.querySelector('#save-plan').click(); return document.querySelector('#plan-dialog').open; })()`, &opened)
		if !opened {
			t.Fatal("the Save as operation button opened no dialog")
		}
		if start := b.text("#plan-what"); !strings.Contains(start, f.From+" to "+f.To) {
			t.Errorf("the dialog says %q; the filters are %s to %s", start, f.From, f.To)
		}
		b.axe("the save-operation dialog")
		var ok bool
		b.eval(`(() => { const v = (id, x) => { document.getElementById(id).value = x; };
			v('plan-name', 'Op Browser Test'); v('plan-end', '2026-03'); v('plan-notes', 'Saved from the map');
			document.querySelector('#plan-form').requestSubmit(); return true; })()`, &ok)
		b.poll(`new URL(document.querySelector('#tasking').href).searchParams.get('operation') === 'op-browser-test'`)
		if msg := b.text("#messages"); !strings.Contains(msg, `Saved as "Op Browser Test" (op-browser-test)`) {
			t.Errorf("message after saving: %q", msg)
		}
		b.eval(`(() => { document.querySelector('#messages .msg button').click(); return true; })()`, &ok)
		// Stored as the map asked: its filters, the start month after them, the end and notes given.
		var op struct {
			Name, Start, End, Notes, Layer string
			Types                          []string `json:"crime_types"`
			Zones                          []struct{ ID string }
		}
		if code := getJSON(t, api+"/api/v1/operations/op-browser-test", &op); code != http.StatusOK {
			t.Fatalf("the operation was not stored: %d", code)
		}
		m, err := data.ParseMonth(f.To)
		if err != nil {
			t.Fatal(err)
		}
		if op.Name != "Op Browser Test" || op.Start != (m+1).String() || op.End != "2026-03" || op.Notes != "Saved from the map" ||
			op.Layer != f.Layer || len(op.Zones) != 10 || len(f.Types) > 0 && len(op.Types) != len(f.Types) || slices.Contains(op.Types, "Anti-social behaviour") {
			t.Errorf("stored %+v; the map's filters %+v", op, f)
		}
		// The tasking sheet the map now links to carries its name.
		var href string
		b.eval(`document.querySelector('#tasking').href`, &href)
		u, err := url.Parse(href)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(api + u.RequestURI())
		if err != nil {
			t.Fatal(err)
		}
		sheet, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(sheet), "<b>Operation:</b> Op Browser Test, from "+op.Start+" to 2026-03") {
			t.Errorf("the sheet at %s does not name the operation (%d)", u.RequestURI(), resp.StatusCode)
		}
	})

	t.Run("search and streets", func(t *testing.T) {
		// A street: the first result is the API's first, the map flies to
		// street zoom, police.uk's names are drawn as labels (no basemap),
		// and the hexagon there opens, named by its street.
		var sr struct {
			Results []struct{ Kind, Label, Cell, Code string }
		}
		getJSON(t, api+"/api/v1/search?q=Regent+Street&layer=wards&limit=8", &sr)
		if len(sr.Results) == 0 || sr.Results[0].Label != "Regent Street" {
			t.Fatalf("search API: %+v", sr.Results)
		}
		b.search("Regent Street", "Regent Street")
		b.poll(`hotspotsMap.getZoom() > 15.9 && !hotspotsMap.isMoving() && hotspotsMap.areTilesLoaded() && !document.querySelector('#detail').hidden && document.querySelector('#detail-title').textContent.startsWith('around ')`)
		b.poll(`hotspotsMap.queryRenderedFeatures({layers: ['street-labels']}).some(f => f.properties.name === 'Regent Street')`)
		var labels []string
		b.eval(`[...new Set(hotspotsMap.queryRenderedFeatures({layers: ['street-labels']}).map(f => f.properties.name))]`, &labels)
		if len(labels) < 5 {
			t.Errorf("street zoom draws %d street names (%v); want the streets around", len(labels), labels)
		}
		var selRes string
		b.eval(`hotspotsApp.sel.cell.id.slice(0, 2)`, &selRes)
		if selRes != "8c" {
			t.Errorf("at zoom 16 the hexagon opened is %q..., want one of resolution 12 (8c...), as drawn", selRes)
		}
		if h := b.text(`#detail-title`); h != "around Regent Street" {
			t.Errorf("the hexagon at Regent Street is titled %q", h)
		}
		b.do(chromedp.Sleep(400 * time.Millisecond))
		b.screenshot(filepath.Join(shots, "hotspots-1366x768-street.png"))

		// A ward, by part of its name.
		b.search("Mandale", "Mandale & Victoria")
		b.poll(`!document.querySelector('#detail').hidden && document.querySelector('#detail-title').textContent === 'Mandale & Victoria' && document.querySelector('table.profile tr.total')`)

		// An H3 cell id: the hexagon's profile, named as the API names it.
		var cs struct {
			Results []struct{ Cell, Detail string }
		}
		const cell = "89194655b9bffff"
		getJSON(t, api+"/api/v1/search?q="+cell, &cs)
		if len(cs.Results) != 1 || cs.Results[0].Cell != cell {
			t.Fatalf("search API for a cell: %+v", cs.Results)
		}
		var cp struct{ Street string }
		getJSON(t, api+"/api/v1/cells/"+cell+"/profile?month="+st.To, &cp)
		b.search(cell, cell)
		want := cell
		if cp.Street != "" {
			want = "around " + cp.Street
		}
		b.poll(fmt.Sprintf(`hotspotsApp.sel && hotspotsApp.sel.cell && hotspotsApp.sel.cell.id === %q && document.querySelector('#detail-title').textContent === %q && document.querySelector('table.profile tr.total')`, cell, want))
		b.do(chromedp.Click(chromedp.ID(`detail-close`)))
		b.poll(`document.querySelector('#detail').hidden`)
		b.axe("the map")
		// leave Stockton Town Centre's profile open for the phone
		b.search("Stockton Town Centre", "Stockton Town Centre")
		b.poll(`!document.querySelector('#detail').hidden && document.querySelector('#detail-title').textContent === 'Stockton Town Centre' && document.querySelector('table.profile tr.total')`)
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
		b.axe("the phone layout")
		checkTapTargets(t, b)

		// On a phone, a ward found by search opens in the bottom sheet and
		// stays in view above it.
		b.search("Ingleby Barwick North", "Ingleby Barwick North")
		b.poll(`!document.querySelector('#detail').hidden && document.querySelector('#detail-title').textContent === 'Ingleby Barwick North' && !hotspotsMap.isMoving()`)
		// The labels' tiles at the new zoom load after the move ends: wait
		// for the ward's label to be there before measuring where it is.
		b.poll(`hotspotsMap.areTilesLoaded() && hotspotsMap.querySourceFeatures('area-labels').some(f => f.properties.name === 'Ingleby Barwick North')`)
		var above struct{ Y, Top float64 }
		b.eval(`(() => { const f = hotspotsMap.querySourceFeatures('area-labels').find(f => f.properties.name === 'Ingleby Barwick North');
			const lab = hotspotsApp.sel && f ? hotspotsMap.project(f.geometry.coordinates).y : -1;
			return {y: lab, top: document.querySelector('#detail').getBoundingClientRect().top - hotspotsMap.getContainer().getBoundingClientRect().top}; })()`, &above)
		if above.Y < 0 || above.Y >= above.Top {
			t.Errorf("the ward found on a phone is at y=%v, under the sheet that starts at y=%v", above.Y, above.Top)
		}
		b.screenshot(filepath.Join(shots, "hotspots-390x844-search.png"))
	})

	t.Run("tasking sheet", func(t *testing.T) {
		tb := newBrowser(t, 1366, 768)
		tb.do(chromedp.Navigate(base + "/tasking?layer=wards"))
		tb.poll(`document.readyState === 'complete'`)
		tb.axe("the tasking sheet")
		tb.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		tb.axe("the tasking sheet on a phone")
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

// search types text into the search box, waits for the result labelled
// label to be listed, and chooses it with the keyboard.
func (b *browser) search(text, label string) {
	b.t.Helper()
	var cleared bool
	b.eval(`(() => { const i = document.querySelector('#search-input'); i.value = ''; i.focus(); return true; })()`, &cleared)
	b.do(chromedp.SendKeys(chromedp.CSS(`#search-input`), text))
	b.poll(fmt.Sprintf(`[...document.querySelectorAll('#search-results .search-opt .search-label')].some(e => e.textContent === %q) && !document.querySelector('#search-results').hidden`, label))
	var i int
	b.eval(fmt.Sprintf(`[...document.querySelectorAll('#search-results .search-opt .search-label')].findIndex(e => e.textContent === %q)`, label), &i)
	for range i {
		b.do(chromedp.SendKeys(chromedp.CSS(`#search-input`), kb.ArrowDown))
	}
	b.do(chromedp.SendKeys(chromedp.CSS(`#search-input`), kb.Enter))
}

// axe runs axe-core (testdata/axe, never served) on the page as it is and
// fails on any WCAG 2.0-2.2 A or AA violation.
func (b *browser) axe(state string) {
	b.t.Helper()
	var loaded bool
	b.eval(`typeof window.axe === 'object'`, &loaded)
	if !loaded {
		src := fixture.Read(b.t, fixture.Axe)
		var ok bool
		b.eval(string(src)+"\n;typeof window.axe === 'object'", &ok)
		if !ok {
			b.t.Fatal("axe-core did not load")
		}
	}
	var res []struct {
		ID, Impact, Help string
		Nodes            []struct {
			Target  []any
			Summary string `json:"failureSummary"`
		}
	}
	b.eval(`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, resultTypes: ['violations']}).then(r => r.violations)`, &res)
	for _, v := range res {
		var where []string
		for i, n := range v.Nodes {
			if i == 3 {
				where = append(where, fmt.Sprintf("... %d in all", len(v.Nodes)))
				break
			}
			where = append(where, fmt.Sprintf("%v: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " ")))
		}
		b.t.Errorf("axe, %s: %s (%s, %s): %s", state, v.ID, v.Impact, v.Help, strings.Join(where, "; "))
	}
	b.t.Logf("axe, %s: %d violations", state, len(res))
}

// checkMapContrast reads the map's class colours from the page's own module
// and checks each against the map background: 3:1 or more (WCAG 2.2
// 1.4.11, non-text contrast), computed here after WCAG's formula.
func checkMapContrast(t *testing.T, b *browser) {
	var c struct {
		Background string
		Cells      []string
		Zero       string
		Hot        []struct{ Label, Colour string }
	}
	b.eval(`import('/static/map.js').then(m => ({background: m.MAP_BACKGROUND, cells: m.CELL_COLOURS, zero: m.ZERO_COLOUR, hot: m.HOT_BINS.map(h => ({label: h.label, colour: h.colour}))}))`, &c)
	if len(c.Cells) < 5 || len(c.Hot) != 6 {
		t.Fatalf("map colours: %+v", c)
	}
	check := func(what, colour string) {
		r, err := contrast(colour, c.Background)
		if err != nil {
			t.Fatal(err)
		}
		if r < 3 {
			t.Errorf("%s %s has contrast %.2f:1 against the map background %s; want 3:1 or more", what, colour, r, c.Background)
		}
	}
	for i, col := range c.Cells {
		check(fmt.Sprintf("cell class %d", i+1), col)
	}
	check("the zero class", c.Zero)
	for _, h := range c.Hot {
		check(h.Label, h.Colour)
	}
	// and the opacity they are drawn at is 1 (a translucent fill would be
	// lighter than its colour)
	var op any
	b.eval(`hotspotsMap.getPaintProperty('cells-fill', 'fill-opacity')`, &op)
	if s, _ := json.Marshal(op); !strings.Contains(string(s), "1") || strings.Contains(string(s), "0.8") {
		t.Errorf("cells drawn at opacity %s", s)
	}
}

// contrast is WCAG 2's contrast ratio of two #rrggbb colours.
func contrast(a, b string) (float64, error) {
	lum := func(h string) (float64, error) {
		var r, g, bl uint8
		if _, err := fmt.Sscanf(h, "#%02x%02x%02x", &r, &g, &bl); err != nil {
			return 0, fmt.Errorf("colour %q: %v", h, err)
		}
		ch := func(v uint8) float64 {
			c := float64(v) / 255
			if c <= 0.03928 {
				return c / 12.92
			}
			return math.Pow((c+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(bl), nil
	}
	la, err := lum(a)
	if err != nil {
		return 0, err
	}
	lb, err := lum(b)
	if err != nil {
		return 0, err
	}
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05), nil
}

// checkTapTargets wants every visible button, link and form control on the
// phone at least 44 by 44 CSS pixels (a checkbox or radio counts with its
// label).
func checkTapTargets(t *testing.T, b *browser) {
	var small []string
	b.eval(`[...document.querySelectorAll('button, a[href], select, input, summary, [role=option]')].filter(e => {
		const r = e.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || getComputedStyle(e).visibility === 'hidden') return false;
		if (e.closest('.visually-hidden') || e.classList.contains('skip')) return false;
		const box = (e.matches('input[type=checkbox], input[type=radio]') && e.closest('label')) ? e.closest('label').getBoundingClientRect() : r;
		return box.width < 44 - 0.5 || box.height < 44 - 0.5;
	}).map(e => (e.id ? '#' + e.id : e.tagName.toLowerCase() + '.' + e.className) + ' ' + Math.round(e.getBoundingClientRect().width) + 'x' + Math.round(e.getBoundingClientRect().height))`, &small)
	for _, s := range small {
		t.Errorf("tap target under 44x44 px on a phone: %s", s)
	}
}

// TestBrowserBasemap serves a PMTiles basemap built in the test (serve
// --basemap) and checks that the page asks for its tiles and draws its
// land and water under the data.
func TestBrowserBasemap(t *testing.T) {
	if testing.Short() {
		t.Skip("short: a browser test")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Chromium is needed under CI: %v (apt-get install chromium)", err)
		}
		t.Skipf("needs Chromium at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	pm := filepath.Join(t.TempDir(), "tees.pmtiles")
	if err := pmtilesfixture.Write(pm); err != nil {
		t.Fatal(err)
	}
	api := serve(t, t.TempDir(), "--basemap", pm)
	b := newBrowser(t, 1366, 768)
	// (a shared link with a month that is not loaded says so)
	b.do(chromedp.Navigate(api + "/#layer=wards&from=2019-01"))
	b.waitMap()
	b.poll(`document.querySelector('#messages [data-key="link-months"]')`)
	if m := b.text(`#messages [data-key="link-months"]`); !strings.Contains(m, "from 2019-01") || !strings.Contains(m, "not loaded") {
		t.Errorf("message for a month not loaded: %q", m)
	}
	b.poll(`hotspotsMap.getLayer('earth') && hotspotsMap.getLayer('water') && hotspotsMap.queryRenderedFeatures({layers: ['earth']}).length > 0`)
	var src []string
	b.eval(`hotspotsMap.getSource('protomaps').tiles`, &src)
	if len(src) != 1 || src[0] != api+"/basemap/{z}/{x}/{y}.mvt" {
		t.Errorf("the basemap's tiles come from %v, want this server's /basemap", src)
	}
	// the fixture's water over the Tees is drawn where it was put
	var water int
	b.eval(`(() => { hotspotsMap.jumpTo({center: [-1.305, 54.565], zoom: 14}); return 0; })()`, &water)
	b.poll(`!hotspotsMap.isMoving() && hotspotsMap.areTilesLoaded() && hotspotsMap.loaded()`)
	b.eval(`hotspotsMap.queryRenderedFeatures(hotspotsMap.project([-1.305, 54.565]), {layers: ['water']}).length`, &water)
	if water == 0 {
		t.Error("no basemap water drawn at the fixture's water")
	}
	b.screenshot(filepath.Join(screenshotDir(t), "hotspots-1366x768-basemap.png"))
	if e := b.errors(); len(e) > 0 {
		t.Errorf("page errors: %v", e)
	}
}
