package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// HotspotQuery asks for a hot spot map of a layer's study area. Hotspots,
// Concentration, Emerging and Trends (per cell) take it.
type HotspotQuery struct {
	// Layer names the area layer whose areas make the study area: every H3
	// cell whose centre lies inside one of them.
	Layer string
	// Res is the H3 resolution of the cells, MinGridRes..MaxGridRes; 0 is
	// DefaultRes (9).
	Res int
	// K is the neighbourhood radius in grid steps, 1..MaxK; 0 is DefaultK
	// (1: a cell and the 6 around it).
	K int
	// From and To bound the period, inclusive. Zero To is the latest month
	// loaded; zero From is To-11 (twelve months).
	From, To data.Month
	// Types restricts to these crime types; empty is every type.
	Types []string
	// Measure is count (default) or harm (CCHI days); Gi* is not offered on
	// cost, which most crime types do not carry.
	Measure Measure
	// Beyond extends Gi*'s study area this many rings of cells past the
	// layer's edge, with their real counts, so a cell at the edge (next to
	// Middlesbrough) keeps its neighbours; only cells inside the layer are
	// reported and corrected for the false discovery rate. 0, the default,
	// stops at the edge. Only Hotspots reads it.
	Beyond int

	// The fields below narrow Hotspots' answer only; the other queries
	// taking a HotspotQuery ignore them.

	// BBox, when not empty, keeps the study cells whose centre lies in it
	// (orb.Point{lon, lat}, edges inside). Their z, p and bins are those of
	// the whole study area's map (computed from the area's moments and FDR
	// cut-offs, cached per query, and each cell's own k rings), and the
	// bound on cells (Options.MaxCells) applies to the cells in the box (with
	// Significant, to its significant cells, which are listed with the
	// area's statistics), not to the whole layer (which
	// Options.MaxStudyCells bounds instead).
	BBox orb.Bound
	// Significant keeps the cells in a hot or cold spot bin (Bin != 0).
	Significant bool
	// Offset and Limit page the cells, in ascending cell order (stable for a
	// data version): Offset cells are skipped, then at most Limit kept (0:
	// all). Hotspots.Matched counts the cells before paging.
	Offset, Limit int
}

// hasBox reports whether q asks for a bounding box.
func (q HotspotQuery) hasBox() bool { return q.BBox != orb.Bound{} }

// Hotspots is a Getis-Ord Gi* hot spot map of a layer's study area.
//
// Method: values are per H3 cell; neighbours of a cell are the study cells
// within grid distance K (H3 grid disk), and Gi* counts the cell itself with
// weight 1, binary weights (as ArcGIS Hot Spot Analysis and R spdep
// localG(include.self) do). Every study cell takes part, including those
// with no crime; incidents outside the study cells are left out (Outside
// counts them). p values are two-sided. Bin is the confidence bin corrected
// for the false discovery rate (Benjamini-Hochberg, as ArcGIS Optimized Hot
// Spot Analysis); BinUncorrected is the plain one.
type Hotspots struct {
	Layer   string   `json:"layer"`
	Res     int      `json:"res"`
	K       int      `json:"k"`
	Measure Measure  `json:"measure"`
	Unit    string   `json:"unit"`
	Period  Period   `json:"period"`
	Types   []string `json:"types"` // crime types counted; empty is all
	// Cells are the study cells asked for (every one, or those in BBox, of
	// a significant bin, one page of them), in ascending cell order.
	Cells []HotCell `json:"cells"`
	// StudyCells counts the whole study area's cells; Matched the cells in
	// BBox (every study cell without one) that pass Significant, before
	// Offset and Limit.
	StudyCells int `json:"study_cells"`
	Matched    int `json:"matched"`
	// BBox is the query's box (minLon, minLat, maxLon, maxLat), nil for
	// the whole study area.
	BBox *[4]float64 `json:"bbox,omitempty"`
	// Bins counts cells per FDR-corrected bin, +3 down to -3; Count and Harm
	// total the cells. All three are of the cells in BBox (every study cell
	// without one), before Significant and paging. Outside counts incidents
	// of the period in cells outside the whole study area.
	Bins          []BinCount     `json:"bins"`
	Count         int64          `json:"count"`
	Harm          float64        `json:"harm"`
	Outside       int64          `json:"outside"`
	ExcludedTypes []ExcludedType `json:"excluded_types"`
	Weights       []WeightsInfo  `json:"weights"`
	Notes         []string       `json:"notes"`
	DataVersion   uint64         `json:"data_version"`
	Computed      time.Time      `json:"computed"`
}

// HotCell is one study cell of a hot spot map.
type HotCell struct {
	Cell  geo.Cell `json:"cell"`
	Count int64    `json:"count"`
	Harm  float64  `json:"harm"` // CCHI days
	// Z is the Gi* z-score: positive for a hot spot, negative for a cold
	// one; P its two-sided p value.
	Z float64 `json:"z"`
	P float64 `json:"p"`
	// Bin is the FDR-corrected confidence bin: +3/+2/+1 a hot spot at
	// 99/95/90 % confidence, -3/-2/-1 a cold spot, 0 not significant.
	Bin int `json:"bin"`
	// BinUncorrected is the bin without the FDR correction.
	BinUncorrected int `json:"bin_uncorrected"`
	// Areas names the areas of the layer holding the cell's centre.
	Areas []string `json:"areas"`
}

// BinCount is how many cells fall in one confidence bin.
type BinCount struct {
	Bin   int    `json:"bin"`
	Label string `json:"label"`
	Cells int    `json:"cells"`
}

// prepareGrid checks a HotspotQuery and fetches its study grid; span is the
// default period length in months.
func (e *Engine) prepareGrid(ctx context.Context, q HotspotQuery, span int, measures ...Measure) (*prepared, error) {
	res, k, err := resK(q.Res, q.K)
	if err != nil {
		return nil, err
	}
	pq, err := e.prepare(ctx, q.Measure, q.Types, q.From, q.To, span, measures...)
	if err != nil {
		return nil, err
	}
	if q.Beyond < 0 || q.Beyond > MaxK {
		return nil, fmt.Errorf("%w: %d rings beyond the edge is outside 0..%d", ErrBadQuery, q.Beyond, MaxK)
	}
	if pq.g, err = e.gridBeyond(ctx, pq.sum, q.Layer, res, k, q.Beyond); err != nil {
		return nil, err
	}
	pq.keyBase = fmt.Sprintf("%s|%d|%d|%s|%s|%s", q.Layer, res, k, pq.p, pq.m, keyList(pq.types))
	if q.Beyond > 0 {
		pq.keyBase += fmt.Sprintf("|beyond%d", q.Beyond)
	}
	return pq, nil
}

// Hotspots computes the Gi* hot spot map of a layer's study area, or of the
// part of it in q.BBox, filtered by q.Significant and paged by q.Offset and
// q.Limit.
func (e *Engine) Hotspots(ctx context.Context, q HotspotQuery) (*Hotspots, error) {
	if q.Offset < 0 || q.Limit < 0 {
		return nil, fmt.Errorf("%w: offset %d and limit %d must not be negative", ErrBadQuery, q.Offset, q.Limit)
	}
	if q.hasBox() {
		if q.BBox.Min[0] > q.BBox.Max[0] || q.BBox.Min[1] > q.BBox.Max[1] || q.BBox.Min[0] < -180 || q.BBox.Max[0] > 180 || q.BBox.Min[1] < -90 || q.BBox.Max[1] > 90 {
			return nil, fmt.Errorf("%w: bounding box %v is not minLon,minLat,maxLon,maxLat in degrees (west and south first)", ErrBadQuery, [4]float64{q.BBox.Min[0], q.BBox.Min[1], q.BBox.Max[0], q.BBox.Max[1]})
		}
		if q.Beyond > 0 {
			// The local path reads the layer's own study area: one reaching
			// beyond the edge is answered whole, then cut to the box.
			h, err := e.hotspotsWhole(ctx, q)
			if err != nil {
				return nil, err
			}
			return Narrow(h, q), nil
		}
		return e.hotspotsLocal(ctx, q)
	}
	h, err := e.hotspotsWhole(ctx, q)
	if err != nil || (!q.Significant && q.Offset == 0 && q.Limit == 0) {
		return h, err
	}
	out := *h // the cached answer is shared: copy what changes
	out.Cells = narrowCells(h.Cells, q, &out.Matched)
	return &out, nil
}

// Narrow cuts a whole hot spot map (as Hotspots answers without a box,
// Significant or a page) to what q asks for: the cells whose centre lies in
// q.BBox, of a significant bin with q.Significant, then q.Offset and q.Limit,
// Matched counting them before paging. h is not changed. A caller that must
// transform the whole map first (the disclosure policy's Gi* on banded
// counts) narrows after it with this.
func Narrow(h *Hotspots, q HotspotQuery) *Hotspots {
	out := *h
	cells := h.Cells
	if q.hasBox() {
		cells = nil
		for _, c := range h.Cells {
			if q.BBox.Contains(c.Cell.Center()) {
				cells = append(cells, c)
			}
		}
		out.BBox = &[4]float64{q.BBox.Min[0], q.BBox.Min[1], q.BBox.Max[0], q.BBox.Max[1]}
	}
	out.Cells = narrowCells(cells, q, &out.Matched)
	return &out
}

// narrowCells applies Significant, Offset and Limit to cells, in a new
// slice (cells itself, clipped, when there is nothing to narrow), and sets
// matched to the count before paging.
func narrowCells(cells []HotCell, q HotspotQuery, matched *int) []HotCell {
	if !q.Significant && q.Offset == 0 && q.Limit == 0 {
		*matched = len(cells)
		return slices.Clip(nonNil(cells))
	}
	var keep []HotCell
	n := 0
	for i := range cells {
		if q.Significant && cells[i].Bin == 0 {
			continue
		}
		if n >= q.Offset && (q.Limit == 0 || len(keep) < q.Limit) {
			keep = append(keep, cells[i])
		}
		n++
	}
	*matched = n
	return nonNil(keep)
}

// hotspotsLocal answers a bounding box from the whole area's statistics and
// the box's own cells.
func (e *Engine) hotspotsLocal(ctx context.Context, q HotspotQuery) (*Hotspots, error) {
	res, k, err := resK(q.Res, q.K)
	if err != nil {
		return nil, err
	}
	pq, err := e.prepare(ctx, q.Measure, q.Types, q.From, q.To, 12, Count, Harm)
	if err != nil {
		return nil, err
	}
	s, err := e.study(ctx, pq.sum, q.Layer, res)
	if err != nil {
		return nil, err
	}
	sw, err := e.studyWeights(ctx, s, k)
	if err != nil {
		return nil, err
	}
	st, err := e.giStats(ctx, pq, s, sw, k)
	if err != nil {
		return nil, err
	}
	box := [4]float64{q.BBox.Min[0], q.BBox.Min[1], q.BBox.Max[0], q.BBox.Max[1]}
	out := &Hotspots{Layer: s.layer, Res: res, K: k, Measure: pq.m, Unit: e.unit(pq.m), Period: pq.p,
		Types: nonNil(pq.types), StudyCells: len(s.cells), BBox: &box, Outside: st.outside,
		ExcludedTypes: e.excluded(scopeTypes(pq.sum, pq.types)), Weights: e.weightsInfo(),
		Notes: nonNil(pq.notes), DataVersion: pq.sum.Version, Computed: e.now()}
	if q.Significant && !st.zeroSig {
		// the significant cells are listed with the statistics
		cells, perBin, count, harm, err := e.significantInBox(ctx, s, st, q.BBox)
		if err != nil {
			return nil, err
		}
		// sigIdx ascends, and so do the study cells: cells are in cell order
		out.Count, out.Harm = count, harm
		for b := 3; b >= -3; b-- {
			out.Bins = append(out.Bins, BinCount{Bin: b, Label: hotspot.BinLabel(b), Cells: perBin[b+3]})
		}
		out.Cells = narrowCells(cells, q, &out.Matched)
		return out, nil
	}
	idx, err := e.boxCells(ctx, s, q.BBox)
	if err != nil {
		return nil, err
	}
	cells, err := localCells(ctx, s, sw, st, k, idx)
	if err != nil {
		return nil, err
	}
	summarise(out, cells)
	out.Cells = narrowCells(cells, q, &out.Matched)
	return out, nil
}

// summarise sets h's Bins, Count and Harm from cells.
func summarise(h *Hotspots, cells []HotCell) {
	var perBin [7]int
	h.Count, h.Harm = 0, 0
	for i := range cells {
		perBin[cells[i].Bin+3]++
		h.Count += cells[i].Count
		h.Harm += cells[i].Harm
	}
	h.Bins = h.Bins[:0]
	for b := 3; b >= -3; b-- {
		h.Bins = append(h.Bins, BinCount{Bin: b, Label: hotspot.BinLabel(b), Cells: perBin[b+3]})
	}
}

// hotspotsWhole computes (and caches) the map of the whole study area.
func (e *Engine) hotspotsWhole(ctx context.Context, q HotspotQuery) (*Hotspots, error) {
	hq, err := e.prepareGrid(ctx, q, 12, Count, Harm)
	if err != nil {
		return nil, err
	}
	return compute(ctx, e, hq.sum, "hotspots", hq.keyBase, func(ctx context.Context) (*Hotspots, error) {
		g := hq.g
		v, err := e.values(ctx, g, hq.p, hq.types)
		if err != nil {
			return nil, err
		}
		x := v.count
		if hq.m == Harm {
			x = v.harm
		}
		out := &Hotspots{Layer: g.layer, Res: g.res, K: g.k, Measure: hq.m, Unit: e.unit(hq.m), Period: hq.p,
			Types: nonNil(hq.types), StudyCells: len(g.cells), Matched: len(g.cells), Outside: v.outside,
			ExcludedTypes: e.excluded(scopeTypes(hq.sum, hq.types)), Weights: e.weightsInfo(),
			Notes: nonNil(hq.notes), DataVersion: hq.sum.Version, Computed: e.now()}
		out.Cells, err = hotCells(g, v, x)
		if err != nil {
			return nil, gistarError(err, g.layer, g.res, hq.m, hq.p)
		}
		summarise(out, out.Cells)
		return out, nil
	})
}

// hotCells runs Gi* on x over the grid and assembles the cells inside the
// layer (all of them unless the grid reaches beyond its edge); the false
// discovery rate is controlled over those cells.
func hotCells(g *grid, v *cellValues, x []float64) ([]HotCell, error) {
	z, err := hotspot.GiStar(x, g.nbrs)
	if err != nil {
		return nil, err
	}
	var idx []int
	for i := range z {
		if g.inside(i) {
			idx = append(idx, i)
		}
	}
	zs, ps := make([]float64, len(idx)), make([]float64, len(idx))
	for k, i := range idx {
		zs[k], ps[k] = z[i], hotspot.PValue(z[i])
	}
	bins := hotspot.BinsFDR(zs, ps)
	cells := make([]HotCell, len(idx))
	for k, i := range idx {
		cells[k] = HotCell{Cell: g.cells[i], Count: int64(v.count[i]), Harm: v.harm[i], Z: zs[k], P: ps[k],
			Bin: bins[k], BinUncorrected: hotspot.Bin(zs[k]), Areas: g.areas[i]}
	}
	return cells, nil
}

// Concentration is how much of the crime and harm of a study area lies in its
// busiest cells: the law of crime concentration (Weisburd 2015 found half of
// crime on 2.1-6.0 % of street segments).
type Concentration struct {
	Layer  string   `json:"layer"`
	Res    int      `json:"res"`
	Period Period   `json:"period"`
	Types  []string `json:"types"`
	Cells  int      `json:"cells"` // study cells, zero-crime cells included
	Count  int64    `json:"count"`
	Harm   float64  `json:"harm"`
	// Shares lists, for the top 1 %, 5 % and 10 % of cells, the share of
	// count and of harm they hold; cells are ranked by count for the count
	// share and by harm for the harm share.
	Shares        []Share        `json:"shares"`
	ExcludedTypes []ExcludedType `json:"excluded_types"`
	Weights       []WeightsInfo  `json:"weights"`
	Notes         []string       `json:"notes"`
	DataVersion   uint64         `json:"data_version"`
	Computed      time.Time      `json:"computed"`
}

// Share is the part of a total held by the top fraction of cells.
type Share struct {
	Fraction float64 `json:"fraction"` // 0.05 for the top 5 % of cells
	// Cells is the number of cells in the top fraction: ceil(Fraction x
	// study cells), at least 1.
	Cells    int     `json:"cells"`
	CountPct float64 `json:"count_pct"` // % of incidents in those cells
	HarmPct  float64 `json:"harm_pct"`  // % of harm in the cells with most harm
	// CellsPct is the cells' % of the study cells, the share of crime they
	// would hold if crime were spread evenly; TimesEven is CountPct over it.
	CellsPct  float64 `json:"cells_pct"`
	TimesEven float64 `json:"times_even"`
}

// ConcentrationFractions are the top shares of cells Concentration reports.
var ConcentrationFractions = []float64{0.01, 0.05, 0.10}

// Concentration measures how concentrated crime and harm are in a layer's
// study cells over a period. q.K and q.Measure are not used.
func (e *Engine) Concentration(ctx context.Context, q HotspotQuery) (*Concentration, error) {
	q.K, q.Measure, q.Beyond = 0, "", 0
	hq, err := e.prepareGrid(ctx, q, 12, Count)
	if err != nil {
		return nil, err
	}
	return compute(ctx, e, hq.sum, "concentration", hq.keyBase, func(ctx context.Context) (*Concentration, error) {
		v, err := e.values(ctx, hq.g, hq.p, hq.types)
		if err != nil {
			return nil, err
		}
		n := len(hq.g.cells)
		out := &Concentration{Layer: hq.g.layer, Res: hq.g.res, Period: hq.p, Types: nonNil(hq.types),
			Cells: n, Count: v.total, ExcludedTypes: e.excluded(scopeTypes(hq.sum, hq.types)),
			Weights: e.weightsInfo(), Notes: nonNil(hq.notes), DataVersion: hq.sum.Version, Computed: e.now()}
		for _, h := range v.harm {
			out.Harm += h
		}
		for _, f := range ConcentrationFractions {
			k := topK(f, n)
			s := Share{Fraction: f, Cells: k, CountPct: 100 * hotspot.TopShare(v.count, f),
				HarmPct: 100 * hotspot.TopShare(v.harm, f), CellsPct: 100 * float64(k) / float64(n)}
			s.TimesEven = s.CountPct / s.CellsPct
			out.Shares = append(out.Shares, s)
		}
		return out, nil
	})
}

// topK is the number of cells in the top fraction of n, as hotspot.TopShare
// counts them: ceil(fraction x n), allowing for floating-point error, at
// least 1.
func topK(fraction float64, n int) int {
	k := int(math.Ceil(fraction*float64(n) - 1e-9))
	return max(1, min(k, n))
}
