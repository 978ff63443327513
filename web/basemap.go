package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/protomaps/go-pmtiles/pmtiles"
)

// A basemap from a PMTiles archive of the Protomaps basemap (Options.Basemap):
// go-pmtiles reads the tiles by byte ranges from the file, so a regional
// extract serves as it is, with no extraction and no internet. The page
// gets a MapLibre style whose layers are @protomaps/basemaps' "light"
// flavour, vendored (web/ui/vendor.sh), and whose one source is this
// server's /basemap tiles.

// basemapLayersFile is the vendored style layers (see web/ui/vendor.sh).
const basemapLayersFile = "static/vendor/protomaps-basemaps-5.7.2/light.json"

// ErrBasemap marks a basemap file that cannot be served.
var ErrBasemap = errors.New("web: basemap")

type basemap struct {
	srv     *pmtiles.Server
	name    string // the archive's file name without .pmtiles
	layers  json.RawMessage
	maxZoom int
	attrib  string
}

// openBasemap checks the archive (its header and metadata) at start-up, so
// a wrong path stops the server with a message instead of a blank map.
func openBasemap(path string, logger *log.Logger) (*basemap, error) {
	if !strings.HasSuffix(path, ".pmtiles") {
		return nil, fmt.Errorf("%w: %s is not a .pmtiles file; make one with `pmtiles extract` (see the README)", ErrBasemap, path)
	}
	if err := checkPMTilesHeader(path); err != nil {
		return nil, err
	}
	dir, file := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// The public URL only fills in the TileJSON read below for the zoom
	// range and attribution; the page's style names this server's own.
	srv, err := pmtiles.NewServerWithBucket(pmtiles.NewFileBucket(dir), "", logger, 64, "http://basemap")
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBasemap, path, err)
	}
	srv.Start()
	b := &basemap{srv: srv, name: strings.TrimSuffix(file, ".pmtiles")}
	status, _, body := srv.Get(context.Background(), "/"+b.name+".json")
	if status != http.StatusOK {
		return nil, fmt.Errorf("%w: %s cannot be read as a PMTiles archive (%d: %s)", ErrBasemap, path, status, strings.TrimSpace(string(body)))
	}
	var tj struct {
		MaxZoom     int    `json:"maxzoom"`
		Attribution string `json:"attribution"`
	}
	if err := json.Unmarshal(body, &tj); err != nil {
		return nil, fmt.Errorf("%w: %s: its TileJSON: %w", ErrBasemap, path, err)
	}
	b.maxZoom, b.attrib = tj.MaxZoom, tj.Attribution
	if b.layers, err = static.ReadFile(basemapLayersFile); err != nil {
		return nil, fmt.Errorf("%w: the vendored style %s: %w", ErrBasemap, basemapLayersFile, err)
	}
	return b, nil
}

// checkPMTilesHeader reads the archive's 127-byte header before go-pmtiles
// does: its server waits forever on a file that is not an archive.
func checkPMTilesHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBasemap, err)
	}
	defer f.Close()
	head := make([]byte, 127)
	if _, err := io.ReadFull(f, head); err != nil || !bytes.HasPrefix(head, []byte("PMTiles")) {
		return fmt.Errorf("%w: %s cannot be read as a PMTiles archive (it does not start with a PMTiles header)", ErrBasemap, path)
	}
	h, err := pmtiles.DeserializeHeader(head)
	if err != nil || h.SpecVersion != 3 {
		return fmt.Errorf("%w: %s cannot be read as a PMTiles archive: version %d, want 3 (convert it with `pmtiles convert`)", ErrBasemap, path, h.SpecVersion)
	}
	if h.TileType != pmtiles.Mvt {
		return fmt.Errorf("%w: %s holds raster or other tiles; the basemap needs vector tiles (MVT) of the Protomaps basemap", ErrBasemap, path)
	}
	return nil
}

func (s *Server) mountBasemap(r chi.Router) {
	if s.basemap == nil {
		return
	}
	r.Get("/basemap/style.json", s.adapt(s.basemapStyle))
	r.Get("/basemap/{z}/{x}/{y}.mvt", s.adapt(s.basemapTile))
}

// basemapStyle is the MapLibre style: the vendored layers over this
// server's tiles. No glyphs or sprite: MapLibre draws names with the
// browser's fonts, and icons are left out.
func (s *Server) basemapStyle(w http.ResponseWriter, r *http.Request) error {
	b := s.basemap
	attrib := b.attrib
	if attrib == "" {
		attrib = "© OpenStreetMap contributors"
	}
	style := map[string]any{
		"version": 8,
		"name":    "Protomaps basemap (light), served from " + b.name + ".pmtiles",
		"sources": map[string]any{
			"protomaps": map[string]any{
				"type": "vector", "tiles": []string{origin(r) + "/basemap/{z}/{x}/{y}.mvt"},
				"maxzoom": b.maxZoom, "attribution": attrib,
			},
		},
		"layers": b.layers,
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, style)
	return nil
}

func (s *Server) basemapTile(w http.ResponseWriter, r *http.Request) error {
	b := s.basemap
	path := fmt.Sprintf("/%s/%s/%s/%s.mvt", b.name, chi.URLParam(r, "z"), chi.URLParam(r, "x"), chi.URLParam(r, "y"))
	status, headers, body := b.srv.Get(r.Context(), path)
	switch {
	case status == http.StatusNoContent || status == http.StatusNotFound:
		// a tile the archive has not (outside an extract): nothing to draw
		w.WriteHeader(http.StatusNoContent)
		return nil
	case status != http.StatusOK:
		return &Error{Status: status, Message: fmt.Sprintf("basemap tile %s: %s", strings.TrimPrefix(path, "/"+b.name+"/"), strings.TrimSpace(string(body)))}
	}
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}

// origin is the scheme and host the request came to.
func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
