package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// TrendAlpha is the significance level of the Mann-Kendall trend tests
// (two-sided): a trend is reported when p < 0.05.
const TrendAlpha = 0.05

// TrendQuery asks for monthly series, per area of a layer or per study cell.
type TrendQuery struct {
	// Layer names the area layer.
	Layer string
	// Res 0 gives one series per area of the layer; MinGridRes..MaxGridRes
	// gives one per study cell of that H3 resolution (see HotspotQuery).
	Res int
	// From and To bound the months, inclusive. Zero To is the latest month
	// loaded; zero From is To-35 (three years), or the first month loaded.
	From, To data.Month
	// Types restricts to these crime types; empty is every type.
	Types []string
	// Measure is count (default), harm or cost.
	Measure Measure
}

// Trends holds monthly series with a Mann-Kendall trend test of each.
type Trends struct {
	Layer   string       `json:"layer"`
	Res     int          `json:"res"` // 0: series per area
	Measure Measure      `json:"measure"`
	Unit    string       `json:"unit"`
	Period  Period       `json:"period"`
	Months  []data.Month `json:"months"` // the months of every series' Values
	Types   []string     `json:"types"`
	// Series is one per area in layer order, or one per study cell in
	// ascending cell order; Total adds them all up.
	Series        []Series       `json:"series"`
	Total         Series         `json:"total"`
	Alpha         float64        `json:"alpha"` // significance level of Direction
	ExcludedTypes []ExcludedType `json:"excluded_types"`
	Weights       []WeightsInfo  `json:"weights"`
	Notes         []string       `json:"notes"`
	DataVersion   uint64         `json:"data_version"`
	Computed      time.Time      `json:"computed"`
}

// Series is one area's or cell's measure month by month.
type Series struct {
	Code  string   `json:"code,omitempty"` // area code (per-area series)
	Name  string   `json:"name,omitempty"` // area name
	Cell  geo.Cell `json:"cell,omitempty"` // H3 cell (per-cell series)
	Areas []string `json:"areas,omitempty"`
	// Values are the measure per month, in Trends.Months order.
	Values []float64 `json:"values"`
	// Trend is the Mann-Kendall test of Values; nil for fewer than 3 months.
	Trend *hotspot.MannKendall `json:"trend"`
	// Direction is +1 for a significant rise at Alpha, -1 for a fall, 0 for
	// neither.
	Direction int `json:"direction"`
}

func series(values []float64) Series {
	s := Series{Values: values}
	if mk, err := hotspot.MannKendallTest(values); err == nil {
		s.Trend = &mk
		s.Direction = mk.Direction(TrendAlpha)
	}
	return s
}

func monthsOf(p Period) []data.Month {
	ms := make([]data.Month, 0, p.Months)
	for m := p.From; m <= p.To; m++ {
		ms = append(ms, m)
	}
	return ms
}

// Trends returns the monthly series of each area of a layer (q.Res 0) or of
// each of its study cells, each with a Mann-Kendall trend test.
func (e *Engine) Trends(ctx context.Context, q TrendQuery) (*Trends, error) {
	var hq *prepared
	var l *geo.Layer
	var err error
	if q.Res != 0 {
		hq, err = e.prepareGrid(ctx, HotspotQuery{Layer: q.Layer, Res: q.Res, From: q.From, To: q.To, Types: q.Types, Measure: q.Measure}, 36, Count, Harm, Cost)
		if err == nil {
			err = e.checkCellMonths(hq.g, hq.p.Months)
		}
	} else if hq, err = e.prepare(ctx, q.Measure, q.Types, q.From, q.To, 36, Count, Harm, Cost); err == nil {
		l, err = e.layer(ctx, hq.sum, q.Layer)
		hq.keyBase = fmt.Sprintf("%s|0|%s|%s|%s", q.Layer, hq.p, hq.m, keyList(hq.types))
	}
	if err != nil {
		return nil, err
	}
	return compute(ctx, e, hq.sum, "trends", hq.keyBase, func(ctx context.Context) (*Trends, error) {
		by := data.GroupBy{Month: true, Type: hq.m != Count}
		n := 0
		if l != nil {
			by.Layer, n = l.Name, len(l.Areas)
		} else {
			by.CellRes, n = hq.g.res, len(hq.g.cells)
		}
		rows, err := e.store.Aggregate(ctx, data.Query{From: hq.p.From, To: hq.p.To, Types: hq.types, By: by})
		if err != nil {
			return nil, fmt.Errorf("engine: counting by month for %s: %w", hq.p, err)
		}
		nm := hq.p.Months
		vals := make([]float64, n*nm) // one backing array for every series
		total := make([]float64, nm)
		for _, r := range rows {
			i := -1
			if l != nil {
				i = l.Index(r.Area)
			} else if j, ok := hq.g.index[r.Cell]; ok {
				i = int(j)
			}
			if i < 0 {
				continue
			}
			h, c := e.weigh(r.Type, r.Count)
			v := value(hq.m, r.Count, h, c)
			vals[i*nm+int(r.Month-hq.p.From)] += v
			total[r.Month-hq.p.From] += v
		}
		out := &Trends{Layer: q.Layer, Measure: hq.m, Unit: e.unit(hq.m), Period: hq.p, Months: monthsOf(hq.p),
			Types: nonNil(hq.types), Series: make([]Series, n), Total: series(total), Alpha: TrendAlpha,
			ExcludedTypes: e.excluded(scopeTypes(hq.sum, hq.types)), Weights: e.weightsInfo(),
			Notes: nonNil(hq.notes), DataVersion: hq.sum.Version, Computed: e.now()}
		out.Total.Name = "Total"
		for i := range out.Series {
			s := series(vals[i*nm : (i+1)*nm : (i+1)*nm])
			if l != nil {
				s.Code, s.Name = l.Areas[i].Code, l.Areas[i].Name
			} else {
				s.Cell, s.Areas = hq.g.cells[i], hq.g.areas[i]
			}
			out.Series[i] = s
		}
		if l == nil {
			out.Res = hq.g.res
		}
		return out, nil
	})
}

// SpaceTimeWindow says which values a Gi* of an emerging hot spot analysis
// compares each cell-month with.
type SpaceTimeWindow struct {
	// K is the spatial neighbourhood: the study cells within K grid steps.
	K int `json:"k"`
	// Months is the temporal neighbourhood: 1, each month on its own.
	Months int `json:"months"`
	// Description says the same in words, with the reason.
	Description string `json:"description"`
}

// EmergingResult is an emerging hot spot analysis of a layer's study area:
// where hot and cold spots are new, intensifying, persistent, diminishing,
// sporadic, oscillating or historical over a run of months.
//
// Method: for each month of the period, a Gi* of that month's values over
// the study cells (neighbours: the study cells within K grid steps; mean and
// variance: that month's, over the study cells); FDR-corrected bins per
// month; then hotspot.ClassifyEmerging per cell on its series of bins and
// z-scores, with the Mann-Kendall trend of z at TrendAlpha.
//
// This is not ArcGIS's space-time cube. ArcGIS's Gi* for a bin takes its
// neighbours within the distance in its own time step AND the previous
// "neighbourhood time step" steps (default 1: months t and t-1), against the
// mean and variance of the whole cube; here each month is a Gi* of its own
// (a neighbourhood time step of 0), compared only with that month. The
// categories then follow ArcGIS Pro's definitions exactly. A month in
// which every cell has the same value has no Gi*: all its bins and z-scores
// are taken as 0 (not significant) and ZeroVarianceMonths lists it.
type EmergingResult struct {
	Layer   string          `json:"layer"`
	Res     int             `json:"res"`
	K       int             `json:"k"`
	Measure Measure         `json:"measure"`
	Unit    string          `json:"unit"`
	Period  Period          `json:"period"`
	Months  []data.Month    `json:"months"` // the steps of every cell's series
	Types   []string        `json:"types"`
	Window  SpaceTimeWindow `json:"window"`
	Alpha   float64         `json:"alpha"` // Mann-Kendall significance level
	// Cells are every study cell, in ascending cell order.
	Cells []EmergingCell `json:"cells"`
	// Categories counts the cells in each category seen, hot spots first.
	Categories         []CategoryCount `json:"categories"`
	ZeroVarianceMonths []data.Month    `json:"zero_variance_months"`
	ExcludedTypes      []ExcludedType  `json:"excluded_types"`
	Weights            []WeightsInfo   `json:"weights"`
	Notes              []string        `json:"notes"`
	DataVersion        uint64          `json:"data_version"`
	Computed           time.Time       `json:"computed"`
}

// EmergingCell is one study cell's emerging hot spot category and series.
type EmergingCell struct {
	Cell geo.Cell `json:"cell"`
	// Category is the -8..8 code of hotspot.Emerging (1 New hot spot .. 8
	// Historical, negatives the cold spots, 0 no pattern); Label its name.
	Category int    `json:"category"`
	Label    string `json:"label"`
	// Values, Z and Bins are the cell's measure, Gi* z-score and
	// FDR-corrected bin per month.
	Values []float64 `json:"values"`
	Z      []float64 `json:"z"`
	Bins   []int     `json:"bins"`
	// Trend is the Mann-Kendall test of Values (not of Z, which the
	// category uses); nil for fewer than 3 months.
	Trend *hotspot.MannKendall `json:"trend"`
	Areas []string             `json:"areas"`
}

// CategoryCount is how many cells fall in one emerging category.
type CategoryCount struct {
	Category int    `json:"category"`
	Label    string `json:"label"`
	Cells    int    `json:"cells"`
}

// Emerging runs an emerging hot spot analysis over the months of q's period.
func (e *Engine) Emerging(ctx context.Context, q HotspotQuery) (*EmergingResult, error) {
	q.Beyond = 0
	hq, err := e.prepareGrid(ctx, q, 12, Count, Harm)
	if err != nil {
		return nil, err
	}
	if err := e.checkCellMonths(hq.g, hq.p.Months); err != nil {
		return nil, err
	}
	return compute(ctx, e, hq.sum, "emerging", hq.keyBase, func(ctx context.Context) (*EmergingResult, error) {
		g, p := hq.g, hq.p
		rows, err := e.store.Aggregate(ctx, data.Query{From: p.From, To: p.To, Types: hq.types,
			By: data.GroupBy{CellRes: g.res, Month: true, Type: hq.m == Harm}})
		if err != nil {
			return nil, fmt.Errorf("engine: counting by H3 cell and month for %s: %w", p, err)
		}
		n, nm := len(g.cells), p.Months
		x := make([]float64, nm*n) // month-major: x[t*n+i]
		for _, r := range rows {
			if i, ok := g.index[r.Cell]; ok {
				h, c := e.weigh(r.Type, r.Count)
				x[int(r.Month-p.From)*n+int(i)] += value(hq.m, r.Count, h, c)
			}
		}
		out := &EmergingResult{Layer: g.layer, Res: g.res, K: g.k, Measure: hq.m, Unit: e.unit(hq.m), Period: p,
			Months: monthsOf(p), Types: nonNil(hq.types), Alpha: TrendAlpha,
			Window: SpaceTimeWindow{K: g.k, Months: 1, Description: fmt.Sprintf(
				"space: the study cells within %d grid step(s) of a cell, the cell itself included; time: each month on its own, "+
					"its Gi* compared with that month's own mean and spread over the study area. This is not ArcGIS's space-time "+
					"cube, whose Gi* also counts the neighbours' values in the previous month (neighbourhood time step 1) and "+
					"compares with the whole cube: here the neighbourhood time step is 0. The time dimension enters through the "+
					"series of monthly bins and the Mann-Kendall trend of each cell's monthly z-scores; the categories are "+
					"ArcGIS Pro's.", g.k)},
			ZeroVarianceMonths: []data.Month{}, ExcludedTypes: e.excluded(scopeTypes(hq.sum, hq.types)),
			Weights: e.weightsInfo(), Notes: nonNil(hq.notes), DataVersion: hq.sum.Version, Computed: e.now()}
		if nm < 10 {
			out.Notes = append(out.Notes, fmt.Sprintf("only %d months: ArcGIS asks for at least 10 time steps, so read the categories with care", nm))
		}
		z := make([]float64, nm*n)
		bins := make([]int, nm*n)
		for t := range nm {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			xt := x[t*n : (t+1)*n]
			zt, err := hotspot.GiStar(xt, g.nbrs)
			if errors.Is(err, hotspot.ErrZeroVariance) {
				out.ZeroVarianceMonths = append(out.ZeroVarianceMonths, p.From+data.Month(t))
				continue // z and bins stay 0
			}
			if err != nil {
				return nil, fmt.Errorf("engine: Gi* for %s: %w", p.From+data.Month(t), err)
			}
			pt := make([]float64, n)
			for i, v := range zt {
				pt[i] = hotspot.PValue(v)
			}
			copy(z[t*n:], zt)
			copy(bins[t*n:], hotspot.BinsFDR(zt, pt))
		}
		if k := len(out.ZeroVarianceMonths); k > 0 {
			out.Notes = append(out.Notes, fmt.Sprintf("%d month(s) had the same value in every cell, so no Gi*: they count as not significant everywhere (%v)", k, out.ZeroVarianceMonths))
		}
		// Per cell series, cell-major, in three backing arrays.
		cz := make([]float64, n*nm)
		cb := make([]int, n*nm)
		cv := make([]float64, n*nm)
		perCat := map[hotspot.Emerging]int{}
		out.Cells = make([]EmergingCell, n)
		for i := range n {
			for t := range nm {
				cz[i*nm+t], cb[i*nm+t], cv[i*nm+t] = z[t*n+i], bins[t*n+i], x[t*n+i]
			}
			lo, hi := i*nm, (i+1)*nm
			cat := hotspot.ClassifyEmerging(cb[lo:hi], cz[lo:hi], TrendAlpha)
			perCat[cat]++
			s := series(cv[lo:hi:hi])
			out.Cells[i] = EmergingCell{Cell: g.cells[i], Category: cat.Code(), Label: cat.String(),
				Values: s.Values, Z: cz[lo:hi:hi], Bins: cb[lo:hi:hi], Trend: s.Trend, Areas: g.areas[i]}
		}
		for c := hotspot.NewHot; c <= hotspot.HistoricalHot; c++ {
			if perCat[c] > 0 {
				out.Categories = append(out.Categories, CategoryCount{c.Code(), c.String(), perCat[c]})
			}
		}
		for c := hotspot.NewCold; c >= hotspot.HistoricalCold; c-- {
			if perCat[c] > 0 {
				out.Categories = append(out.Categories, CategoryCount{c.Code(), c.String(), perCat[c]})
			}
		}
		out.Categories = append(out.Categories, CategoryCount{0, hotspot.NoPattern.String(), perCat[hotspot.NoPattern]})
		return out, nil
	})
}

// CellTrend returns the monthly series of one H3 cell (any resolution
// geo.MinRes..geo.BaseRes) with its Mann-Kendall test: the incidents whose
// point lies in the cell. q.Layer and q.Res are not used.
func (e *Engine) CellTrend(ctx context.Context, cell geo.Cell, q TrendQuery) (*Trends, error) {
	if !cell.Valid() || cell.Res() < geo.MinRes || cell.Res() > geo.BaseRes {
		return nil, fmt.Errorf("%w: %s is not an H3 cell of resolution %d..%d", ErrBadQuery, cell, geo.MinRes, geo.BaseRes)
	}
	hq, err := e.prepare(ctx, q.Measure, q.Types, q.From, q.To, 36, Count, Harm, Cost)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%s|%s|%s", cell, hq.p, hq.m, keyList(hq.types))
	return compute(ctx, e, hq.sum, "celltrend", key, func(ctx context.Context) (*Trends, error) {
		rows, err := e.store.Aggregate(ctx, data.Query{From: hq.p.From, To: hq.p.To, Types: hq.types, Cells: []geo.Cell{cell},
			By: data.GroupBy{Month: true, Type: hq.m != Count}})
		if err != nil {
			return nil, fmt.Errorf("engine: counting by month in %s: %w", cell, err)
		}
		vals := make([]float64, hq.p.Months)
		for _, r := range rows {
			h, c := e.weigh(r.Type, r.Count)
			vals[r.Month-hq.p.From] += value(hq.m, r.Count, h, c)
		}
		s := series(vals)
		s.Cell = cell
		return &Trends{Res: cell.Res(), Measure: hq.m, Unit: e.unit(hq.m), Period: hq.p, Months: monthsOf(hq.p),
			Types: nonNil(hq.types), Series: []Series{s}, Total: s, Alpha: TrendAlpha,
			ExcludedTypes: e.excluded(scopeTypes(hq.sum, hq.types)), Weights: e.weightsInfo(),
			Notes: nonNil(hq.notes), DataVersion: hq.sum.Version, Computed: e.now()}, nil
	})
}
