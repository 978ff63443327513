package tiles

import (
	"context"
	"fmt"
	"strings"

	"github.com/stockton-csp/hotspots/engine"
)

// Info describes a tile set for a TileJSON document.
type Info struct {
	Set         Set
	Description string
	// Fields names each feature property with its type and meaning
	// ("Number: incidents in the cell").
	Fields map[string]string
	// Bounds is the area layer's extent: west, south, east, north (degrees).
	Bounds [4]float64
	// MinZoom is the first zoom with features; MaxZoom the last zoom whose
	// tiles differ from their parent's (deeper ones are served too, but a
	// client may as well over-zoom).
	MinZoom, MaxZoom int
}

// Describe says what the tiles of q's set hold. It checks the query like
// Render does, so a TileJSON is never handed out for tiles that would fail.
func (r *Renderer) Describe(ctx context.Context, q Query) (*Info, error) {
	layer := q.Layer
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	if layer = strings.TrimSpace(layer); layer == "" {
		layer = DefaultLayer
	}
	g, err := r.areaGeom(ctx, layer)
	if err != nil {
		return nil, err
	}
	b := g.layer.Bound()
	info := &Info{Set: q.Set, Bounds: [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}, MinZoom: 0, MaxZoom: indexZoom}
	num := func(s string) string { return "Number: " + s }
	unit := "; " + measureNote(q.Measure)
	switch q.Set {
	case Cells:
		_, err = r.cellSet(ctx, q, engine.DefaultRes) // checks the filters; res 9 is the hot spot API's default, often computed already
		// The bounds hold every cell, not the layer's box: a box would cut
		// the hexagons that cross it (the coarsest cells hold the finer
		// ones' points, and a finer hexagon reaches past its coarse cell by
		// less than 0.05 degrees).
		if err == nil {
			var coarse *cellSet
			if coarse, err = r.cellSet(ctx, q, CellRes(0)); err == nil && len(coarse.figs) > 0 {
				cb := coarse.lonlat.Pad(0.05)
				info.Bounds = [4]float64{cb.Min[0], cb.Min[1], cb.Max[0], cb.Max[1]}
			}
		}
		info.Description = "H3 hexagons holding incidents, at a resolution that follows the zoom (resolution 5 to zoom 6 ... 11 at zooms 14-15, 12 from 16); feature id is the H3 index"
		info.MaxZoom = 16
		info.Fields = map[string]string{
			"count":    num("incidents in the cell over the period"),
			"harm":     num("Cambridge Crime Harm Index days"),
			"cost":     num("GBP at 2015/16 prices (Home Office costs of crime)"),
			"z":        num("Getis-Ord Gi* z-score on the " + string(q.Measure) + " of the " + q.Layer + " study cells; present at resolutions 7-11 (zooms 9-15) for cells inside the layer, and not for measure cost"),
			"bin":      num("Gi* confidence bin, FDR-corrected: 3/2/1 hot spot at 99/95/90%, -3/-2/-1 cold spot, 0 not significant; present with z"),
			"top_type": "String: the crime type with most incidents in the cell",
			"cell":     "String: H3 cell index",
			"street":   "String: the busiest street or place among the police.uk map points in the cell (over every month loaded); absent where the cell has none",
			"outside":  "Boolean: true where the cell's centre lies outside every area of the layer (outside the study area); absent inside",
		}
	case Areas:
		_, err = r.areaSet(ctx, q)
		info.Description = "areas of layer " + q.Layer + " with their ranking figures; feature id is the area's position in the layer plus 1"
		info.Fields = map[string]string{
			"code":  "String: area code",
			"name":  "String: area name",
			"count": num("incidents in the area over the period"),
			"harm":  num("Cambridge Crime Harm Index days"),
			"cost":  num("GBP at 2015/16 prices (Home Office costs of crime)"),
			"rate":  num(string(q.Measure) + " per 1,000 residents over the period; absent without a population" + unit),
			"rank":  num("rank by " + string(q.Measure) + ", 1 the highest; ties share a rank"),
		}
	case Hotspots:
		_, err = r.zoneSet(ctx, q)
		info.Description = fmt.Sprintf("hot and cold spot zones: connected Gi* cells of one sign (H3 resolution %d, k=%d, %s) merged into polygons; feature id is the zone id", q.Res, q.K, q.Measure)
		info.Fields = map[string]string{
			"id":    num("zone number: hot zones first, strongest and largest first"),
			"bin":   num("strongest Gi* bin of the zone's cells: 3/2/1 hot at 99/95/90%, -3/-2/-1 cold"),
			"cells": num("H3 cells in the zone"),
			"count": num("incidents in the zone's cells over the period"),
			"harm":  num("Cambridge Crime Harm Index days in the zone's cells"),
		}
	case Incidents:
		var ls *locSet
		ls, err = r.locSet(ctx, q)
		info.Description = "police.uk anonymous map points with their incidents, one feature per point; feature id is the point's lon/lat in millionths"
		info.MinZoom = IncidentsMinZoom
		info.Fields = map[string]string{
			"count": num("incidents at the point over the period"),
			"name":  "String: police.uk's description of the point",
		}
		if err == nil {
			for _, l := range ls.locs {
				for _, tc := range l.ByType {
					if _, ok := info.Fields[tc.Type]; !ok {
						info.Fields[tc.Type] = num("incidents of this type at the point")
					}
				}
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if n := q.View.Note(); n != nil {
		for k, v := range info.Fields {
			switch {
			case k == "count":
				info.Fields[k] = v + "; " + n.Method
				info.Fields["count_band"] = "the count's band as people read it (\"<5\", \"5-9\")"
			case k == "harm" || k == "cost":
				info.Fields[k] = v + "; absent: withheld for this source"
			}
		}
	}
	return info, nil
}

func measureNote(m engine.Measure) string {
	switch m {
	case engine.Harm:
		return "harm is CCHI days"
	case engine.Cost:
		return "cost is GBP at 2015/16 prices"
	}
	return "count is incidents"
}
