package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// CellQuery asks for the figures of every H3 cell holding incidents at one
// resolution: the map's hexagon layer.
type CellQuery struct {
	// Res is the H3 resolution, geo.MinRes..geo.BaseRes (5..12); 0 is
	// DefaultRes. Unlike a hot spot grid it may be finer or coarser than
	// MinGridRes..MaxGridRes: no statistics are computed.
	Res int
	// From and To bound the period, inclusive. Zero To is the latest month
	// loaded; zero From is To-11 (twelve months).
	From, To data.Month
	// Types restricts to these crime types; empty is every type.
	Types []string
}

// CellFigures is every cell of one resolution holding at least one incident
// of the period, anywhere in the data (no study area: a cell's figures count
// every incident whose point lies in it, as Store.Aggregate by CellRes
// does).
type CellFigures struct {
	Res    int      `json:"res"`
	Period Period   `json:"period"`
	Types  []string `json:"types"` // crime types counted; empty is all
	// Cells are in ascending cell order.
	Cells         []CellFigure   `json:"cells"`
	Count         int64          `json:"count"` // incidents in all the cells
	ExcludedTypes []ExcludedType `json:"excluded_types"`
	Weights       []WeightsInfo  `json:"weights"`
	Notes         []string       `json:"notes"`
	DataVersion   uint64         `json:"data_version"`
	Computed      time.Time      `json:"computed"`
}

// CellFigure is one cell's figures over the period.
type CellFigure struct {
	Cell  geo.Cell `json:"cell"`
	Count int64    `json:"count"`
	Harm  float64  `json:"harm"` // CCHI days
	Cost  float64  `json:"cost"` // GBP, 2015/16 prices
	// TopType is the crime type with most incidents in the cell (ties go
	// to the type first in name order).
	TopType string `json:"top_type"`
}

// Find returns the figures of cell c, or nil when it holds no incident.
func (cf *CellFigures) Find(c geo.Cell) *CellFigure {
	i, ok := slices.BinarySearchFunc(cf.Cells, c, func(f CellFigure, c geo.Cell) int { return cmp.Compare(f.Cell, c) })
	if !ok {
		return nil
	}
	return &cf.Cells[i]
}

// CellFigures counts, weighs and names the top crime type of every cell of
// resolution q.Res holding incidents of the period. It is one Aggregate by
// cell and crime type, cached for the store's version like every result.
func (e *Engine) CellFigures(ctx context.Context, q CellQuery) (*CellFigures, error) {
	res := q.Res
	if res == 0 {
		res = DefaultRes
	}
	if res < geo.MinRes || res > geo.BaseRes {
		return nil, fmt.Errorf("%w: H3 resolution %d is outside %d..%d", ErrBadQuery, res, geo.MinRes, geo.BaseRes)
	}
	pq, err := e.prepare(ctx, Count, q.Types, q.From, q.To, 12, Count)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%d|%s|%s", res, pq.p, keyList(pq.types))
	return compute(ctx, e, pq.sum, "cells", key, func(ctx context.Context) (*CellFigures, error) {
		rows, err := e.store.Aggregate(ctx, data.Query{From: pq.p.From, To: pq.p.To, Types: pq.types,
			By: data.GroupBy{CellRes: res, Type: true}})
		if err != nil {
			return nil, fmt.Errorf("engine: counting by H3 cell at resolution %d for %s: %w", res, pq.p, err)
		}
		// Rows come grouped by cell; sort to be sure of it whatever the
		// store, then fold each cell's run of types.
		slices.SortFunc(rows, func(a, b data.Row) int {
			if c := cmp.Compare(a.Cell, b.Cell); c != 0 {
				return c
			}
			return cmp.Compare(a.Type, b.Type)
		})
		out := &CellFigures{Res: res, Period: pq.p, Types: nonNil(pq.types),
			ExcludedTypes: e.excluded(scopeTypes(pq.sum, pq.types)), Weights: e.weightsInfo(),
			Notes: nonNil(pq.notes), DataVersion: pq.sum.Version, Computed: e.now()}
		var top int64
		for _, r := range rows {
			if r.Count == 0 || r.Cell == 0 {
				continue
			}
			if n := len(out.Cells); n == 0 || out.Cells[n-1].Cell != r.Cell {
				out.Cells = append(out.Cells, CellFigure{Cell: r.Cell})
				top = 0
			}
			f := &out.Cells[len(out.Cells)-1]
			h, c := e.weigh(r.Type, r.Count)
			f.Count += r.Count
			f.Harm += h
			f.Cost += c
			if r.Count > top { // types ascend, so a tie keeps the first name
				top, f.TopType = r.Count, r.Type
			}
			out.Count += r.Count
		}
		out.Cells = nonNil(out.Cells)
		return out, nil
	})
}
