package web

// Exports: rankings, hot spot cells, patrol zones and incident records as
// files GIS software opens (GeoJSON per RFC 7946, and CSV). The OGC API
// (ogc.go) serves the same tables, so a property has one name, type and unit
// everywhere; docs/exports.md documents them and a test holds the two
// together.

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
)

// ExportSchemaVersion numbers the export schema of docs/exports.md. It changes
// only when a property is renamed, retyped or removed; adding one does not.
const ExportSchemaVersion = 1

// exType is a property's type as docs/exports.md names it.
type exType string

const (
	exString  exType = "string"
	exInteger exType = "integer"
	exNumber  exType = "number" // always written with a decimal point, so GIS software reads it as real
	exBoolean exType = "boolean"
)

// exColumn is one property of an export.
type exColumn struct {
	Name string
	Type exType
	Unit string
	// CSVOnly columns are the point's lon/lat, which GeoJSON carries in the
	// geometry.
	CSVOnly bool
	// Query makes the property an OGC API equality filter (?name=value).
	Query bool
}

// The columns of each export, in order. docs/exports.md lists the same.
var (
	exRankingCols = []exColumn{
		{Name: "code", Type: exString, Query: true},
		{Name: "name", Type: exString, Query: true},
		{Name: "population", Type: exInteger, Unit: "residents"},
		{Name: "count", Type: exInteger, Unit: "incidents"},
		{Name: "harm", Type: exNumber, Unit: "CCHI days"},
		{Name: "cost", Type: exNumber, Unit: "GBP (2015/16 prices)"},
		{Name: "rate_per_1000", Type: exNumber, Unit: "measure per 1,000 residents"},
		{Name: "share_pct", Type: exNumber, Unit: "%"},
		{Name: "previous", Type: exNumber, Unit: "measure"},
		{Name: "change", Type: exNumber, Unit: "measure"},
		{Name: "change_pct", Type: exNumber, Unit: "%"},
		{Name: "change_new", Type: exBoolean},
		{Name: "year_earlier", Type: exNumber, Unit: "measure"},
		{Name: "change_year", Type: exNumber, Unit: "measure"},
		{Name: "change_year_pct", Type: exNumber, Unit: "%"},
		{Name: "change_year_new", Type: exBoolean},
		{Name: "rank", Type: exInteger, Query: true},
		{Name: "measure", Type: exString},
		{Name: "period_from", Type: exString, Unit: "YYYY-MM"},
		{Name: "period_to", Type: exString, Unit: "YYYY-MM"},
	}
	exHotspotCols = []exColumn{
		{Name: "cell", Type: exString, Query: true},
		{Name: "lon", Type: exNumber, Unit: "degrees (WGS84)"},
		{Name: "lat", Type: exNumber, Unit: "degrees (WGS84)"},
		{Name: "count", Type: exInteger, Unit: "incidents"},
		{Name: "harm", Type: exNumber, Unit: "CCHI days"},
		{Name: "z", Type: exNumber, Unit: "standard deviations"},
		{Name: "p", Type: exNumber, Unit: "probability"},
		{Name: "bin", Type: exInteger, Query: true},
		{Name: "bin_uncorrected", Type: exInteger},
		{Name: "bin_label", Type: exString, Query: true},
		{Name: "areas", Type: exString},
		{Name: "res", Type: exInteger},
		{Name: "measure", Type: exString},
		{Name: "period_from", Type: exString, Unit: "YYYY-MM"},
		{Name: "period_to", Type: exString, Unit: "YYYY-MM"},
	}
	exZoneCols = []exColumn{
		{Name: "id", Type: exString, Query: true},
		{Name: "name", Type: exString},
		{Name: "rank", Type: exInteger, Query: true},
		{Name: "count", Type: exInteger, Unit: "incidents"},
		{Name: "harm", Type: exNumber, Unit: "CCHI days"},
		{Name: "cost", Type: exNumber, Unit: "GBP (2015/16 prices)"},
		{Name: "previous_count", Type: exInteger, Unit: "incidents"},
		{Name: "change", Type: exInteger, Unit: "incidents"},
		{Name: "change_pct", Type: exNumber, Unit: "%"},
		{Name: "change_new", Type: exBoolean},
		{Name: "trend", Type: exString, Query: true},
		{Name: "emerging", Type: exString, Query: true},
		{Name: "max_bin", Type: exInteger},
		{Name: "max_z", Type: exNumber, Unit: "standard deviations"},
		{Name: "cells", Type: exInteger, Unit: "H3 cells"},
		{Name: "area_km2", Type: exNumber, Unit: "km²"},
		{Name: "lon", Type: exNumber, Unit: "degrees (WGS84)"},
		{Name: "lat", Type: exNumber, Unit: "degrees (WGS84)"},
		{Name: "areas", Type: exString},
		{Name: "town_centres", Type: exString},
		{Name: "top_types", Type: exString},
		{Name: "top_locations", Type: exString},
		{Name: "visits_per_day", Type: exInteger, Unit: "visits"},
		{Name: "visit_minutes", Type: exString, Unit: "minutes"},
		{Name: "advice", Type: exString},
		{Name: "h3_cells", Type: exString},
		{Name: "res", Type: exInteger},
		{Name: "measure", Type: exString},
		{Name: "period_from", Type: exString, Unit: "YYYY-MM"},
		{Name: "period_to", Type: exString, Unit: "YYYY-MM"},
	}
	exIncidentCols = []exColumn{
		{Name: "crime_id", Type: exString, Query: true},
		{Name: "month", Type: exString, Unit: "YYYY-MM", Query: true},
		{Name: "date", Type: exString, Unit: "YYYY-MM-DD"},
		{Name: "time", Type: exString, Unit: "HH:MM (local)"},
		{Name: "type", Type: exString, Query: true},
		{Name: "outcome", Type: exString, Query: true},
		{Name: "location", Type: exString, Query: true},
		{Name: "lsoa_code", Type: exString, Query: true},
		{Name: "lsoa_name", Type: exString, Query: true},
		{Name: "force", Type: exString, Query: true},
		{Name: "area_code", Type: exString, Query: true},
		{Name: "area_name", Type: exString, Query: true},
		{Name: "lon", Type: exNumber, Unit: "degrees (WGS84)", CSVOnly: true},
		{Name: "lat", Type: exNumber, Unit: "degrees (WGS84)", CSVOnly: true},
	}
)

// exColumns names each export's columns, for the schema test and the
// OGC API's queryables.
var exColumns = map[string][]exColumn{
	"ranking": exRankingCols, "hotspots": exHotspotCols, "zones": exZoneCols, "incidents": exIncidentCols,
}

// exFeature is one row of a table: Props holds one value per column (nil,
// string, int64, float64 or bool), numbers already rounded. A streamed
// table (incidents) fills ID and Props only when asked (full), and reuses
// the feature for the next row: keep a copy (keep), not the pointer.
type exFeature struct {
	ID    string
	Geom  orb.Geometry // nil for none (an incident with no coordinates)
	Props []any
	fill  func(*exFeature)
}

// full fills the feature's ID and properties if they are not yet.
func (f *exFeature) full() *exFeature {
	if f.fill != nil {
		fill := f.fill
		f.fill = nil
		fill(f)
	}
	return f
}

// keep returns a filled copy of f that later rows do not overwrite.
func (f *exFeature) keep() *exFeature {
	c := *f.full()
	return &c
}

// exMember is a top-level member of an exported FeatureCollection.
type exMember struct {
	Name  string
	Value any
}

// exTable is an export: its columns and its features, either held (Feats) or
// produced one at a time (stream, for incidents, of which there are many).
type exTable struct {
	Kind   string
	Cols   []exColumn
	Meta   []exMember
	File   string // download file name without the extension
	Feats  []exFeature
	stream func(ctx context.Context, fn func(*exFeature) error) error
}

// each calls fn for every feature in order.
func (t *exTable) each(ctx context.Context, fn func(*exFeature) error) error {
	if t.stream != nil {
		return t.stream(ctx, fn)
	}
	for i := range t.Feats {
		if err := fn(&t.Feats[i]); err != nil {
			return err
		}
	}
	return nil
}

// exQuery is what the aggregate tables are asked for.
type exQuery struct {
	Layer    string
	From, To data.Month
	Types    []string
	Measure  engine.Measure
	Res, K   int
	Top      int
	Areas    []string
}

// --- The tables -----------------------------------------------------------

// exRound gives v to dp decimal places; NaN and infinities stay (written as
// null).
func exRound(v float64, dp int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow10(dp)
	return math.Round(v*p) / p
}

// exSig gives v to n significant digits (p values span many magnitudes).
func exSig(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', n, 64), 64)
	return r
}

// exMeasureOf picks a measure's value from an area's figures.
func exMeasureOf(m engine.Measure, count int64, harm, cost float64) float64 {
	switch m {
	case engine.Harm:
		return harm
	case engine.Cost:
		return cost
	}
	return float64(count)
}

// exMeasureRound rounds a value of measure m: counts are whole, harm and cost
// to 2 decimal places.
func exMeasureRound(m engine.Measure, v float64) float64 {
	if m == engine.Count || m == "" {
		return math.Round(v)
	}
	return exRound(v, 2)
}

// exRankingTable is every area of a layer with its ranking figures, as the
// caller may see them (exact, or disclosure.View.Ranking's bands); see
// docs/exports.md, "Small numbers".
func (s *Server) exRankingTable(ctx context.Context, q exQuery, exact bool) (*exTable, error) {
	rq := engine.RankingQuery{Layer: q.Layer, From: q.From, To: q.To, Types: q.Types, Areas: q.Areas, Measure: q.Measure}
	rk, err := s.eng(ctx).Ranking(ctx, rq)
	if err != nil {
		return nil, err
	}
	v, err := s.viewFor(ctx, exact)
	if err != nil {
		return nil, err
	}
	if rk, err = v.Ranking(rk); err != nil {
		return nil, err
	}
	layer, _, err := s.store.Layer(ctx, rk.Layer)
	if err != nil {
		return nil, err
	}
	m := rk.Measure
	t := &exTable{Kind: "ranking", Cols: exRankingCols,
		File: exFileName("ranking", rk.Layer, string(m), rk.Period.From.String()+"_"+rk.Period.To.String())}
	for _, a := range rk.Areas {
		i := layer.Index(a.Code)
		if i < 0 {
			continue
		}
		area := &layer.Areas[i]
		p := make([]any, len(exRankingCols))
		p[0], p[1] = a.Code, a.Name
		if a.Population != nil {
			p[2] = int64(math.Round(*a.Population))
		}
		p[3] = v.Value(a.Count)
		if !v.Protected() {
			p[4], p[5] = exRound(a.Harm, 2), exRound(a.Cost, 2)
		}
		if a.Rate != nil {
			p[6] = exRound(*a.Rate, 2)
		}
		p[7] = exRound(a.Share, 2)
		if c := a.Change; c != nil {
			p[8], p[9] = exMeasureRound(m, c.Previous), exMeasureRound(m, c.Diff)
			if v.Protected() {
				p[8] = v.Value(int64(c.Previous))
			}
			if c.Pct != nil {
				p[10] = exRound(*c.Pct, 1)
			}
			p[11] = c.New
		}
		if c := a.ChangeYearEarlier; c != nil {
			p[12], p[13] = exMeasureRound(m, c.Previous), exMeasureRound(m, c.Diff)
			if v.Protected() {
				p[12] = v.Value(int64(c.Previous))
			}
			if c.Pct != nil {
				p[14] = exRound(*c.Pct, 1)
			}
			p[15] = c.New
		}
		p[16] = int64(a.Rank)
		p[17], p[18], p[19] = string(m), rk.Period.From.String(), rk.Period.To.String()
		t.Feats = append(t.Feats, exFeature{ID: a.Code, Geom: exRFC7946(area.Geometry), Props: p})
	}
	t.Meta = []exMember{
		{"layer", rk.Layer}, {"measure", m}, {"unit", rk.Unit}, {"period", rk.Period},
		{"previous_period", rk.PreviousPeriod}, {"year_earlier_period", rk.YearEarlierPeriod},
		{"types", rk.Types}, {"excluded_types", rk.ExcludedTypes}, {"notes", rk.Notes},
	}
	if n := v.Note("harm", "cost"); n != nil {
		t.Meta = append(t.Meta, exMember{"disclosure", n})
	}
	return t, nil
}

// exHotspotTable is every study cell of a Gi* hot spot map, as the caller
// may see it (disclosure.View.Hotspots: banded counts, and z, p and bins
// from them).
func (s *Server) exHotspotTable(ctx context.Context, q exQuery, exact bool) (*exTable, error) {
	h, err := s.eng(ctx).Hotspots(ctx, engine.HotspotQuery{Layer: q.Layer, Res: q.Res, K: q.K, From: q.From, To: q.To, Types: q.Types, Measure: q.Measure})
	if err != nil {
		return nil, err
	}
	v, err := s.viewFor(ctx, exact)
	if err != nil {
		return nil, err
	}
	if h, err = v.Hotspots(h); err != nil {
		return nil, err
	}
	t := &exTable{Kind: "hotspots", Cols: exHotspotCols,
		File: exFileName("hotspots", h.Layer, fmt.Sprintf("r%d-k%d", h.Res, h.K), string(h.Measure), h.Period.From.String()+"_"+h.Period.To.String())}
	for _, c := range h.Cells {
		ctr := c.Cell.Center()
		p := []any{c.Cell.String(), exRound(ctr[0], 6), exRound(ctr[1], 6), v.Value(c.Count), nil,
			exRound(c.Z, 6), exSig(c.P, 4), int64(c.Bin), int64(c.BinUncorrected), engine.BinLabel(c.Bin),
			strings.Join(c.Areas, "; "), int64(h.Res), string(h.Measure), h.Period.From.String(), h.Period.To.String()}
		if !v.Protected() {
			p[4] = exRound(c.Harm, 2)
		}
		t.Feats = append(t.Feats, exFeature{ID: c.Cell.String(), Geom: orb.Polygon{c.Cell.Boundary()}, Props: p})
	}
	t.Meta = []exMember{
		{"layer", h.Layer}, {"res", h.Res}, {"k", h.K}, {"measure", h.Measure}, {"unit", h.Unit},
		{"period", h.Period}, {"types", h.Types}, {"bins", h.Bins}, {"excluded_types", h.ExcludedTypes}, {"notes", h.Notes},
		{"count", v.Value(h.Count)}, {"outside", v.Value(h.Outside)},
	}
	if n := v.Note("harm"); n != nil {
		t.Meta = append(t.Meta, exMember{"disclosure", n})
	} else {
		t.Meta = append(t.Meta, exMember{"harm", exRound(h.Harm, 2)})
	}
	return t, nil
}

// exZoneTable is the patrol zones of a tasking sheet, as the caller may see
// them (disclosure.View.Tasking).
func (s *Server) exZoneTable(ctx context.Context, q exQuery, exact bool) (*exTable, error) {
	tk, err := s.eng(ctx).Tasking(ctx, engine.TaskingQuery{Layer: q.Layer, Res: q.Res, K: q.K, From: q.From, To: q.To,
		Types: q.Types, Measure: q.Measure, Top: q.Top})
	if err != nil {
		return nil, err
	}
	v, err := s.viewFor(ctx, exact)
	if err != nil {
		return nil, err
	}
	tk = v.Tasking(tk)
	t := &exTable{Kind: "zones", Cols: exZoneCols,
		File: exFileName("zones", tk.Layer, fmt.Sprintf("r%d", tk.Res), string(tk.Measure), tk.Period.From.String()+"_"+tk.Period.To.String())}
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
			exNull(z.TrendWord), exNull(z.Emerging), int64(z.MaxBin), exRound(z.MaxZ, 6), int64(len(z.Cells)), exRound(z.AreaKm2, 2),
			exRound(z.Center[0], 6), exRound(z.Center[1], 6), strings.Join(z.Areas, "; "), strings.Join(z.TownCentres, "; "),
			exTopTypes(z.ByType, v), exTopLocations(z.Locations, v),
			int64(z.Dose.VisitsPerDay), z.Dose.VisitMinutes, z.Dose.Advice, strings.Join(cells, " "),
			int64(tk.Res), string(tk.Measure), tk.Period.From.String(), tk.Period.To.String()}
		if v.Protected() {
			p[13] = nil
		} else {
			p[4], p[5] = exRound(z.Harm, 2), exRound(z.Cost, 2)
		}
		if c := z.Change; c != nil {
			p[6], p[7] = v.Value(int64(c.Previous)), int64(c.Diff)
			if c.Pct != nil {
				p[8] = exRound(*c.Pct, 1)
			}
			p[9] = c.New
		}
		t.Feats = append(t.Feats, exFeature{ID: z.ID, Geom: exRFC7946(z.Outline), Props: p})
	}
	t.Meta = []exMember{
		{"layer", tk.Layer}, {"res", tk.Res}, {"k", tk.K}, {"measure", tk.Measure}, {"period", tk.Period},
		{"previous_period", tk.PreviousPeriod}, {"types", tk.Types}, {"max_width_m", tk.MaxWidthM}, {"hot_cells", tk.HotCells},
		{"method", tk.Method}, {"dosage", tk.Dosage}, {"excluded_types", tk.ExcludedTypes}, {"notes", tk.Notes},
	}
	if n := v.Note("harm", "cost", "max_z"); n != nil {
		t.Meta = append(t.Meta, exMember{"disclosure", n})
	}
	return t, nil
}

// exTopTypes lists a zone's three crime types with most harm, with counts
// as v shows them (v.Tasking lists no type of the lowest band).
func exTopTypes(ts []engine.TypeFigures, v disclosure.View) string {
	var parts []string
	for _, t := range ts {
		if len(parts) == 3 {
			break
		}
		parts = append(parts, t.Type+" "+v.Label(t.Count))
	}
	return strings.Join(parts, "; ")
}

// exTopLocations lists a zone's busiest police.uk locations, as topTypes.
func exTopLocations(ls []engine.LocationCount, v disclosure.View) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, l.Name+" "+v.Label(l.Count))
	}
	return strings.Join(parts, "; ")
}

func exNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// exIncidentQuery selects incident records.
type exIncidentQuery struct {
	From, To data.Month // resolved: both set
	Types    []string
	// Layer names the layer whose area each incident is given; "" gives
	// none. Areas (codes) restricts to incidents inside them.
	Layer string
	Areas []string
}

// exIncidentTable streams the incident records of a period (analysts only:
// the caller checks). A feature's ID is its month and its place in that
// month's records ("2025-11-42"), so it stays the same whatever the filter,
// for as long as the month is not re-imported.
func (s *Server) exIncidentTable(ctx context.Context, q exIncidentQuery) (*exTable, error) {
	var layer *geo.Layer
	if q.Layer != "" {
		l, _, err := s.store.Layer(ctx, q.Layer)
		if err != nil {
			return nil, err
		}
		layer = l
	}
	wantArea := map[int]bool{}
	for _, a := range q.Areas {
		i, err := exFindArea(layer, a)
		if err != nil {
			return nil, err
		}
		wantArea[i] = true
	}
	wantType := map[string]bool{}
	for _, t := range q.Types {
		wantType[t] = true
	}
	parts := []string{"incidents"}
	if len(q.Areas) > 0 {
		parts = append(parts, q.Layer)
	}
	t := &exTable{Kind: "incidents", Cols: exIncidentCols,
		File: exFileName(append(parts, q.From.String()+"_"+q.To.String())...),
		Meta: []exMember{{"period", map[string]any{"from": q.From, "to": q.To, "months": int(q.To-q.From) + 1}},
			{"types", exStrings(q.Types)}, {"layer", q.Layer}, {"areas", exStrings(q.Areas)}}}
	t.stream = func(ctx context.Context, fn func(*exFeature) error) error {
		areaOf := map[orb.Point]int{}
		var month data.Month
		var monthStr string
		var n, ai int
		var in data.Incident
		var f exFeature
		fill := func(f *exFeature) {
			f.ID = monthStr + "-" + strconv.Itoa(n)
			p := make([]any, len(exIncidentCols))
			p[0], p[1] = exNull(in.ID), monthStr
			if day, hour, minute := data.SplitMinute(in.Minute); day > 0 {
				p[2] = fmt.Sprintf("%s-%02d", monthStr, day)
				if hour >= 0 {
					p[3] = fmt.Sprintf("%02d:%02d", hour, minute)
				}
			}
			p[4], p[5], p[6] = in.Type, exNull(in.Outcome), exNull(in.Name)
			p[7], p[8], p[9] = exNull(in.LSOACode), exNull(in.LSOAName), exNull(in.Force)
			if ai >= 0 {
				p[10], p[11] = layer.Areas[ai].Code, layer.Areas[ai].Name
			}
			if in.Located() {
				p[12], p[13] = exRound(in.Point[0], 6), exRound(in.Point[1], 6)
			}
			f.Props = p
		}
		return s.store.Incidents(ctx, data.Query{From: q.From, To: q.To}, func(inc *data.Incident) error {
			if inc.Month != month {
				month, monthStr, n = inc.Month, inc.Month.String(), 0
			}
			n++
			if len(wantType) > 0 && !wantType[inc.Type] {
				return nil
			}
			ai = -1
			if layer != nil && inc.Located() {
				var ok bool
				if ai, ok = areaOf[inc.Point]; !ok {
					ai = layer.Locate(inc.Point)
					areaOf[inc.Point] = ai
				}
			}
			if len(wantArea) > 0 && !wantArea[ai] {
				return nil
			}
			in = *inc
			f = exFeature{fill: fill}
			if in.Located() {
				f.Geom = in.Point
			}
			return fn(&f)
		})
	}
	return t, nil
}

// exFindArea finds an area of layer by code, else by name in any case.
func exFindArea(layer *geo.Layer, codeOrName string) (int, error) {
	if layer == nil {
		return -1, badRequest("parameter areas needs a layer: add layer=NAME (such as layer=wards)")
	}
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
	return -1, &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("layer %s has no area %q; give area codes or names%s", layer.Name, codeOrName, example)}
}

func exStrings(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// exRFC7946 returns mp with exterior rings counter-clockwise and holes
// clockwise (RFC 7946 section 3.1.6, the right-hand rule). Area files come
// wound either way; H3 outlines are already right.
func exRFC7946(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, poly := range mp {
		np := make(orb.Polygon, len(poly))
		for j, r := range poly {
			ccw := exSignedArea(r) > 0
			if ccw == (j == 0) {
				np[j] = r
				continue
			}
			rr := make(orb.Ring, len(r))
			for k := range r {
				rr[k] = r[len(r)-1-k]
			}
			np[j] = rr
		}
		out[i] = np
	}
	return out
}

// exSignedArea is the ring's planar area in square degrees, positive when it
// runs counter-clockwise.
func exSignedArea(r orb.Ring) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

// exFileName joins parts into a download file name of safe characters.
func exFileName(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('-')
		}
		for _, r := range strings.ToLower(p) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
				b.WriteRune(r)
			default:
				b.WriteByte('_')
			}
		}
	}
	return b.String()
}

// --- HTTP -----------------------------------------------------------------

// mountExports adds the export endpoints under /api/v1 to r:
// /export/{ranking,hotspots,zones,incidents}.{geojson,csv}.
func (s *Server) mountExports(r chi.Router) {
	r.With(s.audited(exportAction), s.heavy).Get("/export/{file}", s.adapt(s.exportFile))
}

func (s *Server) exportFile(w http.ResponseWriter, r *http.Request) error {
	file := chi.URLParam(r, "file")
	kind, format, _ := strings.Cut(file, ".")
	if _, ok := exColumns[kind]; !ok || (format != "geojson" && format != "csv") {
		return &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("no export %q: the exports are ranking, hotspots, zones and incidents, each as .geojson or .csv (such as /api/v1/export/ranking.geojson?layer=wards)", file)}
	}
	if kind == "incidents" {
		if err := require(r, data.RoleAnalyst, "incident records"); err != nil {
			return err
		}
	}
	p, err := readParams(r)
	if err != nil {
		return err
	}
	q := exQuery{Layer: layerParam(r), From: p.q.From, To: p.q.To, Types: p.q.Types, Measure: p.measure,
		Res: p.res, K: p.k, Areas: p.areas}
	if q.Top, err = exIntParam(r, "top"); err != nil {
		return err
	}
	var t *exTable
	switch kind {
	case "ranking":
		t, err = s.exRankingTable(r.Context(), q, exact(r))
	case "hotspots":
		t, err = s.exHotspotTable(r.Context(), q, exact(r))
	case "zones":
		t, err = s.exZoneTable(r.Context(), q, exact(r))
	case "incidents":
		t, err = s.exportIncidents(r, p)
	}
	if err != nil {
		return err
	}
	s.exportMeta(t)
	switch format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "application/geo+json")
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", t.File+"."+format))
	// count the rows written, for the access log
	var rows int64
	inner := *t
	t.stream = func(ctx context.Context, fn func(*exFeature) error) error {
		return inner.each(ctx, func(f *exFeature) error { rows++; return fn(f) })
	}
	w.WriteHeader(http.StatusOK)
	if format == "csv" {
		err = exWriteCSV(r.Context(), w, t)
	} else {
		err = exWriteCollection(r.Context(), w, t)
	}
	noteRows(r, rows)
	if err != nil {
		// The status is sent: the file is cut short, which the client sees.
		s.log.Warn("export cut short", "path", r.URL.Path, "err", err)
	}
	return nil
}

// exportIncidents reads the incident export's parameters: from/to default
// to the latest 12 months; layer defaults to "wards" when there is one.
func (s *Server) exportIncidents(r *http.Request, p params) (*exTable, error) {
	types, err := s.types(r, p.q.Types)
	if err != nil {
		return nil, err
	}
	from, to, err := s.exMonths(r.Context(), p.q.From, p.q.To, false, false)
	if err != nil {
		return nil, err
	}
	layer := strings.TrimSpace(r.URL.Query().Get("layer"))
	if layer == "" {
		if layer, err = s.exDefaultLayer(r.Context()); err != nil {
			return nil, err
		}
	}
	return s.exIncidentTable(r.Context(), exIncidentQuery{From: from, To: to, Types: types, Layer: layer, Areas: p.areas})
}

// exportMeta adds what every export says about itself.
func (s *Server) exportMeta(t *exTable) {
	t.Meta = append([]exMember{{"name", t.Kind}, {"schema_version", ExportSchemaVersion}}, t.Meta...)
	t.Meta = append(t.Meta, exMember{"attribution", s.opts.Attribution}, exMember{"generated", s.now().UTC().Format(time.RFC3339)})
}

// exIntParam reads an optional whole-number query parameter (0 when absent).
func exIntParam(r *http.Request, name string) (int, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequest("parameter %s: %q is not a whole number", name, v)
	}
	return n, nil
}

// exMonths resolves a period against the months loaded: a zero To is the
// latest month, a zero From twelve months before To (clipped to the first
// month loaded); openFrom and openTo stretch to the first and last month.
// Months outside the data are kept: the incidents of a period the data do
// not cover are none, and the engine refuses such a period for aggregates.
func (s *Server) exMonths(ctx context.Context, from, to data.Month, openFrom, openTo bool) (data.Month, data.Month, error) {
	sum, err := s.store.Summary(ctx)
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
		return 0, 0, badRequest("the period runs backwards (from %s to %s); give the earlier month first", from, to)
	}
	return from, to, nil
}

// exDefaultLayer is "wards" when loaded, else the first layer, else "".
func (s *Server) exDefaultLayer(ctx context.Context) (string, error) {
	ls, err := s.store.Layers(ctx)
	if err != nil {
		return "", err
	}
	for _, l := range ls {
		if l.Name == "wards" {
			return l.Name, nil
		}
	}
	if len(ls) > 0 {
		return ls[0].Name, nil
	}
	return "", nil
}

// --- Writers --------------------------------------------------------------

// exWriteCollection writes t as an RFC 7946 FeatureCollection, its
// Meta as foreign members before the features.
func exWriteCollection(ctx context.Context, w io.Writer, t *exTable) error {
	return exWriteFeatures(ctx, w, t.Meta, t.Cols, func(fn func(*exFeature) error) error { return t.each(ctx, fn) })
}

// exWriteFeatures writes a FeatureCollection of members and the features that
// each gives.
func exWriteFeatures(ctx context.Context, w io.Writer, members []exMember, cols []exColumn, each func(func(*exFeature) error) error) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"type":"FeatureCollection"`)
	for _, m := range members {
		b, err := json.Marshal(m.Value)
		if err != nil {
			return fmt.Errorf("web: export member %s: %w", m.Name, err)
		}
		bw.WriteByte(',')
		bw.Write(exAppendString(nil, m.Name))
		bw.WriteByte(':')
		bw.Write(b)
	}
	bw.WriteString(`,"features":[`)
	first := true
	var buf []byte
	err := each(func(f *exFeature) error {
		if !first {
			bw.WriteByte(',')
		}
		first = false
		var err error
		if buf, err = exAppendFeature(buf[:0], f.full(), cols, nil); err != nil {
			return err
		}
		_, err = bw.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

// exAppendFeature appends f as a GeoJSON Feature; extra members (links) go
// after the properties.
func exAppendFeature(b []byte, f *exFeature, cols []exColumn, extra []exMember) ([]byte, error) {
	b = append(b, `{"type":"Feature","id":`...)
	b = exAppendString(b, f.ID)
	b = append(b, `,"geometry":`...)
	if f.Geom == nil {
		b = append(b, "null"...)
	} else {
		g, err := json.Marshal(geojson.NewGeometry(f.Geom))
		if err != nil {
			return b, fmt.Errorf("web: geometry of %s: %w", f.ID, err)
		}
		b = append(b, g...)
	}
	b = append(b, `,"properties":{`...)
	n := 0
	for i, c := range cols {
		if c.CSVOnly {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = exAppendString(b, c.Name)
		b = append(b, ':')
		b = exAppendValue(b, f.Props[i], c.Type)
	}
	b = append(b, '}')
	for _, m := range extra {
		v, err := json.Marshal(m.Value)
		if err != nil {
			return b, err
		}
		b = append(b, ',')
		b = exAppendString(b, m.Name)
		b = append(b, ':')
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// exAppendValue appends a property value; a number column's values always
// carry a decimal point, so GDAL and QGIS type the column real even when a
// value happens to be whole.
func exAppendValue(b []byte, v any, typ exType) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return exAppendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		return exAppendNumber(b, x, typ)
	}
	j, _ := json.Marshal(v)
	return append(b, j...)
}

func exAppendNumber(b []byte, x float64, typ exType) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, "null"...)
	}
	if typ == exInteger {
		return strconv.AppendInt(b, int64(math.Round(x)), 10)
	}
	start := len(b)
	b = strconv.AppendFloat(b, x, 'f', -1, 64)
	if !strings.ContainsAny(string(b[start:]), ".eE") {
		b = append(b, ".0"...)
	}
	return b
}

// exAppendString appends s as a JSON string (invalid UTF-8 becomes
// U+FFFD).
func exAppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// exWriteCSV writes t with a header row of its column names; null is an empty
// field.
func exWriteCSV(ctx context.Context, w io.Writer, t *exTable) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	header := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		header[i] = c.Name
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(t.Cols))
	var buf []byte
	err := t.each(ctx, func(f *exFeature) error {
		f.full()
		for i, c := range t.Cols {
			buf = buf[:0]
			switch x := f.Props[i].(type) {
			case nil:
				rec[i] = ""
			case string:
				rec[i] = exCSVText(x)
			case bool:
				rec[i] = strconv.FormatBool(x)
			default:
				rec[i] = string(exAppendValue(buf, x, c.Type))
			}
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// exCSVText guards a text field against spreadsheet formula injection: a
// value starting with = + - @ or a control character gets a leading
// apostrophe, which Excel and LibreOffice show as text (OWASP "CSV
// Injection"). No name in police.uk or ONS data starts so.
func exCSVText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
