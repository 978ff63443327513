package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb/maptile"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/internal/pmtilesfixture"
)

// TestBasemap serves a PMTiles archive built in the test: the page is told
// to use /basemap/style.json, whose layers are the vendored Protomaps ones
// over this server's tiles, and a tile comes back byte for byte.
func TestBasemap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tees.pmtiles")
	if err := pmtilesfixture.Write(path); err != nil {
		t.Fatal(err)
	}
	_, ts := apiServer(t, Options{Basemap: path})
	var cfg struct {
		BasemapStyle string `json:"basemap_style"`
	}
	code, body := call(t, "GET", ts.URL+"/api/v1/config", "", nil)
	if err := json.Unmarshal(body, &cfg); code != http.StatusOK || err != nil || cfg.BasemapStyle != "/basemap/style.json" {
		t.Fatalf("config: %d %s", code, body)
	}
	code, body = call(t, "GET", ts.URL+"/basemap/style.json", "", nil)
	var style struct {
		Version int
		Glyphs  string
		Sprite  any
		Sources map[string]struct {
			Type    string
			Tiles   []string
			MaxZoom int
		}
		Layers []struct {
			ID          string
			Source      string
			SourceLayer string `json:"source-layer"`
			Layout      map[string]any
		}
	}
	if err := json.Unmarshal(body, &style); code != http.StatusOK || err != nil {
		t.Fatalf("style: %d %v %s", code, err, body)
	}
	src := style.Sources["protomaps"]
	if style.Version != 8 || style.Glyphs != "" || style.Sprite != nil || src.Type != "vector" || len(src.Tiles) != 1 ||
		src.Tiles[0] != ts.URL+"/basemap/{z}/{x}/{y}.mvt" || src.MaxZoom != pmtilesfixture.MaxZoom {
		t.Errorf("style %+v", style)
	}
	ids := map[string]bool{}
	for _, l := range style.Layers {
		ids[l.ID] = true
		if _, ok := l.Layout["icon-image"]; ok {
			t.Errorf("layer %s needs a sprite (icon-image), and none is vendored", l.ID)
		}
		if l.ID != "background" && l.Source != "protomaps" {
			t.Errorf("layer %s reads source %q", l.ID, l.Source)
		}
	}
	if len(style.Layers) < 50 || !ids["earth"] || !ids["water"] {
		t.Errorf("%d layers %v; want the Protomaps light flavour's", len(style.Layers), ids)
	}
	for _, tile := range []maptile.Tile{maptile.New(0, 0, 0), pmtilesfixture.StocktonTile} {
		want, err := pmtilesfixture.Tile(tile)
		if err != nil {
			t.Fatal(err)
		}
		code, body = call(t, "GET", fmt.Sprintf("%s/basemap/%d/%d/%d.mvt", ts.URL, tile.Z, tile.X, tile.Y), "", nil)
		if code != http.StatusOK || !bytes.Equal(body, want) {
			t.Errorf("tile %v: %d, %d bytes; want the %d bytes written", tile, code, len(body), len(want))
		}
	}
	if code, body = call(t, "GET", ts.URL+"/basemap/5/1/1.mvt", "", nil); code != http.StatusNoContent {
		t.Errorf("a tile the archive has not: %d %s; want 204", code, body)
	}
}

func TestBasemapRefused(t *testing.T) {
	store := ogcStore(t)
	eng, err := engine.New(store, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	notPM := filepath.Join(t.TempDir(), "x.pmtiles")
	if err := os.WriteFile(notPM, []byte("not an archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, says string }{
		{"/nowhere/tees.pmtiles", "no such file"},
		{"tees.mbtiles", "pmtiles extract"},
		{notPM, "cannot be read as a PMTiles archive"},
	} {
		_, err := New(store, eng, Options{Basemap: c.path})
		if !errors.Is(err, ErrBasemap) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v; want ErrBasemap saying %q", c.path, err, c.says)
		}
	}
}
