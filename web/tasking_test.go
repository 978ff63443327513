package web

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"html"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/internal/fixture"

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

// The sheet's zone maps name the streets and places in them, as the map
// does at street level: every label on a zone's map is a police.uk
// location ("On or near NAME") with a map point within 1.5 km of the
// zone's centre, read straight from the bundled CSV files; every map has
// labels, the first zone's at least three.
func TestZoneMapsNameStreets(t *testing.T) {
	_, ts := apiServer(t, Options{})
	const q = "?top=10&from=2025-11&to=2025-11"
	var tk struct {
		Zones []struct {
			ID     string     `json:"id"`
			Center [2]float64 `json:"center"`
		} `json:"zones"`
	}
	ogcJSON(t, ts.URL+"/api/v1/tasking"+q, "", 200, &tk)
	code, _, page := ogcGet(t, ts.URL+"/tasking"+q, "")
	if code != 200 || len(tk.Zones) == 0 {
		t.Fatalf("%d, %d zones", code, len(tk.Zones))
	}
	// every named map point of the raw files
	points := map[string][][2]float64{}
	files, _ := filepath.Glob(filepath.Join(fixture.Path(t, fixture.Cleveland), "*-street.csv.gz"))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(fh)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(zr).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs[1:] {
			lon, e1 := strconv.ParseFloat(r[4], 64)
			lat, e2 := strconv.ParseFloat(r[5], 64)
			if e1 == nil && e2 == nil {
				name := strings.TrimPrefix(r[6], "On or near ")
				points[name] = append(points[name], [2]float64{lon, lat})
			}
		}
	}
	label := regexp.MustCompile(`<text class="street"[^>]*>([^<]*)</text>`)
	for i, z := range tk.Zones {
		start := bytes.Index(page, []byte(`aria-label="Map of zone `+z.ID+`"`))
		if start < 0 {
			t.Fatalf("no map of zone %s", z.ID)
		}
		svg := page[start : start+bytes.Index(page[start:], []byte("</svg>"))]
		names := label.FindAllSubmatch(svg, -1)
		if len(names) == 0 || (i == 0 && len(names) < 3) {
			t.Errorf("zone %s: %d street names on its map", z.ID, len(names))
		}
		kx := math.Cos(z.Center[1] * math.Pi / 180)
		for _, m := range names {
			name := html.UnescapeString(string(m[1]))
			near := slices.ContainsFunc(points[name], func(p [2]float64) bool {
				return math.Hypot((p[0]-z.Center[0])*111320*kx, (p[1]-z.Center[1])*110574) < 1500
			})
			if !near {
				t.Errorf("zone %s: %q is on its map but no police.uk point of that name is within 1.5 km", z.ID, name)
			}
		}
	}
}
