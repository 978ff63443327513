package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

// SearchQuery is what a user typed in the map's search box.
type SearchQuery struct {
	// Text is an area's name or code (any layer), a street or place name
	// from police.uk's map points, an H3 cell id, or "lat,lon" in degrees.
	Text string
	// Layer is the layer the map shows: its areas come first, and a street
	// is said to be in one of its areas. Empty is "wards".
	Layer string
	// Limit bounds the results; 0 is 10.
	Limit int
}

// Search result kinds.
const (
	FoundArea   = "area"
	FoundStreet = "street"
	FoundCell   = "cell"
	FoundPoint  = "point"
)

// SearchResult is one thing found: where to go and what to open.
type SearchResult struct {
	Kind   string `json:"kind"`   // FoundArea, FoundStreet, FoundCell or FoundPoint
	Label  string `json:"label"`  // "Stockton Town Centre", "Regent Street"
	Detail string `json:"detail"` // "Ward", "street in Stockton Town Centre", "around Regent Street"
	Layer  string `json:"layer,omitempty"`
	Code   string `json:"code,omitempty"` // an area's code
	Cell   string `json:"cell,omitempty"` // an H3 cell id
	// Point is where to centre, orb.Point{lon, lat}; BBox what to fit:
	// west, south, east, north (degrees).
	Point orb.Point  `json:"point"`
	BBox  [4]float64 `json:"bbox"`
	score int
}

// Search finds areas, streets, cells and coordinates for the search box.
// Names match without regard to case, whole name first, then a name that
// starts with the text, then a word that does, then anywhere; the chosen
// layer's areas come before other layers' and busier streets before
// quieter ones. Text that reads as coordinates or an H3 cell answers that
// alone.
func (e *Engine) Search(ctx context.Context, q SearchQuery) ([]SearchResult, error) {
	text := strings.Join(strings.Fields(q.Text), " ")
	if q.Layer == "" {
		q.Layer = "wards"
	}
	if q.Limit <= 0 {
		q.Limit = 10
	}
	out := []SearchResult{}
	if text == "" {
		return out, nil
	}
	if p, ok := parseLatLon(text); ok {
		r := SearchResult{Kind: FoundPoint, Label: fmt.Sprintf("%.5f, %.5f", p[1], p[0]), Detail: "latitude, longitude", Point: p,
			BBox: [4]float64{p[0] - 0.002, p[1] - 0.001, p[0] + 0.002, p[1] + 0.001}}
		if name, ok := e.areaAt(ctx, q.Layer, p); ok {
			r.Detail += " in " + name
		}
		return append(out, r), nil
	}
	if c, err := geo.ParseCell(text); err == nil && c.Valid() {
		b := c.Boundary().Bound()
		r := SearchResult{Kind: FoundCell, Label: c.String(), Detail: fmt.Sprintf("H3 cell, resolution %d", c.Res()), Cell: c.String(),
			Point: c.Center(), BBox: [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}
		if street, err := e.StreetOfCell(ctx, c); err == nil && street != "" {
			r.Detail = "around " + street + " · " + r.Detail
		}
		return append(out, r), nil
	}
	needle := strings.ToLower(text)
	layers, err := e.store.Layers(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: search: %w", err)
	}
	for _, li := range layers {
		l, _, err := e.store.Layer(ctx, li.Name)
		if err != nil {
			return nil, fmt.Errorf("engine: search: %w", err)
		}
		bonus := 0
		if li.Name == q.Layer {
			bonus = 1
		}
		for _, a := range l.Areas {
			s := matchScore(strings.ToLower(a.Name), needle)
			if strings.EqualFold(a.Code, text) {
				s = 40
			}
			if s == 0 {
				continue
			}
			b := a.Bound
			out = append(out, SearchResult{Kind: FoundArea, Label: a.Name, Detail: a.Code + " · " + li.Name, Layer: li.Name, Code: a.Code,
				Point: b.Center(), BBox: [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}, score: s*10 + bonus*5 + 2})
		}
	}
	places, err := e.Places(ctx)
	if err != nil {
		return nil, err
	}
	var streets []SearchResult
	for _, p := range places.Places {
		if p.Generic {
			continue
		}
		s := matchScore(p.lower, needle)
		if s == 0 {
			continue
		}
		b := p.Bound.Pad(0.0008)
		r := SearchResult{Kind: FoundStreet, Label: p.Name, Detail: "street or place", Point: p.Point,
			BBox: [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}, score: s * 10}
		if name, ok := e.areaAt(ctx, q.Layer, p.Point); ok {
			r.Detail = "in " + name
		}
		// busier first among equals: a stable tie-break on the count
		r.score = s*10*1_000_000 + int(min(p.Count, 999_999))
		streets = append(streets, r)
	}
	for i := range out {
		out[i].score *= 1_000_000
	}
	out = append(out, streets...)
	slices.SortStableFunc(out, func(a, b SearchResult) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.Label, b.Label)
	})
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// matchScore: 4 the whole name, 3 the start of it, 2 the start of a word,
// 1 anywhere, 0 not at all. Both are lower case.
func matchScore(name, needle string) int {
	switch {
	case name == needle:
		return 4
	case strings.HasPrefix(name, needle):
		return 3
	case strings.Contains(" "+name, " "+needle) || strings.Contains(name, "-"+needle):
		return 2
	case strings.Contains(name, needle):
		return 1
	}
	return 0
}

// parseLatLon reads "54.5705, -1.3187": latitude first, as phones and
// police systems give it (a pair whose first number cannot be a latitude is
// read as longitude first).
func parseLatLon(s string) (orb.Point, bool) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	if len(parts) != 2 {
		return orb.Point{}, false
	}
	a, err1 := strconv.ParseFloat(parts[0], 64)
	b, err2 := strconv.ParseFloat(parts[1], 64)
	if err1 != nil || err2 != nil {
		return orb.Point{}, false
	}
	lat, lon := a, b
	if (lat < -90 || lat > 90) && b >= -90 && b <= 90 {
		lat, lon = b, a
	}
	p := orb.Point{lon, lat}
	return p, geo.ValidLonLat(p)
}

// areaAt names the area of layer holding p, if any.
func (e *Engine) areaAt(ctx context.Context, layer string, p orb.Point) (string, bool) {
	l, _, err := e.store.Layer(ctx, layer)
	if err != nil {
		return "", false
	}
	if i := l.Locate(p); i >= 0 {
		return l.Areas[i].Name, true
	}
	return "", false
}
