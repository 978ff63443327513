package tiles

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// Zone is a connected group of significant Gi* cells of one sign: hot cells
// (bin > 0) that touch along an edge, or cold cells (bin < 0) likewise,
// drawn as one polygon.
type Zone struct {
	ID    int        // 1.. in the order of the list: hot before cold, strongest first
	Bin   int        // the strongest bin of the zone's cells: the largest hot, or the most negative cold
	Cells []geo.Cell // ascending
	Count int64
	Harm  float64
	// Outline is the union of the cells' hexagons, orb.Point{lon, lat}:
	// counter-clockwise exterior rings, clockwise holes (cold pockets inside a
	// hot zone are holes of it).
	Outline orb.MultiPolygon
}

// Zones groups the significant cells of a hot spot map into zones, hot zones
// first; within a sign by strongest bin, then most cells, then count, then
// the first cell. The grouping is hotspot.GroupZones with no width limit
// (each connected group of one sign whole: the map shows clusters, the
// tasking sheet cuts them into walkable zones), and the outline geo.Outline.
func Zones(h *engine.Hotspots) ([]Zone, error) {
	sig := map[geo.Cell]int{} // cell -> index in h.Cells
	var hot, cold []hotspot.ZoneCell
	for i := range h.Cells {
		c := &h.Cells[i]
		if c.Bin == 0 {
			continue
		}
		sig[c.Cell] = i
		zc := hotspot.ZoneCell{Cell: c.Cell, Weight: float64(c.Count)}
		if c.Bin > 0 {
			hot = append(hot, zc)
		} else {
			cold = append(cold, zc)
		}
	}
	var zones []Zone
	for _, side := range [][]hotspot.ZoneCell{hot, cold} {
		groups, err := hotspot.GroupZones(side, 0)
		if err != nil {
			return nil, fmt.Errorf("tiles: zones: %w", err)
		}
		for _, cells := range groups {
			z := Zone{Cells: cells, Bin: h.Cells[sig[cells[0]]].Bin}
			for _, c := range cells {
				hc := &h.Cells[sig[c]]
				z.Count += hc.Count
				z.Harm += hc.Harm
				if abs(hc.Bin) > abs(z.Bin) {
					z.Bin = hc.Bin
				}
			}
			if z.Outline, err = geo.Outline(cells); err != nil {
				return nil, fmt.Errorf("tiles: zones: %w", err)
			}
			zones = append(zones, z)
		}
	}
	slices.SortFunc(zones, func(a, b Zone) int {
		if (a.Bin > 0) != (b.Bin > 0) {
			if a.Bin > 0 {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(abs(b.Bin), abs(a.Bin)); c != 0 {
			return c
		}
		if c := cmp.Compare(len(b.Cells), len(a.Cells)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Cells[0], b.Cells[0])
	})
	for i := range zones {
		zones[i].ID = i + 1
	}
	return zones, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// zoneSet is one query's zones, ready to draw.
type zoneSet struct {
	zones []Zone
	ps    *polySet
}

func (r *Renderer) zoneSet(ctx context.Context, q Query) (*zoneSet, error) {
	key := fmt.Sprintf("v%d|%s", r.version(), q.Key())
	return memoize(ctx, r.sets, key, func(ctx context.Context) (*zoneSet, error) {
		h, err := r.eng.Source(q.Source).WithTimes(q.Times).Hotspots(ctx, engine.HotspotQuery{Layer: q.Layer, Res: q.Res, K: q.K, From: q.From, To: q.To, Types: q.Types, Measure: q.Measure})
		if errors.Is(err, engine.ErrTooLarge) {
			// the layer's map is too large to compute whole: its
			// significant cells are not (kept under this key, so the
			// whole map is not tried again for every tile)
			return r.significantZones(ctx, q)
		}
		if err != nil {
			return nil, err
		}
		if h, err = q.View.Hotspots(h); err != nil {
			return nil, err
		}
		return newZoneSet(h)
	})
}

// significantZones is zoneSet for a layer whose whole hot spot map is over
// the engine's bound on cells: the significant cells alone, which the
// engine lists with the study area's cached statistics (a query with
// BBox and Significant), grouped by Zones as for the whole map. Zones
// ignores the other cells, so the zones, their ids and figures are the
// whole map's.
func (r *Renderer) significantZones(ctx context.Context, q Query) (*zoneSet, error) {
	if q.View.Protected() {
		// a protected view's zones come from Gi* over the whole map's
		// banded counts, which is what is too large here
		return nil, fmt.Errorf("%w: hot spot zones of a restricted source are drawn from the whole map, which is too large at this resolution; choose a smaller layer or a coarser resolution", engine.ErrTooLarge)
	}
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	h, err := r.eng.Source(q.Source).WithTimes(q.Times).Hotspots(ctx, engine.HotspotQuery{Layer: q.Layer, Res: q.Res, K: q.K,
		From: q.From, To: q.To, Types: q.Types, Measure: q.Measure, BBox: world, Significant: true})
	if err != nil {
		return nil, err
	}
	return newZoneSet(h)
}

func newZoneSet(h *engine.Hotspots) (*zoneSet, error) {
	zones, err := Zones(h)
	if err != nil {
		return nil, err
	}
	mps := make([]orb.MultiPolygon, len(zones))
	for i := range zones {
		mps[i] = zones[i].Outline
	}
	return &zoneSet{zones: zones, ps: newPolySet(mps)}, nil
}

func (r *Renderer) drawZones(ctx context.Context, b *tileBuilder, t Tile, q Query) error {
	zs, err := r.zoneSet(ctx, q)
	if err != nil {
		return err
	}
	f := newFrame(t, r.extent, r.buffer)
	polys := zs.ps.at(t.Z, r.extent)
	for i, bound := range zs.ps.bounds {
		if !bound.Intersects(f.bound) {
			continue
		}
		g := b.polygons(&f, polys[i])
		if g == nil {
			continue
		}
		z := &zs.zones[i]
		props := geojson.Properties{"id": uint64(z.ID), "bin": int64(z.Bin), "cells": uint64(len(z.Cells))}
		if b.count(props, "count", z.Count) {
			props["harm"] = z.Harm
		}
		b.add(uint64(z.ID), g, props)
	}
	return nil
}
