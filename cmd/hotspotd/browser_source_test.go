package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// TestBrowserSourceAndTimes drives the map's data and time-of-day controls
// on a store holding police.uk and a force export side by side: anti-social
// behaviour is not counted as crime by default, the force export is chosen
// from the "Data" list, its night-time economy from "Time of day", and the
// ranking the page shows is then the API's for source=cleveland-rms and
// times=nte, ward by ward (and not police.uk's).
func TestBrowserSourceAndTimes(t *testing.T) {
	if testing.Short() {
		t.Skip("short: a browser test")
	}
	needTool(t, chromiumPath, "chromium")
	dir := t.TempDir()
	for _, args := range [][]string{
		{"import", "--data-dir", dir, fixture.Path(t, fixture.Cleveland)},
		{"import", "--data-dir", dir, "--source", "cleveland-rms", forceFile("stockton_force_export_2023-12_2025-11.csv.gz")},
		{"areas", "import", "--data-dir", dir, "--layer", "wards", fixture.Path(t, fixture.StocktonWards)},
	} {
		if _, stderr, err := run(t, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
	}
	api := serve(t, dir)
	b := newBrowser(t, 1366, 768)
	b.do(chromedp.Navigate(pageServer(t, api) + "/"))
	b.waitMap()

	// police.uk first: two sources to choose from, no times to filter by,
	// and ASB left out of the crime types chosen.
	if !b.visible("#source") || b.visible("#times") {
		t.Errorf("police.uk: want the Data list and no time-of-day control")
	}
	var asb bool
	b.eval(`document.querySelector('#types-list input[value="Anti-social behaviour"]').checked`, &asb)
	if asb {
		t.Errorf("anti-social behaviour is ticked as crime by default")
	}
	if h := b.text("#ranking-measure-head"); h != "Crimes" {
		t.Errorf("ranking heading %q, want Crimes", h)
	}
	b.poll(`hotspotsApp.ranking && hotspotsApp.ranking.areas.length === 27`)
	want := func(q url.Values) string {
		rk := ranking(t, api, q)
		parts := make([]string, len(rk.Areas))
		for i, a := range rk.Areas {
			parts[i] = fmt.Sprintf("%s:%d", a.Code, a.Count)
		}
		return strings.Join(parts, ",")
	}
	var st struct{ From, To string }
	b.eval(`({from: hotspotsApp.from, to: hotspotsApp.to})`, &st)
	shown := `hotspotsApp.ranking && hotspotsApp.ranking.areas.map(a => a.code + ':' + a.count).join(',')`
	police := want(url.Values{"from": {st.From}, "to": {st.To}})
	b.poll(shown + ` === ` + fmt.Sprintf("%q", police))

	// ASB on its own: the heading says what is counted.
	b.eval(`(() => { for (const cb of document.querySelectorAll('#types-list input')) cb.checked = cb.value === 'Anti-social behaviour';
		document.querySelector('#types-list').dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, new(bool))
	b.poll(`document.querySelector('#ranking-measure-head').textContent === 'ASB incidents'`)
	asbOnly := want(url.Values{"from": {st.From}, "to": {st.To}, "types": {"Anti-social behaviour"}})
	b.poll(shown + ` === ` + fmt.Sprintf("%q", asbOnly))
	b.eval(`document.querySelector('#types-box').open = true`, new(bool))
	b.do(chromedp.Click(chromedp.ID("types-all")))
	b.poll(shown + ` === ` + fmt.Sprintf("%q", police))

	// The force export and its Friday and Saturday nights.
	b.eval(`(() => { const s = document.querySelector('#source'); s.value = 'cleveland-rms'; s.dispatchEvent(new Event('change')); return true; })()`, new(bool))
	b.poll(`!document.querySelector('#times-field').hidden`)
	b.eval(`(() => { const s = document.querySelector('#times'); s.value = 'nte'; s.dispatchEvent(new Event('change')); return true; })()`, new(bool))
	b.eval(`({from: hotspotsApp.from, to: hotspotsApp.to})`, &st)
	force := want(url.Values{"from": {st.From}, "to": {st.To}, "source": {"cleveland-rms"}, "times": {"nte"}})
	if force == police {
		t.Fatal("the force export's night-time ranking equals police.uk's: the test cannot tell them apart")
	}
	b.poll(shown + ` === ` + fmt.Sprintf("%q", force))
	var hash string
	b.eval(`location.hash`, &hash)
	if !strings.Contains(hash, "source=cleveland-rms") || !strings.Contains(hash, "times=nte") {
		t.Errorf("the address %q does not keep the source and times", hash)
	}

	// A ward's profile shows its hour by weekday grid, as the API counts it.
	var tp struct {
		Grid [7][24]float64
		Peak struct{ Text string }
	}
	getJSON(t, api+"/api/v1/times?"+url.Values{"layer": {"wards"}, "area": {"E05014882"}, "from": {st.From}, "to": {st.To}, "source": {"cleveland-rms"}, "times": {"nte"}}.Encode(), &tp)
	var wantSum float64
	for _, row := range tp.Grid {
		for _, v := range row {
			wantSum += v
		}
	}
	b.clickArea("Stockton Town Centre")
	b.poll(`document.querySelectorAll('table.heat tbody td').length === 168`)
	var shownSum float64
	b.eval(`[...document.querySelectorAll('table.heat tbody td .visually-hidden')].reduce((s, x) => s + Number(x.textContent.replace(/,/g, '')), 0)`, &shownSum)
	if wantSum == 0 || shownSum != wantSum {
		t.Errorf("the heat table holds %v crimes, the API's grid %v", shownSum, wantSum)
	}
	if body := b.text("#detail-body"); !strings.Contains(body, "Peak: "+tp.Peak.Text) {
		t.Errorf("the profile does not state the API's peak %q", tp.Peak.Text)
	}
	b.screenshot(filepath.Join(screenshotDir(t), "hotspots-1366x768-force-nte.png"))
	b.axe("the map with a force export's night-time economy and a profile open")
	if e := b.errors(); len(e) > 0 {
		t.Errorf("page errors: %v", e)
	}
}
