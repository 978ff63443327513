package engine

import (
	"cmp"
	"context"
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// TestCellFigures checks every cell's count, harm, cost and top type
// against the raw police.uk rows, each indexed here with geo.CellAt (the
// cell holding the point, not the parent of a finer one), for two
// resolutions and a type filter.
func TestCellFigures(t *testing.T) {
	e := newEngine(t, realStore(t, false), Options{})
	rows := raw(t)
	harm, cost := hotspot.DefaultHarm(), hotspot.DefaultCost()
	for _, c := range []struct {
		name  string
		q     CellQuery
		types map[string]bool
	}{
		{"res 9, default year", CellQuery{Res: 9}, nil},
		{"res 11, 2024", CellQuery{Res: 11, From: month(t, "2024-01"), To: month(t, "2024-12")}, nil},
		{"res 7, burglary and robbery", CellQuery{Res: 7, Types: []string{"Robbery", "Burglary"}}, map[string]bool{"Burglary": true, "Robbery": true}},
		{"res 9, ASB on its own", CellQuery{Res: 9, Types: []string{"Anti-social behaviour"}}, map[string]bool{"Anti-social behaviour": true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cf, err := e.CellFigures(context.Background(), c.q)
			if err != nil {
				t.Fatal(err)
			}
			type key struct {
				cell geo.Cell
				typ  string
			}
			want := map[key]int64{}
			cells := map[orb.Point]geo.Cell{}
			for _, r := range rows {
				m, err := data.ParseMonth(r.month)
				if err != nil || !r.located || m < cf.Period.From || m > cf.Period.To || (c.types != nil && !c.types[r.typ]) || (c.types == nil && !isCrime(r.typ)) {
					continue
				}
				p := orb.Point{r.lon, r.lat}
				cell, ok := cells[p]
				if !ok {
					if cell, err = geo.CellAt(p, c.q.Res); err != nil {
						t.Fatal(err)
					}
					cells[p] = cell
				}
				want[key{cell, r.typ}]++
			}
			type fig struct {
				count      int64
				harm, cost float64
				top        string
				topN       int64
			}
			byCell := map[geo.Cell]*fig{}
			for k, n := range want {
				f := byCell[k.cell]
				if f == nil {
					f = &fig{}
					byCell[k.cell] = f
				}
				f.count += n
				f.harm += harm.Of(k.typ, float64(n), false)
				f.cost += cost.Of(k.typ, float64(n), false)
				if n > f.topN || (n == f.topN && cmp.Less(k.typ, f.top)) {
					f.top, f.topN = k.typ, n
				}
			}
			if len(cf.Cells) != len(byCell) {
				t.Errorf("%d cells, the raw rows fill %d", len(cf.Cells), len(byCell))
			}
			var total int64
			for i, got := range cf.Cells {
				if i > 0 && cf.Cells[i-1].Cell >= got.Cell {
					t.Fatal("cells not in ascending order")
				}
				if got.Cell.Res() != c.q.Res {
					t.Fatalf("cell %s at resolution %d", got.Cell, got.Cell.Res())
				}
				w := byCell[got.Cell]
				if w == nil {
					t.Errorf("cell %s: %d incidents, none in the raw rows", got.Cell, got.Count)
					continue
				}
				if got.Count != w.count || math.Abs(got.Harm-w.harm) > 1e-6 || math.Abs(got.Cost-w.cost) > 1e-4 || got.TopType != w.top {
					t.Errorf("cell %s: %d %.2f %.2f %q; raw %d %.2f %.2f %q", got.Cell, got.Count, got.Harm, got.Cost, got.TopType, w.count, w.harm, w.cost, w.top)
				}
				if cf.Find(got.Cell) != &cf.Cells[i] {
					t.Errorf("Find(%s) misses", got.Cell)
				}
				total += got.Count
			}
			if total != cf.Count || total == 0 {
				t.Errorf("Count %d, cells add to %d", cf.Count, total)
			}
			if cf.Find(0) != nil {
				t.Error("Find(0) found a cell")
			}
		})
	}
}

func TestCellFiguresCachedAndChecked(t *testing.T) {
	e := newEngine(t, realStore(t, false), Options{})
	ctx := context.Background()
	a, err := e.CellFigures(ctx, CellQuery{Res: 10, Types: []string{"Shoplifting", "Drugs"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.CellFigures(ctx, CellQuery{Res: 10, Types: []string{"Drugs", "Shoplifting", "Drugs"}})
	if err != nil || a != b {
		t.Errorf("the same query computed twice (%v)", err)
	}
	for _, q := range []CellQuery{{Res: 4}, {Res: 13}, {Types: []string{"Arson"}}} {
		if _, err := e.CellFigures(ctx, q); !errors.Is(err, ErrBadQuery) {
			t.Errorf("%+v: %v, want ErrBadQuery", q, err)
		}
	}
	if _, err := e.CellFigures(ctx, CellQuery{To: month(t, "2031-01")}); !errors.Is(err, ErrNoMonth) {
		t.Errorf("a month not loaded: %v", err)
	}
}

// BenchmarkCellFigures computes a year's resolution 11 cells of all
// Cleveland (the z14-15 map), uncached: what the first tile of a new query
// waits for.
func BenchmarkCellFigures(b *testing.B) {
	e := benchEngine(b, false)
	ctx := context.Background()
	cf := benchLoop(b, func() (*CellFigures, error) { return e.CellFigures(ctx, CellQuery{Res: 11}) })
	b.ReportMetric(float64(len(cf.Cells)), "cells")
}
