package web

import (
	"html"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/disclosure"

	"github.com/stockton-csp/hotspots/data"
)

// TestSheetBands: a viewer's tasking sheet of a restricted source prints
// each zone's count in its band ("<5", "5-9"), lists no type or place of
// the lowest band, withholds harm, and never prints "<3" or -1; the
// analyst's prints exact figures.
func TestSheetBands(t *testing.T) {
	toks, _ := data.OpenTokens(t.TempDir(), nil)
	viewer, _ := toks.Create("v", data.RoleViewer)
	analyst, _ := toks.Create("a", data.RoleAnalyst)
	_, ts := apiServer(t, Options{Tokens: toks, Disclosure: disclosure.New(disclosure.Options{Public: []string{}})})
	const q = "?top=10&from=2025-11&to=2025-11&types=Burglary"
	var exact struct {
		Zones []struct {
			Count     int64                   `json:"count"`
			ByType    []struct{ Count int64 } `json:"by_type"`
			Locations []struct{ Count int64 } `json:"locations"`
		} `json:"zones"`
	}
	ogcJSON(t, ts.URL+"/api/v1/tasking"+q, analyst, 200, &exact)
	small := 0
	for _, z := range exact.Zones {
		for _, x := range z.Locations {
			if x.Count < 5 {
				small++
			}
		}
	}
	if small == 0 || len(exact.Zones) == 0 {
		t.Fatalf("the test needs zones with places of under 5 crimes: %d zones, %d places", len(exact.Zones), small)
	}
	code, _, b := ogcGet(t, ts.URL+"/tasking"+q, viewer)
	if code != 200 {
		t.Fatalf("%d %.300s", code, b)
	}
	page := string(b)
	for _, bad := range []string{"&lt;3", ">-1<"} {
		if strings.Contains(page, bad) {
			t.Errorf("the viewer's sheet prints %s", bad)
		}
	}
	for _, z := range exact.Zones {
		if want := `<td class="n">` + html.EscapeString(bandLabel(float64(z.Count))) + `</td>`; !strings.Contains(page, want) {
			t.Errorf("the viewer's sheet has no %s for a zone of %d", want, z.Count)
		}
	}
	var shown struct {
		Zones []struct {
			Locations []struct{ Count int64 } `json:"locations"`
		} `json:"zones"`
	}
	ogcJSON(t, ts.URL+"/api/v1/tasking"+q, viewer, 200, &shown)
	for _, z := range shown.Zones {
		for _, l := range z.Locations {
			if l.Count < 5 || l.Count%5 != 0 {
				t.Errorf("the viewer's tasking lists a place of %d", l.Count)
			}
		}
	}
	_, _, b = ogcGet(t, ts.URL+"/tasking"+q, analyst)
	if n := strings.Count(string(b), "&lt;5"); n != 0 {
		t.Errorf("the analyst's sheet bands %d counts", n)
	}
}

// TestTaskingWidthParameter: max_width sets how wide a zone may be; a width that is no patrol's
// beat or not a number is a 400 with a message.
func TestTaskingWidthParameter(t *testing.T) {
	_, ts := apiServer(t, Options{})
	var tk struct {
		Res       int     `json:"res"`
		MaxWidthM float64 `json:"max_width_m"`
		Zones     []struct {
			WidthM float64 `json:"width_m"`
		} `json:"zones"`
	}
	ogcJSON(t, ts.URL+"/api/v1/tasking?from=2025-11&to=2025-11&max_width=250", "", 200, &tk)
	if tk.Res != 10 || tk.MaxWidthM != 250 || len(tk.Zones) == 0 {
		t.Fatalf("resolution %d, width %g, %d zones", tk.Res, tk.MaxWidthM, len(tk.Zones))
	}
	for i, z := range tk.Zones {
		if z.WidthM > 250 || z.WidthM <= 0 {
			t.Errorf("zone %d is %g m across", i+1, z.WidthM)
		}
	}
	for _, bad := range []string{"max_width=wide", "max_width=5000", "res=9"} {
		var e struct{ Error string }
		ogcJSON(t, ts.URL+"/api/v1/tasking?"+bad, "", 400, &e)
		if e.Error == "" {
			t.Errorf("%s: no message", bad)
		}
	}
}
