package tiles

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
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
// the first cell.
func Zones(h *engine.Hotspots) ([]Zone, error) {
	sig := map[geo.Cell]int{} // cell -> index in h.Cells
	for i := range h.Cells {
		if h.Cells[i].Bin != 0 {
			sig[h.Cells[i].Cell] = i
		}
	}
	seen := make(map[geo.Cell]bool, len(sig))
	var zones []Zone
	for i := range h.Cells {
		c0 := h.Cells[i]
		if c0.Bin == 0 || seen[c0.Cell] {
			continue
		}
		// flood fill along edges (H3 grid distance 1) through cells of the
		// same sign
		hot := c0.Bin > 0
		z := Zone{Bin: c0.Bin}
		stack := []geo.Cell{c0.Cell}
		seen[c0.Cell] = true
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			hc := &h.Cells[sig[c]]
			z.Cells = append(z.Cells, c)
			z.Count += hc.Count
			z.Harm += hc.Harm
			if (hot && hc.Bin > z.Bin) || (!hot && hc.Bin < z.Bin) {
				z.Bin = hc.Bin
			}
			disk, err := c.Disk(1)
			if err != nil {
				return nil, fmt.Errorf("tiles: zones: %w", err)
			}
			for _, d := range disk {
				j, ok := sig[d]
				if !ok || seen[d] || (h.Cells[j].Bin > 0) != hot {
					continue
				}
				seen[d] = true
				stack = append(stack, d)
			}
		}
		slices.Sort(z.Cells)
		z.Outline = outline(z.Cells)
		zones = append(zones, z)
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

// outline unions the hexagons of cells. Neighbouring hexagons share an edge,
// which each runs in the opposite direction (both outlines are
// counter-clockwise), so dropping every edge that appears both ways leaves
// the union's boundary; chaining what is left gives its rings. A vertex
// shared by neighbours is computed by each from its own cell, so vertices
// are matched within 1e-9 degrees (0.1 mm) rather than exactly.
//
// Should the edges fail to chain (a cell with a distortion vertex on an
// icosahedron edge, which its neighbour lacks), the hexagons are returned
// unmerged: the same area, only with inner edges.
func outline(cells []geo.Cell) orb.MultiPolygon {
	const q = 1e8 // vertex grid: 1e-8 degree
	type vkey [2]int64
	grid := map[vkey][]int32{}
	var verts []orb.Point
	vertex := func(p orb.Point) int32 {
		k := vkey{int64(math.Round(p[0] * q)), int64(math.Round(p[1] * q))}
		for dx := int64(-1); dx <= 1; dx++ {
			for dy := int64(-1); dy <= 1; dy++ {
				for _, id := range grid[vkey{k[0] + dx, k[1] + dy}] {
					v := verts[id]
					if math.Abs(v[0]-p[0]) < 1e-9 && math.Abs(v[1]-p[1]) < 1e-9 {
						return id
					}
				}
			}
		}
		id := int32(len(verts))
		verts = append(verts, p)
		grid[k] = append(grid[k], id)
		return id
	}
	type edge [2]int32
	edges := map[edge]bool{}
	var rings []orb.Ring
	for _, c := range cells {
		b := c.Boundary()
		if len(b) < 4 {
			continue
		}
		rings = append(rings, b)
		ids := make([]int32, len(b)-1)
		for i := range ids {
			ids[i] = vertex(b[i])
		}
		for i := range ids {
			e := edge{ids[i], ids[(i+1)%len(ids)]}
			if e[0] == e[1] {
				continue
			}
			if edges[edge{e[1], e[0]}] {
				delete(edges, edge{e[1], e[0]})
			} else {
				edges[e] = true
			}
		}
	}
	unmerged := func() orb.MultiPolygon {
		mp := make(orb.MultiPolygon, len(rings))
		for i, r := range rings {
			mp[i] = orb.Polygon{r}
		}
		return mp
	}
	next := make(map[int32]int32, len(edges))
	for e := range edges {
		if _, dup := next[e[0]]; dup {
			return unmerged()
		}
		next[e[0]] = e[1]
	}
	var outers, holes []orb.Ring
	for len(next) > 0 {
		var start int32 = math.MaxInt32
		for v := range next { // the smallest vertex, so the output is stable
			start = min(start, v)
		}
		ring := orb.Ring{verts[start]}
		for v := start; ; {
			n, ok := next[v]
			if !ok {
				return unmerged()
			}
			delete(next, v)
			ring = append(ring, verts[n])
			if n == start {
				break
			}
			v = n
		}
		if len(ring) < 4 {
			continue
		}
		if ring.Orientation() == orb.CCW {
			outers = append(outers, ring)
		} else {
			holes = append(holes, ring)
		}
	}
	mp := make(orb.MultiPolygon, len(outers))
	for i, o := range outers {
		mp[i] = orb.Polygon{o}
	}
	for _, h := range holes {
		for i := range mp {
			if planar.RingContains(mp[i][0], h[0]) || len(mp) == 1 {
				mp[i] = append(mp[i], h)
				break
			}
		}
	}
	return mp
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
		if err != nil {
			return nil, err
		}
		if h, err = q.View.Hotspots(h); err != nil {
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
