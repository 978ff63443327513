package engine

import (
	"context"

	"github.com/paulmach/orb"
	"testing"
)

// Benchmarks run on the real Cleveland data (35 months, 269,438 incidents)
// with the result cache off (CacheEntries -1), so every iteration computes;
// study grids stay cached, as they do in service.

func benchEngine(b *testing.B, all bool) *Engine {
	b.Helper()
	return newEngine(b, realStore(b, all), Options{CacheEntries: -1})
}

// benchLoop times run, allocations reported, after a first call whose
// answer it returns (for metrics, which must be reported after the loop:
// b.Loop's first call deletes those reported before it).
func benchLoop[T any](b *testing.B, run func() (T, error)) T {
	b.Helper()
	first, err := run()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := run(); err != nil {
			b.Fatal(err)
		}
	}
	return first
}

// BenchmarkRankingWards ranks the 27 Stockton wards over 12 months of all
// Cleveland data, with previous-period and year-earlier changes.
func BenchmarkRankingWards(b *testing.B) {
	e := benchEngine(b, false)
	ctx := context.Background()
	q := RankingQuery{Layer: "wards"}
	benchLoop(b, func() (*Ranking, error) { return e.Ranking(ctx, q) })
}

// BenchmarkRankingClevelandWards ranks the 82 2013 wards of Cleveland.
func BenchmarkRankingClevelandWards(b *testing.B) {
	e := benchEngine(b, true)
	ctx := context.Background()
	q := RankingQuery{Layer: "cleveland", Measure: Harm}
	benchLoop(b, func() (*Ranking, error) { return e.Ranking(ctx, q) })
}

func benchHotspots(b *testing.B, all bool, q HotspotQuery) {
	e := benchEngine(b, all)
	ctx := context.Background()
	h := benchLoop(b, func() (*Hotspots, error) { return e.Hotspots(ctx, q) })
	b.ReportMetric(float64(len(h.Cells)), "cells")
}

// BenchmarkHotspotsStockton is a whole Hotspots query on the 2,238-cell
// Stockton grid: the store's aggregation by cell and type, then Gi*.
func BenchmarkHotspotsStockton(b *testing.B) {
	benchHotspots(b, false, HotspotQuery{Layer: "wards", Res: 9})
}

// BenchmarkHotspotsClevelandRes10 is every Cleveland cell at resolution 10.
func BenchmarkHotspotsClevelandRes10(b *testing.B) {
	benchHotspots(b, true, HotspotQuery{Layer: "cleveland", Res: 10})
}

// stocktonBox is the borough of Stockton-on-Tees, about 20 by 20 km.
var stocktonBox = orb.Bound{Min: orb.Point{-1.45, 54.46}, Max: orb.Point{-1.2, 54.65}}

// BenchmarkHotspotsBoxStockton is a hot spot map of the borough's box out of
// every Cleveland cell at resolution 10 (45,665 study cells; about 14,000 in
// the box), with the area's statistics cached (an engine with its caches):
// what every further question about a box of that query costs.
func BenchmarkHotspotsBoxStockton(b *testing.B) {
	e := newEngine(b, realStore(b, true), Options{})
	ctx := context.Background()
	q := HotspotQuery{Layer: "cleveland", Res: 10, BBox: stocktonBox}
	h := benchLoop(b, func() (*Hotspots, error) { return e.Hotspots(ctx, q) })
	b.ReportMetric(float64(len(h.Cells)), "cells")
}

// BenchmarkHotspotsBoxStocktonCold is the same with no result cache: each
// question also computes the area's moments and FDR cut-offs (the study
// cells and their neighbourhood sizes, kept with the grids, are reused).
func BenchmarkHotspotsBoxStocktonCold(b *testing.B) {
	benchHotspots(b, true, HotspotQuery{Layer: "cleveland", Res: 10, BBox: stocktonBox})
}

// BenchmarkGiStarStockton is the Gi* part of a Stockton hot spot map: z, p,
// FDR and plain bins, and the cells, on values already counted.
func BenchmarkGiStarStockton(b *testing.B) {
	e := benchEngine(b, false)
	ctx := context.Background()
	sum, err := e.summary(ctx)
	if err != nil {
		b.Fatal(err)
	}
	g, err := e.grid(ctx, sum, "wards", 9, 1)
	if err != nil {
		b.Fatal(err)
	}
	v, err := e.values(ctx, g, period(sum.Months[len(sum.Months)-12], sum.Months[len(sum.Months)-1]), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := hotCells(g, v, v.count); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate is the whole rolling backtest on the Stockton grid: 23
// months scored from 35 loaded, four methods, two map sizes.
func BenchmarkEvaluate(b *testing.B) {
	e := benchEngine(b, false)
	ctx := context.Background()
	q := EvalQuery{Layer: "wards"}
	benchLoop(b, func() (*Evaluation, error) { return e.Evaluate(ctx, q) })
}

// BenchmarkEmergingStockton is a 12-month emerging hot spot analysis.
func BenchmarkEmergingStockton(b *testing.B) {
	e := benchEngine(b, false)
	ctx := context.Background()
	q := HotspotQuery{Layer: "wards"}
	benchLoop(b, func() (*EmergingResult, error) { return e.Emerging(ctx, q) })
}

// BenchmarkEvaluateOperation evaluates an operation on June 2025's top 5 zones over six
// months after against six before: every Cleveland incident of the 12 months placed by its
// map point, then WDD and WDQ per zone, per type and overall.
func BenchmarkEvaluateOperation(b *testing.B) {
	e := benchEngine(b, false)
	ctx := context.Background()
	jun := month(b, "2025-06")
	plan, err := e.PlanOperation(ctx, PlanQuery{Name: "Op Bench", Start: jun, Tasking: TaskingQuery{Layer: "wards", From: jun, To: jun, Top: 5}})
	if err != nil {
		b.Fatal(err)
	}
	op, err := e.CreateOperation(ctx, plan)
	if err != nil {
		b.Fatal(err)
	}
	q := EvaluationQuery{ID: op.ID}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.EvaluateOperation(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHotspotsStocktonBeyond is BenchmarkHotspotsStockton with the study area one ring
// past the borough's edge (HotspotQuery.Beyond): 2,548 cells in Gi*, 2,238 reported.
func BenchmarkHotspotsStocktonBeyond(b *testing.B) {
	benchHotspots(b, false, HotspotQuery{Layer: "wards", Res: 9, Beyond: 1})
}

// BenchmarkTaskingStockton is a whole tasking sheet, uncached: 12 months of Stockton at
// resolution 10 with the ring beyond the edge, the set-aside places, the zones grouped at
// 400 m, their figures, trends over 35 months and emerging categories.
func BenchmarkTaskingStockton(b *testing.B) {
	e := benchEngine(b, false)
	ctx := context.Background()
	q := TaskingQuery{Layer: "wards"}
	tk := benchLoop(b, func() (*Tasking, error) { return e.Tasking(ctx, q) })
	b.ReportMetric(float64(tk.HotCells), "hot-cells")
}
