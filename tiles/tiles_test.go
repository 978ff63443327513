package tiles_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/stockton-csp/hotspots/disclosure"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
	"github.com/stockton-csp/hotspots/tiles"
)

func TestParseTile(t *testing.T) {
	tests := []struct {
		name    string
		z, x, y string
		want    tiles.Tile
		ok      bool
	}{
		{"root", "0", "0", "0", tiles.Tile{}, true},
		{"stockton z14", "14", "8132", "5200", tiles.Tile{Z: 14, X: 8132, Y: 5200}, true},
		{"deepest corner", "22", "4194303", "4194303", tiles.Tile{Z: 22, X: 4194303, Y: 4194303}, true},
		{"zoom too deep", "23", "0", "0", tiles.Tile{}, false},
		{"x past the edge", "2", "4", "0", tiles.Tile{}, false},
		{"y past the edge", "2", "0", "4", tiles.Tile{}, false},
		{"negative", "2", "-1", "0", tiles.Tile{}, false},
		{"not a number", "a", "0", "0", tiles.Tile{}, false},
		{"empty", "1", "", "0", tiles.Tile{}, false},
		{"plus sign", "1", "+1", "0", tiles.Tile{}, false},
		{"fraction", "1", "0.5", "0", tiles.Tile{}, false},
		{"overflow", "3", "99999999999999999999", "0", tiles.Tile{}, false},
		{"space", " 1", "0", "0", tiles.Tile{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tiles.ParseTile(tt.z, tt.x, tt.y)
			if tt.ok {
				if err != nil || got != tt.want {
					t.Fatalf("ParseTile = %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tiles.ErrBadTile) {
				t.Fatalf("ParseTile = %v, %v; want ErrBadTile", got, err)
			}
		})
	}
}

func TestCellRes(t *testing.T) {
	// Each step of the table: a hexagon's mean edge must be at least 4
	// screen pixels (256-pixel tiles) at Stockton's latitude, and the next
	// finer resolution must not be.
	edge := map[int]float64{5: 8544, 6: 3229, 7: 1220, 8: 461, 9: 174, 10: 66, 11: 25, 12: 9.4}
	prev := 0
	for z := 0; z <= tiles.MaxZoom; z++ {
		res := tiles.CellRes(z)
		if res < prev {
			t.Fatalf("zoom %d: resolution %d after %d", z, res, prev)
		}
		prev = res
		mpp := 156543.03 * math.Cos(54.6*math.Pi/180) / math.Pow(2, float64(z))
		px := edge[res] / mpp
		if z >= 6 && px < 4 {
			t.Errorf("zoom %d: resolution %d hexagons have %.1f px edges", z, res, px)
		}
		if res < geo.BaseRes && z >= 6 && edge[res+1]/mpp >= 4.4 {
			t.Errorf("zoom %d: resolution %d (%.1f px) would do", z, res+1, edge[res+1]/mpp)
		}
	}
}

func TestQueryNormalize(t *testing.T) {
	a, err := tiles.Query{Set: tiles.Cells, Types: []string{"Robbery", "Burglary", "Robbery"}, Measure: "HARM"}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	b, err := tiles.Query{Set: tiles.Cells, Layer: "wards", Types: []string{"Burglary", "Robbery"}, Measure: "harm", Res: 9}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if a.Key() != b.Key() {
		t.Errorf("keys differ: %q, %q", a.Key(), b.Key())
	}
	h, _ := tiles.Query{Set: tiles.Hotspots}.Normalize()
	if h.Res != engine.DefaultRes || h.K != engine.DefaultK {
		t.Errorf("hotspots defaults: res %d k %d", h.Res, h.K)
	}
	if _, err := (tiles.Query{Set: "roads"}).Normalize(); !errors.Is(err, tiles.ErrBadSet) {
		t.Errorf("set roads: %v", err)
	}
	if _, err := (tiles.Query{Set: tiles.Areas, Measure: "weight"}).Normalize(); !errors.Is(err, engine.ErrBadQuery) {
		t.Errorf("measure weight: %v", err)
	}
}

// TestWinding checks, on decoded tiles of every polygon set and on rings
// given both ways round, that exterior rings come out clockwise on screen
// (positive area, y down) and holes anticlockwise, as MVT 2.1 requires.
func TestWinding(t *testing.T) {
	_, r := newRenderer(t, tiles.Options{})
	for _, c := range []struct {
		set  tiles.Set
		tile tiles.Tile
	}{
		{tiles.Cells, tileAt(stocktonTownCentre, 14)},
		{tiles.Cells, tileAt(stocktonTownCentre, 10)},
		{tiles.Areas, tileAt(stocktonTownCentre, 11)},
		{tiles.Areas, tileAt(stocktonTownCentre, 15)},
		{tiles.Hotspots, tileAt(stocktonTownCentre, 12)},
		{tiles.Hotspots, tileAt(stocktonTownCentre, 9)},
	} {
		t.Run(string(c.set)+"/"+c.tile.String(), func(t *testing.T) {
			l := render(t, r, c.tile, tiles.Query{Set: c.set}).layer(t, string(c.set))
			if len(l.features) == 0 {
				t.Fatal("no features")
			}
			for _, f := range l.features {
				if f.typ != 3 || len(f.rings) == 0 {
					t.Fatalf("feature %d: type %d with %d rings", f.id, f.typ, len(f.rings))
				}
				if a := area2(f.rings[0]); a <= 0 {
					t.Errorf("feature %d: first ring has area %d, want > 0 (clockwise on screen)", f.id, a)
				}
				for i, ring := range f.rings {
					if len(ring) < 3 || area2(ring) == 0 {
						t.Errorf("feature %d ring %d: %d points, area 0", f.id, i, len(ring))
					}
				}
			}
		})
	}
}

// TestWindingHoles draws polygons with holes, which the sample's tiles
// lack, given every way round (exteriors counter-clockwise on the map as
// GeoJSON has them, clockwise, holes alike, rings open or closed, cut by the
// tile's edge), and checks the decoded tile: each exterior clockwise on
// screen (positive area, y down) and each hole anticlockwise and inside the
// exterior before it.
func TestWindingHoles(t *testing.T) {
	tile := tileAt(stocktonTownCentre, 14)
	b := tileBound(tile)
	// square returns the ring around a square of the tile given in
	// fractions of it (x east, y south), counter-clockwise on the map.
	square := func(x0, y0, x1, y1 float64) orb.Ring {
		pt := func(fx, fy float64) orb.Point {
			return orb.Point{b.Min[0] + fx*(b.Max[0]-b.Min[0]), b.Max[1] - fy*(b.Max[1]-b.Min[1])}
		}
		return orb.Ring{pt(x0, y1), pt(x1, y1), pt(x1, y0), pt(x0, y0), pt(x0, y1)}
	}
	reversed := func(r orb.Ring) orb.Ring {
		r = r.Clone()
		r.Reverse()
		return r
	}
	open := func(r orb.Ring) orb.Ring { return r[:len(r)-1] }
	ext, hole := square(0.25, 0.25, 0.75, 0.75), square(0.4, 0.4, 0.6, 0.6)
	tests := []struct {
		name  string
		mp    orb.MultiPolygon
		signs string // of the decoded rings' areas, in order
	}{
		{"GeoJSON order", orb.MultiPolygon{{ext, reversed(hole)}}, "+-"},
		{"reversed", orb.MultiPolygon{{reversed(ext), hole}}, "+-"},
		{"both counter-clockwise", orb.MultiPolygon{{ext, hole}}, "+-"},
		{"both clockwise", orb.MultiPolygon{{reversed(ext), reversed(hole)}}, "+-"},
		{"open rings", orb.MultiPolygon{{open(reversed(ext)), open(hole)}}, "+-"},
		{"cut by the edges", orb.MultiPolygon{{square(-0.5, -0.5, 1.5, 0.8), reversed(square(0.9, 0.1, 1.2, 0.3))}}, "+-"},
		{"hole outside the tile", orb.MultiPolygon{{square(-0.5, -0.5, 1.5, 1.5), square(1.3, 0.4, 1.4, 0.6)}}, "+"},
		{"two polygons", orb.MultiPolygon{{square(0.05, 0.05, 0.15, 0.15)}, {reversed(ext), reversed(hole)}}, "++-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tiles.EncodePolygon(tile, tt.mp)
			if err != nil {
				t.Fatal(err)
			}
			d, err := decodeTile(out)
			if err != nil {
				t.Fatal(err)
			}
			l := d.layer(t, "test")
			if len(l.features) != 1 || l.features[0].typ != 3 {
				t.Fatalf("%d features, want one polygon", len(l.features))
			}
			signs := ""
			var outer [][2]int64
			for i, ring := range l.features[0].rings {
				switch a := area2(ring); {
				case a > 0:
					signs += "+"
					outer = ring
				case a < 0:
					signs += "-"
					if outer == nil || !ringInside(ring, outer) {
						t.Errorf("ring %d is a hole (area %d) but not inside an exterior ring before it", i, a)
					}
				default:
					t.Errorf("ring %d has no area", i)
				}
			}
			if signs != tt.signs {
				t.Errorf("ring areas %s, want %s (+ clockwise on screen, an exterior)", signs, tt.signs)
			}
		})
	}
}

// ringInside reports whether every point of r is within the bounding box of
// outer, which is enough for the squares of TestWindingHoles.
func ringInside(r, outer [][2]int64) bool {
	lo, hi := outer[0], outer[0]
	for _, p := range outer {
		lo = [2]int64{min(lo[0], p[0]), min(lo[1], p[1])}
		hi = [2]int64{max(hi[0], p[0]), max(hi[1], p[1])}
	}
	for _, p := range r {
		if p[0] < lo[0] || p[0] > hi[0] || p[1] < lo[1] || p[1] > hi[1] {
			return false
		}
	}
	return true
}

// TestCellsAgreeWithStore checks the z14 tile over Stockton town centre
// against the store and the engine: every cell holding incidents whose
// centre is in the tile is drawn, with the count Aggregate gives it, the
// harm, cost and top type of CellFigures, and the z and bin of Hotspots.
func TestCellsAgreeWithStore(t *testing.T) {
	e, r := newRenderer(t, tiles.Options{})
	ctx := context.Background()
	tile := tileAt(stocktonTownCentre, 14)
	res := tiles.CellRes(14)
	l := render(t, r, tile, tiles.Query{Set: tiles.Cells}).layer(t, "cells")
	if l.extent != 4096 || l.version != 2 {
		t.Errorf("extent %d version %d", l.extent, l.version)
	}
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
	h, err := e.Hotspots(ctx, engine.HotspotQuery{Layer: "wards", Res: res})
	if err != nil {
		t.Fatal(err)
	}
	stat := map[geo.Cell]engine.HotCell{}
	for _, c := range h.Cells {
		stat[c.Cell] = c
	}
	drawn := map[geo.Cell]bool{}
	var sum, want int64
	withZ := 0
	for _, f := range l.features {
		c := geo.Cell(f.id)
		name, _ := f.props["cell"].(string)
		if pc, err := geo.ParseCell(name); err != nil || pc != c || c.Res() != res {
			t.Fatalf("feature id %x, cell %q, resolution %d", f.id, name, c.Res())
		}
		drawn[c] = true
		n, _ := f.props["count"].(uint64)
		if int64(n) != agg[c] {
			t.Errorf("cell %s: count %d, Aggregate %d", c, n, agg[c])
		}
		sum += int64(n)
		want += agg[c]
		fig := figs.Find(c)
		if fig == nil {
			t.Fatalf("cell %s is not in CellFigures", c)
		}
		if f.props["harm"] != fig.Harm || f.props["cost"] != fig.Cost || f.props["top_type"] != fig.TopType {
			t.Errorf("cell %s: harm %v cost %v top %v; want %v %v %v", c, f.props["harm"], f.props["cost"], f.props["top_type"], fig.Harm, fig.Cost, fig.TopType)
		}
		if hc, ok := stat[c]; ok {
			withZ++
			if f.props["z"] != hc.Z || f.props["bin"] != int64(hc.Bin) {
				t.Errorf("cell %s: z %v bin %v; Hotspots %v %v", c, f.props["z"], f.props["bin"], hc.Z, hc.Bin)
			}
		} else if _, ok := f.props["z"]; ok {
			t.Errorf("cell %s outside the study area has z", c)
		}
	}
	if sum != want || sum == 0 {
		t.Errorf("tile count %d, Aggregate of its cells %d", sum, want)
	}
	if withZ == 0 {
		t.Error("no cell of the tile has Gi* statistics")
	}
	b := tileBound(tile)
	for c, n := range agg {
		if n > 0 && b.Contains(c.Center()) && !drawn[c] {
			t.Errorf("cell %s (%d incidents) has its centre in the tile but is not drawn", c, n)
		}
	}
	t.Logf("z14 tile %s: %d cells, %d incidents, %d with Gi*", tile, len(l.features), sum, withZ)
}

func TestAreasAgreeWithRanking(t *testing.T) {
	e, r := newRenderer(t, tiles.Options{})
	for _, m := range []engine.Measure{engine.Count, engine.Cost} {
		t.Run(string(m), func(t *testing.T) {
			rk, err := e.Ranking(context.Background(), engine.RankingQuery{Layer: "wards", Measure: m})
			if err != nil {
				t.Fatal(err)
			}
			l := render(t, r, tileAt(stocktonTownCentre, 12), tiles.Query{Set: tiles.Areas, Measure: m}).layer(t, "areas")
			found := false
			for _, f := range l.features {
				var want *engine.AreaRank
				for i := range rk.Areas {
					if rk.Areas[i].Code == f.props["code"] {
						want = &rk.Areas[i]
					}
				}
				if want == nil {
					t.Fatalf("feature %v is not in the ranking", f.props)
				}
				if f.props["name"] != want.Name || f.props["count"] != uint64(want.Count) || f.props["harm"] != want.Harm ||
					f.props["cost"] != want.Cost || f.props["rank"] != uint64(want.Rank) || f.props["rate"] != *want.Rate {
					t.Errorf("%s: %v; ranking %+v rate %v", want.Name, f.props, *want, *want.Rate)
				}
				if want.Name == "Stockton Town Centre" {
					found = true
				}
			}
			if !found {
				t.Error("Stockton Town Centre is not in its own tile")
			}
		})
	}
}

// TestZones checks the hot spot zones: every significant cell in exactly
// one zone of its sign, zones connected, and each outline covering the same
// area as its hexagons (so the union neither lost nor added any).
func TestZones(t *testing.T) {
	e, r := newRenderer(t, tiles.Options{})
	for _, res := range []int{8, 9, 10, 11} {
		t.Run(fmt.Sprintf("res%d", res), func(t *testing.T) {
			h, err := e.Hotspots(context.Background(), engine.HotspotQuery{Layer: "wards", Res: res})
			if err != nil {
				t.Fatal(err)
			}
			checkZones(t, h)
		})
	}
	zones, err := tiles.Zones(mustHotspots(t, e, engine.HotspotQuery{Layer: "wards"}))
	if err != nil {
		t.Fatal(err)
	}
	// the tile: zone properties as Zones gives them
	l := render(t, r, tileAt(stocktonTownCentre, 11), tiles.Query{Set: tiles.Hotspots}).layer(t, "hotspots")
	for _, f := range l.features {
		z := zones[f.id-1]
		if f.props["id"] != uint64(z.ID) || f.props["bin"] != int64(z.Bin) || f.props["cells"] != uint64(len(z.Cells)) ||
			f.props["count"] != uint64(z.Count) || f.props["harm"] != z.Harm {
			t.Errorf("feature %d: %v; zone %d bin %d cells %d count %d harm %g", f.id, f.props, z.ID, z.Bin, len(z.Cells), z.Count, z.Harm)
		}
	}
}

func mustHotspots(tb testing.TB, e *engine.Engine, q engine.HotspotQuery) *engine.Hotspots {
	tb.Helper()
	h, err := e.Hotspots(context.Background(), q)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// TestZoneHole: a ring of hot cells around a cell that is not significant
// is one zone with one hole; two cold cells further out are a zone of
// their own.
func TestZoneHole(t *testing.T) {
	centre, err := geo.CellAt(stocktonTownCentre, 9)
	if err != nil {
		t.Fatal(err)
	}
	disk, err := centre.Disk(3)
	if err != nil {
		t.Fatal(err)
	}
	h := &engine.Hotspots{}
	far := 0
	for _, c := range disk {
		hc := engine.HotCell{Cell: c, Count: 1}
		d1, _ := c.Disk(1)
		switch {
		case c == centre:
		case slices.Contains(d1, centre):
			hc.Bin = 2
		case far < 2 && !slices.ContainsFunc(d1, func(x geo.Cell) bool {
			d, _ := x.Disk(1)
			return slices.Contains(d, centre)
		}):
			hc.Bin = -1
			far++
		}
		h.Cells = append(h.Cells, hc)
	}
	zones := checkZones(t, h)
	if len(zones) < 2 || zones[0].Bin != 2 || len(zones[0].Cells) != 6 || len(zones[0].Outline) != 1 || len(zones[0].Outline[0]) != 2 {
		t.Fatalf("zones %+v", zones)
	}
}

func checkZones(t *testing.T, h *engine.Hotspots) []tiles.Zone {
	t.Helper()
	zones, err := tiles.Zones(h)
	if err != nil {
		t.Fatal(err)
	}
	sig := map[geo.Cell]int{}
	for _, c := range h.Cells {
		if c.Bin != 0 {
			sig[c.Cell] = c.Bin
		}
	}
	in := map[geo.Cell]int{}
	holes := 0
	for i, z := range zones {
		if z.ID != i+1 {
			t.Errorf("zone %d has id %d", i, z.ID)
		}
		var cellArea float64
		strongest := 0
		for _, c := range z.Cells {
			if _, dup := in[c]; dup {
				t.Errorf("cell %s in two zones", c)
			}
			in[c] = z.ID
			if (sig[c] > 0) != (z.Bin > 0) || sig[c] == 0 {
				t.Errorf("zone %d (bin %d) holds cell %s of bin %d", z.ID, z.Bin, c, sig[c])
			}
			if abs(sig[c]) > abs(strongest) {
				strongest = sig[c]
			}
			cellArea += planar.Area(orb.Polygon{c.Boundary()})
		}
		if strongest != z.Bin {
			t.Errorf("zone %d: bin %d, strongest cell %d", z.ID, z.Bin, strongest)
		}
		if len(z.Outline) != 1 {
			t.Errorf("zone %d of %d cells: %d polygons, want 1 (connected)", z.ID, len(z.Cells), len(z.Outline))
		}
		for _, p := range z.Outline {
			if p[0].Orientation() != orb.CCW {
				t.Errorf("zone %d: exterior not counter-clockwise", z.ID)
			}
			for _, hole := range p[1:] {
				holes++
				if hole.Orientation() != orb.CW {
					t.Errorf("zone %d: hole not clockwise", z.ID)
				}
			}
		}
		if got := planar.Area(z.Outline); math.Abs(got-cellArea) > 1e-9*cellArea+1e-12 {
			t.Errorf("zone %d: outline area %g, cells %g", z.ID, got, cellArea)
		}
	}
	if len(in) != len(sig) {
		t.Errorf("%d significant cells, %d in zones", len(sig), len(in))
	}
	if len(zones) == 0 {
		t.Fatal("no zones")
	}
	t.Logf("%d zones of %d significant cells, %d holes", len(zones), len(sig), holes)
	return zones
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// TestIncidents checks a z16 tile of map points against the store's
// incidents in it, and that the set is empty before zoom 15.
func TestIncidents(t *testing.T) {
	e, r := newRenderer(t, tiles.Options{})
	ctx := context.Background()
	tile := tileAt(stocktonTownCentre, 16)
	l := render(t, r, tile, tiles.Query{Set: tiles.Incidents}).layer(t, "incidents")
	ls, err := e.Locations(ctx, engine.LocationQuery{})
	if err != nil {
		t.Fatal(err)
	}
	b := tileBound(tile)
	var want, inTile int64
	err = stockton(t).Incidents(ctx, data.Query{From: ls.Period.From, To: ls.Period.To, Types: fixture.Crimes}, func(in *data.Incident) error {
		if in.Located() && b.Contains(in.Point) {
			want++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range l.features {
		if f.typ != 1 || len(f.rings) != 1 || len(f.rings[0]) != 1 {
			t.Fatalf("feature %d: type %d, geometry %v", f.id, f.typ, f.rings)
		}
		p := f.rings[0][0]
		n := f.props["count"].(uint64)
		var byType uint64
		for k, v := range f.props {
			if k != "count" && k != "name" {
				byType += v.(uint64)
			}
		}
		if byType != n {
			t.Errorf("point %d: count %d, by type %d", f.id, n, byType)
		}
		if p[0] >= 0 && p[0] < 4096 && p[1] >= 0 && p[1] < 4096 {
			inTile += int64(n)
		}
	}
	if inTile != want || want == 0 {
		t.Errorf("points in the tile count %d incidents, the store %d", inTile, want)
	}
	if b, err := r.Render(ctx, tileAt(stocktonTownCentre, 14), tiles.Query{Set: tiles.Incidents}); err != nil || b != nil {
		t.Errorf("zoom 14: %d bytes, %v; want nothing", len(b), err)
	}
}

func TestRenderErrors(t *testing.T) {
	_, r := newRenderer(t, tiles.Options{})
	ctx := context.Background()
	tile := tileAt(stocktonTownCentre, 12)
	tests := []struct {
		name string
		tile tiles.Tile
		q    tiles.Query
		want error
	}{
		{"bad tile", tiles.Tile{Z: 3, X: 8}, tiles.Query{Set: tiles.Cells}, tiles.ErrBadTile},
		{"bad set", tile, tiles.Query{Set: "roads"}, tiles.ErrBadSet},
		{"bad measure", tile, tiles.Query{Set: tiles.Areas, Measure: "volume"}, engine.ErrBadQuery},
		{"unknown type", tile, tiles.Query{Set: tiles.Cells, Types: []string{"Arson"}}, engine.ErrBadQuery},
		{"unknown type, no points at this zoom", tile, tiles.Query{Set: tiles.Incidents, Types: []string{"Arson"}}, engine.ErrBadQuery},
		{"month not loaded", tile, tiles.Query{Set: tiles.Areas, To: data.MonthOf(2030, 1)}, engine.ErrNoMonth},
		{"no such layer", tile, tiles.Query{Set: tiles.Cells, Layer: "beats"}, data.ErrNoLayer},
		{"no such layer for areas", tile, tiles.Query{Set: tiles.Areas, Layer: "beats"}, data.ErrNoLayer},
		{"Gi* not on cost", tile, tiles.Query{Set: tiles.Hotspots, Measure: engine.Cost}, engine.ErrBadQuery},
		{"grid too fine", tile, tiles.Query{Set: tiles.Hotspots, Res: 13}, engine.ErrBadQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := r.Render(ctx, tt.tile, tt.q)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Render = %d bytes, %v; want %v", len(b), err, tt.want)
			}
		})
	}
}

func TestEmptyTile(t *testing.T) {
	_, r := newRenderer(t, tiles.Options{})
	atlantic := tileAt(orb.Point{-30, 45}, 12)
	for _, set := range tiles.Sets {
		b, err := r.Render(context.Background(), atlantic, tiles.Query{Set: set})
		if err != nil || b != nil {
			t.Errorf("%s over the Atlantic: %d bytes, %v; want nil", set, len(b), err)
		}
	}
}

// TestCostHasNoGiStar: with measure cost the cells carry no z or bin.
func TestCostHasNoGiStar(t *testing.T) {
	_, r := newRenderer(t, tiles.Options{})
	l := render(t, r, tileAt(stocktonTownCentre, 12), tiles.Query{Set: tiles.Cells, Measure: engine.Cost}).layer(t, "cells")
	for _, f := range l.features {
		if _, ok := f.props["z"]; ok {
			t.Fatalf("cell %x has z with measure cost", f.id)
		}
	}
}

func TestDescribe(t *testing.T) {
	_, r := newRenderer(t, tiles.Options{})
	for _, set := range tiles.Sets {
		info, err := r.Describe(context.Background(), tiles.Query{Set: set})
		if err != nil {
			t.Fatal(err)
		}
		if info.Bounds[0] > -1.3 || info.Bounds[2] < -1.3 || info.Bounds[1] > 54.5 || info.Bounds[3] < 54.6 || len(info.Fields) == 0 {
			t.Errorf("%s: %+v", set, info)
		}
	}
}

// TestViewBands: under a protected view (police.uk restricted for the
// test), every count is drawn as the lower end of its band of five, worked
// here from the exact tile by hand (n - n mod 5), labelled "<5" or "lo-hi",
// with harm and cost left out; every other property of the areas and of
// cells without Gi* is as without it.
func TestViewBands(t *testing.T) {
	_, r := newRenderer(t, tiles.Options{})
	v := disclosure.New(disclosure.Options{Public: []string{}}).View("police.uk", false)
	for _, c := range []struct {
		set  tiles.Set
		tile tiles.Tile
	}{
		{tiles.Cells, tileAt(stocktonTownCentre, 14)},
		{tiles.Areas, tileAt(stocktonTownCentre, 12)},
	} {
		t.Run(string(c.set), func(t *testing.T) {
			plain := render(t, r, c.tile, tiles.Query{Set: c.set}).layer(t, string(c.set))
			band := render(t, r, c.tile, tiles.Query{Set: c.set, View: v}).layer(t, string(c.set))
			if len(plain.features) != len(band.features) {
				t.Fatalf("%d features, %d banded", len(plain.features), len(band.features))
			}
			small := 0
			for i, f := range plain.features {
				g := band.features[i]
				n := f.props["count"].(uint64)
				lo := n - n%5
				want := fmt.Sprintf("%d-%d", lo, lo+4)
				if lo == 0 {
					want = "<5"
					small++
				}
				if g.props["count"] != lo || g.props["count_band"] != want {
					t.Errorf("feature %d: count %d drawn as %v, %v; want %d, %s", f.id, n, g.props["count"], g.props["count_band"], lo, want)
				}
				for k, x := range f.props {
					switch k {
					case "count", "rank", "rate", "z", "bin":
					case "harm", "cost":
						if _, ok := g.props[k]; ok {
							t.Errorf("feature %d: %s drawn", f.id, k)
						}
					case "top_type":
						if n >= 5 && g.props[k] != x {
							t.Errorf("feature %d: %s %v became %v", f.id, k, x, g.props[k])
						}
					default:
						if g.props[k] != x {
							t.Errorf("feature %d: %s %v became %v", f.id, k, x, g.props[k])
						}
					}
				}
			}
			if small == 0 && c.set == tiles.Cells {
				t.Error("no count under 5 in the tile")
			}
		})
	}
}

// TestCellsStudyArea: a cell is marked outside exactly when it is not a
// Gi* study cell of the layer (the engine's own grid of cells whose centre
// is in a ward), the cells carry their busiest street, and the cells'
// TileJSON bounds reach every Cleveland cell, not only the layer's box.
func TestCellsStudyArea(t *testing.T) {
	e, r := newRenderer(t, tiles.Options{})
	ctx := context.Background()
	// z12 over the Tees between Stockton and Middlesbrough: both sides
	tile := tileAt(orb.Point{-1.27, 54.57}, 12)
	l := render(t, r, tile, tiles.Query{Set: tiles.Cells}).layer(t, "cells")
	h, err := e.Hotspots(ctx, engine.HotspotQuery{Layer: "wards", Res: tiles.CellRes(12)})
	if err != nil {
		t.Fatal(err)
	}
	study := map[geo.Cell]bool{}
	for _, c := range h.Cells {
		study[c.Cell] = true
	}
	in, out := 0, 0
	for _, f := range l.features {
		c := geo.Cell(f.id)
		_, marked := f.props["outside"]
		if marked != !study[c] || (marked && f.props["outside"] != true) {
			t.Errorf("cell %s: outside %v, study cell %v", c, f.props["outside"], study[c])
		}
		if marked {
			out++
		} else {
			in++
		}
	}
	if in == 0 || out == 0 {
		t.Errorf("%d cells inside and %d outside; the tile should have both", in, out)
	}
	regent := tileAt(orb.Point{-1.313972, 54.565497}, 15)
	rc, _ := geo.CellAt(orb.Point{-1.313972, 54.565497}, tiles.CellRes(15))
	found := false
	for _, f := range render(t, r, regent, tiles.Query{Set: tiles.Cells}).layer(t, "cells").features {
		if geo.Cell(f.id) == rc {
			found = true
			if f.props["street"] != "Regent Street" {
				t.Errorf("the cell of Regent Street's point is named %v", f.props["street"])
			}
		}
	}
	if !found {
		t.Error("the cell of Regent Street's point is not drawn")
	}
	info, err := r.Describe(ctx, tiles.Query{Set: tiles.Cells})
	if err != nil {
		t.Fatal(err)
	}
	// Loftus (-0.885, 54.554) and Hartlepool (54.71 N) hold incidents far
	// outside the Stockton wards' box (-1.46..-1.15, 54.46..54.65).
	if info.Bounds[2] < -0.885 || info.Bounds[3] < 54.71 {
		t.Errorf("cells bounds %v do not reach Loftus and Hartlepool", info.Bounds)
	}
}
