package tiles_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/tiles"
)

// TestCellsLocalEqualsSet: tiles drawn from their own cells (the path for
// queries too large to precompute, forced here with SetCells -1) equal the
// tiles drawn from the precomputed set, feature for feature: the same
// hexagons with the same geometry and figures, and Gi* z to 1e-9 with the
// same bin, on every tile over Stockton at zooms 9 (resolution 7) to 16
// (resolution 12, no Gi*), on count and at two zooms on harm.
func TestCellsLocalEqualsSet(t *testing.T) {
	e, set := newRenderer(t, tiles.Options{})
	local, err := tiles.New(e, stockton(t), tiles.Options{SetCells: -1})
	if err != nil {
		t.Fatal(err)
	}
	figs, err := e.CellFigures(context.Background(), engine.CellQuery{Res: 9})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		m engine.Measure
		z int
	}{{engine.Count, 9}, {engine.Count, 11}, {engine.Count, 12}, {engine.Count, 13}, {engine.Count, 14}, {engine.Count, 16}, {engine.Harm, 12}, {engine.Harm, 14}} {
		{
			m, z := c.m, c.z
			t.Run(fmt.Sprintf("%s_z%d", m, z), func(t *testing.T) {
				q := tiles.Query{Set: tiles.Cells, Measure: m}
				// every tile holding a resolution-9 cell with crime
				seen := map[tiles.Tile]bool{}
				var ts []tiles.Tile
				for _, c := range figs.Cells {
					tl := tileAt(c.Cell.Center(), z)
					if !seen[tl] {
						seen[tl] = true
						ts = append(ts, tl)
					}
				}
				if z >= 14 && len(ts) > 120 { // every few at the finest zooms, for time
					var every []tiles.Tile
					for i := 0; i < len(ts); i += len(ts) / 120 {
						every = append(every, ts[i])
					}
					ts = every
				}
				features, withZ := 0, 0
				for _, tl := range ts {
					ba, err1 := set.Render(context.Background(), tl, q)
					bb, err2 := local.Render(context.Background(), tl, q)
					if err1 != nil || err2 != nil || (ba == nil) != (bb == nil) {
						t.Fatalf("tile %s: set %d bytes (%v), local %d bytes (%v)", tl, len(ba), err1, len(bb), err2)
					}
					if ba == nil {
						continue
					}
					a := render(t, set, tl, q).layer(t, "cells")
					b := render(t, local, tl, q).layer(t, "cells")
					if len(a.features) != len(b.features) {
						t.Fatalf("tile %s: set %d features, local %d", tl, len(a.features), len(b.features))
					}
					for i := range a.features {
						fa, fb := a.features[i], b.features[i]
						za, _ := fa.props["z"].(float64)
						zb, _ := fb.props["z"].(float64)
						if math.Abs(za-zb) > 1e-9 {
							t.Fatalf("tile %s cell %v: z %v, local %v", tl, fa.props["cell"], za, zb)
						}
						if _, ok := fa.props["z"]; ok {
							withZ++
						}
						delete(fa.props, "z")
						delete(fb.props, "z")
						if fa.id != fb.id || !reflect.DeepEqual(fa.props, fb.props) || !reflect.DeepEqual(fa.rings, fb.rings) {
							t.Fatalf("tile %s feature %d:\n set   %d %v %v\n local %d %v %v", tl, i, fa.id, fa.props, fa.rings, fb.id, fb.props, fb.rings)
						}
					}
					features += len(a.features)
				}
				if features == 0 || (z >= 9 && z <= 15 && withZ == 0) {
					t.Fatalf("%d tiles, %d features, %d with z: the comparison says nothing", len(ts), features, withZ)
				}
				t.Logf("%d tiles, %d features, %d with Gi*", len(ts), features, withZ)
			})
		}
	}
}

// TestZonesSignificantEqualWhole: where the layer's whole hot spot map is
// over the engine's bound, hotspots tiles group the significant cells the
// engine lists with the study area's statistics; every tile holding a
// zone's cell at zooms 11 to 14 equals the tile drawn from the whole map
// (computed by an engine without the bound), zone ids, figures and outlines
// alike: the 82 Cleveland wards at resolution 9 (6,524 cells) with a bound
// of 4,000 cells.
func TestZonesSignificantEqualWhole(t *testing.T) {
	e, set := newRenderer(t, tiles.Options{})
	bounded, err := engine.New(stockton(t), engine.Options{MaxCells: 4000})
	if err != nil {
		t.Fatal(err)
	}
	local, err := tiles.New(bounded, stockton(t), tiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	q := engine.HotspotQuery{Layer: "wards-2013", Res: 9}
	if _, err := bounded.Hotspots(ctx, q); !errors.Is(err, engine.ErrTooLarge) {
		t.Fatalf("the whole map under the bound (err %v): the other path is not tested", err)
	}
	zones, err := tiles.Zones(mustHotspots(t, e, q))
	if err != nil {
		t.Fatal(err)
	}
	for _, zoom := range []int{11, 12, 13, 14} {
		seen := map[tiles.Tile]bool{}
		drawn := 0
		for _, z := range zones {
			for _, c := range z.Cells {
				tl := tileAt(c.Center(), zoom)
				if seen[tl] {
					continue
				}
				seen[tl] = true
				tq := tiles.Query{Set: tiles.Hotspots, Layer: "wards-2013"}
				a := render(t, set, tl, tq).layer(t, "hotspots")
				b := render(t, local, tl, tq).layer(t, "hotspots")
				if !reflect.DeepEqual(a.features, b.features) {
					t.Fatalf("tile %s:\n whole map %+v\n significant cells %+v", tl, a.features, b.features)
				}
				drawn += len(a.features)
			}
		}
		if drawn < len(zones) {
			t.Errorf("zoom %d: %d zones drawn in %d tiles, the map has %d", zoom, drawn, len(seen), len(zones))
		}
		t.Logf("zoom %d: %d tiles, %d zone drawings", zoom, len(seen), drawn)
	}
}
