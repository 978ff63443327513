package web

import (
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/data"
)

// TestSheetSmallCounts: on a viewer's tasking sheet every count of 1 or 2,
// of a crime type or at a location, prints "<3", never the "-1" the sheet
// used to print for hidden location counts (issue 9, item 11). The
// expected cells come from the analyst's exact figures in the JSON API.
func TestSheetSmallCounts(t *testing.T) {
	toks, _ := data.OpenTokens(t.TempDir(), nil)
	viewer, _ := toks.Create("v", data.RoleViewer)
	analyst, _ := toks.Create("a", data.RoleAnalyst)
	_, ts := apiServer(t, Options{Tokens: toks})
	const q = "?top=10&from=2025-11&to=2025-11&types=Burglary"
	var exact struct {
		Zones []struct {
			ByType    []struct{ Count int64 } `json:"by_type"`
			Locations []struct{ Count int64 } `json:"locations"`
		} `json:"zones"`
	}
	ogcJSON(t, ts.URL+"/api/v1/tasking"+q, analyst, 200, &exact)
	wantTypes, wantLocs := 0, 0
	for _, z := range exact.Zones {
		for _, x := range z.ByType {
			if x.Count == 1 || x.Count == 2 {
				wantTypes++
			}
		}
		for _, x := range z.Locations {
			if x.Count == 1 || x.Count == 2 {
				wantLocs++
			}
		}
	}
	if wantLocs == 0 || wantTypes == 0 {
		t.Fatalf("the test needs zones with locations and types of 1 or 2 crimes: %d locations, %d types", wantLocs, wantTypes)
	}
	code, _, b := ogcGet(t, ts.URL+"/tasking"+q, viewer)
	if code != 200 {
		t.Fatalf("%d %.300s", code, b)
	}
	page := string(b)
	if strings.Contains(page, `<td class="n">-1</td>`) || strings.Contains(page, ">-1<") {
		t.Error("the viewer's sheet prints -1")
	}
	hiddenCells := strings.Count(page, `<td class="n">&lt;3</td>`)
	withheldHarm := strings.Count(page, `<td class="n">withheld</td>`)
	if hiddenCells != wantTypes+wantLocs || withheldHarm != wantTypes {
		t.Errorf("the sheet hides %d counts and %d harms; the exact figures have %d types and %d locations of 1 or 2 crimes",
			hiddenCells, withheldHarm, wantTypes, wantLocs)
	}
	_, _, b = ogcGet(t, ts.URL+"/tasking"+q, analyst)
	if n := strings.Count(string(b), "&lt;3"); n != 0 {
		t.Errorf("the analyst's sheet hides %d counts", n)
	}
	t.Logf("%d type counts and %d location counts of 1 or 2 hidden from the viewer", wantTypes, wantLocs)
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
