package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/disclosure"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/data/sample"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/tiles"
)

// The tile endpoint tests run on the bundled sample (35 Cleveland months,
// the Stockton wards), which is in the binary: they never skip.

var (
	tileSampleOnce  sync.Once
	tileSampleParts []*data.Partition
	tileSampleAreas map[string][]geo.Area
	tileSampleErr   error
)

// tileStore opens a store in a temporary folder holding the bundled sample;
// the files are read once per test binary.
func tileStore(tb testing.TB) *data.MemStore {
	tb.Helper()
	tileSampleOnce.Do(func() {
		dir, err := os.MkdirTemp("", "web-tiles-sample-")
		if err != nil {
			tileSampleErr = err
			return
		}
		defer os.RemoveAll(dir)
		if tileSampleErr = sample.Extract(dir); tileSampleErr != nil {
			return
		}
		tileSampleAreas = map[string][]geo.Area{}
		for _, l := range sample.Layers {
			paths := make([]string, len(l.Files))
			for i, f := range l.Files {
				paths[i] = filepath.Join(dir, filepath.FromSlash(f))
			}
			areas, _, err := data.ReadAreaFiles(paths, geo.ReadOptions{})
			if err != nil {
				tileSampleErr = err
				return
			}
			if l.Population != "" {
				pop, err := data.ReadPopulation(filepath.Join(dir, filepath.FromSlash(l.Population)), "", "")
				if err != nil {
					tileSampleErr = err
					return
				}
				data.ApplyPopulation(areas, pop)
			}
			tileSampleAreas[l.Name] = areas
		}
		tileSampleParts, _, tileSampleErr = data.ReadIncidents(context.Background(), []string{filepath.Join(dir, sample.Incidents)}, data.ReadOptions{})
	})
	if tileSampleErr != nil {
		tb.Fatal(tileSampleErr)
	}
	s, err := data.OpenMem(tb.TempDir(), data.MemOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	ctx := context.Background()
	for _, name := range []string{"wards", "lsoa-2011"} {
		if err := s.PutLayer(ctx, name, slices.Clone(tileSampleAreas[name]), data.LayerMeta{}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := s.Replace(ctx, tileSampleParts); err != nil {
		tb.Fatal(err)
	}
	return s
}

const tileAttribution = "Contains public sector information licensed under the Open Government Licence v3.0."

// tileServerFor builds the Server (and its engine) over a sample store.
func tileServerFor(tb testing.TB, opts Options) (*Server, *data.MemStore, *engine.Engine) {
	tb.Helper()
	store := tileStore(tb)
	eng, err := engine.New(store, engine.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if opts.Attribution == "" {
		opts.Attribution = tileAttribution
	}
	s, err := New(store, eng, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return s, store, eng
}

// tileOf is the tile of zoom z holding lon, lat.
func tileOf(lon, lat float64, z int) tiles.Tile {
	n := float64(uint64(1) << z)
	r := lat * math.Pi / 180
	return tiles.Tile{Z: z, X: int((lon + 180) / 360 * n), Y: int((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n)}
}

// tileTownCentre is Stockton High Street.
var tileTownCentre = [2]float64{-1.3115, 54.5655}

func tilePath(set string, t tiles.Tile) string {
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", set, t.Z, t.X, t.Y)
}

// get sends a GET to h with the headers given (name, value, ...).
func tileGet(h http.Handler, target string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func tileGunzip(tb testing.TB, b []byte) []byte {
	tb.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestTileEndpoints checks every HTTP behaviour of /tiles: the tile with
// its headers, gzip, ETag and 304, 204 for an empty tile, the 400s and 404s,
// and that the data version moves the ETag.
func TestTileEndpoints(t *testing.T) {
	s, store, eng := tileServerFor(t, Options{})
	r, err := tiles.New(eng, store, tiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tc14 := tileOf(tileTownCentre[0], tileTownCentre[1], 14)
	path := tilePath("cells", tc14)
	want, err := r.Render(context.Background(), tc14, tiles.Query{Set: tiles.Cells})
	if err != nil || len(want) == 0 {
		t.Fatalf("render: %d bytes, %v", len(want), err)
	}

	var gzETag, rawETag string
	t.Run("gzip", func(t *testing.T) {
		rec := tileGet(s, path, "Accept-Encoding", "gzip, deflate, br")
		h := rec.Header()
		if rec.Code != 200 || h.Get("Content-Type") != "application/vnd.mapbox-vector-tile" || h.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%d %v", rec.Code, h)
		}
		if !bytes.Equal(tileGunzip(t, rec.Body.Bytes()), want) {
			t.Error("gunzipped body is not the tile Render draws")
		}
		gzETag = h.Get("ETag")
		if !strings.HasPrefix(gzETag, `"`) || !strings.HasSuffix(gzETag, `"`) || strings.HasPrefix(gzETag, "W/") {
			t.Errorf("ETag %s: want a strong, quoted tag", gzETag)
		}
		if cc := h.Get("Cache-Control"); !strings.Contains(cc, "public") || !strings.Contains(cc, "max-age=300") {
			t.Errorf("Cache-Control %q", cc)
		}
		if !strings.Contains(h.Get("Vary"), "Accept-Encoding") {
			t.Errorf("Vary %q", h.Get("Vary"))
		}
	})
	t.Run("identity", func(t *testing.T) {
		for _, ae := range []string{"", "identity", "gzip;q=0, identity", "br"} {
			rec := tileGet(s, path, "Accept-Encoding", ae)
			if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), want) {
				t.Fatalf("Accept-Encoding %q: %d %v", ae, rec.Code, rec.Header())
			}
			rawETag = rec.Header().Get("ETag")
			if rawETag == gzETag || rawETag == "" {
				t.Errorf("identity ETag %s, gzip %s: two representations need two tags", rawETag, gzETag)
			}
		}
	})
	t.Run("304", func(t *testing.T) {
		for _, inm := range []string{gzETag, rawETag, "W/" + gzETag, `"other", ` + rawETag, "*"} {
			rec := tileGet(s, path, "If-None-Match", inm, "Accept-Encoding", "gzip")
			if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != gzETag {
				t.Errorf("If-None-Match %s: %d, %d bytes, ETag %s", inm, rec.Code, rec.Body.Len(), rec.Header().Get("ETag"))
			}
		}
		if rec := tileGet(s, path, "If-None-Match", `"v1-0000000000000000"`); rec.Code != 200 {
			t.Errorf("a stale ETag: %d, want 200", rec.Code)
		}
	})
	t.Run("ETag follows query and tile", func(t *testing.T) {
		seen := map[string]string{rawETag: path}
		for _, p := range []string{
			path + "?types=Burglary",
			path + "?measure=harm",
			path + "?from=2025-01&to=2025-06",
			tilePath("cells", tiles.Tile{Z: 14, X: tc14.X + 1, Y: tc14.Y}),
			tilePath("areas", tc14),
		} {
			rec := tileGet(s, p)
			if rec.Code != 200 {
				t.Fatalf("%s: %d %s", p, rec.Code, rec.Body)
			}
			e := rec.Header().Get("ETag")
			if other, dup := seen[e]; dup {
				t.Errorf("%s and %s share ETag %s", p, other, e)
			}
			seen[e] = p
		}
		// the same query written differently is the same tile
		a := tileGet(s, path+"?types=Robbery,Burglary&measure=COUNT").Header().Get("ETag")
		b := tileGet(s, path+"?types=Burglary,Robbery&layer=wards").Header().Get("ETag")
		if a != b {
			t.Errorf("equal queries, ETags %s and %s", a, b)
		}
	})
	t.Run("204", func(t *testing.T) {
		for _, set := range []string{"cells", "areas", "hotspots", "incidents"} {
			rec := tileGet(s, tilePath(set, tileOf(-30, 45, 12)), "Accept-Encoding", "gzip")
			if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 || rec.Header().Get("ETag") == "" {
				t.Errorf("%s over the Atlantic: %d, %d bytes, %v", set, rec.Code, rec.Body.Len(), rec.Header())
			}
		}
		// incidents start at zoom 15
		if rec := tileGet(s, tilePath("incidents", tc14)); rec.Code != http.StatusNoContent {
			t.Errorf("incidents at zoom 14: %d", rec.Code)
		}
		if rec := tileGet(s, tilePath("incidents", tileOf(tileTownCentre[0], tileTownCentre[1], 15))); rec.Code != 200 {
			t.Errorf("incidents at zoom 15: %d", rec.Code)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, c := range []struct {
			path   string
			status int
		}{
			{"/tiles/cells/23/0/0.mvt", 400},
			{"/tiles/cells/2/4/0.mvt", 400},
			{"/tiles/cells/2/0/4.mvt", 400},
			{"/tiles/cells/a/0/0.mvt", 400},
			{"/tiles/cells/1/0/-1.mvt", 400},
			{"/tiles/cells/1/0/y.mvt", 400},
			{"/tiles/cells/1/0/0.png", 400},
			{"/tiles/cells/1/0/1.5.mvt", 400},
			{path + "?measure=weight", 400},
			{path + "?types=Arson", 400},
			{path + "?from=2025-06&to=2025-01", 400},
			{path + "?from=June", 400},
			{path + "?to=2031-01", 400},
			{"/tiles/hotspots/12/0/0.mvt?measure=cost", 400},
			{"/tiles/hotspots/12/0/0.mvt?res=14", 400},
			{"/tiles/cells/12/0/0.mvt?res=x", 400},
			{"/tiles/roads/1/0/0.mvt", 404},
			{"/tiles/roads.json", 404},
			{"/tiles/cells.xml", 404},
			{path + "?layer=beats", 404},
			{"/tiles/cells.json?types=Arson", 400},
		} {
			rec := tileGet(s, c.path)
			var body struct {
				Error  string `json:"error"`
				Status int    `json:"status"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != c.status || body.Status != c.status || body.Error == "" {
				t.Errorf("%s: %d %s; want %d with a JSON error", c.path, rec.Code, rec.Body, c.status)
			}
			if rec.Header().Get("ETag") != "" || strings.Contains(rec.Header().Get("Cache-Control"), "max-age") {
				t.Errorf("%s: an error with ETag %q, Cache-Control %q", c.path, rec.Header().Get("ETag"), rec.Header().Get("Cache-Control"))
			}
		}
	})
	t.Run("version moves the ETag", func(t *testing.T) {
		before := tileGet(s, path).Header().Get("ETag")
		if err := store.PutLayer(context.Background(), "wards-copy", slices.Clone(tileSampleAreas["wards"]), data.LayerMeta{}); err != nil {
			t.Fatal(err)
		}
		after := tileGet(s, path)
		if after.Code != 200 || after.Header().Get("ETag") == before {
			t.Errorf("after a data change: %d, ETag %s (was %s)", after.Code, after.Header().Get("ETag"), before)
		}
		if rec := tileGet(s, path, "If-None-Match", before); rec.Code != 200 {
			t.Errorf("the old ETag after a data change: %d, want 200", rec.Code)
		}
	})
}

func TestTileJSON(t *testing.T) {
	s, _, _ := tileServerFor(t, Options{})
	for _, c := range []struct {
		set, query string
		minzoom    int
	}{
		{"cells", "", 0},
		{"areas", "types=Burglary,Robbery&measure=harm", 0},
		{"hotspots", "res=10&k=2", 0},
		{"incidents", "from=2025-01&to=2025-06", 15},
	} {
		t.Run(c.set, func(t *testing.T) {
			target := "/tiles/" + c.set + ".json"
			if c.query != "" {
				target += "?" + c.query
			}
			req := httptest.NewRequest(http.MethodGet, target, nil)
			req.Host = "maps.example.test:8080"
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			var doc struct {
				TileJSON     string     `json:"tilejson"`
				Tiles        []string   `json:"tiles"`
				Attribution  string     `json:"attribution"`
				Bounds       [4]float64 `json:"bounds"`
				MinZoom      *int       `json:"minzoom"`
				MaxZoom      *int       `json:"maxzoom"`
				VectorLayers []struct {
					ID     string            `json:"id"`
					Fields map[string]string `json:"fields"`
				} `json:"vector_layers"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			wantURL := "http://maps.example.test:8080/tiles/" + c.set + "/{z}/{x}/{y}.mvt"
			if c.query != "" {
				wantURL += "?" + c.query
			}
			if doc.TileJSON != "3.0.0" || len(doc.Tiles) != 1 || doc.Tiles[0] != wantURL {
				t.Errorf("tilejson %q tiles %v; want 3.0.0, [%s]", doc.TileJSON, doc.Tiles, wantURL)
			}
			if doc.Attribution != tileAttribution {
				t.Errorf("attribution %q", doc.Attribution)
			}
			if len(doc.VectorLayers) != 1 || doc.VectorLayers[0].ID != c.set || doc.VectorLayers[0].Fields["count"] == "" {
				t.Errorf("vector_layers %+v", doc.VectorLayers)
			}
			// the Stockton wards: about 1.45-1.2 W, 54.45-54.65 N; the
			// cells reach every Cleveland cell (Loftus at 0.885 W, Hartlepool
			// at 54.71 N), so that no hexagon is cut at the layer's box
			if b := doc.Bounds; c.set == "cells" {
				if b[0] > -1.45 || b[1] > 54.45 || b[2] < -0.885 || b[3] < 54.71 {
					t.Errorf("cells bounds %v do not hold every Cleveland cell", b)
				}
			} else if b[0] < -1.5 || b[0] > -1.35 || b[2] < -1.25 || b[2] > -1.1 || b[1] < 54.4 || b[1] > 54.5 || b[3] < 54.6 || b[3] > 54.7 {
				t.Errorf("bounds %v", b)
			}
			if doc.MinZoom == nil || *doc.MinZoom != c.minzoom || doc.MaxZoom == nil || *doc.MaxZoom < 16 {
				t.Errorf("minzoom %v maxzoom %v", doc.MinZoom, doc.MaxZoom)
			}
			// the template fetches what it describes
			u := strings.NewReplacer("{z}", "16", "{x}", "32529", "{y}", "20866").Replace(doc.Tiles[0])
			pu, _ := url.Parse(u)
			if rec := tileGet(s, pu.RequestURI()); rec.Code != 200 && rec.Code != 204 {
				t.Errorf("%s: %d %s", pu.RequestURI(), rec.Code, rec.Body)
			}
		})
	}
	req := httptest.NewRequest(http.MethodGet, "/tiles/cells.json", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `"https://`) {
		t.Errorf("behind a TLS proxy: %s", rec.Body)
	}
}

// TestTileRoles: with tokens, a viewer's tiles show "<3" for small counts
// and an analyst's the counts; the two get different ETags, tiles need a
// token, and no shared cache may keep them.
func TestTileRoles(t *testing.T) {
	toks, err := data.OpenTokens(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	viewer, _ := toks.Create("v", data.RoleViewer)
	analyst, _ := toks.Create("a", data.RoleAnalyst)
	s, _, _ := tileServerFor(t, Options{Tokens: toks, Disclosure: disclosure.New(disclosure.Options{Public: []string{}})})
	path := tilePath("cells", tileOf(tileTownCentre[0], tileTownCentre[1], 14))
	if rec := tileGet(s, path); rec.Code != http.StatusUnauthorized {
		t.Errorf("no token: %d", rec.Code)
	}
	v := tileGet(s, path, "Authorization", "Bearer "+viewer)
	a := tileGet(s, path+"?access_token="+url.QueryEscape(analyst))
	if v.Code != 200 || a.Code != 200 {
		t.Fatalf("viewer %d, analyst %d", v.Code, a.Code)
	}
	if !bytes.Contains(v.Body.Bytes(), []byte("<5")) || bytes.Contains(a.Body.Bytes(), []byte("<5")) {
		t.Error(`the viewer's tile of a restricted source should show "<5" and the analyst's not`)
	}
	if v.Header().Get("ETag") == a.Header().Get("ETag") {
		t.Error("viewer and analyst tiles share an ETag")
	}
	if cc := v.Header().Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
		t.Errorf("Cache-Control %q with tokens", cc)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for _, c := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=1.0, *;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"*", true},
		{"*;q=0", false},
		{"br, *;q=0.1", true},
		{"gzip;q=0, *", false},
		{"identity", false},
		{"x-gzip", true},
	} {
		if got := acceptsGzip(c.header); got != c.want {
			t.Errorf("acceptsGzip(%q) = %v", c.header, got)
		}
	}
}

func TestTileCacheBounded(t *testing.T) {
	c := newTileCache(10_000)
	put := func(e *tileEntry) {
		t.Helper()
		if _, err := c.Do(context.Background(), e.key, func(context.Context) (*tileEntry, error) { return e, nil }); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		put(&tileEntry{key: fmt.Sprint(i), raw: make([]byte, 1000)})
		if st := c.Stats(); st.Bytes > 10_000 {
			t.Fatalf("after %d puts: %d bytes", i+1, st.Bytes)
		}
	}
	if n := c.Stats().Entries; n == 0 || n > 10 {
		t.Fatalf("%d entries", n)
	}
	if _, ok := c.Get("99"); !ok {
		t.Error("the newest entry is gone")
	}
	if _, ok := c.Get("0"); ok {
		t.Error("the oldest entry is still there")
	}
	// getting an entry keeps it: put more, the touched one survives
	c.Get("95")
	for i := 100; i < 105; i++ {
		put(&tileEntry{key: fmt.Sprint(i), raw: make([]byte, 1000)})
	}
	if _, ok := c.Get("95"); !ok {
		t.Error("a recently used entry was dropped before older ones")
	}
	put(&tileEntry{key: "huge", raw: make([]byte, 20_000)})
	if _, ok := c.Get("huge"); ok {
		t.Error("an entry larger than the cache was kept")
	}
}

// FuzzTileRequest sends the tile handler arbitrary tile paths and query
// strings: the answer is a tile, an empty tile, or a JSON error a user can
// act on (400/404), never a server error.
func FuzzTileRequest(f *testing.F) {
	s, _, _ := tileServerFor(f, Options{})
	for _, seed := range []struct{ set, z, x, y, query string }{
		{"cells", "14", "8132", "5216", ""},
		{"cells", "12", "2033", "1304", "types=Burglary,Robbery&measure=harm&from=2025-01&to=2025-06"},
		{"areas", "11", "1016", "652", "layer=lsoa-2011&measure=cost"},
		{"hotspots", "10", "508", "326", "res=8&k=2"},
		{"incidents", "16", "32529", "20866", "types=Shoplifting"},
		{"cells", "23", "0", "0", ""},
		{"cells", "1", "a", "0", ""},
		{"roads", "1", "0", "0", ""},
		{"cells", "14", "8132", "5216", "from=2025-13&to=x&measure=%zz&types=,,"},
		{"hotspots", "5", "15", "10", "res=99&k=-1&measure=cost"},
	} {
		f.Add(seed.set, seed.z, seed.x, seed.y, seed.query)
	}
	f.Fuzz(func(t *testing.T, set, z, x, y, query string) {
		target := "/tiles/" + url.PathEscape(set) + "/" + url.PathEscape(z) + "/" + url.PathEscape(x) + "/" + url.PathEscape(y) + ".mvt"
		u, err := url.Parse(target)
		if err != nil {
			return
		}
		u.RawQuery = query
		req, err := http.NewRequest(http.MethodGet, u.String(), nil)
		if err != nil {
			return
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 204, 304:
		case 400, 404:
			var body struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" {
				t.Fatalf("%s: %d with body %q", u, rec.Code, rec.Body)
			}
		default:
			t.Fatalf("%s: %d %s", u, rec.Code, rec.Body)
		}
	})
}

// BenchmarkTileLoad serves cached tiles to 64 concurrent clients over
// loopback: an httptest server on 127.0.0.1, every z14 and z12 cells tile
// and z12 areas tile over Stockton fetched once to warm the cache, then
// tileLoadRequests requests (gzip accepted, as browsers send) spread over
// 64 goroutines with keep-alive connections. It reports requests per
// second and the median and 99th percentile latency. Each iteration is one
// whole run: use -benchtime 1x.
//
//	go test ./web -run '^$' -bench BenchmarkTileLoad -benchtime 1x
func BenchmarkTileLoad(b *testing.B) {
	const clients = 64
	const tileLoadRequests = 64 * 1000
	s, store, eng := tileServerFor(b, Options{})
	r, err := tiles.New(eng, store, tiles.Options{})
	if err != nil {
		b.Fatal(err)
	}
	info, err := r.Describe(context.Background(), tiles.Query{Set: tiles.Areas})
	if err != nil {
		b.Fatal(err)
	}
	var paths []string
	for _, c := range []struct {
		set string
		z   int
	}{{"cells", 14}, {"cells", 12}, {"areas", 12}} {
		nw, se := tileOf(info.Bounds[0], info.Bounds[3], c.z), tileOf(info.Bounds[2], info.Bounds[1], c.z)
		for x := nw.X; x <= se.X; x++ {
			for y := nw.Y; y <= se.Y; y++ {
				paths = append(paths, tilePath(c.set, tiles.Tile{Z: c.z, X: x, Y: y}))
			}
		}
	}
	srv := httptest.NewUnstartedServer(s)
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Config.WriteTimeout = time.Minute
	srv.Config.IdleTimeout = time.Minute
	srv.Start()
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		b.Fatalf("the load test only runs on loopback, not %s", srv.URL)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true,
	}}
	defer client.CloseIdleConnections()
	fetch := func(p string) (int, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+p, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, err
	}
	nonEmpty := 0
	for _, p := range paths {
		code, err := fetch(p)
		if err != nil || (code != 200 && code != 204) {
			b.Fatalf("warming %s: %d %v", p, code, err)
		}
		if code == 200 {
			nonEmpty++
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var rps, p50, p99 float64
	for b.Loop() {
		lat := make([]time.Duration, tileLoadRequests)
		var next, failed atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if i >= tileLoadRequests {
						return
					}
					t0 := time.Now()
					code, err := fetch(paths[int(i)%len(paths)])
					lat[i] = time.Since(t0)
					if err != nil || (code != 200 && code != 204) {
						failed.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		took := time.Since(start)
		if n := failed.Load(); n > 0 {
			b.Fatalf("%d of %d requests failed", n, tileLoadRequests)
		}
		slices.Sort(lat)
		rps = float64(tileLoadRequests) / took.Seconds()
		p50 = float64(lat[len(lat)/2]) / float64(time.Millisecond)
		p99 = float64(lat[len(lat)*99/100]) / float64(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(float64(len(paths)), "tiles")
	b.ReportMetric(float64(nonEmpty), "non-empty-tiles")
}

// BenchmarkTileCached is the server's own work for a cached tile (gzip
// accepted), without the network: routing, authentication, the query,
// the ETag and the cache.
func BenchmarkTileCached(b *testing.B) {
	s, _, _ := tileServerFor(b, Options{})
	path := tilePath("cells", tileOf(tileTownCentre[0], tileTownCentre[1], 14))
	if rec := tileGet(s, path); rec.Code != 200 {
		b.Fatal(rec.Code)
	}
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
