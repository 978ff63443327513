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
	key := fmt.Sprintf("v%d|%s", r.version(), q.setKey())
	return memoize(ctx, r.sets, key, func(ctx context.Context) (*zoneSet, error) {
		h, err := r.eng.Source(q.Source).WithTimes(q.Times).Hotspots(ctx, engine.HotspotQuery{Layer: q.Layer, Res: q.Res, K: q.K, From: q.From, To: q.To, Types: q.Types, Measure: q.Measure})
		if err != nil {
			return nil, err
		}
		zones, err := Zones(h)
		if err != nil {
			return nil, err
		}
		mps := make([]orb.MultiPolygon, len(zones))
		for i := range zones {
			mps[i] = zones[i].Outline
		}
		return &zoneSet{zones: zones, ps: newPolySet(mps)}, nil
	})
}

// localZones groups the significant cells around tile t into zones with
// Zones, from the study area's cached Gi* statistics (engine.HotspotQuery
// with BBox): the box is the tile and its buffer with a margin of two
// hexagon edges, widened over each zone that reaches the tile and is cut by
// the box (a cell of it next to a cell outside) until none is, so
// its outline and figures are those of the whole map. A zone still cut
// after 16 widenings, or where a wider box would pass the bound on cells
// (engine Options.MaxCells), is drawn as far as it reaches.
// Zones are not ranked across the whole map here, so a zone's id is its
// first cell's H3 index, the same in every tile it crosses.
func (r *Renderer) localZones(ctx context.Context, t Tile, q Query) (*zoneSet, error) {
	f := newFrame(t, r.extent, r.buffer)
	tileBox := f.lonLatBound()
	eng := r.eng.Source(q.Source).WithTimes(q.Times)
	var last *zoneSet
	box := grow(tileBox, q.Res, 2)
	for round := 0; ; round++ {
		h, err := eng.Hotspots(ctx, engine.HotspotQuery{Layer: q.Layer, Res: q.Res, K: q.K, From: q.From, To: q.To,
			Types: q.Types, Measure: q.Measure, BBox: box, Significant: true})
		if errors.Is(err, engine.ErrTooLarge) && last != nil {
			return last, nil // as far as the bound on cells lets the zones reach
		}
		if err != nil {
			return nil, err
		}
		zones, err := Zones(h)
		if err != nil {
			return nil, err
		}
		var keep []Zone
		next := box
		for _, z := range zones {
			zb := z.Outline.Bound()
			if !zb.Intersects(tileBox) {
				continue
			}
			keep = append(keep, z)
			cut := false
			for _, c := range z.Cells {
				disk, err := c.Disk(1)
				if err != nil {
					return nil, fmt.Errorf("tiles: zones: %w", err)
				}
				for _, d := range disk {
					cut = cut || !box.Contains(d.Center())
				}
			}
			if cut {
				next = next.Union(grow(zb, q.Res, 3))
			}
		}
		mps := make([]orb.MultiPolygon, len(keep))
		for i := range keep {
			keep[i].ID = int(keep[i].Cells[0])
			mps[i] = keep[i].Outline
		}
		last = &zoneSet{zones: keep, ps: newPolySet(mps)}
		if next == box || round == 15 {
			return last, nil
		}
		box = next
	}
}

func (r *Renderer) drawZones(ctx context.Context, b *tileBuilder, t Tile, q Query) error {
	zs, err := r.zoneSet(ctx, q)
	if errors.Is(err, engine.ErrTooLarge) {
		// the layer's map is too large to compute whole: draw the zones
		// of the tile's own cells
		zs, err = r.localZones(ctx, t, q)
	}
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
