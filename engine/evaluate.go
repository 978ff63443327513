package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/hotspot"
)

// EvalQuery asks for a rolling backtest of ways to draw a hot spot map.
type EvalQuery struct {
	// Layer, Res and K give the study cells and Gi* neighbourhood, as in
	// HotspotQuery (Res 0 is 9, K 0 is 1).
	Layer string
	Res   int
	K     int
	// Types restricts to these crime types; empty is every type. Both the
	// maps and the scoring use them.
	Types []string
	// From and To bound the months scored. Zero is every month that has the
	// 12 months before it loaded.
	From, To data.Month
}

// The methods Evaluate compares. Each ranks the study cells on the months
// before the month scored, highest first.
const (
	MethodCount12  = "count_12m"  // crimes in the last 12 months
	MethodHarm12   = "harm_12m"   // CCHI harm in the last 12 months
	MethodGiStar12 = "gistar_12m" // Gi* z-score of the last 12 months' counts
	MethodCount3   = "count_3m"   // crimes in the last 3 months
)

var methodText = map[string]string{
	MethodCount12:  "most crimes in the 12 months before",
	MethodHarm12:   "most harm (CCHI days) in the 12 months before",
	MethodGiStar12: "highest Gi* z-score of the counts of the 12 months before",
	MethodCount3:   "most crimes in the 3 months before",
}

// EvalFractions are the shares of study cells each method's map covers: the
// top 1 % and 5 % of cells.
var EvalFractions = []float64{0.01, 0.05}

// Evaluation is a rolling backtest: for every month t scored, each method
// ranks the study cells on months t-12..t-1, takes its top fraction of cells
// as the hot spot map, and is scored on month t's incidents:
//
//	hit rate = incidents of month t in the map's cells / all of month t's incidents in the study cells
//	PAI      = hit rate / (map cells / study cells)     (hotspot.PAI; H3 cells of one resolution
//	                                                    are near enough equal in area to count cells)
//	PEI      = PAI / PAI of an oracle taking as many cells with month t's actual counts (0..1)
//
// Cells tied on a method's score are taken in ascending order of month t's
// count, so a tie never flatters a map (as R ptools). A month with no
// incidents in the study cells is not scored.
type Evaluation struct {
	Layer  string       `json:"layer"`
	Res    int          `json:"res"`
	K      int          `json:"k"`
	Types  []string     `json:"types"`
	Cells  int          `json:"cells"`  // study cells
	Months []data.Month `json:"months"` // months scored
	// Methods holds one entry per method and fraction: methods in the order
	// count_12m, harm_12m, gistar_12m, count_3m, each at 1 % then 5 %.
	Methods []MethodScore `json:"methods"`
	// Best names, per fraction, the method with the highest mean PAI.
	Best        []BestMethod  `json:"best"`
	Weights     []WeightsInfo `json:"weights"`
	Notes       []string      `json:"notes"`
	DataVersion uint64        `json:"data_version"`
	Computed    time.Time     `json:"computed"`
}

// MethodScore is one method's backtest at one map size.
type MethodScore struct {
	Method      string  `json:"method"`
	Description string  `json:"description"`
	Fraction    float64 `json:"fraction"` // share of study cells in the map
	Cells       int     `json:"cells"`    // cells in the map: ceil(Fraction x study cells)
	// Means and medians over the months scored.
	MeanHitRate   float64      `json:"mean_hit_rate"`
	MedianHitRate float64      `json:"median_hit_rate"`
	MeanPAI       float64      `json:"mean_pai"`
	MedianPAI     float64      `json:"median_pai"`
	MeanPEI       float64      `json:"mean_pei"`
	MedianPEI     float64      `json:"median_pei"`
	Months        []MonthScore `json:"months"`
}

// MonthScore is one method's score on one month.
type MonthScore struct {
	Month     data.Month `json:"month"`
	Incidents int64      `json:"incidents"` // month t's incidents in the study cells
	HitRate   float64    `json:"hit_rate"`  // 0..1
	PAI       float64    `json:"pai"`
	PEI       float64    `json:"pei"` // 0..1
}

// BestMethod names the method that predicted best at one map size.
type BestMethod struct {
	Fraction float64 `json:"fraction"`
	Method   string  `json:"method"`
	MeanPAI  float64 `json:"mean_pai"`
}

// evalLookback is the months of history each map is drawn from.
const evalLookback = 12

// Evaluate backtests the ways of drawing a hot spot map against each next
// month, over every month the data allow.
func (e *Engine) Evaluate(ctx context.Context, q EvalQuery) (*Evaluation, error) {
	res, k, err := resK(q.Res, q.K)
	if err != nil {
		return nil, err
	}
	sum, err := e.summary(ctx)
	if err != nil {
		return nil, err
	}
	ld, err := loadedOf(sum)
	if err != nil {
		return nil, err
	}
	types, err := checkTypes(sum, q.Types)
	if err != nil {
		return nil, err
	}
	// months t with t-12..t loaded, inside From..To
	var scored []data.Month
	for _, t := range ld.months {
		if (q.From != 0 && t < q.From) || (q.To != 0 && t > q.To) {
			continue
		}
		if ld.covers(period(t-evalLookback, t)) {
			scored = append(scored, t)
		}
	}
	if len(scored) == 0 {
		return nil, fmt.Errorf("%w: the backtest needs the %d months before each month scored; the data loaded run %s..%s, so months from %s can be scored",
			ErrNoMonth, evalLookback, ld.first(), ld.last(), ld.first()+evalLookback)
	}
	g, err := e.grid(ctx, sum, q.Layer, res, k)
	if err != nil {
		return nil, err
	}
	if err := e.checkCellMonths(g, int(scored[len(scored)-1]-scored[0])+1+evalLookback); err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%d|%d|%s|%s..%s", q.Layer, res, k, keyList(types), scored[0], scored[len(scored)-1])
	return compute(ctx, e, sum, "evaluate", key, func(ctx context.Context) (*Evaluation, error) {
		return e.evaluate(ctx, sum, g, types, scored)
	})
}

func (e *Engine) evaluate(ctx context.Context, sum *data.Summary, g *grid, types []string, scored []data.Month) (*Evaluation, error) {
	first := scored[0] - evalLookback
	span := period(first, scored[len(scored)-1])
	rows, err := e.store.Aggregate(ctx, data.Query{From: span.From, To: span.To, Types: types,
		By: data.GroupBy{CellRes: g.res, Month: true, Type: true}})
	if err != nil {
		return nil, fmt.Errorf("engine: counting by H3 cell, month and type for %s: %w", span, err)
	}
	n, nm := len(g.cells), span.Months
	// Running totals per cell, month-major: cum[m*n+i] is cell i's total
	// over the months before span month m.
	cumC := make([]float64, (nm+1)*n)
	cumH := make([]float64, (nm+1)*n)
	for _, r := range rows {
		if i, ok := g.index[r.Cell]; ok {
			m := int(r.Month-first) + 1
			cumC[m*n+int(i)] += float64(r.Count)
			cumH[m*n+int(i)] += e.harm.Of(r.Type, float64(r.Count), e.includePG)
		}
	}
	for m := 1; m <= nm; m++ {
		for i := range n {
			cumC[m*n+i] += cumC[(m-1)*n+i]
			cumH[m*n+i] += cumH[(m-1)*n+i]
		}
	}
	// window returns the per-cell totals of months [a, b) of the span.
	window := func(cum []float64, a, b int, dst []float64) []float64 {
		for i := range n {
			dst[i] = cum[b*n+i] - cum[a*n+i]
		}
		return dst
	}

	out := &Evaluation{Layer: g.layer, Res: g.res, K: g.k, Types: nonNil(types), Cells: n, Months: []data.Month{},
		Weights: e.weightsInfo(), Notes: []string{}, DataVersion: sum.Version, Computed: e.now()}
	methods := []string{MethodCount12, MethodHarm12, MethodGiStar12, MethodCount3}
	// scores[method][fraction]
	scores := make([][]MethodScore, len(methods))
	for mi, m := range methods {
		for _, f := range EvalFractions {
			scores[mi] = append(scores[mi], MethodScore{Method: m, Description: methodText[m], Fraction: f, Cells: topK(f, n)})
		}
	}
	obs := make([]float64, n)
	pred := make([]float64, n)
	cells := make([]hotspot.Prediction, n)
	var flat []data.Month
	for _, t := range scored {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m := int(t - first) // span index of month t
		window(cumC, m, m+1, obs)
		var total float64
		for _, v := range obs {
			total += v
		}
		if total == 0 {
			out.Notes = append(out.Notes, fmt.Sprintf("%s is not scored: no incidents in the study cells", t))
			continue
		}
		out.Months = append(out.Months, t)
		for mi, method := range methods {
			switch method {
			case MethodCount12:
				window(cumC, m-12, m, pred)
			case MethodHarm12:
				window(cumH, m-12, m, pred)
			case MethodCount3:
				window(cumC, m-3, m, pred)
			case MethodGiStar12:
				z, err := hotspot.GiStar(window(cumC, m-12, m, pred), g.nbrs)
				switch {
				case errors.Is(err, hotspot.ErrZeroVariance):
					clear(pred) // no pattern: every cell ties
					flat = append(flat, t)
				case err != nil:
					return nil, fmt.Errorf("engine: Gi* for the 12 months before %s: %w", t, err)
				default:
					copy(pred, z)
				}
			}
			for i := range cells {
				cells[i] = hotspot.Prediction{Obs: obs[i], Pred: pred[i], Area: 1}
			}
			pai, pei := hotspot.PAICurve(cells)
			for fi := range scores[mi] {
				s := &scores[mi][fi]
				k := s.Cells
				s.Months = append(s.Months, MonthScore{Month: t, Incidents: int64(total),
					// equal areas: PAI = hit rate / (k/n)
					HitRate: pai[k-1] * float64(k) / float64(n), PAI: pai[k-1], PEI: pei[k-1]})
			}
		}
	}
	if len(flat) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("Gi* had no z-scores (every cell equal) for the 12 months before %v: its map ties every cell", flat))
	}
	for _, ss := range scores {
		for fi := range ss {
			s := &ss[fi]
			s.MeanHitRate, s.MedianHitRate = meanMedian(s.Months, func(x MonthScore) float64 { return x.HitRate })
			s.MeanPAI, s.MedianPAI = meanMedian(s.Months, func(x MonthScore) float64 { return x.PAI })
			s.MeanPEI, s.MedianPEI = meanMedian(s.Months, func(x MonthScore) float64 { return x.PEI })
			s.Months = nonNil(s.Months)
			out.Methods = append(out.Methods, *s)
		}
	}
	for fi, f := range EvalFractions {
		best := BestMethod{Fraction: f}
		for mi := range scores {
			if s := scores[mi][fi]; best.Method == "" || s.MeanPAI > best.MeanPAI {
				best = BestMethod{Fraction: f, Method: s.Method, MeanPAI: s.MeanPAI}
			}
		}
		out.Best = append(out.Best, best)
	}
	return out, nil
}

// meanMedian returns the mean and median of f over xs (0, 0 for none).
func meanMedian[T any](xs []T, f func(T) float64) (mean, median float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
		mean += v[i]
	}
	mean /= float64(len(v))
	slices.Sort(v)
	if h := len(v) / 2; len(v)%2 == 1 {
		median = v[h]
	} else {
		median = (v[h-1] + v[h]) / 2
	}
	return mean, median
}
