package tiles_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
	"github.com/stockton-csp/hotspots/tiles"
)

// The tests here read tiles with GDAL's MVT driver (ogrinfo, Debian's
// gdal-bin), a reader independent of this package, and check what it finds
// against the store and the engine. They skip when ogrinfo is missing, and
// fail when CI is set.

func ogrinfoPath(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("ogrinfo (gdal-bin) is required under CI: %v", err)
		}
		tb.Skip("ogrinfo not installed (apt-get install gdal-bin)")
	}
	return p
}

// ogrFeature is one feature as ogrinfo -al prints it.
type ogrFeature struct {
	props map[string]string // value as printed
	types map[string]string // OGR field type
	geom  string            // WKT
}

// ogrRead writes the tile as dir/z/x/y.pbf, the name GDAL's MVT driver
// takes to georeference a single tile in EPSG:3857, and reads it back with
// ogrinfo: the layer name, the feature count of the summary (-so), and the
// features (-al).
func ogrRead(tb testing.TB, t tiles.Tile, tile []byte) (layer string, summaryCount int, feats []ogrFeature) {
	tb.Helper()
	bin := ogrinfoPath(tb)
	path := filepath.Join(tb.TempDir(), fmt.Sprint(t.Z), fmt.Sprint(t.X), fmt.Sprint(t.Y)+".pbf")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, tile, 0o644); err != nil {
		tb.Fatal(err)
	}
	run := func(args ...string) []byte {
		// CLIP=NO: features in the buffer, outside the tile proper, are read too
		cmd := exec.Command(bin, append([]string{"-ro", "-al", "-oo", "CLIP=NO"}, append(args, path)...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || strings.Contains(stderr.String(), "ERROR") {
			tb.Fatalf("ogrinfo %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}
	sc := bufio.NewScanner(bytes.NewReader(run("-so")))
	for sc.Scan() {
		line := sc.Text()
		if s, ok := strings.CutPrefix(line, "Layer name: "); ok {
			layer = s
		}
		if s, ok := strings.CutPrefix(line, "Feature Count: "); ok {
			summaryCount, _ = strconv.Atoi(s)
		}
	}
	sc = bufio.NewScanner(bytes.NewReader(run("-q")))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "OGRFeature("):
			feats = append(feats, ogrFeature{props: map[string]string{}, types: map[string]string{}})
		case len(feats) == 0:
		case strings.HasPrefix(line, "  POLYGON") || strings.HasPrefix(line, "  MULTIPOLYGON") || strings.HasPrefix(line, "  POINT"):
			feats[len(feats)-1].geom = strings.TrimSpace(line)
		case strings.HasPrefix(line, "  ") && strings.Contains(line, ") = "):
			nameType, val, _ := strings.Cut(strings.TrimSpace(line), ") = ")
			name, typ, _ := strings.Cut(nameType, " (")
			feats[len(feats)-1].props[name] = val
			feats[len(feats)-1].types[name] = typ
		}
	}
	return layer, summaryCount, feats
}

func (f ogrFeature) int(tb testing.TB, name string) int64 {
	tb.Helper()
	n, err := strconv.ParseInt(f.props[name], 10, 64)
	if err != nil {
		tb.Fatalf("property %s = %q: %v", name, f.props[name], err)
	}
	return n
}

func (f ogrFeature) float(tb testing.TB, name string) float64 {
	tb.Helper()
	v, err := strconv.ParseFloat(f.props[name], 64)
	if err != nil {
		tb.Fatalf("property %s = %q: %v", name, f.props[name], err)
	}
	return v
}

// wktPoints reads the coordinates of a WKT geometry, whatever its nesting.
func wktPoints(tb testing.TB, wkt string) []orb.Point {
	tb.Helper()
	i := strings.IndexByte(wkt, '(')
	if i < 0 {
		tb.Fatalf("WKT %q", wkt)
	}
	var pts []orb.Point
	for _, pair := range strings.FieldsFunc(wkt[i:], func(r rune) bool { return r == ',' || r == '(' || r == ')' }) {
		xy := strings.Fields(pair)
		if len(xy) != 2 {
			continue
		}
		x, err1 := strconv.ParseFloat(xy[0], 64)
		y, err2 := strconv.ParseFloat(xy[1], 64)
		if err1 != nil || err2 != nil {
			tb.Fatalf("WKT pair %q", pair)
		}
		pts = append(pts, orb.Point{x, y})
	}
	return pts
}

// fromMercator converts EPSG:3857 metres to orb.Point{lon, lat}.
func fromMercator(p orb.Point) orb.Point {
	const r = 6378137.0
	return orb.Point{p[0] / r * 180 / math.Pi, (2*math.Atan(math.Exp(p[1]/r)) - math.Pi/2) * 180 / math.Pi}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

// TestOgrinfoCells: GDAL finds every hexagon of the z14 tile over Stockton
// town centre, each a single-ring polygon around its H3 cell's centre, with
// the count Store.Aggregate gives that cell and the harm and cost of
// engine.CellFigures; the counts add up to Aggregate's total for the cells.
func TestOgrinfoCells(t *testing.T) {
	e, r := newRenderer(t, tiles.Options{})
	ctx := context.Background()
	tile := tileAt(stocktonTownCentre, 14)
	b, err := r.Render(ctx, tile, tiles.Query{Set: tiles.Cells})
	if err != nil {
		t.Fatal(err)
	}
	ours, err := decodeTile(b)
	if err != nil {
		t.Fatal(err)
	}
	layer, n, feats := ogrRead(t, tile, b)
	if layer != "cells" || n != len(feats) || n != len(ours.layers[0].features) || n == 0 {
		t.Fatalf("ogrinfo: layer %q, %d features in summary, %d read; the tile has %d", layer, n, len(feats), len(ours.layers[0].features))
	}
	res := tiles.CellRes(14)
	figs, err := e.CellFigures(ctx, engine.CellQuery{Res: res})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := stockton(t).Aggregate(ctx, data.Query{From: figs.Period.From, To: figs.Period.To, Types: fixture.Crimes, By: data.GroupBy{CellRes: res}})
	if err != nil {
		t.Fatal(err)
	}
	agg := map[geo.Cell]int64{}
	for _, row := range rows {
		agg[row.Cell] = row.Count
	}
	var sum, want int64
	placed := 0
	for _, f := range feats {
		c, err := geo.ParseCell(f.props["cell"])
		if err != nil {
			t.Fatal(err)
		}
		if id := f.props["mvt_id"]; id != strconv.FormatUint(uint64(c), 10) {
			t.Errorf("cell %s: mvt_id %s", c, id)
		}
		n := f.int(t, "count")
		if n != agg[c] {
			t.Errorf("cell %s: GDAL reads count %d, Aggregate %d", c, n, agg[c])
		}
		sum += n
		want += agg[c]
		fig := figs.Find(c)
		if fig == nil || !near(f.float(t, "harm"), fig.Harm, 1e-9) || !near(f.float(t, "cost"), fig.Cost, 1e-9) || f.props["top_type"] != fig.TopType {
			t.Errorf("cell %s: GDAL reads %v; CellFigures %+v", c, f.props, fig)
		}
		if !strings.HasPrefix(f.geom, "POLYGON ((") || strings.Count(f.geom, "(") != 2 {
			t.Errorf("cell %s: geometry %.60s..., want a one-ring POLYGON", c, f.geom)
			continue
		}
		pts := wktPoints(t, f.geom)
		var cx, cy float64
		for _, p := range pts[:len(pts)-1] {
			cx += p[0]
			cy += p[1]
		}
		k := float64(len(pts) - 1)
		centre := fromMercator(orb.Point{cx / k, cy / k})
		want := c.Center()
		// hexagons whole in the tile: vertex mean within a few metres (a
		// tile unit at z14 is 0.6 Web Mercator metres) of the H3 centre
		if tileBound(tile).Contains(c.Center()) && len(pts) == 7 {
			placed++
			if math.Abs(centre[0]-want[0]) > 5e-5 || math.Abs(centre[1]-want[1]) > 3e-5 {
				t.Errorf("cell %s: GDAL's polygon centres on %v, the cell on %v", c, centre, want)
			}
		}
	}
	if placed < len(feats)/2 {
		t.Errorf("only %d of %d hexagons were checked for position", placed, len(feats))
	}
	if sum != want || sum == 0 {
		t.Errorf("GDAL's counts add to %d, Aggregate's for the same cells to %d", sum, want)
	}
	t.Logf("ogrinfo: %d hexagons, %d incidents", len(feats), sum)
}

// TestOgrinfoAreas: GDAL reads Stockton Town Centre's figures in the z12
// areas tile as engine.Ranking gives them.
func TestOgrinfoAreas(t *testing.T) {
	e, r := newRenderer(t, tiles.Options{})
	ctx := context.Background()
	tile := tileAt(stocktonTownCentre, 12)
	b, err := r.Render(ctx, tile, tiles.Query{Set: tiles.Areas})
	if err != nil {
		t.Fatal(err)
	}
	layer, n, feats := ogrRead(t, tile, b)
	ours, _ := decodeTile(b)
	if layer != "areas" || n != len(feats) || n != len(ours.layers[0].features) {
		t.Fatalf("ogrinfo: layer %q, %d features in summary, %d read; the tile has %d", layer, n, len(feats), len(ours.layers[0].features))
	}
	rk, err := e.Ranking(ctx, engine.RankingQuery{Layer: "wards"})
	if err != nil {
		t.Fatal(err)
	}
	var want engine.AreaRank
	for _, a := range rk.Areas {
		if a.Name == "Stockton Town Centre" {
			want = a
		}
	}
	found := false
	for _, f := range feats {
		if f.props["name"] != "Stockton Town Centre" {
			continue
		}
		found = true
		if f.props["code"] != want.Code || f.int(t, "count") != want.Count || f.int(t, "rank") != int64(want.Rank) ||
			!near(f.float(t, "harm"), want.Harm, 1e-9) || !near(f.float(t, "cost"), want.Cost, 1e-9) || !near(f.float(t, "rate"), *want.Rate, 1e-9) {
			t.Errorf("GDAL reads %v; Ranking %+v (rate %v)", f.props, want, *want.Rate)
		}
		if !strings.HasPrefix(f.geom, "POLYGON") && !strings.HasPrefix(f.geom, "MULTIPOLYGON") {
			t.Errorf("geometry %.40s", f.geom)
		}
	}
	if !found {
		t.Fatal("GDAL finds no Stockton Town Centre in its tile")
	}
}

// TestOgrinfoHotspotsAndIncidents: GDAL reads as many zones and map points,
// with the same figures, as the tiles hold.
func TestOgrinfoHotspotsAndIncidents(t *testing.T) {
	_, r := newRenderer(t, tiles.Options{})
	for _, c := range []struct {
		set  tiles.Set
		tile tiles.Tile
	}{
		{tiles.Hotspots, tileAt(stocktonTownCentre, 12)},
		{tiles.Incidents, tileAt(stocktonTownCentre, 15)},
	} {
		t.Run(string(c.set), func(t *testing.T) {
			b, err := r.Render(context.Background(), c.tile, tiles.Query{Set: c.set})
			if err != nil {
				t.Fatal(err)
			}
			ours, err := decodeTile(b)
			if err != nil {
				t.Fatal(err)
			}
			layer, n, feats := ogrRead(t, c.tile, b)
			fs := ours.layers[0].features
			if layer != string(c.set) || n != len(feats) || n != len(fs) || n == 0 {
				t.Fatalf("ogrinfo: layer %q, %d features in summary, %d read; the tile has %d", layer, n, len(feats), len(fs))
			}
			for i, f := range feats {
				if f.props["mvt_id"] != strconv.FormatUint(fs[i].id, 10) || uint64(f.int(t, "count")) != fs[i].props["count"] {
					t.Errorf("feature %d: GDAL reads %v; the tile has id %d %v", i, f.props, fs[i].id, fs[i].props)
				}
			}
		})
	}
}
