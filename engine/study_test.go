package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// tileBound is web map tile z/x/y in lon/lat, by the slippy-map formula
// written out here (not the tiles package's).
func tileBound(z, x, y int) orb.Bound {
	n := math.Exp2(float64(z))
	lon := func(x int) float64 { return float64(x)/n*360 - 180 }
	lat := func(y int) float64 { return math.Atan(math.Sinh(math.Pi*(1-2*float64(y)/n))) * 180 / math.Pi }
	return orb.Bound{Min: orb.Point{lon(x), lat(y + 1)}, Max: orb.Point{lon(x + 1), lat(y)}}
}

// tileOf is the tile at zoom z holding p.
func tileOf(z int, p orb.Point) (int, int) {
	n := math.Exp2(float64(z))
	x := int((p[0] + 180) / 360 * n)
	lat := p[1] * math.Pi / 180
	y := int((1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2 * n)
	return x, y
}

// TestLocalGiStarEqualsWholeArea: for every tile that holds a study cell, at
// a zoom whose tiles are much smaller than the area, the hot spot cells of
// the tile's box (computed from the area's cached moments and FDR cut-offs
// and the tile's own k rings) equal the whole-area computation's cells whose
// centre lies in the tile, to 1e-9 in z and p and exactly in the bins and
// figures; and the tiles together give every study cell once. All 82
// Cleveland wards, resolutions 9 and 10, count and harm, k 1 and 2.
func TestLocalGiStarEqualsWholeArea(t *testing.T) {
	s := realStore(t, true)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	for _, c := range []struct {
		res, k, zoom int
		m            Measure
	}{{9, 1, 12, Count}, {10, 1, 13, Count}, {9, 2, 12, Harm}, {10, 1, 14, Harm}, {7, 3, 12, Count}, {8, 3, 12, Count}} {
		t.Run(fmt.Sprintf("res%d_k%d_z%d_%s", c.res, c.k, c.zoom, c.m), func(t *testing.T) {
			q := HotspotQuery{Layer: "cleveland", Res: c.res, K: c.k, Measure: c.m}
			whole, err := e.Hotspots(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			// the tiles holding a study cell's centre, and each tile's cells by hand
			byTile := map[[2]int][]HotCell{}
			for _, hc := range whole.Cells {
				x, y := tileOf(c.zoom, hc.Cell.Center())
				byTile[[2]int{x, y}] = append(byTile[[2]int{x, y}], hc)
			}
			if len(byTile) < 10 {
				t.Fatalf("only %d tiles at zoom %d: tiles are not much smaller than the area", len(byTile), c.zoom)
			}
			seen, sig := 0, 0
			for xy, want := range byTile {
				lq := q
				lq.BBox = tileBound(c.zoom, xy[0], xy[1])
				got, err := e.Hotspots(ctx, lq)
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Cells) != len(want) || got.Matched != len(want) {
					t.Fatalf("tile %d/%d/%d: %d cells (matched %d), the whole map has %d there", c.zoom, xy[0], xy[1], len(got.Cells), got.Matched, len(want))
				}
				for i, w := range want {
					g := got.Cells[i]
					if g.Cell != w.Cell || g.Count != w.Count || math.Abs(g.Harm-w.Harm) > 1e-9 ||
						math.Abs(g.Z-w.Z) > 1e-9 || math.Abs(g.P-w.P) > 1e-9 || g.Bin != w.Bin ||
						g.BinUncorrected != w.BinUncorrected || !slices.Equal(g.Areas, w.Areas) {
						t.Fatalf("tile %d/%d/%d cell %s:\n got %+v\nwant %+v", c.zoom, xy[0], xy[1], w.Cell, g, w)
					}
					if w.Bin != 0 {
						sig++
					}
				}
				// the significant cells of the box, listed with the statistics
				lq.Significant = true
				sig, err := e.Hotspots(ctx, lq)
				if err != nil {
					t.Fatal(err)
				}
				j := 0
				for _, w := range want {
					if w.Bin == 0 {
						continue
					}
					if j >= len(sig.Cells) || sig.Cells[j].Cell != w.Cell || math.Abs(sig.Cells[j].Z-w.Z) > 1e-9 || math.Abs(sig.Cells[j].P-w.P) > 1e-9 || sig.Cells[j].Bin != w.Bin || sig.Cells[j].Count != w.Count {
						t.Fatalf("tile %d/%d/%d: significant cell %d is not %+v", c.zoom, xy[0], xy[1], j, w)
					}
					j++
				}
				if j != len(sig.Cells) || sig.Matched != j || !slices.Equal(sig.Bins, got.Bins) || sig.Count != got.Count || sig.Harm != got.Harm {
					t.Fatalf("tile %d/%d/%d: %d significant cells, by hand %d; bins %v and %v, count %d and %d", c.zoom, xy[0], xy[1], len(sig.Cells), j, sig.Bins, got.Bins, sig.Count, got.Count)
				}
				seen += len(want)
				if got.StudyCells != whole.StudyCells {
					t.Errorf("study cells %d, whole map %d", got.StudyCells, whole.StudyCells)
				}
			}
			if seen != len(whole.Cells) {
				t.Errorf("the tiles hold %d cells, the study area %d", seen, len(whole.Cells))
			}
			if sig == 0 || sig == seen {
				t.Errorf("%d of %d cells significant: the comparison of bins says nothing", sig, seen)
			}
			t.Logf("%d tiles, %d cells, %d significant", len(byTile), seen, sig)
		})
	}
}

// TestHotspotsBoxBoundsCells: a box's cells are what MaxCells bounds, not
// the layer's. A layer over MaxCells is refused whole, answers for a box
// under it, and a box over it is refused with advice.
func TestHotspotsBoxBoundsCells(t *testing.T) {
	s := realStore(t, true)
	e := newEngine(t, s, Options{MaxCells: 3000})
	ctx := context.Background()
	q := HotspotQuery{Layer: "cleveland", Res: 9}
	if _, err := e.Hotspots(ctx, q); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("whole layer over the bound: err = %v, want ErrTooLarge", err)
	}
	// Stockton town centre, about 2 km by 1.5 km
	q.BBox = orb.Bound{Min: orb.Point{-1.33, 54.555}, Max: orb.Point{-1.30, 54.57}}
	h, err := e.Hotspots(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Cells) == 0 || len(h.Cells) > 100 || h.StudyCells <= 3000 {
		t.Errorf("town centre box: %d cells of a study area of %d", len(h.Cells), h.StudyCells)
	}
	q.BBox = orb.Bound{Min: orb.Point{-1.45, 54.45}, Max: orb.Point{-0.8, 54.75}}
	if _, err := e.Hotspots(ctx, q); !errors.Is(err, ErrTooLarge) {
		t.Errorf("box over the bound: err = %v, want ErrTooLarge", err)
	}
	for _, bad := range []orb.Bound{{Min: orb.Point{-1.3, 54.6}, Max: orb.Point{-1.4, 54.7}}, {Min: orb.Point{-200, 54.6}, Max: orb.Point{-1.4, 54.7}}} {
		q.BBox = bad
		if _, err := e.Hotspots(ctx, q); !errors.Is(err, ErrBadQuery) {
			t.Errorf("box %v: err = %v, want ErrBadQuery", bad, err)
		}
	}
}

// TestLocalGiStarEmptyPatch: where cells with no crime near them are
// significant (a busy square with an empty patch: its empty neighbourhoods
// are cold spots at 99%), the FDR cut-offs must count them, which they do as
// one p value per neighbourhood size. Local answers over the square and over
// its quarters equal the whole map.
func TestLocalGiStarEmptyPatch(t *testing.T) {
	const lon0, lat0 = -1.33, 54.55
	dlon, dlat := 4000/(111320*math.Cos(lat0*math.Pi/180)), 4000/111320.0
	square := fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"SQ","name":"Square"},`+
		`"geometry":{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]}}]}`,
		lon0, lat0, lon0+dlon, lat0+dlat)
	areas, _, err := geo.ReadAreas("square.geojson", []byte(square), geo.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cells, err := geo.PolygonCells(areas[0].Geometry[0], 9)
	if err != nil {
		t.Fatal(err)
	}
	patch, err := geo.CellAt(orb.Point{lon0 + dlon/2, lat0 + dlat/2}, 9)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := patch.Disk(2)
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString(data.PoliceUKHeader + "\n")
	for i, c := range cells {
		if slices.Contains(empty, c) {
			continue
		}
		p := c.Center()
		for j := range 6 + (i*7)%5 {
			fmt.Fprintf(&csv, "c%d-%d,2025-01,Cleveland Police,Cleveland Police,%.6f,%.6f,On or near Test Street,E01012345,Stockton-on-Tees 001A,Burglary,Under investigation,\n", i, j, p[0], p[1])
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "patch.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	parts, _, err := data.ReadIncidents(ctx, []string{path}, data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.OpenMem(filepath.Join(dir, "store"), data.MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.PutLayer(ctx, "square", areas, data.LayerMeta{Source: "square.geojson"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, parts); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, s, Options{})
	q := HotspotQuery{Layer: "square", Res: 9}
	whole, err := e.Hotspots(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	coldEmpty := 0
	for _, c := range whole.Cells {
		if c.Count == 0 && c.Bin == -3 {
			coldEmpty++
		}
	}
	if coldEmpty == 0 {
		t.Fatal("no empty cell is a cold spot: the case says nothing")
	}
	mid := orb.Point{lon0 + dlon/2, lat0 + dlat/2}
	boxes := []orb.Bound{{Min: orb.Point{lon0 - 0.1, lat0 - 0.1}, Max: orb.Point{lon0 + 0.1, lat0 + 0.1}},
		{Min: orb.Point{lon0 - 0.1, lat0 - 0.1}, Max: mid}, {Min: mid, Max: orb.Point{lon0 + 0.1, lat0 + 0.1}}}
	for _, box := range boxes {
		lq := q
		lq.BBox = box
		got, err := e.Hotspots(ctx, lq)
		if err != nil {
			t.Fatal(err)
		}
		var want []HotCell
		for _, c := range whole.Cells {
			if ctr := c.Cell.Center(); ctr[0] >= box.Min[0] && ctr[0] <= box.Max[0] && ctr[1] >= box.Min[1] && ctr[1] <= box.Max[1] {
				want = append(want, c)
			}
		}
		if len(got.Cells) != len(want) || len(want) == 0 {
			t.Fatalf("box %v: %d cells, by hand %d", box, len(got.Cells), len(want))
		}
		for i, w := range want {
			g := got.Cells[i]
			if g.Cell != w.Cell || math.Abs(g.Z-w.Z) > 1e-9 || math.Abs(g.P-w.P) > 1e-9 || g.Bin != w.Bin {
				t.Fatalf("box %v cell %s: got z %g p %g bin %d, want z %g p %g bin %d", box, w.Cell, g.Z, g.P, g.Bin, w.Z, w.P, w.Bin)
			}
		}
	}
	t.Logf("%d study cells, %d empty cells cold at 99%%", len(whole.Cells), coldEmpty)
}

// TestStudyKeptAcrossImportsNewForANewLayer: a layer's study area depends on
// its areas only, so an import of crime keeps it (no study is built again),
// while a layer replaced under the same name gets its own: the cells whose
// centre lies in its areas by orb's planar test (not H3's fill), and the same
// answer an engine without caches gives.
func TestStudyKeptAcrossImportsNewForANewLayer(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	q := HotspotQuery{Layer: "wards", Res: 9, BBox: stocktonBox}
	before, err := e.Hotspots(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if before.StudyCells != 2238 {
		t.Fatalf("%d study cells, want the 2,238 of the R spdep vector", before.StudyCells)
	}
	built := e.grids.Stats().Misses

	parts := cleveland(t)
	if err := s.Replace(ctx, parts[len(parts)-1:]); err != nil { // November 2025 again
		t.Fatal(err)
	}
	again, err := e.Hotspots(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if again.DataVersion == before.DataVersion {
		t.Fatal("the import did not change the data version")
	}
	if got := e.grids.Stats().Misses; got != built {
		t.Errorf("an import of crime built %d study structures again; want none", got-built)
	}

	wards := stocktonWards(t)[:5]
	if err := s.PutLayer(ctx, "wards", wards, data.LayerMeta{Source: "five wards"}); err != nil {
		t.Fatal(err)
	}
	after, err := e.Hotspots(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := newEngine(t, s, Options{}).Hotspots(ctx, HotspotQuery{Layer: "wards", Res: 9})
	if err != nil {
		t.Fatal(err)
	}
	// by hand: the old study cells (a superset) whose centre lies in the five
	old, err := newEngine(t, realStore(t, false), Options{}).Hotspots(ctx, HotspotQuery{Layer: "wards", Res: 9})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, c := range old.Cells {
		for _, w := range wards {
			if planar.MultiPolygonContains(w.Geometry, c.Cell.Center()) {
				want++
				break
			}
		}
	}
	if after.StudyCells != want || whole.StudyCells != want {
		t.Errorf("after replacing the layer: %d study cells (an engine without caches: %d); want %d by planar containment", after.StudyCells, whole.StudyCells, want)
	}
	fresh, err := newEngine(t, s, Options{}).Hotspots(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Cells) != len(fresh.Cells) {
		t.Fatalf("box: %d cells, an engine without caches %d", len(after.Cells), len(fresh.Cells))
	}
	for i := range after.Cells {
		a, f := after.Cells[i], fresh.Cells[i]
		if a.Cell != f.Cell || a.Count != f.Count || a.Bin != f.Bin || math.Abs(a.Z-f.Z) > 1e-12 || !slices.Equal(a.Areas, f.Areas) {
			t.Fatalf("cell %d: %+v, an engine without caches %+v", i, a, f)
		}
	}
}
