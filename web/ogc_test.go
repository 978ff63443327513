package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// --- Parsers --------------------------------------------------------------

func TestOGCParseBBox(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want ogcBBox
		ok   bool
	}{
		{"four numbers", "-1.4,54.5,-1.2,54.6", ogcBBox{-1.4, 54.5, -1.2, 54.6}, true},
		{"spaces", " -1.4, 54.5 ,-1.2,54.6", ogcBBox{-1.4, 54.5, -1.2, 54.6}, true},
		{"six numbers with heights", "-1.4,54.5,0,-1.2,54.6,100", ogcBBox{-1.4, 54.5, -1.2, 54.6}, true},
		{"whole world", "-180,-90,180,90", ogcBBox{-180, -90, 180, 90}, true},
		{"a point", "1,2,1,2", ogcBBox{1, 2, 1, 2}, true},
		{"across the antimeridian", "170,-10,-170,10", ogcBBox{170, -10, -170, 10}, true},
		{"empty", "", ogcBBox{}, false},
		{"three numbers", "1,2,3", ogcBBox{}, false},
		{"five numbers", "1,2,3,4,5", ogcBBox{}, false},
		{"not a number", "a,2,3,4", ogcBBox{}, false},
		{"NaN", "NaN,2,3,4", ogcBBox{}, false},
		{"infinity", "1,2,Inf,4", ogcBBox{}, false},
		{"longitude out of range", "-181,54,-1,55", ogcBBox{}, false},
		{"latitude out of range", "-1,54,1,91", ogcBBox{}, false},
		{"south above north", "-1.4,54.6,-1.2,54.5", ogcBBox{}, false},
		{"British National Grid metres", "440000,515000,450000,525000", ogcBBox{}, false},
		{"empty element", "1,,3,4", ogcBBox{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ogcParseBBox(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ogcParseBBox(%q) error %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil {
				var we *Error
				if !errors.As(err, &we) || we.Status != http.StatusBadRequest || !strings.Contains(we.Message, "bbox") {
					t.Errorf("error %v: want a 400 naming bbox", err)
				}
				return
			}
			if got != tt.want {
				t.Errorf("ogcParseBBox(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestOGCParseDatetime(t *testing.T) {
	m := func(s string) data.Month {
		v, err := data.ParseMonth(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name string
		in   string
		want ogcInterval
		ok   bool
	}{
		{"month", "2025-11", ogcInterval{From: m("2025-11"), To: m("2025-11")}, true},
		{"date", "2025-11-05", ogcInterval{From: m("2025-11"), To: m("2025-11")}, true},
		{"date-time", "2025-11-05T10:00:00Z", ogcInterval{From: m("2025-11"), To: m("2025-11")}, true},
		{"date-time with offset", "2025-02-28T23:30:00+01:00", ogcInterval{From: m("2025-02"), To: m("2025-02")}, true},
		{"date-time with fraction", "2025-11-05T10:00:00.123Z", ogcInterval{From: m("2025-11"), To: m("2025-11")}, true},
		{"lower-case t and z", "2025-11-05t10:00:00z", ogcInterval{From: m("2025-11"), To: m("2025-11")}, true},
		{"interval of months", "2025-01/2025-11", ogcInterval{From: m("2025-01"), To: m("2025-11")}, true},
		{"interval of date-times", "2024-12-01T00:00:00Z/2025-11-30T23:59:59Z", ogcInterval{From: m("2024-12"), To: m("2025-11")}, true},
		{"open start", "../2025-11", ogcInterval{To: m("2025-11"), OpenFrom: true}, true},
		{"empty start", "/2025-11", ogcInterval{To: m("2025-11"), OpenFrom: true}, true},
		{"open end", "2025-01/..", ogcInterval{From: m("2025-01"), OpenTo: true}, true},
		{"both open", "../..", ogcInterval{OpenFrom: true, OpenTo: true}, true},
		{"same month twice", "2025-11/2025-11", ogcInterval{From: m("2025-11"), To: m("2025-11")}, true},
		{"empty", "", ogcInterval{}, false},
		{"open alone", "..", ogcInterval{}, false},
		{"backwards", "2025-11/2025-01", ogcInterval{}, false},
		{"month 13", "2025-13", ogcInterval{}, false},
		{"not a date", "last year", ogcInterval{}, false},
		{"three parts", "2025-01/2025-02/2025-03", ogcInterval{}, false},
		{"day 31 of November", "2025-11-31", ogcInterval{}, false},
		{"year out of range", "1800-01", ogcInterval{}, false},
		{"date-time without zone", "2025-11-05T10:00:00", ogcInterval{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ogcParseDatetime(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ogcParseDatetime(%q) error %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil {
				var we *Error
				if !errors.As(err, &we) || we.Status != http.StatusBadRequest || !strings.Contains(we.Message, "datetime") {
					t.Errorf("error %v: want a 400 naming datetime", err)
				}
				return
			}
			if got != tt.want {
				t.Errorf("ogcParseDatetime(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestOGCParseLimitOffset(t *testing.T) {
	tests := []struct {
		name  string
		parse func(string) (int, error)
		in    string
		want  int
		ok    bool
	}{
		{"limit default", ogcParseLimit, "", OGCDefaultLimit, true},
		{"limit 1", ogcParseLimit, "1", 1, true},
		{"limit max", ogcParseLimit, "10000", OGCMaxLimit, true},
		{"limit 0", ogcParseLimit, "0", 0, false},
		{"limit over max", ogcParseLimit, "10001", 0, false},
		{"limit negative", ogcParseLimit, "-5", 0, false},
		{"limit not a number", ogcParseLimit, "ten", 0, false},
		{"limit fraction", ogcParseLimit, "1.5", 0, false},
		{"offset default", ogcParseOffset, "", 0, true},
		{"offset", ogcParseOffset, "200", 200, true},
		{"offset negative", ogcParseOffset, "-1", 0, false},
		{"offset not a number", ogcParseOffset, "x", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.parse(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("parse(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func FuzzOGCBBox(f *testing.F) {
	for _, s := range []string{"-1.4,54.5,-1.2,54.6", "-1.4,54.5,0,-1.2,54.6,100", "170,-10,-170,10", "", "1,2,3",
		"NaN,1,2,3", "1e400,0,0,0", "-180,-90,180,90", "0x1p-2,0,1,1", "1,,3,4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ogcParseBBox(s)
		if err != nil {
			var we *Error
			if !errors.As(err, &we) || we.Status != http.StatusBadRequest {
				t.Fatalf("ogcParseBBox(%q): %v is not a 400", s, err)
			}
			return
		}
		for _, v := range []float64{b.MinX, b.MaxX} {
			if math.IsNaN(v) || v < -180 || v > 180 {
				t.Fatalf("ogcParseBBox(%q) = %v: longitude out of range", s, b)
			}
		}
		if math.IsNaN(b.MinY) || math.IsNaN(b.MaxY) || b.MinY < -90 || b.MaxY > 90 || b.MinY > b.MaxY {
			t.Fatalf("ogcParseBBox(%q) = %v: latitudes wrong", s, b)
		}
		// Every box holds its own corners.
		if !b.intersects(orb.Point{b.MinX, b.MinY}) || !b.intersects(orb.Point{b.MaxX, b.MaxY}) {
			t.Fatalf("box %v does not hold its corners", b)
		}
	})
}

func FuzzOGCDatetime(f *testing.F) {
	for _, s := range []string{"2025-11", "2025-11-05", "2025-11-05T10:00:00Z", "2025-01/2025-11", "../2025-11",
		"2025-01/..", "../..", "/", "..", "2025-11/2025-01", "2025-13", "2025-02-30", "9999-12-31T23:59:59Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iv, err := ogcParseDatetime(s)
		if err != nil {
			var we *Error
			if !errors.As(err, &we) || we.Status != http.StatusBadRequest {
				t.Fatalf("ogcParseDatetime(%q): %v is not a 400", s, err)
			}
			return
		}
		if !iv.OpenFrom && !iv.OpenTo && iv.From > iv.To {
			t.Fatalf("ogcParseDatetime(%q) = %+v runs backwards", s, iv)
		}
		for _, m := range []data.Month{iv.From, iv.To} {
			if m != 0 && (m.Year() < 1900 || m.Year() > 2200) {
				t.Fatalf("ogcParseDatetime(%q) = %+v: month %s out of range", s, iv, m)
			}
		}
		if (iv.From == 0) != iv.OpenFrom || (iv.To == 0) != iv.OpenTo {
			t.Fatalf("ogcParseDatetime(%q) = %+v: an end is neither a month nor open", s, iv)
		}
	})
}

func FuzzOGCLimit(f *testing.F) {
	for _, s := range []string{"", "1", "100", "10000", "10001", "0", "-1", "1e3", " 5 ", "+7", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ogcParseLimit(s)
		if err == nil && (n < 1 || n > OGCMaxLimit) {
			t.Fatalf("ogcParseLimit(%q) = %d, out of 1..%d", s, n, OGCMaxLimit)
		}
		o, err := ogcParseOffset(s)
		if err == nil && o < 0 {
			t.Fatalf("ogcParseOffset(%q) = %d", s, o)
		}
	})
}

func TestOGCBBoxIntersects(t *testing.T) {
	square := orb.Polygon{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}}
	tests := []struct {
		name string
		box  ogcBBox
		g    orb.Geometry
		want bool
	}{
		{"point inside", ogcBBox{-1, -1, 1, 1}, orb.Point{0, 0}, true},
		{"point on the edge", ogcBBox{-1, -1, 1, 1}, orb.Point{1, 0}, true},
		{"point outside", ogcBBox{-1, -1, 1, 1}, orb.Point{2, 0}, false},
		{"box inside the polygon", ogcBBox{4, 4, 5, 5}, square, true},
		{"polygon inside the box", ogcBBox{-1, -1, 11, 11}, square, true},
		{"edges crossing", ogcBBox{-1, 4, 11, 5}, square, true},
		{"apart", ogcBBox{20, 20, 30, 30}, square, false},
		{"in the hole", ogcBBox{4, 4, 5, 5}, orb.Polygon{square[0], {{3, 3}, {3, 6}, {6, 6}, {6, 3}, {3, 3}}}, false},
		{"bounds meet, shapes do not", ogcBBox{9, 9, 11, 11}, orb.Polygon{{{0, 0}, {10, 0}, {0, 10}, {0, 0}}}, false},
		{"across the antimeridian", ogcBBox{170, -10, -170, 10}, orb.Point{-175, 0}, true},
		{"across the antimeridian, outside", ogcBBox{170, -10, -170, 10}, orb.Point{0, 0}, false},
		{"multipolygon, second part", ogcBBox{21, 21, 22, 22}, orb.MultiPolygon{square, {{{20, 20}, {30, 20}, {30, 30}, {20, 20}}}}, true},
		{"no geometry", ogcBBox{-180, -90, 180, 90}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.box.intersects(tt.g); got != tt.want {
				t.Errorf("%v intersects %v = %v, want %v", tt.box, tt.g, got, tt.want)
			}
		})
	}
}

// --- The API over the real data ---------------------------------------------

// ogcReferenceCount is the independent tally of the Cleveland files for a month
// and crime type ("" for all types).
func ogcReferenceCount(tb testing.TB, month, typ string) int {
	tb.Helper()
	f, err := os.Open(fixture.Path(tb, fixture.Tally))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, r := range rows[1:] {
		// no type: crime, as an unfiltered query counts it (ASB left out)
		if strings.HasPrefix(r[0], month) && ((typ == "" && fixture.IsCrime(r[1])) || r[1] == typ) {
			c, err := strconv.Atoi(r[2])
			if err != nil {
				tb.Fatal(err)
			}
			n += c
		}
	}
	return n
}

func TestOGCLandingConformanceAPI(t *testing.T) {
	_, _, ts := ogcServer(t, nil)

	t.Run("landing page", func(t *testing.T) {
		for _, path := range []string{"/ogc", "/ogc/", "/ogc?f=json"} {
			code, ct, b := ogcGet(t, ts.URL+path, "")
			if code != 200 || !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("GET %s: %d %s", path, code, ct)
			}
			var lp struct {
				Title string    `json:"title"`
				Links []ogcLink `json:"links"`
			}
			if err := json.Unmarshal(b, &lp); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"self": "/ogc", "service-desc": "/ogc/api", "conformance": "/ogc/conformance", "data": "/ogc/collections"}
			for rel, p := range want {
				if got := ogcLinkHref(lp.Links, rel); got != ts.URL+p {
					t.Errorf("%s link %q, want %q", rel, got, ts.URL+p)
				}
			}
			if lp.Title == "" {
				t.Error("no title")
			}
		}
	})

	t.Run("links follow the proxy's scheme and host", func(t *testing.T) {
		_, _, b := ogcGet(t, ts.URL+"/ogc", "", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "hotspots.example.org")
		var lp struct{ Links []ogcLink }
		json.Unmarshal(b, &lp)
		if got := ogcLinkHref(lp.Links, "data"); got != "https://hotspots.example.org/ogc/collections" {
			t.Errorf("data link %q", got)
		}
		_, _, b = ogcGet(t, ts.URL+"/ogc", "", "X-Forwarded-Host", "evil.example/\"><script>")
		json.Unmarshal(b, &lp)
		if got := ogcLinkHref(lp.Links, "data"); got != ts.URL+"/ogc/collections" {
			t.Errorf("a malformed forwarded host went into the links: %q", got)
		}
	})

	t.Run("conformance", func(t *testing.T) {
		var c struct {
			ConformsTo []string `json:"conformsTo"`
		}
		ogcJSON(t, ts.URL+"/ogc/conformance", "", 200, &c)
		have := strings.Join(c.ConformsTo, " ")
		for _, want := range []string{"/conf/core", "/conf/geojson", "/conf/oas30"} {
			if !strings.Contains(have, "http://www.opengis.net/spec/ogcapi-features-1/1.0"+want) {
				t.Errorf("conformsTo lacks %s: %v", want, c.ConformsTo)
			}
		}
		if strings.Contains(have, "/conf/html") {
			t.Error("claims html, which is not served")
		}
	})

	t.Run("OpenAPI definition", func(t *testing.T) {
		code, ct, b := ogcGet(t, ts.URL+"/ogc/api", "")
		if code != 200 || ct != ogcMediaOpenAPI {
			t.Fatalf("%d %s", code, ct)
		}
		var doc struct {
			OpenAPI string                     `json:"openapi"`
			Servers []struct{ URL string }     `json:"servers"`
			Paths   map[string]json.RawMessage `json:"paths"`
			Comp    struct {
				Parameters map[string]struct {
					Schema struct {
						Maximum any `json:"maximum"`
						Default any `json:"default"`
					} `json:"schema"`
				} `json:"parameters"`
			} `json:"components"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(doc.OpenAPI, "3.0") || len(doc.Servers) != 1 || doc.Servers[0].URL != ts.URL+"/ogc" {
			t.Errorf("openapi %q servers %v", doc.OpenAPI, doc.Servers)
		}
		for _, p := range []string{"/", "/conformance", "/collections", "/collections/{collectionId}", "/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}"} {
			if _, ok := doc.Paths[p]; !ok {
				t.Errorf("no path %s", p)
			}
		}
		if l := doc.Comp.Parameters["limit"].Schema; l.Maximum != float64(OGCMaxLimit) || l.Default != float64(OGCDefaultLimit) {
			t.Errorf("limit schema %+v", l)
		}
	})

	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			path string
			code int
			says string
		}{
			{"/ogc?f=html", http.StatusNotAcceptable, "JSON"},
			{"/ogc?service=WFS", http.StatusBadRequest, "unknown query parameter service"},
			{"/ogc/conformance?x=1", http.StatusBadRequest, "unknown query parameter x"},
			{"/ogc/collections?f=xml", http.StatusNotAcceptable, "JSON"},
			{"/ogc/collections/nope", http.StatusNotFound, "areas-wards, hotspots, zones, incidents"},
			{"/ogc/collections/nope/items", http.StatusNotFound, "no collection"},
			{"/ogc/nothing", http.StatusNotFound, "no such page"},
		}
		for _, tt := range tests {
			code, ct, b := ogcGet(t, ts.URL+tt.path, "")
			var e struct {
				Error  string `json:"error"`
				Status int    `json:"status"`
			}
			if err := json.Unmarshal(b, &e); err != nil || code != tt.code || e.Status != tt.code || !strings.Contains(e.Error, tt.says) || !strings.HasPrefix(ct, "application/json") {
				t.Errorf("GET %s: %d %s %s; want %d saying %q", tt.path, code, ct, b, tt.code, tt.says)
			}
		}
	})
}

// ogcCollectionsDoc is /ogc/collections as the tests read it.
type ogcCollectionsDoc struct {
	Links       []ogcLink `json:"links"`
	Collections []struct {
		ID     string    `json:"id"`
		Title  string    `json:"title"`
		Links  []ogcLink `json:"links"`
		Crs    []string  `json:"crs"`
		Extent struct {
			Spatial struct {
				BBox [][]float64 `json:"bbox"`
				Crs  string      `json:"crs"`
			} `json:"spatial"`
			Temporal struct {
				Interval [][]string `json:"interval"`
			} `json:"temporal"`
		} `json:"extent"`
	} `json:"collections"`
}

func TestOGCCollections(t *testing.T) {
	_, _, ts := ogcServer(t, nil)
	var doc ogcCollectionsDoc
	ogcJSON(t, ts.URL+"/ogc/collections", "", 200, &doc)
	var ids []string
	for _, c := range doc.Collections {
		ids = append(ids, c.ID)
		if ogcLinkHref(c.Links, "self") != ts.URL+"/ogc/collections/"+c.ID || ogcLinkHref(c.Links, "items") != ts.URL+"/ogc/collections/"+c.ID+"/items" {
			t.Errorf("%s links %v", c.ID, c.Links)
		}
		b := c.Extent.Spatial.BBox
		if len(b) != 1 || len(b[0]) != 4 || b[0][0] > -1.1 || b[0][2] < -1.4 || b[0][1] > 54.5 || b[0][3] < 54.6 || c.Extent.Spatial.Crs != ogcCRS84 {
			t.Errorf("%s spatial extent %v: does not cover Stockton", c.ID, c.Extent.Spatial)
		}
		if iv := c.Extent.Temporal.Interval; len(iv) != 1 || iv[0][0] != "2023-01-01T00:00:00Z" || iv[0][1] != "2025-11-30T23:59:59Z" {
			t.Errorf("%s temporal extent %v", c.ID, iv)
		}
		var one struct {
			ID string `json:"id"`
		}
		ogcJSON(t, ts.URL+"/ogc/collections/"+c.ID, "", 200, &one)
		if one.ID != c.ID {
			t.Errorf("/collections/%s has id %q", c.ID, one.ID)
		}
	}
	if got := strings.Join(ids, ","); got != "areas-wards,hotspots,zones,incidents" {
		t.Errorf("collections %s", got)
	}
}

// ogcPages follows the next links from url and returns every feature, with
// the numberMatched of the first page, checking each page's counts and
// links.
func ogcPages(tb testing.TB, url, token string) ([]ogcTestFeature, int) {
	tb.Helper()
	var all []ogcTestFeature
	matched := -1
	for page := 0; url != ""; page++ {
		code, ct, b := ogcGet(tb, url, token)
		if code != 200 || ct != ogcMediaGeoJSON {
			tb.Fatalf("GET %s: %d %s: %.300s", url, code, ct, b)
		}
		var fc ogcFC
		if err := json.Unmarshal(b, &fc); err != nil {
			tb.Fatal(err)
		}
		if fc.Type != "FeatureCollection" || fc.NumberMatched == nil || fc.NumberReturned == nil || *fc.NumberReturned != len(fc.Features) {
			tb.Fatalf("page %d of %s: type %q, numberMatched %v, numberReturned %v for %d features", page, url, fc.Type, fc.NumberMatched, fc.NumberReturned, len(fc.Features))
		}
		if _, err := time.Parse(time.RFC3339, fc.TimeStamp); err != nil {
			tb.Errorf("timeStamp %q: %v", fc.TimeStamp, err)
		}
		if matched < 0 {
			matched = *fc.NumberMatched
		} else if *fc.NumberMatched != matched {
			tb.Fatalf("numberMatched changed from %d to %d", matched, *fc.NumberMatched)
		}
		if ogcLinkHref(fc.Links, "self") == "" || ogcLinkHref(fc.Links, "collection") == "" {
			tb.Errorf("page %d: links %v", page, fc.Links)
		}
		if page > 0 && ogcLinkHref(fc.Links, "prev") == "" {
			tb.Errorf("page %d has no prev link", page)
		}
		all = append(all, fc.Features...)
		url = ""
		for _, l := range fc.Links {
			if l.Rel == "next" {
				if l.Type != ogcMediaGeoJSON {
					tb.Errorf("next link type %q", l.Type)
				}
				url = l.Href
			}
		}
		if page > 1000 {
			tb.Fatal("more than 1000 pages")
		}
	}
	return all, matched
}

func TestOGCItemsPaging(t *testing.T) {
	_, _, ts := ogcServer(t, nil)
	nov := rawInWards(t, "2025-11", "") // the incidents collection is of the layer (wards)
	tests := []struct {
		name  string
		path  string
		total int // independent of the code under test; -1 to take numberMatched
	}{
		{"areas, 5 a page", "/ogc/collections/areas-wards/items?limit=5", 27},
		{"areas, one page", "/ogc/collections/areas-wards/items", 27},
		{"hot spot cells", "/ogc/collections/hotspots/items?limit=1000", 2238}, // README: Stockton's 2,238 resolution-9 cells
		{"zones, 3 a page", "/ogc/collections/zones/items?limit=3", 10},
		{"incidents of a month", "/ogc/collections/incidents/items?limit=10000&datetime=2025-11", nov},
		{"incidents of a month, 7,000 a page", "/ogc/collections/incidents/items?limit=7000&datetime=2025-11-15", nov},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feats, matched := ogcPages(t, ts.URL+tt.path, "")
			if matched != tt.total || len(feats) != matched {
				t.Fatalf("numberMatched %d, features over all pages %d; want %d", matched, len(feats), tt.total)
			}
			seen := map[string]bool{}
			for _, f := range feats {
				if f.ID == "" || seen[f.ID] {
					t.Fatalf("feature id %q empty or repeated", f.ID)
				}
				seen[f.ID] = true
			}
		})
	}
	t.Run("an offset past the end", func(t *testing.T) {
		var fc ogcFC
		ogcJSON(t, ts.URL+"/ogc/collections/areas-wards/items?offset=500", "", 200, &fc)
		if len(fc.Features) != 0 || *fc.NumberMatched != 27 || ogcLinkHref(fc.Links, "next") != "" {
			t.Errorf("%d features, matched %d, links %v", len(fc.Features), *fc.NumberMatched, fc.Links)
		}
	})
	t.Run("links keep the other parameters", func(t *testing.T) {
		var fc ogcFC
		ogcJSON(t, ts.URL+"/ogc/collections/hotspots/items?limit=10&types=Robbery&measure=count", "", 200, &fc)
		u, err := url.Parse(ogcLinkHref(fc.Links, "next"))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if q.Get("types") != "Robbery" || q.Get("measure") != "count" || q.Get("offset") != "10" || q.Get("limit") != "10" || u.Path != "/ogc/collections/hotspots/items" {
			t.Errorf("next link %s", u)
		}
	})
}

func TestOGCItemsValidation(t *testing.T) {
	toks := newOGCTokens(t)
	_, _, ts := ogcServer(t, toks.src)
	items := "/ogc/collections/areas-wards/items"
	tests := []struct {
		name  string
		path  string
		token string
		code  int
		says  string
	}{
		{"bbox of three numbers", items + "?bbox=1,2,3", toks.viewer, 400, "bbox"},
		{"bbox not numbers", items + "?bbox=a,b,c,d", toks.viewer, 400, "not a number"},
		{"bbox latitude out of range", items + "?bbox=-1,54,1,95", toks.viewer, 400, "latitudes"},
		{"bbox upside down", items + "?bbox=-1.4,54.6,-1.2,54.5", toks.viewer, 400, "southern edge"},
		{"bbox empty", items + "?bbox=", toks.viewer, 400, "bbox"},
		{"bbox-crs not CRS84", items + "?bbox=-1,54,1,55&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/27700", toks.viewer, 400, "CRS84"},
		{"limit 0", items + "?limit=0", toks.viewer, 400, "limit"},
		{"limit over the maximum", items + "?limit=10001", toks.viewer, 400, "1 to 10000"},
		{"limit not a number", items + "?limit=all", toks.viewer, 400, "limit"},
		{"offset negative", items + "?offset=-1", toks.viewer, 400, "offset"},
		{"datetime malformed", items + "?datetime=yesterday", toks.viewer, 400, "datetime"},
		{"datetime backwards", items + "?datetime=2025-11/2025-01", toks.viewer, 400, "backwards"},
		{"datetime before the data", items + "?datetime=2019-01/2025-11", toks.viewer, 400, "first month loaded is 2023-01"},
		{"datetime after the data", items + "?datetime=2030-01", toks.viewer, 400, "latest month loaded is 2025-11"},
		{"unknown parameter", items + "?colour=red", toks.viewer, 400, "unknown query parameter colour"},
		{"filter on a property that is not queryable", items + "?count=5", toks.viewer, 400, "filters on the properties code, name, rank"},
		{"bad measure", items + "?measure=volume", toks.viewer, 400, "count, harm or cost"},
		{"unknown crime type", items + "?types=Piracy", toks.viewer, 400, "Piracy"},
		{"unknown layer for hot spots", "/ogc/collections/hotspots/items?layer=counties", toks.viewer, 404, "counties"},
		{"resolution out of range", "/ogc/collections/hotspots/items?res=3", toks.viewer, 400, "res"},
		{"top not a number", "/ogc/collections/zones/items?top=many", toks.viewer, 400, "top"},
		{"format not served", items + "?f=html", toks.viewer, 406, "JSON"},
		{"a bad filter is refused where GDAL first sends it", "/ogc?datetime=2025-13", toks.viewer, 400, "parameter datetime"},
		{"a bad measure on the collections", "/ogc/collections?measure=volume", toks.viewer, 400, "parameter measure"},
		{"bbox is not a parameter of one feature", items + "/E05014882?bbox=1,2,3,4", toks.viewer, 400, "unknown query parameter bbox"},
		{"unknown feature", items + "/E00000000", toks.viewer, 404, "no feature"},
		{"unknown incident", "/ogc/collections/incidents/items/2025-11-999999", toks.analyst, 404, "no feature"},
		{"malformed incident id", "/ogc/collections/incidents/items/xyz", toks.analyst, 404, "no feature"},
		{"incidents for a viewer", "/ogc/collections/incidents", toks.viewer, 403, "analyst"},
		{"incident items for a viewer", "/ogc/collections/incidents/items", toks.viewer, 403, "analyst"},
		{"one incident for a viewer", "/ogc/collections/incidents/items/2025-11-1", toks.viewer, 403, "analyst"},
		{"no token", "/ogc/collections", "", 401, "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, ct, b := ogcGet(t, ts.URL+tt.path, tt.token)
			var e struct {
				Error string `json:"error"`
			}
			json.Unmarshal(b, &e)
			if code != tt.code || !strings.Contains(e.Error, tt.says) || !strings.HasPrefix(ct, "application/json") {
				t.Errorf("GET %s: %d %q; want %d saying %q", tt.path, code, b, tt.code, tt.says)
			}
		})
	}

	t.Run("viewers do not see the incidents collection", func(t *testing.T) {
		for tok, want := range map[string]bool{toks.viewer: false, toks.analyst: true, toks.admin: true} {
			var doc ogcCollectionsDoc
			ogcJSON(t, ts.URL+"/ogc/collections", tok, 200, &doc)
			has := false
			for _, c := range doc.Collections {
				has = has || c.ID == "incidents"
			}
			if has != want {
				t.Errorf("incidents listed %v, want %v", has, want)
			}
		}
	})

	t.Run("a token in the URL is carried into the links", func(t *testing.T) {
		var fc ogcFC
		ogcJSON(t, ts.URL+"/ogc/collections/incidents/items?limit=5&access_token="+url.QueryEscape(toks.analyst), "", 200, &fc)
		next, err := url.Parse(ogcLinkHref(fc.Links, "next"))
		if err != nil || next.Query().Get("access_token") != toks.analyst {
			t.Fatalf("next link %v", next)
		}
		if code, _, _ := ogcGet(t, next.String(), ""); code != 200 {
			t.Errorf("next link: %d", code)
		}
	})
}

func TestOGCFilters(t *testing.T) {
	_, store, ts := ogcServer(t, nil)
	// The incidents collection holds the records inside the layer's areas
	// (Stockton's wards): counted independently by ray casting on the raw
	// rows.
	robberies := rawInWards(t, "2025-11", "Robbery")
	shoplifting := rawInWards(t, "2025-11", "Shoplifting")

	t.Run("incidents by type, against the independent count", func(t *testing.T) {
		feats, matched := ogcPages(t, ts.URL+"/ogc/collections/incidents/items?datetime=2025-11&type=Robbery&limit=50", "")
		if matched != robberies || len(feats) != robberies {
			t.Fatalf("%d matched, %d features; ray casting on the raw rows finds %d robberies in the wards in 2025-11", matched, len(feats), robberies)
		}
		for _, f := range feats {
			if f.Properties["type"] != "Robbery" || f.Properties["month"] != "2025-11" {
				t.Fatalf("feature %s: %v", f.ID, f.Properties)
			}
		}
	})
	t.Run("a repeated filter takes any of its values", func(t *testing.T) {
		var fc ogcFC
		ogcJSON(t, ts.URL+"/ogc/collections/incidents/items?datetime=2025-11&type=Robbery&type=Shoplifting&limit=1", "", 200, &fc)
		if *fc.NumberMatched != robberies+shoplifting {
			t.Errorf("matched %d, want %d", *fc.NumberMatched, robberies+shoplifting)
		}
	})
	t.Run("types= restricts as type= filters", func(t *testing.T) {
		var fc ogcFC
		ogcJSON(t, ts.URL+"/ogc/collections/incidents/items?datetime=2025-11&types=Robbery&limit=1", "", 200, &fc)
		if *fc.NumberMatched != robberies {
			t.Errorf("matched %d, want %d", *fc.NumberMatched, robberies)
		}
	})
	t.Run("incidents by area, against the store's own count", func(t *testing.T) {
		rows, err := store.Aggregate(context.Background(), data.Query{From: ogcMonth(t, "2025-11"), To: ogcMonth(t, "2025-11"), Types: fixture.Crimes, By: data.GroupBy{Layer: "wards"}})
		if err != nil {
			t.Fatal(err)
		}
		var want int64
		for _, r := range rows {
			if r.Area == "E05014882" {
				want = r.Count
			}
		}
		var fc ogcFC
		ogcJSON(t, ts.URL+"/ogc/collections/incidents/items?datetime=2025-11&area_code=E05014882&limit=10000", "", 200, &fc)
		if int64(*fc.NumberMatched) != want || want == 0 {
			t.Errorf("matched %d, the store counts %d", *fc.NumberMatched, want)
		}
		for _, f := range fc.Features {
			if f.Properties["area_name"] != "Stockton Town Centre" {
				t.Fatalf("feature %s in %v", f.ID, f.Properties["area_name"])
			}
		}
	})
	t.Run("areas by name", func(t *testing.T) {
		var fc ogcFC
		ogcJSON(t, ts.URL+"/ogc/collections/areas-wards/items?name="+url.QueryEscape("Stockton Town Centre"), "", 200, &fc)
		if *fc.NumberMatched != 1 || fc.Features[0].ID != "E05014882" {
			t.Errorf("matched %d: %v", *fc.NumberMatched, fc.Features)
		}
	})
	t.Run("hot spot cells by bin", func(t *testing.T) {
		var all, hot ogcFC
		ogcJSON(t, ts.URL+"/ogc/collections/hotspots/items?limit=10000", "", 200, &all)
		ogcJSON(t, ts.URL+"/ogc/collections/hotspots/items?bin=3&limit=10000", "", 200, &hot)
		want := 0
		for _, f := range all.Features {
			if f.Properties["bin"] == 3.0 {
				want++
			}
		}
		if want == 0 || *hot.NumberMatched != want {
			t.Errorf("bin=3 matched %d, of the cells %d have bin 3", *hot.NumberMatched, want)
		}
	})
	t.Run("no match", func(t *testing.T) {
		var fc ogcFC
		ogcJSON(t, ts.URL+"/ogc/collections/zones/items?id=Z99", "", 200, &fc)
		if *fc.NumberMatched != 0 || len(fc.Features) != 0 {
			t.Errorf("matched %d", *fc.NumberMatched)
		}
	})
}

func TestOGCBBoxAndDatetime(t *testing.T) {
	_, _, ts := ogcServer(t, nil)
	// Stockton town centre, around the High Street.
	const box = "-1.3200,54.5600,-1.3050,54.5720"
	b, _ := ogcParseBBox(box)

	for _, coll := range []string{"areas-wards", "hotspots", "zones", "incidents"} {
		t.Run(coll, func(t *testing.T) {
			var all, in ogcFC
			ogcJSON(t, ts.URL+"/ogc/collections/"+coll+"/items?limit=10000&datetime=2025-11", "", 200, &all)
			ogcJSON(t, ts.URL+"/ogc/collections/"+coll+"/items?limit=10000&datetime=2025-11&bbox="+box, "", 200, &in)
			if *in.NumberMatched == 0 || (*in.NumberMatched >= *all.NumberMatched && coll != "zones") {
				t.Fatalf("bbox matched %d of %d", *in.NumberMatched, *all.NumberMatched)
			}
			// Every feature in the box intersects it; every one left out
			// does not.
			inside := map[string]bool{}
			for _, f := range in.Features {
				inside[f.ID] = true
			}
			for _, f := range all.Features {
				g, err := geojson.UnmarshalGeometry(f.Geometry)
				if err != nil {
					t.Fatal(err)
				}
				if b.intersects(g.Geometry()) != inside[f.ID] {
					t.Errorf("feature %s: intersects %v, returned %v", f.ID, !inside[f.ID], inside[f.ID])
				}
			}
		})
	}

	tests := []struct {
		datetime, from, to string
	}{
		{"2025-11", "2025-11", "2025-11"},
		{"2025-01/2025-11", "2025-01", "2025-11"},
		{"../2025-11", "2023-01", "2025-11"},
		{"2024-06/..", "2024-06", "2025-11"},
		{"2025-03-17T08:30:00Z", "2025-03", "2025-03"},
		{"", "2024-12", "2025-11"}, // the latest 12 months
	}
	for _, tt := range tests {
		t.Run("datetime "+tt.datetime, func(t *testing.T) {
			for _, coll := range []string{"areas-wards", "hotspots", "zones"} {
				u := ts.URL + "/ogc/collections/" + coll + "/items?limit=1"
				if tt.datetime != "" {
					u += "&datetime=" + url.QueryEscape(tt.datetime)
				}
				var fc ogcFC
				ogcJSON(t, u, "", 200, &fc)
				if len(fc.Features) != 1 {
					t.Fatalf("%s: %d features", coll, len(fc.Features))
				}
				p := fc.Features[0].Properties
				if p["period_from"] != tt.from || p["period_to"] != tt.to {
					t.Errorf("%s: period %v..%v, want %s..%s", coll, p["period_from"], p["period_to"], tt.from, tt.to)
				}
			}
		})
	}
	// A period resolves one way for every collection (engine.Period): a
	// month not loaded is refused with the months that are, for the
	// records as for the aggregates, never answered as no crime.
	t.Run("incidents outside the data are refused as the areas are", func(t *testing.T) {
		for _, coll := range []string{"incidents", "areas-wards"} {
			code, _, b := ogcGet(t, ts.URL+"/ogc/collections/"+coll+"/items?datetime=2030-01", "")
			if code != 400 || !strings.Contains(string(b), "no data for 2030-01; the latest month loaded is 2025-11") {
				t.Errorf("%s: %d %s", coll, code, b)
			}
		}
	})
	t.Run("incidents of two months", func(t *testing.T) {
		var fc ogcFC
		ogcJSON(t, ts.URL+"/ogc/collections/incidents/items?datetime=2025-10/2025-11&limit=1&type=Burglary", "", 200, &fc)
		if want := rawInWards(t, "2025-10", "Burglary") + rawInWards(t, "2025-11", "Burglary"); *fc.NumberMatched != want {
			t.Errorf("matched %d, ray casting on the raw rows %d", *fc.NumberMatched, want)
		}
	})
}

func TestOGCItem(t *testing.T) {
	_, _, ts := ogcServer(t, nil)
	for _, tt := range []struct{ coll, query string }{
		{"areas-wards", "?datetime=2025-11"}, {"hotspots", "?types=Robbery"}, {"zones", ""}, {"incidents", "?datetime=2025-06&type=Burglary"},
	} {
		t.Run(tt.coll, func(t *testing.T) {
			var fc ogcFC
			list := ts.URL + "/ogc/collections/" + tt.coll + "/items?limit=3"
			if tt.query != "" {
				list += "&" + tt.query[1:]
			}
			ogcJSON(t, list, "", 200, &fc)
			want := fc.Features[len(fc.Features)-1]
			q := tt.query
			if tt.coll == "incidents" {
				q = "" // the id names the month
			}
			code, ct, b := ogcGet(t, ts.URL+"/ogc/collections/"+tt.coll+"/items/"+url.PathEscape(want.ID)+q, "")
			if code != 200 || ct != ogcMediaGeoJSON {
				t.Fatalf("%d %s %s", code, ct, b)
			}
			var got ogcTestFeature
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if got.Type != "Feature" || got.ID != want.ID || fmt.Sprint(got.Properties) != fmt.Sprint(want.Properties) || string(got.Geometry) != string(want.Geometry) {
				t.Errorf("item %s differs from the listed one:\n%v\n%v", want.ID, got.Properties, want.Properties)
			}
			// the collection link carries the filters on
			if ogcLinkHref(got.Links, "self") == "" || ogcLinkHref(got.Links, "collection") != ts.URL+"/ogc/collections/"+tt.coll+q {
				t.Errorf("links %v", got.Links)
			}
		})
	}
}

// TestOGCViewerBands: the OGC collections give a viewer of a restricted
// source the bands the downloads give (the same tables), and refuse harm.
func TestOGCViewerBands(t *testing.T) {
	toks := newOGCTokens(t)
	ts := restrictedServer(t, toks.src)
	for _, path := range []string{
		"/ogc/collections/hotspots/items?limit=10000&types=Robbery&datetime=2025-11",
		"/ogc/collections/areas-wards/items?types=" + url.QueryEscape("Bicycle theft") + "&datetime=2025-11",
	} {
		var exact, shown ogcFC
		ogcJSON(t, ts.URL+path, toks.analyst, 200, &exact)
		ogcJSON(t, ts.URL+path, toks.viewer, 200, &shown)
		counts := map[string]float64{}
		small := 0
		for _, f := range exact.Features {
			counts[f.ID] = f.Properties["count"].(float64)
			if n := counts[f.ID]; n >= 1 && n <= 2 {
				small++
			}
		}
		if small == 0 {
			t.Fatalf("%s: no 1 or 2: the test tests nothing", path)
		}
		for _, f := range shown.Features {
			if want := bandLabel(counts[f.ID]); f.Properties["count"] != want || f.Properties["harm"] != nil {
				t.Errorf("%s: %s with %v: count %v harm %v, want %s", path, f.ID, counts[f.ID], f.Properties["count"], f.Properties["harm"], want)
			}
		}
	}
	code, _, _ := ogcGet(t, ts.URL+"/ogc/collections/areas-wards/items?datetime=2025-11&measure=harm", toks.viewer)
	if code != 403 {
		t.Errorf("areas by harm for a viewer: %d, want 403", code)
	}
}

func ogcMonth(tb testing.TB, s string) data.Month {
	tb.Helper()
	m, err := data.ParseMonth(s)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// TestOGCFiltersOnEveryPath: the map's filters are taken by every path (GDAL
// sends its connection string's parameters with every request), carried into
// the links, and applied by the collections that have them; an areas
// collection stays of its own layer.
func TestOGCFiltersOnEveryPath(t *testing.T) {
	_, _, ts := ogcServer(t, nil)
	filters := "datetime=2025-06/2025-11&types=Burglary&measure=harm&layer=wards&top=5&source=police.uk"
	for _, path := range []string{"/ogc", "/ogc/conformance", "/ogc/api", "/ogc/collections", "/ogc/collections/areas-wards",
		"/ogc/collections/hotspots", "/ogc/collections/zones/items", "/ogc/collections/incidents/items?limit=1"} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		if code, _, b := ogcGet(t, ts.URL+path+sep+filters, ""); code != 200 {
			t.Errorf("%s with the filters: %d %.200s", path, code, b)
		}
	}
	var doc ogcCollectionsDoc
	ogcJSON(t, ts.URL+"/ogc/collections?"+filters, "", 200, &doc)
	for _, c := range doc.Collections {
		if items := ogcLinkHref(c.Links, "items"); !strings.Contains(items, "datetime=2025-06%2F2025-11") || !strings.Contains(items, "types=Burglary") {
			t.Errorf("%s: the items link %s does not carry the filters", c.ID, items)
		}
	}
	var zones ogcFC
	ogcJSON(t, ts.URL+"/ogc/collections/zones/items?"+filters, "", 200, &zones)
	if *zones.NumberMatched != 5 {
		t.Errorf("top=5 gave %d zones", *zones.NumberMatched)
	}
	// an areas collection is of its own layer, whatever layer= says
	var areas ogcFC
	ogcJSON(t, ts.URL+"/ogc/collections/areas-wards/items?layer=no-such-layer", "", 200, &areas)
	if *areas.NumberMatched != 27 {
		t.Errorf("areas-wards with layer=no-such-layer: %d areas, want the 27 wards", *areas.NumberMatched)
	}
	if code, _, _ := ogcGet(t, ts.URL+"/ogc/collections/hotspots/items?layer=no-such-layer", ""); code != 404 {
		t.Errorf("hot spots of a layer not loaded: %d, want 404", code)
	}
}
