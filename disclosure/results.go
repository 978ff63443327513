package disclosure

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
	"github.com/stockton-csp/hotspots/internal/cache"
)

// The rules below take an engine result and return what the view shows of
// it. They never change their argument (engine results are cached and
// shared); an exact view returns it as it is.

// Apply is the view's rule for any answer an endpoint sends: the engine's
// results, and the store's summary. An answer of a type it has no rule for
// is an error under a protected view, so a new kind of answer cannot reach
// a viewer unprotected.
func (v View) Apply(x any) (any, error) {
	if !v.Protected() {
		return x, nil
	}
	switch r := x.(type) {
	case *engine.Ranking:
		return v.Ranking(r)
	case *engine.Hotspots:
		return v.Hotspots(r)
	case *engine.CellFigures:
		return v.CellFigures(r), nil
	case *engine.Tasking:
		return v.Tasking(r), nil
	case *engine.Profile:
		return v.Profile(r), nil
	case *engine.Trends:
		return v.Trends(r)
	case *engine.TimeProfile:
		return v.Times(r), nil
	case *engine.EmergingResult:
		return nil, v.withheld("emerging hot spots (monthly Gi* z-scores)")
	case *engine.Concentration:
		return nil, v.withheld("concentration shares")
	case *engine.Evaluation:
		return nil, v.withheld("backtests")
	case *engine.Strategy:
		return nil, v.withheld("the strategy view's funnel plots and charts")
	}
	return nil, fmt.Errorf("disclosure: no rule for an answer of type %T; it cannot be sent to a viewer of %s", x, v.source)
}

// change recomputes a change of counts from the banded counts.
func (v View) change(c *hotspot.Change) *hotspot.Change {
	if c == nil {
		return nil
	}
	out := hotspot.Compare(v.Countf(c.Current), v.Countf(c.Previous))
	return &out
}

// Ranking bands every area's count and the total, and computes the rate,
// share, change and rank from the banded counts. Harm and cost (weighted
// sums of exact counts) are withheld: a ranking by them is refused.
func (v View) Ranking(r *engine.Ranking) (*engine.Ranking, error) {
	if !v.Protected() {
		return r, nil
	}
	if r.Measure != engine.Count {
		return nil, v.withheld(string(r.Measure) + " figures")
	}
	out := *r
	out.Total = v.areaRank(r.Total, 0)
	total := out.Total.Count
	out.Areas = make([]engine.AreaRank, len(r.Areas))
	for i, a := range r.Areas {
		out.Areas[i] = v.areaRank(a, total)
	}
	out.Total.Share = 100
	slices.SortStableFunc(out.Areas, func(a, b engine.AreaRank) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name))
	})
	for i := range out.Areas {
		out.Areas[i].Rank = i + 1
		if i > 0 && out.Areas[i].Count == out.Areas[i-1].Count {
			out.Areas[i].Rank = out.Areas[i-1].Rank
		}
	}
	out.Notes = append(slices.Clip(r.Notes), v.Note("harm", "cost").Method)
	return &out, nil
}

func (v View) areaRank(a engine.AreaRank, total int64) engine.AreaRank {
	a.Count = v.Count(a.Count)
	a.Harm, a.Cost = 0, 0
	if a.Population != nil && *a.Population > 0 {
		rate := float64(a.Count) / *a.Population * 1000
		a.Rate = &rate
	} else {
		a.Rate = nil
	}
	a.Share = 0
	if total > 0 {
		a.Share = float64(a.Count) / float64(total) * 100
	}
	a.Change, a.ChangeYearEarlier = v.change(a.Change), v.change(a.ChangeYearEarlier)
	return a
}

// Hotspots bands every cell's count and runs Gi* again on the banded
// counts, so no z-score can be inverted to a count the bands hide. A hot
// spot map of harm is refused.
func (v View) Hotspots(h *engine.Hotspots) (*engine.Hotspots, error) {
	if !v.Protected() {
		return h, nil
	}
	if h.Measure != engine.Count {
		return nil, v.withheld(string(h.Measure) + " figures")
	}
	out := *h
	out.Cells = make([]engine.HotCell, len(h.Cells))
	x := make([]float64, len(h.Cells))
	for i, c := range h.Cells {
		c.Count = v.Count(c.Count)
		c.Harm = 0
		out.Cells[i] = c
		x[i] = float64(c.Count)
	}
	out.Count, out.Harm, out.Outside = v.Count(h.Count), 0, v.Count(h.Outside)
	z, err := v.giStar(out.Cells, h.K, x)
	if err != nil {
		return nil, fmt.Errorf("disclosure: hot spots of %s on banded counts: %w", h.Layer, err)
	}
	p := make([]float64, len(z))
	for i := range z {
		p[i] = hotspot.PValue(z[i])
	}
	bins := hotspot.BinsFDR(z, p)
	var perBin [7]int
	for i := range out.Cells {
		c := &out.Cells[i]
		c.Z, c.P, c.Bin, c.BinUncorrected = z[i], p[i], bins[i], hotspot.Bin(z[i])
		perBin[c.Bin+3]++
	}
	out.Bins = make([]engine.BinCount, 0, 7)
	for b := 3; b >= -3; b-- {
		out.Bins = append(out.Bins, engine.BinCount{Bin: b, Label: hotspot.BinLabel(b), Cells: perBin[b+3]})
	}
	out.Notes = append(slices.Clip(h.Notes), v.Note("harm").Method+"; Gi* is computed from the banded counts")
	return &out, nil
}

// giStar runs Gi* over cells (ascending, as engine.Hotspots holds them)
// with neighbours within k grid steps, as the engine does. Zero variance
// (every banded count equal) gives every cell z = 0.
func (v View) giStar(cells []engine.HotCell, k int, x []float64) ([]float64, error) {
	nbrs, err := neighbours(v.grids, cells, k)
	if err != nil {
		return nil, err
	}
	z, err := hotspot.GiStar(x, nbrs)
	if errors.Is(err, hotspot.ErrZeroVariance) {
		return make([]float64, len(x)), nil
	}
	return z, err
}

// gridCache keeps the neighbour lists of the study grids Gi* is run on
// again: finding them takes an H3 disk per cell, about 5 us each (a Stockton
// grid of 2,611 cells, 13 ms), while Gi* itself takes a fraction of a
// millisecond. It is internal/cache's single-flight LRU, bounded at
// gridsKept grids and gridBytes bytes (each grid charged cache.SizeOf its
// lists).
type gridCache = cache.Cache[[][]int32]

const (
	gridsKept = 16
	gridBytes = 32 << 20
)

func newGridCache() *gridCache {
	return cache.New(gridsKept, gridBytes, func(key string, l [][]int32) int64 { return cache.SizeOf(l) + int64(len(key)) })
}

// gridKey names a grid by its cells (their count, ends and sum) and k.
func gridKey(cells []engine.HotCell, k int) string {
	var sum uint64
	for _, c := range cells {
		sum += uint64(c.Cell)
	}
	return fmt.Sprintf("%d/%d/%x/%x/%x", len(cells), k, uint64(cells[0].Cell), uint64(cells[len(cells)-1].Cell), sum)
}

// neighbours lists, for each cell, the indices of the other cells within
// k grid steps, from gc when it holds them (gc nil: none kept). The lists
// are shared: callers must not change them.
func neighbours(gc *gridCache, cells []engine.HotCell, k int) ([][]int32, error) {
	if len(cells) == 0 {
		return nil, nil
	}
	if gc == nil {
		return findNeighbours(cells, k)
	}
	return gc.Do(context.Background(), gridKey(cells, k), func(context.Context) ([][]int32, error) {
		return findNeighbours(cells, k)
	})
}

// findNeighbours works out what neighbours returns.
func findNeighbours(cells []engine.HotCell, k int) ([][]int32, error) {
	nbrs := make([][]int32, len(cells))
	for i, c := range cells {
		disk, err := c.Cell.Disk(k)
		if err != nil {
			return nil, err
		}
		for _, d := range disk {
			if d == c.Cell {
				continue
			}
			if j, ok := slices.BinarySearchFunc(cells, d, func(h engine.HotCell, t geo.Cell) int { return cmp.Compare(h.Cell, t) }); ok {
				nbrs[i] = append(nbrs[i], int32(j))
			}
		}
	}
	return nbrs, nil
}

// CellFigures bands every cell's count; harm and cost are withheld, and a
// cell's busiest type only named when its band is not the lowest.
func (v View) CellFigures(c *engine.CellFigures) *engine.CellFigures {
	if !v.Protected() {
		return c
	}
	out := *c
	out.Count = v.Count(c.Count)
	out.Cells = make([]engine.CellFigure, len(c.Cells))
	for i, f := range c.Cells {
		if !v.Listed(f.Count) {
			f.TopType = ""
		}
		f.Count, f.Harm, f.Cost = v.Count(f.Count), 0, 0
		out.Cells[i] = f
	}
	out.Notes = append(slices.Clip(c.Notes), v.Note("harm", "cost").Method)
	return &out
}

// Tasking bands each zone's figures: counts, the types and places listed
// (those of the lowest band left out, as naming them says they happened),
// the monthly series, its trend and the change, all from banded counts.
// Harm, cost and the largest z-score are withheld; the patrol dose is
// worked from the banded count. Zones keep the shape the exact analysis
// gave them.
func (v View) Tasking(t *engine.Tasking) *engine.Tasking {
	if !v.Protected() {
		return t
	}
	out := *t
	out.SetAside = v.Count(t.SetAside)
	out.SetAsidePlaces = v.locations(t.SetAsidePlaces)
	out.Zones = make([]engine.Zone, len(t.Zones))
	days := 0
	for m := t.Period.From; m <= t.Period.To; m++ {
		days += m.Days()
	}
	for i, z := range t.Zones {
		z.Count, z.SetAside = v.Count(z.Count), v.Count(z.SetAside)
		z.Harm, z.Cost, z.MaxZ = 0, 0, 0
		var types []engine.TypeFigures
		for _, tf := range z.ByType {
			if v.Listed(tf.Count) {
				types = append(types, engine.TypeFigures{Type: tf.Type, Count: v.Count(tf.Count)})
			}
		}
		z.ByType = types
		z.Locations = v.locations(z.Locations)
		z.Change = v.change(z.Change)
		z.Monthly = make([]int64, len(t.Zones[i].Monthly))
		xs := make([]float64, len(z.Monthly))
		for j, n := range t.Zones[i].Monthly {
			z.Monthly[j] = v.Count(n)
			xs[j] = float64(z.Monthly[j])
		}
		z.Trend, z.TrendWord = nil, ""
		if len(xs) >= 3 {
			if mk, err := hotspot.MannKendallTest(xs); err == nil {
				z.Trend = &mk
				z.TrendWord = hotspot.DirectionWord(mk.Direction(engine.TrendAlpha))
			}
		}
		z.Peak = v.peak(z.Peak)
		z.Dose = hotspot.PatrolDose(z.Count-z.SetAside, days, z.Peak.MonthOnly, z.Peak.Days, z.Peak.Hours)
		out.Zones[i] = z
	}
	out.Notes = append(slices.Clip(t.Notes), v.Note("harm", "cost", "max_z").Method)
	return &out
}

func (v View) locations(ls []engine.LocationCount) []engine.LocationCount {
	var out []engine.LocationCount
	for _, l := range ls {
		if v.Listed(l.Count) {
			out = append(out, engine.LocationCount{Name: l.Name, Count: v.Count(l.Count)})
		}
	}
	return out
}

// peak bands the hour by weekday grid and withholds the peak claim's
// figures (its share and count would give the grid's exact cells away).
func (v View) peak(p engine.Peak) engine.Peak {
	p.Timed = v.Count(p.Timed)
	p.Week = v.grid(p.Week)
	p.Claim = hotspot.Peak{Text: "peak hours are shown to analysts only for this source"}
	p.Days, p.Hours = nil, nil
	return p
}

func (v View) grid(g hotspot.WeekGrid) hotspot.WeekGrid {
	for d := range g {
		for h := range g[d] {
			g[d][h] = v.Countf(g[d][h])
		}
	}
	return g
}

// Profile bands every cell of the area's table and computes its changes
// from the banded counts.
func (v View) Profile(p *engine.Profile) *engine.Profile {
	if !v.Protected() {
		return p
	}
	out := *p
	out.Rows = make([]engine.ProfileRow, len(p.Rows))
	for i, r := range p.Rows {
		cells := make([]engine.ProfileCell, len(r.Cells))
		for j, c := range r.Cells {
			cells[j] = engine.ProfileCell{Current: v.Count(c.Current), VsPrevious: v.change(c.VsPrevious), YearEarlier: v.change(c.YearEarlier)}
		}
		r.Cells = cells
		out.Rows[i] = r
	}
	out.Notes = append(slices.Clip(p.Notes), v.Note().Method)
	return &out
}

// Trends bands every month of every series and tests the trend of the
// banded series. Series of harm or cost are refused.
func (v View) Trends(t *engine.Trends) (*engine.Trends, error) {
	if !v.Protected() {
		return t, nil
	}
	if t.Measure != engine.Count {
		return nil, v.withheld(string(t.Measure) + " figures")
	}
	out := *t
	out.Series = make([]engine.Series, len(t.Series))
	for i, s := range t.Series {
		out.Series[i] = v.series(s)
	}
	out.Total = v.series(t.Total)
	out.Notes = append(slices.Clip(t.Notes), v.Note().Method)
	return &out, nil
}

func (v View) series(s engine.Series) engine.Series {
	vals := make([]float64, len(s.Values))
	for i, x := range s.Values {
		vals[i] = v.Countf(x)
	}
	s.Values, s.Trend, s.Direction = vals, nil, 0
	if mk, err := hotspot.MannKendallTest(vals); err == nil {
		s.Trend = &mk
		s.Direction = mk.Direction(engine.TrendAlpha)
	}
	return s
}

// Times bands the hour by weekday grid; the aoristic grid (fractions of
// exact crimes) and the peak claim are withheld.
func (v View) Times(t *engine.TimeProfile) *engine.TimeProfile {
	if !v.Protected() {
		return t
	}
	out := *t
	out.Grid = v.grid(t.Grid)
	out.Aoristic = hotspot.WeekGrid{}
	out.Counted, out.Windows, out.NoTime, out.LongWindows = v.Count(t.Counted), v.Count(t.Windows), v.Count(t.NoTime), v.Count(t.LongWindows)
	out.Peak = hotspot.Peak{Text: "peak hours are shown to analysts only for this source"}
	out.Notes = append(slices.Clip(t.Notes), v.Note("aoristic", "peak").Method)
	return &out
}

// Summary bands the counts of the restricted sources in a store's summary
// (a summary covers every source; public ones stay as published). The
// store-wide figures are banded when any source is.
func (p *Policy) Summary(sum data.Summary, exact bool) data.Summary {
	if exact {
		return sum
	}
	out := sum
	out.Sources = make([]data.SourceInfo, len(sum.Sources))
	banded := false
	for i, s := range sum.Sources {
		v := p.View(s.Name, false)
		if v.Protected() {
			banded = true
			s.Incidents = v.Count(s.Incidents)
			s.Types = v.types(s.Types)
		}
		out.Sources[i] = s
	}
	if banded {
		v := View{band: Band}
		out.Incidents, out.Unlocated = v.Count(sum.Incidents), v.Count(sum.Unlocated)
		out.Types = v.types(sum.Types)
	}
	return out
}

func (v View) types(ts []data.TypeCount) []data.TypeCount {
	out := make([]data.TypeCount, len(ts))
	for i, t := range ts {
		t.Count = v.Count(t.Count)
		out[i] = t
	}
	return out
}

// PlanReview withholds the evaluation of the last operation (its counts
// before and after and the tests worked from them); the zones' links to
// the operation stay.
func (v View) PlanReview(r *engine.PlanReview) *engine.PlanReview {
	if !v.Protected() || r == nil || r.Evaluation == nil {
		return r
	}
	out := *r
	out.Evaluation = nil
	out.EvaluationNote = "the evaluation of the last plan on " + v.source + ", a restricted source, is shown to analysts only"
	return &out
}
