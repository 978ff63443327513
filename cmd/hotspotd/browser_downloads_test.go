package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserDownloads uses the map's download menu as an analyst would,
// with filters chosen on screen (a shared link's months, crime types,
// measure and an open area), and checks each file saved against the API's
// answer to the same question asked directly: the same bytes (CSV), the same
// features and members but the time made (GeoJSON), the same workbook parts
// (XLSX). It also checks the menu with axe-core, the caution on a small
// base, and that a server that cannot be reached gives one message and
// marks the map as not up to date.
func TestBrowserDownloads(t *testing.T) {
	if testing.Short() {
		t.Skip("short: a browser test")
	}
	needTool(t, chromiumPath, "chromium")
	api, stop := serveStoppable(t, t.TempDir())
	b := newBrowser(t, 1366, 768)

	// A shared link with a layer and a crime type that are not loaded says so.
	b.do(chromedp.Navigate(api + "/#layer=beats&types=Burglary,Bicycle%20thefts&from=2025-13"))
	b.poll(`document.querySelector('#messages [data-key="link-types"]') && document.querySelector('#messages [data-key="link-layer"]') && document.querySelector('#messages [data-key="link-months"]')`)
	if m := b.text(`#messages [data-key="link-layer"]`); !strings.Contains(m, `"beats"`) || !strings.Contains(m, "not loaded") {
		t.Errorf("message for a layer not loaded: %q", m)
	}
	if m := b.text(`#messages [data-key="link-types"]`); !strings.Contains(m, "Bicycle thefts") || !strings.Contains(m, "Burglary") {
		t.Errorf("message for a crime type not in the data: %q", m)
	}
	if m := b.text(`#messages [data-key="link-months"]`); !strings.Contains(m, "from 2025-13") {
		t.Errorf("message for a month that is not one: %q", m)
	}

	b.do(chromedp.Navigate("about:blank")) // a new page, not a change of hash
	b.do(chromedp.Navigate(api + "/#layer=wards&measure=harm&from=2025-06&to=2025-11&types=Burglary,Robbery&area=E05014882&tab=area"))
	b.waitMap()
	b.eval(`(hotspotsApp.recordDownloads = true, 1)`, new(int))

	filters := "layer=wards&from=2025-06&to=2025-11&types=Burglary%2CRobbery"
	tests := []struct {
		export, format, want string
	}{
		{"ranking", "csv", "/api/v1/export/ranking.csv?" + filters + "&measure=harm"},
		{"ranking", "geojson", "/api/v1/export/ranking.geojson?" + filters + "&measure=harm"},
		{"ranking", "xlsx", "/api/v1/export/ranking.xlsx?" + filters + "&measure=harm"},
		{"hotspots", "csv", "/api/v1/export/hotspots.csv?" + filters + "&measure=harm"},
		{"hotspots", "geojson", "/api/v1/export/hotspots.geojson?" + filters + "&measure=harm"},
		{"zones", "csv", "/api/v1/export/zones.csv?" + filters + "&measure=harm"},
		{"zones", "geojson", "/api/v1/export/zones.geojson?" + filters + "&measure=harm"},
		{"incidents", "csv", "/api/v1/export/incidents.csv?" + filters},
		{"area-table", "csv", "/api/v1/export/area-tables.csv?layer=wards&month=2025-11&areas=E05014882"},
		{"area-table", "xlsx", "/api/v1/export/area-tables.xlsx?layer=wards&month=2025-11&areas=E05014882"},
		{"area-tables", "csv", "/api/v1/export/area-tables.csv?layer=wards&month=2025-11"},
		{"area-tables", "xlsx", "/api/v1/export/area-tables.xlsx?layer=wards&month=2025-11"},
	}
	opened := false
	for _, tt := range tests {
		t.Run(tt.export+"."+tt.format, func(t *testing.T) {
			b.t = t
			b.do(chromedp.Click(chromedp.CSS(`#downloads > summary`)))
			b.poll(`document.querySelector('#downloads').open`)
			if !opened {
				opened = true
				b.axe("the download menu")
			}
			b.eval(`(hotspotsApp.lastDownload = null, 1)`, new(int))
			b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#download-list a[data-export=%q][data-format=%q]`, tt.export, tt.format))))
			b.poll(`hotspotsApp.lastDownload`)
			var got struct {
				Href, Name, Type, Base64 string
			}
			b.eval(`hotspotsApp.lastDownload`, &got)
			page, err := base64.StdEncoding.DecodeString(got.Base64)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get(api + tt.want)
			if err != nil {
				t.Fatal(err)
			}
			direct, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(direct) < 100 {
				t.Fatalf("the API: %d %.300s", resp.StatusCode, direct)
			}
			if !strings.HasSuffix(got.Name, "."+tt.format) || got.Type != resp.Header.Get("Content-Type") {
				t.Errorf("saved as %q (%s); the API sends %s", got.Name, got.Type, resp.Header.Get("Content-Type"))
			}
			switch tt.format {
			case "xlsx":
				a, b := xlsxParts(t, page), xlsxParts(t, direct)
				delete(a, "docProps/core.xml") // the time it was made
				delete(b, "docProps/core.xml")
				if !maps.EqualFunc(a, b, bytes.Equal) {
					t.Errorf("the workbook saved from the menu (%s) differs from the API's answer to %s", got.Href, tt.want)
				}
			default:
				if !bytes.Equal(generatedRE.ReplaceAll(page, nil), generatedRE.ReplaceAll(direct, nil)) {
					t.Errorf("the file saved from the menu (%s, %d bytes) differs from the API's answer to %s (%d bytes)", got.Href, len(page), tt.want, len(direct))
				}
			}
		})
	}
	b.t = t

	// A viewer is not offered incident records (the server refuses them
	// anyway); in single-user mode everyone is an admin, so the entry shows.
	if b.count(`#download-list li[data-export="incidents"]:not([hidden])`) != 1 {
		t.Error("incident records are not offered to an admin")
	}

	// The area's table: every percentage of a base under 10 carries its
	// caution, and no other; which ones, from the API's own table.
	var pr struct {
		Rows []struct {
			Cells []struct {
				VsPrevious *struct {
					Previous float64  `json:"previous"`
					Pct      *float64 `json:"pct"`
					New      bool     `json:"new"`
				} `json:"vs_previous"`
			} `json:"cells"`
		} `json:"rows"`
	}
	getJSON(t, api+"/api/v1/layers/wards/areas/E05014882/profile?month=2025-11", &pr)
	want := 0
	for _, r := range pr.Rows {
		for _, c := range r.Cells {
			if ch := c.VsPrevious; ch != nil && !ch.New && ch.Pct != nil && ch.Previous > 0 && ch.Previous < 10 {
				want++
			}
		}
	}
	b.poll(`document.querySelector('#detail-body .profile-wrap tbody tr')`)
	var marked, daggers int
	b.eval(`document.querySelectorAll('#detail-body td.small-base').length`, &marked)
	b.eval(`[...document.querySelectorAll('#detail-body td')].filter(td => td.textContent.includes('†')).length`, &daggers)
	if want == 0 || marked != want || daggers != want {
		t.Errorf("%d percentages in the area table marked as on a base under 10 (%d with the dagger); the API's table has %d", marked, daggers, want)
	}
	if !strings.Contains(b.text(`#detail-body .small-base-note`), "Fewer than 10") {
		t.Error("the area table does not say what the dagger means")
	}

	// The server goes away: one message, the map marked as not up to date.
	stop()
	b.eval(`(hotspotsApp.to = hotspotsApp.months[hotspotsApp.months.length - 2], document.getElementById('to').dispatchEvent(new Event('change')), 1)`, new(int))
	b.poll(`document.body.classList.contains('stale') && !document.getElementById('stale-badge').hidden`)
	b.do(chromedp.Sleep(1500 * time.Millisecond))
	var msgs []string
	b.eval(`[...document.querySelectorAll('#messages .msg')].map(m => m.dataset.key)`, &msgs)
	if len(msgs) != 1 || msgs[0] != "offline" {
		t.Errorf("messages with the server gone: %v; want the one connection message", msgs)
	}
	if m := b.text(`#messages [data-key="offline"]`); !strings.Contains(m, "cannot be reached") || !strings.Contains(m, "not up to date") {
		t.Errorf("connection message %q", m)
	}
	b.screenshot(screenshotDir(t) + "/hotspots-1366x768-stale.png")
	b.axe("the map, not up to date")
}

// generatedRE is the member saying when a GeoJSON file was made.
var generatedRE = regexp.MustCompile(`,"generated":"[^"]*"`)
