package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/internal/cache"
	"github.com/stockton-csp/hotspots/tiles"
)

// The vector tile endpoints:
//
//	GET /tiles/{set}/{z}/{x}/{y}.mvt   a Mapbox Vector Tile (also .pbf)
//	GET /tiles/{set}.json              its TileJSON 3.0.0
//
// with set one of cells, areas, hotspots, incidents and the hot spot API's
// filters in the query string: from, to, types, measure, layer (default
// wards), and for hotspots res and k. Package tiles draws; this file adds
// HTTP caching (a strong ETag from the data version, query and tile, 304 on
// If-None-Match, Cache-Control), gzip, 204 for an empty tile, and an LRU of
// finished tiles bounded in bytes.

const (
	// tileCacheBytes bounds the finished tiles kept, raw and gzipped.
	tileCacheBytes = 64 << 20
	// tileCacheControl lets a client or proxy use a tile for 5 minutes
	// without asking; after that it revalidates with its ETag, which is
	// cheap (304, no drawing) while the data are unchanged.
	tileCacheControl = "public, max-age=300, must-revalidate"
	mvtContentType   = "application/vnd.mapbox-vector-tile"
)

// mountTiles adds the vector tile endpoints (/tiles/...) to r.
func (s *Server) mountTiles(r chi.Router) {
	ts := &tileServer{s: s, cache: newTileCache(tileCacheBytes)}
	ts.render, ts.err = tiles.New(s.engine, s.store, tiles.Options{Logger: s.log})
	s.classify = append(s.classify, classifyTileError)
	// The first tile of a new query computes its sets (Gi* at resolution 11
	// takes a fraction of a second on Stockton, more on a larger layer):
	// bounded like the API's queries. Tiles are not "heavy" queries: most
	// are answered from the cache in microseconds.
	r.With(s.timeout).Get("/tiles/{file}", s.adapt(ts.tileJSON))
	r.With(s.audited(tileAction), s.timeout).Get("/tiles/{set}/{z}/{x}/{file}", s.adapt(ts.tile))
}

// classifyTileError maps package tiles' errors to a status and message.
func classifyTileError(err error) (int, string, bool) {
	switch {
	case errors.Is(err, tiles.ErrBadTile):
		return http.StatusBadRequest, userMessage(err), true
	case errors.Is(err, tiles.ErrBadSet):
		return http.StatusNotFound, userMessage(err), true
	}
	return 0, "", false
}

type tileServer struct {
	s      *Server
	render *tiles.Renderer
	err    error // from tiles.New, returned by every request
	cache  *tileCache
}

// query reads the tile filters from the query string.
func (ts *tileServer) query(r *http.Request, set string) (tiles.Query, error) {
	p, err := readParams(r)
	if err != nil {
		return tiles.Query{}, err
	}
	if set == string(tiles.Incidents) {
		if err := require(r, data.RoleAnalyst, "incident points"); err != nil {
			return tiles.Query{}, err
		}
	}
	q := tiles.Query{Set: tiles.Set(set), Layer: layerParam(r), From: p.q.From, To: p.q.To, Source: sourceParam(r), Times: requestTimes(r),
		Types: p.q.Types, Measure: p.measure, Res: p.res, K: p.k}
	v, err := ts.s.view(r)
	if err != nil {
		return tiles.Query{}, err
	}
	q.View = v
	return q.Normalize()
}

// cacheControl is the tiles' Cache-Control: public on a single-user server,
// private once there are tokens, since what a tile shows then depends on
// the caller's role and no shared cache may hand an analyst's tile to a
// viewer.
func (ts *tileServer) cacheControl() string {
	if ts.s.opts.Tokens != nil && !ts.s.opts.Tokens.Empty() {
		return "private" + strings.TrimPrefix(tileCacheControl, "public")
	}
	return tileCacheControl
}

func (ts *tileServer) tile(w http.ResponseWriter, r *http.Request) error {
	if ts.err != nil {
		return ts.err
	}
	set := chi.URLParam(r, "set")
	if _, err := tiles.ParseSet(set); err != nil {
		return err
	}
	file := chi.URLParam(r, "file")
	y, ok := strings.CutSuffix(file, ".mvt")
	if !ok {
		if y, ok = strings.CutSuffix(file, ".pbf"); !ok {
			return badRequest("tile %q: ask for {z}/{x}/{y}.mvt", file)
		}
	}
	t, err := tiles.ParseTile(chi.URLParam(r, "z"), chi.URLParam(r, "x"), y)
	if err != nil {
		return err
	}
	q, err := ts.query(r, set)
	if err != nil {
		return err
	}
	// The data version goes into the key, so a change to the data is a new
	// tile: nothing needs invalidating, and old entries age out of the LRU.
	key := fmt.Sprintf("v%d|%s|%s", ts.s.store.Version(), q.Key(), t)
	etag := tileETag(key)
	gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
	// set only on answers about the tile itself, never on an error
	setHeaders := func() {
		h := w.Header()
		h.Set("Cache-Control", ts.cacheControl())
		h.Set("Vary", "Accept-Encoding")
		if gz {
			h.Set("ETag", gzipETag(etag))
		} else {
			h.Set("ETag", etag)
		}
	}
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		setHeaders()
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	e, err := ts.cache.Do(r.Context(), key, func(ctx context.Context) (*tileEntry, error) {
		raw, err := ts.render.Render(ctx, t, q)
		if err != nil {
			return nil, err
		}
		e := &tileEntry{key: key, raw: raw}
		if len(raw) > 0 {
			if e.gz, err = gzipBytes(raw); err != nil {
				return nil, err
			}
		}
		return e, nil
	})
	if err != nil {
		return err
	}
	setHeaders()
	if len(e.raw) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	h := w.Header()
	body := e.raw
	if gz {
		body = e.gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", mvtContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body)
	return err
}

// gzipSuffix marks the ETag of the gzipped representation: a strong ETag
// names one sequence of bytes, and the gzipped tile is another.
const gzipSuffix = `-gz"`

// gzipETag is the ETag of the gzipped representation of etag's tile.
func gzipETag(etag string) string { return strings.TrimSuffix(etag, `"`) + gzipSuffix }

// tileETag is the strong ETag of a tile key: the data version and a hash
// of the query and tile.
func tileETag(key string) string {
	v, _, _ := strings.Cut(key, "|")
	h := fnv.New64a()
	h.Write([]byte(key))
	return fmt.Sprintf(`"%s-%016x"`, v, h.Sum64())
}

// etagMatch reports whether an If-None-Match header names the tile, in
// either representation. If-None-Match compares weakly (RFC 9110 13.1.2),
// so a W/ prefix is ignored.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	gz := gzipETag(etag)
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == gz {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: named
// (or * given) without q=0.
func acceptsGzip(header string) bool {
	star, gz := false, false
	starSet, gzSet := false, false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		ok := true
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f <= 0 {
					ok = false
				}
			}
		}
		switch name {
		case "gzip", "x-gzip":
			gz, gzSet = ok, true
		case "*":
			star, starSet = ok, true
		}
	}
	if gzSet {
		return gz
	}
	return starSet && star
}

var gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression); return w }}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)/2 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TileJSON is a TileJSON 3.0.0 document for one tile set.
type TileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Attribution  string        `json:"attribution"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	VectorLayers []VectorLayer `json:"vector_layers"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
}

// VectorLayer describes a layer of the tiles in a TileJSON.
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	Fields      map[string]string `json:"fields"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
}

func (ts *tileServer) tileJSON(w http.ResponseWriter, r *http.Request) error {
	if ts.err != nil {
		return ts.err
	}
	file := chi.URLParam(r, "file")
	set, ok := strings.CutSuffix(file, ".json")
	if !ok {
		return &Error{Status: http.StatusNotFound, Message: "no such page: " + r.URL.Path + " (a tile set's TileJSON is /tiles/{set}.json)"}
	}
	if _, err := tiles.ParseSet(set); err != nil {
		return err
	}
	q, err := ts.query(r, set)
	if err != nil {
		return err
	}
	q.Layer = layerParam(r) // the bounds' layer, kept for incidents too
	info, err := ts.render.Describe(r.Context(), q)
	if err != nil {
		return err
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	url := scheme + "://" + r.Host + "/tiles/" + set + "/{z}/{x}/{y}.mvt"
	if r.URL.RawQuery != "" {
		url += "?" + r.URL.RawQuery
	}
	b := info.Bounds
	doc := TileJSON{
		TileJSON: "3.0.0", Name: "Crime " + set, Description: info.Description,
		Attribution: ts.s.opts.Attribution, Scheme: "xyz", Tiles: []string{url},
		VectorLayers: []VectorLayer{{ID: set, Description: info.Description, Fields: info.Fields, MinZoom: info.MinZoom, MaxZoom: info.MaxZoom}},
		Bounds:       b, Center: [3]float64{(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, float64(max(info.MinZoom, 12))},
		MinZoom: info.MinZoom, MaxZoom: info.MaxZoom,
	}
	w.Header().Set("Cache-Control", ts.cacheControl())
	writeJSON(w, http.StatusOK, doc)
	return nil
}

// tileCache keeps finished tiles, least recently used dropped first, within
// a budget of bytes; a tile being rendered is rendered once however many
// ask for it at the same moment (internal/cache).
type tileCache = cache.Cache[*tileEntry]

type tileEntry struct {
	key     string
	raw, gz []byte // raw nil: an empty tile
}

// cost is what an entry counts against the budget, bookkeeping included.
func (e *tileEntry) cost() int64 { return int64(len(e.key) + len(e.raw) + len(e.gz) + 128) }

func newTileCache(max int64) *tileCache {
	return cache.New(1<<20, max, func(_ string, e *tileEntry) int64 { return e.cost() })
}
