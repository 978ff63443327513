package report

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
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
	// View is what the caller may see (the disclosure policy's view of the
	// source for the caller); the zero View shows every figure exactly.
	View disclosure.View
}

// measureRound rounds a value of measure m: counts are whole, harm and cost
// to 2 decimal places.
func measureRound(m engine.Measure, v float64) float64 {
	if m == engine.Count || m == "" {
		return math.Round(v)
	}
	return round(v, 2)
}

// Ranking is every area of a layer with its ranking figures, as q.View
// shows them (disclosure.View.Ranking: banded counts, and the figures
// worked from them); see docs/exports.md, "Small numbers".
func Ranking(ctx context.Context, e *engine.Engine, q Query) (*Table, error) {
	rq := engine.RankingQuery{Layer: q.Layer, From: q.From, To: q.To, Types: q.Types, Areas: q.Areas, Measure: q.Measure}
	rk, err := e.Ranking(ctx, rq)
	if err != nil {
		return nil, err
	}
	v := q.View
	if rk, err = v.Ranking(rk); err != nil {
		return nil, err
	}
	layer, err := e.Layer(ctx, rk.Layer)
	if err != nil {
		return nil, err
	}
	m := rk.Measure
	t := &Table{Kind: KindRanking, Cols: RankingColumns,
		File: FileName("ranking", rk.Layer, string(m), rk.Period.From.String()+"_"+rk.Period.To.String())}
	for _, a := range rk.Areas {
		i := layer.Index(a.Code)
		if i < 0 {
			continue
		}
		area := &layer.Areas[i]
		p := make([]any, len(RankingColumns))
		p[0], p[1] = a.Code, a.Name
		if a.Population != nil {
			p[2] = int64(math.Round(*a.Population))
		}
		p[3] = v.Value(a.Count)
		if !v.Protected() {
			p[4], p[5] = round(a.Harm, 2), round(a.Cost, 2)
		}
		if a.Rate != nil {
			p[6] = round(*a.Rate, 2)
		}
		p[7] = round(a.Share, 2)
		if c := a.Change; c != nil {
			p[8], p[9] = measureRound(m, c.Previous), measureRound(m, c.Diff)
			if v.Protected() {
				p[8] = v.Value(int64(c.Previous))
			}
			if c.Pct != nil {
				p[10] = round(*c.Pct, 1)
			}
			p[11] = c.New
		}
		if c := a.ChangeYearEarlier; c != nil {
			p[12], p[13] = measureRound(m, c.Previous), measureRound(m, c.Diff)
			if v.Protected() {
				p[12] = v.Value(int64(c.Previous))
			}
			if c.Pct != nil {
				p[14] = round(*c.Pct, 1)
			}
			p[15] = c.New
		}
		p[16] = int64(a.Rank)
		p[17], p[18], p[19] = string(m), rk.Period.From.String(), rk.Period.To.String()
		t.Feats = append(t.Feats, Feature{ID: a.Code, Geom: RFC7946(area.Geometry), Props: p})
	}
	t.Meta = []Member{
		{"layer", rk.Layer}, {"measure", m}, {"unit", rk.Unit}, {"period", rk.Period},
		{"previous_period", rk.PreviousPeriod}, {"year_earlier_period", rk.YearEarlierPeriod},
		{"types", rk.Types}, {"excluded_types", rk.ExcludedTypes}, {"notes", rk.Notes},
	}
	if n := v.Note("harm", "cost"); n != nil {
		t.Meta = append(t.Meta, Member{"disclosure", n})
	}
	return t, nil
}

// Hotspots is every study cell of a Gi* hot spot map, as q.View shows it.
func Hotspots(ctx context.Context, e *engine.Engine, q Query) (*Table, error) {
	h, err := e.Hotspots(ctx, engine.HotspotQuery{Layer: q.Layer, Res: q.Res, K: q.K, From: q.From, To: q.To, Types: q.Types, Measure: q.Measure})
	if err != nil {
		return nil, err
	}
	if h, err = q.View.Hotspots(h); err != nil {
		return nil, err
	}
	return HotspotTable(h, q.View), nil
}

// HotspotTable is the table of a hot spot map already computed and already
// seen through v (disclosure.View.Hotspots: banded counts, and z, p and
// bins from them): counts are written as v labels them, harm withheld from
// a protected view.
func HotspotTable(h *engine.Hotspots, v disclosure.View) *Table {
	t := hotspotTable(h, v)
	t.Feats = make([]Feature, len(h.Cells))
	for i := range h.Cells {
		hotspotFeature(h, &h.Cells[i], v, &t.Feats[i])
	}
	return t
}

// HotspotStream is HotspotTable with its features made one at a time as
// they are written (the map's /api/v1/hotspots, whose pages may be large):
// the same features, none held.
func HotspotStream(h *engine.Hotspots, v disclosure.View) *Table {
	t := hotspotTable(h, v)
	t.stream = func(ctx context.Context, fn func(*Feature) error) error {
		var f Feature
		for i := range h.Cells {
			if i%256 == 255 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			hotspotFeature(h, &h.Cells[i], v, &f)
			if err := fn(&f); err != nil {
				return err
			}
		}
		return nil
	}
	return t
}

func hotspotTable(h *engine.Hotspots, v disclosure.View) *Table {
	t := &Table{Kind: KindHotspots, Cols: HotspotColumns,
		File: FileName("hotspots", h.Layer, fmt.Sprintf("r%d-k%d", h.Res, h.K), string(h.Measure), h.Period.From.String()+"_"+h.Period.To.String())}
	t.Meta = []Member{
		{"layer", h.Layer}, {"res", h.Res}, {"k", h.K}, {"measure", h.Measure}, {"unit", h.Unit},
		{"period", h.Period}, {"types", h.Types}, {"bins", h.Bins}, {"excluded_types", h.ExcludedTypes}, {"notes", h.Notes},
		{"count", v.Value(h.Count)}, {"outside", v.Value(h.Outside)},
	}
	if n := v.Note("harm"); n != nil {
		t.Meta = append(t.Meta, Member{"disclosure", n})
	} else {
		t.Meta = append(t.Meta, Member{"harm", round(h.Harm, 2)})
	}
	return t
}

// hotspotFeature fills f with cell c of h as v shows it.
func hotspotFeature(h *engine.Hotspots, c *engine.HotCell, v disclosure.View, f *Feature) {
	ctr := c.Cell.Center()
	id := c.Cell.String()
	p := []any{id, round(ctr[0], 6), round(ctr[1], 6), v.Value(c.Count), nil,
		round(c.Z, 6), sig(c.P, 4), int64(c.Bin), int64(c.BinUncorrected), hotspot.BinLabel(c.Bin),
		strings.Join(c.Areas, "; "), int64(h.Res), string(h.Measure), h.Period.From.String(), h.Period.To.String()}
	if !v.Protected() {
		p[4] = round(c.Harm, 2)
	}
	*f = Feature{ID: id, Geom: orb.Polygon{c.Cell.Boundary()}, Props: p}
}

// Zones is the patrol zones of a tasking sheet, as q.View shows them.
func Zones(ctx context.Context, e *engine.Engine, q Query) (*Table, error) {
	tk, err := e.Tasking(ctx, engine.TaskingQuery{Layer: q.Layer, Res: q.Res, K: q.K, From: q.From, To: q.To,
		Types: q.Types, Measure: q.Measure, Top: q.Top})
	if err != nil {
		return nil, err
	}
	return ZoneTable(q.View.Tasking(tk), q.View), nil
}

// ZoneTable is the table of a tasking already computed and already seen
// through v (disclosure.View.Tasking).
func ZoneTable(tk *engine.Tasking, v disclosure.View) *Table {
	t := &Table{Kind: KindZones, Cols: ZoneColumns,
		File: FileName("zones", tk.Layer, fmt.Sprintf("r%d", tk.Res), string(tk.Measure), tk.Period.From.String()+"_"+tk.Period.To.String())}
	for _, z := range tk.Zones {
		cells := make([]string, len(z.Cells))
		for i, c := range z.Cells {
			cells[i] = c.String()
		}
		name := z.ID
		if len(z.Areas) > 0 {
			name += " " + strings.Join(z.Areas, "; ")
		}
		p := []any{z.ID, name, int64(z.Rank), v.Value(z.Count), nil, nil, nil, nil, nil, nil,
			null(z.TrendWord), null(z.Emerging), int64(z.MaxBin), round(z.MaxZ, 6), int64(len(z.Cells)), round(z.AreaKm2, 2),
			round(z.Center[0], 6), round(z.Center[1], 6), strings.Join(z.Areas, "; "), strings.Join(z.TownCentres, "; "),
			topTypes(z.ByType, v), topLocations(z.Locations, v),
			int64(z.Dose.VisitsPerDay), z.Dose.VisitMinutes, z.Dose.Advice, strings.Join(cells, " "),
			int64(tk.Res), string(tk.Measure), tk.Period.From.String(), tk.Period.To.String()}
		if v.Protected() {
			p[13] = nil
		} else {
			p[4], p[5] = round(z.Harm, 2), round(z.Cost, 2)
		}
		if c := z.Change; c != nil {
			p[6], p[7] = v.Value(int64(c.Previous)), int64(c.Diff)
			if c.Pct != nil {
				p[8] = round(*c.Pct, 1)
			}
			p[9] = c.New
		}
		t.Feats = append(t.Feats, Feature{ID: z.ID, Geom: RFC7946(z.Outline), Props: p})
	}
	t.Meta = []Member{
		{"layer", tk.Layer}, {"res", tk.Res}, {"k", tk.K}, {"measure", tk.Measure}, {"period", tk.Period},
		{"previous_period", tk.PreviousPeriod}, {"types", tk.Types}, {"max_width_m", tk.MaxWidthM}, {"hot_cells", tk.HotCells},
		{"method", tk.Method}, {"dosage", tk.Dosage}, {"excluded_types", tk.ExcludedTypes}, {"notes", tk.Notes},
	}
	if n := v.Note("harm", "cost", "max_z"); n != nil {
		t.Meta = append(t.Meta, Member{"disclosure", n})
	}
	return t
}

// topTypes lists a zone's three crime types with most harm, with counts as
// v shows them (v.Tasking lists no type of the lowest band).
func topTypes(ts []engine.TypeFigures, v disclosure.View) string {
	var parts []string
	for _, t := range ts {
		if len(parts) == 3 {
			break
		}
		parts = append(parts, t.Type+" "+v.Label(t.Count))
	}
	return strings.Join(parts, "; ")
}

// topLocations lists a zone's busiest police.uk locations, as topTypes.
func topLocations(ls []engine.LocationCount, v disclosure.View) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, l.Name+" "+v.Label(l.Count))
	}
	return strings.Join(parts, "; ")
}

// Incidents streams the incident records of a period (for analysts and
// admins only: the caller checks) that lie inside the areas of q.Layer (of
// q.Areas when given): records outside every area of the layer, or with no
// coordinates, are not in it. The period resolves as every answer's does
// (engine.Period: a zero From and To are the latest 12 months loaded, a
// month not loaded is refused with the months that are). A feature's ID is its month and its place among that month's
// records of the source ("2025-11-42"), so it stays the same whatever the
// filter, for as long as the month is not re-imported.
func Incidents(ctx context.Context, e *engine.Engine, q Query) (*Table, error) {
	p, _, err := e.Period(ctx, q.From, q.To, false, engine.DefaultSpan)
	if err != nil {
		return nil, err
	}
	from, to := p.From, p.To
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
		Meta: []Member{{"period", p},
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
