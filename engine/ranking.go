package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// RankingQuery asks for the areas of a layer ranked by a measure.
type RankingQuery struct {
	// Layer names the area layer ("wards").
	Layer string
	// From and To bound the period, inclusive. Zero To is the latest month
	// loaded; zero From is To-11 (twelve months).
	From, To data.Month
	// Types restricts to these crime types; empty is every type.
	Types []string
	// Areas restricts the ranking to these area codes; empty is every area
	// of the layer. Shares and totals are of the areas listed.
	Areas []string
	// Measure ranks, rates and compares by count (default), harm or cost.
	Measure Measure
}

// Ranking is every area of a layer (or those asked for) with its count,
// harm and cost over a period, ranked by one measure.
type Ranking struct {
	Layer   string  `json:"layer"`
	Measure Measure `json:"measure"`
	Unit    string  `json:"unit"` // unit of the measure
	// Period is the period ranked; PreviousPeriod the period of the same
	// length just before it; YearEarlierPeriod the same months a year
	// before. Change and ChangeYearEarlier compare against them.
	Period            Period   `json:"period"`
	PreviousPeriod    Period   `json:"previous_period"`
	YearEarlierPeriod Period   `json:"year_earlier_period"`
	Types             []string `json:"types"` // crime types counted; empty is all
	// Areas are in rank order (rank 1, the highest, first; ties by name).
	Areas []AreaRank `json:"areas"`
	// Total sums the areas listed: its Rank is 0 and its Share 100.
	Total         AreaRank       `json:"total"`
	ExcludedTypes []ExcludedType `json:"excluded_types"`
	Weights       []WeightsInfo  `json:"weights"`
	Notes         []string       `json:"notes"`
	DataVersion   uint64         `json:"data_version"`
	Computed      time.Time      `json:"computed"`
}

// AreaRank is one area's figures in a Ranking. Incidents count in the one
// area holding their point (points on a shared boundary go to the first area
// in the layer's order).
type AreaRank struct {
	Code  string  `json:"code"`
	Name  string  `json:"name"`
	Count int64   `json:"count"`
	Harm  float64 `json:"harm"` // CCHI days
	Cost  float64 `json:"cost"` // GBP, 2015/16 prices
	// Population is the area's resident population; nil when the layer has
	// no figure for it.
	Population *float64 `json:"population"`
	// Rate is the measure per 1,000 residents over the whole period (not
	// annualised); nil without a population.
	Rate *float64 `json:"rate_per_1000"`
	// Share is the area's percentage of the listed areas' total measure
	// (0..100; 0 when the total is 0).
	Share float64 `json:"share_pct"`
	// Change compares the measure with the previous period and
	// ChangeYearEarlier with the same period a year before; nil when the
	// data loaded do not cover that period. A rise from 0 is New, with no
	// percentage.
	Change            *hotspot.Change `json:"change"`
	ChangeYearEarlier *hotspot.Change `json:"change_year_earlier"`
	// Rank is 1 for the highest measure; areas with equal values share a
	// rank and the next rank is skipped (1, 2, 2, 4).
	Rank int `json:"rank"`
}

// Ranking ranks the areas of a layer by a measure over a period, with each
// area's change against the previous period and the year before.
func (e *Engine) Ranking(ctx context.Context, q RankingQuery) (*Ranking, error) {
	pq, err := e.prepare(ctx, q.Measure, q.Types, q.From, q.To, 12, Count, Harm, Cost)
	if err != nil {
		return nil, err
	}
	layer, err := e.layer(ctx, pq.sum, q.Layer)
	if err != nil {
		return nil, err
	}
	areas, err := areaSubset(layer, q.Areas)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%s|%s|%s|%v", q.Layer, pq.p, pq.m, keyList(pq.types), areas)
	return compute(ctx, e, pq.sum, "ranking", key, func(ctx context.Context) (*Ranking, error) {
		return e.ranking(ctx, pq, layer, areas)
	})
}

// areaSubset returns the indices of the areas with the given codes, sorted,
// or every area's index for none.
func areaSubset(layer *geo.Layer, codes []string) ([]int, error) {
	if len(codes) == 0 {
		all := make([]int, len(layer.Areas))
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	out := make([]int, 0, len(codes))
	for _, c := range codes {
		i, err := areaIndex(layer, c)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// figures are one area's totals over one period.
type figures struct {
	count      int64
	harm, cost float64
}

func (f *figures) add(t string, n int64, e *Engine) {
	h, c := e.weigh(t, n)
	f.count += n
	f.harm += h
	f.cost += c
}

func (f *figures) plus(o figures) {
	f.count += o.count
	f.harm += o.harm
	f.cost += o.cost
}

func (f figures) of(m Measure) float64 { return value(m, f.count, f.harm, f.cost) }

func (e *Engine) ranking(ctx context.Context, pq *prepared, layer *geo.Layer, areas []int) (*Ranking, error) {
	sum, ld, p, types, m := pq.sum, pq.ld, pq.p, pq.types, pq.m
	notes := slices.Clone(pq.notes)
	prev, year := p.before(), p.shift(-12)
	ld.uncovered("previous period", prev, &notes)
	ld.uncovered("same period a year earlier", year, &notes)

	// One count by area and type per period (the previous period and the
	// year before are the same months for a 12-month period): the store
	// answers a count by area from its roll-ups, and no month is split out.
	q := data.Query{Types: types, By: data.GroupBy{Layer: layer.Name, Type: true}}
	if len(areas) < len(layer.Areas) {
		q.Layer = layer.Name
		for _, i := range areas {
			q.Areas = append(q.Areas, layer.Areas[i].Code)
		}
	}
	figs := make([][3]figures, len(layer.Areas)) // per area: current, previous, year-earlier
	periods := [3]Period{p, prev, year}
	for k, pk := range periods {
		if k == 2 && pk == prev {
			for i := range figs {
				figs[i][2] = figs[i][1]
			}
			continue
		}
		q.From, q.To = pk.From, pk.To
		rows, err := e.store.Aggregate(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("engine: counting %s by area for %s: %w", layer.Name, pk, err)
		}
		for _, r := range rows {
			if i := layer.Index(r.Area); i >= 0 {
				figs[i][k].add(r.Type, r.Count, e)
			}
		}
	}

	out := &Ranking{
		Layer: layer.Name, Measure: m, Unit: e.unit(m), Period: p, PreviousPeriod: prev, YearEarlierPeriod: year,
		Types: nonNil(types), Areas: make([]AreaRank, 0, len(areas)),
		ExcludedTypes: e.excluded(scopeTypes(sum, types)), Weights: e.weightsInfo(),
		Notes: nonNil(notes), DataVersion: sum.Version, Computed: e.now(),
	}
	var tot [3]figures
	var pop float64
	allPop := true
	for _, i := range areas {
		a := &layer.Areas[i]
		f := figs[i]
		for k := range tot {
			tot[k].plus(f[k])
		}
		ar := AreaRank{Code: a.Code, Name: a.Name, Count: f[0].count, Harm: f[0].harm, Cost: f[0].cost,
			Change: ld.compare(f[0].of(m), f[1].of(m), prev), ChangeYearEarlier: ld.compare(f[0].of(m), f[2].of(m), year)}
		if a.HasPopulation {
			ar.Population, ar.Rate = perThousand(f[0].of(m), a.Population)
			pop += a.Population
		} else {
			allPop = false
		}
		out.Areas = append(out.Areas, ar)
	}
	total := tot[0].of(m)
	for i := range out.Areas {
		if total != 0 {
			out.Areas[i].Share = value(m, out.Areas[i].Count, out.Areas[i].Harm, out.Areas[i].Cost) / total * 100
		}
	}
	rank(out.Areas, m)
	out.Total = AreaRank{Code: "", Name: "Total", Count: tot[0].count, Harm: tot[0].harm, Cost: tot[0].cost, Share: 100,
		Change: ld.compare(total, tot[1].of(m), prev), ChangeYearEarlier: ld.compare(total, tot[2].of(m), year)}
	if allPop && len(areas) > 0 {
		out.Total.Population, out.Total.Rate = perThousand(total, pop)
	} else if !allPop {
		out.Notes = append(out.Notes, "some areas have no population figure, so they and the total have no rate per 1,000 residents")
	}
	return out, nil
}

func in(p Period, m data.Month) bool { return m >= p.From && m <= p.To }

// perThousand returns the population and v per 1,000 of it (nil for a
// population of 0).
func perThousand(v, pop float64) (*float64, *float64) {
	if pop <= 0 {
		return &pop, nil
	}
	r := v / pop * 1000
	return &pop, &r
}

// rank sorts areas by the measure, highest first (ties by name, then code),
// and numbers them with shared ranks for ties.
func rank(areas []AreaRank, m Measure) {
	v := func(a *AreaRank) float64 { return value(m, a.Count, a.Harm, a.Cost) }
	slices.SortStableFunc(areas, func(a, b AreaRank) int {
		if c := cmp.Compare(v(&b), v(&a)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
	for i := range areas {
		if i > 0 && v(&areas[i]) == v(&areas[i-1]) {
			areas[i].Rank = areas[i-1].Rank
		} else {
			areas[i].Rank = i + 1
		}
	}
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
