package tiles_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/tiles"
)

// The render benchmarks draw tiles that are not cached anywhere (there is
// no tile cache in this package), over precomputed sets: the cost of a tile
// a client asks for the first time, once the query's figures are known.
// Each reports its median time per tile as well as the mean.

// stocktonTiles lists the tiles of zoom z covering the Stockton wards.
func stocktonTiles(tb testing.TB, r *tiles.Renderer, z int) []tiles.Tile {
	tb.Helper()
	info, err := r.Describe(context.Background(), tiles.Query{Set: tiles.Areas})
	if err != nil {
		tb.Fatal(err)
	}
	b := info.Bounds
	nw := tileAt([2]float64{b[0], b[3]}, z)
	se := tileAt([2]float64{b[2], b[1]}, z)
	var out []tiles.Tile
	for x := nw.X; x <= se.X; x++ {
		for y := nw.Y; y <= se.Y; y++ {
			out = append(out, tiles.Tile{Z: z, X: x, Y: y})
		}
	}
	return out
}

func benchRender(b *testing.B, q tiles.Query, ts []tiles.Tile) {
	benchRenderWith(b, tiles.Options{}, q, ts)
}

func benchRenderWith(b *testing.B, opts tiles.Options, q tiles.Query, ts []tiles.Tile) {
	_, r := newRenderer(b, opts)
	ctx := context.Background()
	bytes, features := 0, 0
	for _, t := range ts { // warm the sets
		out, err := r.Render(ctx, t, q)
		if err != nil {
			b.Fatal(err)
		}
		bytes += len(out)
		if d, err := decodeTile(out); err == nil && len(d.layers) == 1 {
			features += len(d.layers[0].features)
		}
	}
	var took []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		t := ts[i%len(ts)]
		i++
		start := time.Now()
		if _, err := r.Render(ctx, t, q); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())+float64(took[len(took)/2]%time.Microsecond)/1e3, "median-µs/tile")
	b.ReportMetric(float64(took[int(math.Ceil(0.99*float64(len(took))))-1].Microseconds()), "p99-µs/tile")
	b.ReportMetric(float64(features)/float64(len(ts)), "features/tile")
	b.ReportMetric(float64(bytes)/float64(len(ts)), "bytes/tile")
}

// BenchmarkRenderCellsZ14 draws the busiest z14 cells tile, Stockton town
// centre (resolution 11 hexagons with Gi*).
func BenchmarkRenderCellsZ14(b *testing.B) {
	benchRender(b, tiles.Query{Set: tiles.Cells}, []tiles.Tile{tileAt(stocktonTownCentre, 14)})
}

// BenchmarkRenderCellsZ14Stockton draws every z14 cells tile over the
// Stockton wards in turn.
func BenchmarkRenderCellsZ14Stockton(b *testing.B) {
	_, r := newRenderer(b, tiles.Options{})
	benchRender(b, tiles.Query{Set: tiles.Cells}, stocktonTiles(b, r, 14))
}

// BenchmarkRenderCellsZ12 draws the z12 cells tile of Stockton town centre
// (resolution 9).
func BenchmarkRenderCellsZ12(b *testing.B) {
	benchRender(b, tiles.Query{Set: tiles.Cells}, []tiles.Tile{tileAt(stocktonTownCentre, 12)})
}

// BenchmarkRenderCellsZ12Stockton draws every z12 cells tile over the
// Stockton wards in turn.
func BenchmarkRenderCellsZ12Stockton(b *testing.B) {
	_, r := newRenderer(b, tiles.Options{})
	benchRender(b, tiles.Query{Set: tiles.Cells}, stocktonTiles(b, r, 12))
}

// BenchmarkRenderAreasZ12 draws the Stockton wards around the town centre.
func BenchmarkRenderAreasZ12(b *testing.B) {
	benchRender(b, tiles.Query{Set: tiles.Areas}, []tiles.Tile{tileAt(stocktonTownCentre, 12)})
}

// BenchmarkRenderHotspotsZ12 draws the hot spot zones around the town
// centre.
func BenchmarkRenderHotspotsZ12(b *testing.B) {
	benchRender(b, tiles.Query{Set: tiles.Hotspots}, []tiles.Tile{tileAt(stocktonTownCentre, 12)})
}

// BenchmarkRenderIncidentsZ16 draws the map points of the town centre.
func BenchmarkRenderIncidentsZ16(b *testing.B) {
	benchRender(b, tiles.Query{Set: tiles.Incidents}, []tiles.Tile{tileAt(stocktonTownCentre, 16)})
}

// BenchmarkRenderCellsLocalZ14 and Z12 draw the same tiles as
// BenchmarkRenderCellsZ14 and Z12 tile by tile (SetCells -1), as a query
// too large to precompute is drawn: its cells found by filling the tile
// with hexagons, their outlines from H3, Gi* from the area's cached
// statistics and the tile's own k rings.
func BenchmarkRenderCellsLocalZ14(b *testing.B) {
	benchRenderWith(b, tiles.Options{SetCells: -1}, tiles.Query{Set: tiles.Cells}, []tiles.Tile{tileAt(stocktonTownCentre, 14)})
}

func BenchmarkRenderCellsLocalZ12(b *testing.B) {
	benchRenderWith(b, tiles.Options{SetCells: -1}, tiles.Query{Set: tiles.Cells}, []tiles.Tile{tileAt(stocktonTownCentre, 12)})
}

// BenchmarkRenderHotspotsLocalZ12 draws the zones around the town centre
// where the layer's whole map is over the engine's bound (forced with
// MaxCells 2,000; the Stockton map has 2,238 cells): from the significant
// cells the engine lists with the study area's statistics, grouped once per
// query.
func BenchmarkRenderHotspotsLocalZ12(b *testing.B) {
	e, err := engine.New(stockton(b), engine.Options{MaxCells: 2000})
	if err != nil {
		b.Fatal(err)
	}
	r, err := tiles.New(e, stockton(b), tiles.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	t, q := tileAt(stocktonTownCentre, 12), tiles.Query{Set: tiles.Hotspots}
	if _, err := r.Render(ctx, t, q); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(ctx, t, q); err != nil {
			b.Fatal(err)
		}
	}
}
