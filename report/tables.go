package report

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
)

// Query is what a table is asked for. Zero values take the engine's
// defaults (the latest 12 months, all crime types, count, resolution 9, k 1,
// the top 10 zones).
type Query struct {
	Layer    string
	From, To data.Month
	Types    []string
	Measure  engine.Measure
	Res, K   int
	Top      int
	// Areas (codes or names of Layer) restricts the ranking and the
	// incident records to those areas.
	Areas []string
	// Suppress hides small numbers, for a viewer (see small.go).
	Suppress bool
}

// measureOf picks a measure's value from an area's figures.
func measureOf(m engine.Measure, count int64, harm, cost float64) float64 {
	switch m {
	case engine.Harm:
		return harm
	case engine.Cost:
		return cost
	}
	return float64(count)
}

// measureRound rounds a value of measure m: counts are whole, harm and cost
// to 2 decimal places.
func measureRound(m engine.Measure, v float64) float64 {
	if m == engine.Count || m == "" {
		return math.Round(v)
	}
	return round(v, 2)
}

// Ranking is every area of a layer with its ranking figures. Viewers
// (Suppress) see a count of 1..2 as "<3" and none of the figures derived
// from it; see docs/exports.md, "Small numbers".
func Ranking(ctx context.Context, e *engine.Engine, q Query) (*Table, error) {
	rq := engine.RankingQuery{Layer: q.Layer, From: q.From, To: q.To, Types: q.Types, Areas: q.Areas, Measure: q.Measure}
	rk, err := e.Ranking(ctx, rq)
	if err != nil {
		return nil, err
	}
	layer, err := e.Layer(ctx, rk.Layer)
	if err != nil {
		return nil, err
	}
	suppress := q.Suppress
	// The counts behind each comparison, to withhold a change whose earlier
	// period had 1..2 incidents (the change would give that count away).
	prevSmall, yearSmall := map[string]bool{}, map[string]bool{}
	if suppress {
		counts := rk
		if rk.Measure != engine.Count {
			rq.Measure = engine.Count
			if counts, err = e.Ranking(ctx, rq); err != nil {
				return nil, err
			}
		}
		for _, a := range counts.Areas {
			prevSmall[a.Code] = a.Change != nil && hidden(int64(a.Change.Previous), suppress)
			yearSmall[a.Code] = a.ChangeYearEarlier != nil && hidden(int64(a.ChangeYearEarlier.Previous), suppress)
		}
	}
	m := rk.Measure
	var shown, hiddenRows []engine.AreaRank
	for _, a := range rk.Areas {
		if hidden(a.Count, suppress) {
			hiddenRows = append(hiddenRows, a)
		} else {
			shown = append(shown, a)
		}
	}
	// Hidden rows go last, by name, and the shown rows are ranked among
	// themselves: a hidden row's place in the order, or a gap in the ranks,
	// would tell its harm or cost.
	slices.SortStableFunc(hiddenRows, func(a, b engine.AreaRank) int { return cmp.Compare(a.Name, b.Name) })
	if len(hiddenRows) > 0 {
		for i := range shown {
			v := measureOf(m, shown[i].Count, shown[i].Harm, shown[i].Cost)
			if i > 0 && v == measureOf(m, shown[i-1].Count, shown[i-1].Harm, shown[i-1].Cost) {
				shown[i].Rank = shown[i-1].Rank
			} else {
				shown[i].Rank = i + 1
			}
		}
	}
	t := &Table{Kind: KindRanking, Cols: RankingColumns,
		File: FileName("ranking", rk.Layer, string(m), rk.Period.From.String()+"_"+rk.Period.To.String())}
	for _, a := range append(shown, hiddenRows...) {
		i := layer.Index(a.Code)
		if i < 0 {
			continue
		}
		area := &layer.Areas[i]
		hide := hidden(a.Count, suppress)
		p := make([]any, len(RankingColumns))
		p[0], p[1] = a.Code, a.Name
		if a.Population != nil {
			p[2] = int64(math.Round(*a.Population))
		}
		p[3] = small(a.Count, suppress)
		if !hide {
			p[4], p[5] = round(a.Harm, 2), round(a.Cost, 2)
			if a.Rate != nil {
				p[6] = round(*a.Rate, 2)
			}
			// With a row hidden, the shares would give away the total and
			// so, by difference, the hidden counts.
			if len(hiddenRows) == 0 {
				p[7] = round(a.Share, 2)
			}
			if a.Change != nil && !prevSmall[a.Code] {
				p[8], p[9] = measureRound(m, a.Change.Previous), measureRound(m, a.Change.Diff)
				if a.Change.Pct != nil {
					p[10] = round(*a.Change.Pct, 1)
				}
				p[11] = a.Change.New
			}
			if c := a.ChangeYearEarlier; c != nil && !yearSmall[a.Code] {
				p[12], p[13] = measureRound(m, c.Previous), measureRound(m, c.Diff)
				if c.Pct != nil {
					p[14] = round(*c.Pct, 1)
				}
				p[15] = c.New
			}
			p[16] = int64(a.Rank)
		}
		p[17], p[18], p[19] = string(m), rk.Period.From.String(), rk.Period.To.String()
		t.Feats = append(t.Feats, Feature{ID: a.Code, Geom: RFC7946(area.Geometry), Props: p})
	}
	t.Meta = []Member{
		{"layer", rk.Layer}, {"measure", m}, {"unit", rk.Unit}, {"period", rk.Period},
		{"previous_period", rk.PreviousPeriod}, {"year_earlier_period", rk.YearEarlierPeriod},
		{"types", rk.Types}, {"excluded_types", rk.ExcludedTypes}, {"notes", rk.Notes},
	}
	if suppress {
		t.Meta = append(t.Meta, Member{"suppressed", len(hiddenRows)})
	}
	return t, nil
}

// Hotspots is every study cell of a Gi* hot spot map.
func Hotspots(ctx context.Context, e *engine.Engine, q Query) (*Table, error) {
	h, err := e.Hotspots(ctx, engine.HotspotQuery{Layer: q.Layer, Res: q.Res, K: q.K, From: q.From, To: q.To, Types: q.Types, Measure: q.Measure})
	if err != nil {
		return nil, err
	}
	return HotspotTable(h, q.Suppress), nil
}

// HotspotTable is the table of a hot spot map already computed. Viewers
// (suppress) see a cell's count of 1..2 as "<3" and no harm for it; z, p and
// the bins, which Gi* draws from the cell and its neighbours together, are
// shown to all.
func HotspotTable(h *engine.Hotspots, suppress bool) *Table {
	t := &Table{Kind: KindHotspots, Cols: HotspotColumns,
		File: FileName("hotspots", h.Layer, fmt.Sprintf("r%d-k%d", h.Res, h.K), string(h.Measure), h.Period.From.String()+"_"+h.Period.To.String())}
	nHidden := 0
	t.Feats = make([]Feature, 0, len(h.Cells))
	for _, c := range h.Cells {
		hide := hidden(c.Count, suppress)
		if hide {
			nHidden++
		}
		ctr := c.Cell.Center()
		id := c.Cell.String()
		p := []any{id, round(ctr[0], 6), round(ctr[1], 6), small(c.Count, suppress), nil,
			round(c.Z, 6), sig(c.P, 4), int64(c.Bin), int64(c.BinUncorrected), engine.BinLabel(c.Bin),
			strings.Join(c.Areas, "; "), int64(h.Res), string(h.Measure), h.Period.From.String(), h.Period.To.String()}
		if !hide {
			p[4] = round(c.Harm, 2)
		}
		t.Feats = append(t.Feats, Feature{ID: id, Geom: orb.Polygon{c.Cell.Boundary()}, Props: p})
	}
	t.Meta = []Member{
		{"layer", h.Layer}, {"res", h.Res}, {"k", h.K}, {"measure", h.Measure}, {"unit", h.Unit},
		{"period", h.Period}, {"types", h.Types}, {"bins", h.Bins}, {"excluded_types", h.ExcludedTypes}, {"notes", h.Notes},
	}
	if suppress {
		// Totals would give away the sum of the hidden counts.
		t.Meta = append(t.Meta, Member{"suppressed", nHidden})
	} else {
		t.Meta = append(t.Meta, Member{"count", h.Count}, Member{"harm", round(h.Harm, 2)}, Member{"outside", h.Outside})
	}
	return t
}

// Zones is the patrol zones of a tasking sheet.
func Zones(ctx context.Context, e *engine.Engine, q Query) (*Table, error) {
	tk, err := e.Tasking(ctx, engine.TaskingQuery{Layer: q.Layer, Res: q.Res, K: q.K, From: q.From, To: q.To,
		Types: q.Types, Measure: q.Measure, Top: q.Top})
	if err != nil {
		return nil, err
	}
	return ZoneTable(tk, q.Suppress), nil
}

// ZoneTable is the table of a tasking already computed.
func ZoneTable(tk *engine.Tasking, suppress bool) *Table {
	t := &Table{Kind: KindZones, Cols: ZoneColumns,
		File: FileName("zones", tk.Layer, fmt.Sprintf("r%d", tk.Res), string(tk.Measure), tk.Period.From.String()+"_"+tk.Period.To.String())}
	nHidden := 0
	for _, z := range tk.Zones {
		hide := hidden(z.Count, suppress)
		if hide {
			nHidden++
		}
		cells := make([]string, len(z.Cells))
		for i, c := range z.Cells {
			cells[i] = c.String()
		}
		name := z.ID
		if len(z.Areas) > 0 {
			name += " " + strings.Join(z.Areas, "; ")
		}
		p := []any{z.ID, name, int64(z.Rank), small(z.Count, suppress), nil, nil, nil, nil, nil, nil,
			null(z.TrendWord), null(z.Emerging), int64(z.MaxBin), round(z.MaxZ, 6), int64(len(z.Cells)), round(z.AreaKm2, 2),
			round(z.Center[0], 6), round(z.Center[1], 6), strings.Join(z.Areas, "; "), strings.Join(z.TownCentres, "; "),
			topTypes(z.ByType, suppress), topLocations(z.Locations, suppress),
			int64(z.Dose.VisitsPerDay), z.Dose.VisitMinutes, z.Dose.Advice, strings.Join(cells, " "),
			int64(tk.Res), string(tk.Measure), tk.Period.From.String(), tk.Period.To.String()}
		if !hide {
			p[4], p[5] = round(z.Harm, 2), round(z.Cost, 2)
			if c := z.Change; c != nil && !hidden(int64(c.Previous), suppress) {
				p[6], p[7] = int64(c.Previous), int64(c.Diff)
				if c.Pct != nil {
					p[8] = round(*c.Pct, 1)
				}
				p[9] = c.New
			}
		}
		t.Feats = append(t.Feats, Feature{ID: z.ID, Geom: RFC7946(z.Outline), Props: p})
	}
	t.Meta = []Member{
		{"layer", tk.Layer}, {"res", tk.Res}, {"k", tk.K}, {"measure", tk.Measure}, {"period", tk.Period},
		{"previous_period", tk.PreviousPeriod}, {"types", tk.Types}, {"max_cells", tk.MaxCells}, {"hot_cells", tk.HotCells},
		{"method", tk.Method}, {"dosage", tk.Dosage}, {"excluded_types", tk.ExcludedTypes}, {"notes", tk.Notes},
	}
	if suppress {
		t.Meta = append(t.Meta, Member{"suppressed", nHidden})
	}
	return t
}

// topTypes lists a zone's three crime types with most harm, with counts;
// viewers see only types of 3 or more incidents, so a hidden count cannot
// be worked out from the zone's total.
func topTypes(ts []engine.TypeFigures, suppress bool) string {
	var parts []string
	for _, t := range ts {
		if len(parts) == 3 {
			break
		}
		if hidden(t.Count, suppress) {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d", t.Type, t.Count))
	}
	return strings.Join(parts, "; ")
}

// topLocations lists a zone's busiest police.uk locations, as topTypes.
func topLocations(ls []engine.LocationCount, suppress bool) string {
	var parts []string
	for _, l := range ls {
		if hidden(l.Count, suppress) {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d", l.Name, l.Count))
	}
	return strings.Join(parts, "; ")
}

// Incidents streams the incident records of a period (for analysts and
// admins only: the caller checks) that lie inside the areas of q.Layer (of
// q.Areas when given): records outside every area of the layer, or with no
// coordinates, are not in it. A zero From and To are the latest 12 months
// loaded. A feature's ID is its month and its place among that month's
// records of the source ("2025-11-42"), so it stays the same whatever the
// filter, for as long as the month is not re-imported.
func Incidents(ctx context.Context, e *engine.Engine, q Query) (*Table, error) {
	from, to, err := Months(ctx, e, q.From, q.To, false, false)
	if err != nil {
		return nil, err
	}
	if q.Layer == "" {
		return nil, fmt.Errorf("%w: incident records need an area layer (layer=NAME, such as layer=wards)", engine.ErrBadQuery)
	}
	layer, err := e.Layer(ctx, q.Layer)
	if err != nil {
		return nil, err
	}
	wantArea := map[int]bool{}
	for _, a := range q.Areas {
		i, err := FindArea(layer, a)
		if err != nil {
			return nil, err
		}
		wantArea[i] = true
	}
	wantType := map[string]bool{}
	for _, t := range q.Types {
		wantType[t] = true
	}
	parts := []string{"incidents", q.Layer}
	if len(q.Areas) > 0 {
		parts = append(parts, "areas")
	}
	t := &Table{Kind: KindIncidents, Cols: IncidentColumns,
		File: FileName(append(parts, from.String()+"_"+to.String())...),
		Meta: []Member{{"period", map[string]any{"from": from, "to": to, "months": int(to-from) + 1}},
			{"types", nonNil(q.Types)}, {"layer", q.Layer}, {"areas", nonNil(q.Areas)}}}
	t.stream = func(ctx context.Context, fn func(*Feature) error) error {
		areaOf := map[orb.Point]int{}
		var month data.Month
		var monthStr string
		var n, ai int
		var in data.Incident
		var f Feature
		fill := func(f *Feature) {
			f.ID = monthStr + "-" + strconv.Itoa(n)
			p := make([]any, len(IncidentColumns))
			p[0], p[1] = null(in.ID), monthStr
			if day, hour, minute := data.SplitMinute(in.Minute); day > 0 {
				p[2] = fmt.Sprintf("%s-%02d", monthStr, day)
				if hour >= 0 {
					p[3] = fmt.Sprintf("%02d:%02d", hour, minute)
				}
			}
			p[4], p[5], p[6] = in.Type, null(in.Outcome), null(in.Name)
			p[7], p[8], p[9] = null(in.LSOACode), null(in.LSOAName), null(in.Force)
			p[10], p[11] = layer.Areas[ai].Code, layer.Areas[ai].Name
			p[12], p[13] = round(in.Point[0], 6), round(in.Point[1], 6)
			f.Props = p
		}
		// Every record of the months is read, so that n counts each
		// month's records whatever the filters.
		return e.Records(ctx, data.Query{From: from, To: to}, func(inc *data.Incident) error {
			if inc.Month != month {
				month, monthStr, n = inc.Month, inc.Month.String(), 0
			}
			n++
			if len(wantType) > 0 && !wantType[inc.Type] {
				return nil
			}
			if !inc.Located() {
				return nil
			}
			var ok bool
			if ai, ok = areaOf[inc.Point]; !ok {
				ai = layer.Locate(inc.Point)
				areaOf[inc.Point] = ai
			}
			if ai < 0 || len(wantArea) > 0 && !wantArea[ai] {
				return nil
			}
			in = *inc
			f = Feature{fill: fill, Geom: in.Point}
			return fn(&f)
		})
	}
	return t, nil
}

// FindArea finds an area of layer by code, else by name in any case.
func FindArea(layer *geo.Layer, codeOrName string) (int, error) {
	if i := layer.Index(codeOrName); i >= 0 {
		return i, nil
	}
	for i := range layer.Areas {
		if strings.EqualFold(layer.Areas[i].Name, strings.TrimSpace(codeOrName)) {
			return i, nil
		}
	}
	example := ""
	if len(layer.Areas) > 0 {
		example = fmt.Sprintf(", such as %s (%s)", layer.Areas[0].Code, layer.Areas[0].Name)
	}
	return -1, fmt.Errorf("%w: layer %s has no area %q; give area codes or names%s", data.ErrNoArea, layer.Name, codeOrName, example)
}

// Months resolves a period against the months the engine's source holds: a
// zero to is the latest month, a zero from twelve months before to (clipped
// to the first month loaded); openFrom and openTo stretch to the first and
// last month. Months outside the data are kept: the incidents of a period
// the data do not cover are none, and the engine refuses such a period for
// aggregates.
func Months(ctx context.Context, e *engine.Engine, from, to data.Month, openFrom, openTo bool) (data.Month, data.Month, error) {
	sum, err := e.Summary(ctx)
	if err != nil {
		return 0, 0, err
	}
	if len(sum.Months) == 0 {
		return 0, 0, engine.ErrNoData
	}
	first, last := sum.Months[0], sum.Months[len(sum.Months)-1]
	if to == 0 || openTo {
		to = last
	}
	if openFrom {
		from = first
	} else if from == 0 {
		from = max(to-11, first)
	}
	if from > to {
		return 0, 0, fmt.Errorf("%w: the period runs backwards (from %s to %s); give the earlier month first", engine.ErrBadQuery, from, to)
	}
	return from, to, nil
}

// DefaultLayer is "wards" when loaded, else the first layer, else "".
func DefaultLayer(ctx context.Context, e *engine.Engine) (string, error) {
	sum, err := e.Summary(ctx)
	if err != nil {
		return "", err
	}
	for _, l := range sum.Layers {
		if l == "wards" {
			return l, nil
		}
	}
	if len(sum.Layers) > 0 {
		return sum.Layers[0], nil
	}
	return "", nil
}

// RFC7946 returns mp with exterior rings counter-clockwise and holes
// clockwise (RFC 7946 section 3.1.6, the right-hand rule). Area files come
// wound either way; H3 outlines are already right. mp is not changed.
func RFC7946(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, poly := range mp {
		np := make(orb.Polygon, len(poly))
		for j, r := range poly {
			want := orb.CCW
			if j > 0 {
				want = orb.CW
			}
			if r.Orientation() == want || r.Orientation() == 0 {
				np[j] = r
				continue
			}
			rr := r.Clone()
			rr.Reverse()
			np[j] = rr
		}
		out[i] = np
	}
	return out
}
