package web

// OGC API - Features, Part 1: Core, with GeoJSON and an OpenAPI 3.0
// definition, under /ogc, so QGIS and GDAL open the rankings, hot spots,
// patrol zones and (for analysts) incidents as layers. The features are the
// report package's tables, as the downloads: the same properties, the same
// suppression of small numbers for viewers. The map's filters (period,
// types, measure, layer, source) are taken on every path, so a URL such as
// OAPIF:http://HOST/ogc?datetime=2025-01/2025-11&types=Burglary, whose
// parameters GDAL sends with every request, opens filtered layers.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/report"
)

// OGC API identifiers and media types.
const (
	ogcConfCore    = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
	ogcConfGeoJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
	ogcConfOAS30   = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
	ogcCRS84       = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	ogcTRS         = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

	ogcMediaJSON    = "application/json"
	ogcMediaGeoJSON = "application/geo+json"
	ogcMediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
)

// ogcFilters are the parameters every OGC path takes: the analysis filters
// of the map and the JSON API. A collection applies those it has (layer on
// hot spots, zones and incidents; top on zones; areas on areas and
// incidents; res and k on hot spots and zones) and passes over the others,
// since a client such as GDAL sends the same parameters to every path.
var ogcFilters = []string{"datetime", "types", "measure", "layer", "res", "k", "top", "areas", "source", "times", "days", "hours"}

// Paging of /items.
const (
	OGCDefaultLimit = 100
	OGCMaxLimit     = 10000
)

// mountOGC adds OGC API - Features (/ogc/...) to r.
func (s *Server) mountOGC(r chi.Router) {
	r.Route("/ogc", func(r chi.Router) {
		r.Use(s.timeout)
		r.Get("/", s.adapt(s.ogcLanding))
		r.Get("/api", s.adapt(s.ogcAPI))
		r.Get("/conformance", s.adapt(s.ogcConformance))
		r.Get("/collections", s.adapt(s.ogcCollections))
		r.Get("/collections/{collectionId}", s.adapt(s.ogcCollection))
		// Items run the engine's Gi* and tasking: they queue with the other
		// heavy queries.
		r.With(s.audited(ogcAction), s.heavy).Get("/collections/{collectionId}/items", s.adapt(s.ogcItems))
		r.With(s.audited(ogcAction), s.heavy).Get("/collections/{collectionId}/items/{featureId}", s.adapt(s.ogcItem))
	})
}

// ogcLink is an OGC API link.
type ogcLink struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// ogcBase is the scheme and host the caller reached us at: X-Forwarded-Proto
// and X-Forwarded-Host from a reverse proxy win over the connection's own.
func ogcBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := strings.ToLower(strings.TrimSpace(ogcFirst(r.Header.Get("X-Forwarded-Proto")))); p == "http" || p == "https" {
		scheme = p
	}
	host := r.Host
	if h := strings.TrimSpace(ogcFirst(r.Header.Get("X-Forwarded-Host"))); h != "" && ogcValidHost(h) {
		host = h
	}
	return scheme + "://" + host
}

func ogcFirst(h string) string {
	v, _, _ := strings.Cut(h, ",")
	return v
}

// ogcValidHost accepts host names, IPv4 and bracketed IPv6 addresses with an
// optional port, so a forwarded header cannot put anything else in links.
func ogcValidHost(h string) bool {
	if len(h) > 255 {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]_", c)) {
			return false
		}
	}
	return true
}

// ogcHref is an absolute link to path with query q. A token given in the URL
// (access_token) is carried on, so a client that pasted such a URL into
// QGIS can follow the links.
func ogcHref(r *http.Request, path string, q url.Values) string {
	q = ogcClone(q)
	rq := r.URL.Query()
	if tok := rq.Get("access_token"); tok != "" {
		q.Set("access_token", tok)
	}
	// The filters go on into every link, for clients that follow links
	// rather than repeat the parameters they were given.
	for _, k := range ogcFilters {
		if rq.Has(k) && !q.Has(k) {
			q[k] = slices.Clone(rq[k])
		}
	}
	u := ogcBase(r) + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func ogcClone(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

// --- Query parameters -----------------------------------------------------

// ogcBBox is a bounding box in CRS84 (lon, lat degrees). MinX > MaxX is a box
// crossing the antimeridian.
type ogcBBox struct{ MinX, MinY, MaxX, MaxY float64 }

// ogcParseBBox reads "minx,miny,maxx,maxy" (or the six-number form with
// heights, which are ignored) in CRS84.
func ogcParseBBox(s string) (ogcBBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return ogcBBox{}, badRequest("parameter bbox: %q has %d numbers; give four, minx,miny,maxx,maxy in longitude and latitude (such as bbox=-1.4,54.5,-1.2,54.6)", s, len(parts))
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return ogcBBox{}, badRequest("parameter bbox: %q is not a number (bbox is minx,miny,maxx,maxy in longitude and latitude)", p)
		}
		v[i] = f
	}
	b := ogcBBox{v[0], v[1], v[2], v[3]}
	if len(v) == 6 {
		b = ogcBBox{v[0], v[1], v[3], v[4]}
	}
	switch {
	case b.MinX < -180 || b.MinX > 180 || b.MaxX < -180 || b.MaxX > 180:
		return ogcBBox{}, badRequest("parameter bbox: longitudes must lie in -180..180 (got %g and %g); bbox is minx,miny,maxx,maxy in CRS84 longitude and latitude", b.MinX, b.MaxX)
	case b.MinY < -90 || b.MinY > 90 || b.MaxY < -90 || b.MaxY > 90:
		return ogcBBox{}, badRequest("parameter bbox: latitudes must lie in -90..90 (got %g and %g); bbox is minx,miny,maxx,maxy, longitude first", b.MinY, b.MaxY)
	case b.MinY > b.MaxY:
		return ogcBBox{}, badRequest("parameter bbox: the southern edge (%g) is north of the northern edge (%g); give minx,miny,maxx,maxy", b.MinY, b.MaxY)
	}
	return b, nil
}

// bounds are the box as one or two orb.Bounds (two across the antimeridian).
func (b ogcBBox) bounds() []orb.Bound {
	if b.MinX <= b.MaxX {
		return []orb.Bound{{Min: orb.Point{b.MinX, b.MinY}, Max: orb.Point{b.MaxX, b.MaxY}}}
	}
	return []orb.Bound{
		{Min: orb.Point{b.MinX, b.MinY}, Max: orb.Point{180, b.MaxY}},
		{Min: orb.Point{-180, b.MinY}, Max: orb.Point{b.MaxX, b.MaxY}},
	}
}

// intersects reports whether g shares any point with the box: a point
// inside it, a polygon overlapping it, holding it or touching its edge.
func (b ogcBBox) intersects(g orb.Geometry) bool {
	if g == nil {
		return false
	}
	for _, bb := range b.bounds() {
		if ogcIntersects(g, bb) {
			return true
		}
	}
	return false
}

func ogcIntersects(g orb.Geometry, bb orb.Bound) bool {
	if !g.Bound().Intersects(bb) {
		return false
	}
	switch g := g.(type) {
	case orb.Point:
		return bb.Contains(g)
	case orb.Polygon:
		return ogcPolygonIntersects(g, bb)
	case orb.MultiPolygon:
		for _, p := range g {
			if ogcPolygonIntersects(p, bb) {
				return true
			}
		}
		return false
	}
	return true // bounds intersect: the best test for other types
}

// ogcPolygonIntersects: a vertex of the polygon in the box, a corner of the box
// in the polygon, or an edge of one crossing an edge of the other.
func ogcPolygonIntersects(p orb.Polygon, bb orb.Bound) bool {
	if len(p) == 0 || !p.Bound().Intersects(bb) {
		return false
	}
	for _, r := range p {
		for _, pt := range r {
			if bb.Contains(pt) {
				return true
			}
		}
	}
	corners := []orb.Point{bb.Min, {bb.Max[0], bb.Min[1]}, bb.Max, {bb.Min[0], bb.Max[1]}}
	for _, c := range corners {
		if planar.PolygonContains(p, c) {
			return true
		}
	}
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			for j := range corners {
				if ogcSegmentsCross(r[i], r[i+1], corners[j], corners[(j+1)%4]) {
					return true
				}
			}
		}
	}
	return false
}

// ogcSegmentsCross reports whether segments ab and cd intersect.
func ogcSegmentsCross(a, b, c, d orb.Point) bool {
	o := func(p, q, r orb.Point) float64 { return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0]) }
	on := func(p, q, r orb.Point) bool {
		return min(p[0], q[0]) <= r[0] && r[0] <= max(p[0], q[0]) && min(p[1], q[1]) <= r[1] && r[1] <= max(p[1], q[1])
	}
	d1, d2, d3, d4 := o(c, d, a), o(c, d, b), o(a, b, c), o(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && on(c, d, a)) || (d2 == 0 && on(c, d, b)) || (d3 == 0 && on(a, b, c)) || (d4 == 0 && on(a, b, d))
}

// ogcInterval is a datetime parameter mapped to whole months. An open end
// ("..") runs to the first or last month loaded.
type ogcInterval struct {
	From, To         data.Month
	OpenFrom, OpenTo bool
}

// ogcParseDatetime reads an OGC datetime: an instant or an interval
// "start/end" whose ends are instants, ".." or empty (open). An instant is
// a month ("2025-11"), a date ("2025-11-05") or an RFC 3339 date-time
// ("2025-11-05T10:00:00Z"); each stands for its whole month, as the data
// hold months.
func ogcParseDatetime(s string) (ogcInterval, error) {
	start, end, isInterval := strings.Cut(s, "/")
	if !isInterval {
		if s == ".." || s == "" {
			return ogcInterval{}, badRequest("parameter datetime: %q is not an instant; give a month (2025-11), a date, or an interval such as 2025-01/2025-11 or ../2025-11", s)
		}
		m, err := ogcParseInstant(s)
		if err != nil {
			return ogcInterval{}, err
		}
		return ogcInterval{From: m, To: m}, nil
	}
	if strings.Contains(end, "/") {
		return ogcInterval{}, badRequest("parameter datetime: %q has more than one \"/\"; an interval is start/end, such as 2025-01/2025-11", s)
	}
	var iv ogcInterval
	var err error
	if start == ".." || start == "" {
		iv.OpenFrom = true
	} else if iv.From, err = ogcParseInstant(start); err != nil {
		return ogcInterval{}, err
	}
	if end == ".." || end == "" {
		iv.OpenTo = true
	} else if iv.To, err = ogcParseInstant(end); err != nil {
		return ogcInterval{}, err
	}
	if !iv.OpenFrom && !iv.OpenTo && iv.From > iv.To {
		return ogcInterval{}, badRequest("parameter datetime: the interval %q runs backwards; give the earlier end first", s)
	}
	return iv, nil
}

// ogcParseInstant reads a month, a date or an RFC 3339 date-time as its month
// (in the time's own offset: the data's months are UK local months).
func ogcParseInstant(s string) (data.Month, error) {
	bad := badRequest("parameter datetime: %q is not a month (2025-11), a date (2025-11-05) or an RFC 3339 date-time (2025-11-05T10:00:00Z)", s)
	var t time.Time
	var err error
	switch {
	case len(s) == 7:
		m, err := data.ParseMonth(s)
		if err != nil {
			return 0, bad
		}
		return m, nil
	case len(s) == 10:
		t, err = time.Parse(time.DateOnly, s)
	default:
		t, err = time.Parse(time.RFC3339Nano, strings.Replace(strings.Replace(s, "t", "T", 1), "z", "Z", 1))
	}
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		return 0, bad
	}
	return data.MonthOf(t.Year(), int(t.Month())), nil
}

// ogcParseLimit reads limit (default OGCDefaultLimit, 1..OGCMaxLimit).
func ogcParseLimit(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return OGCDefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > OGCMaxLimit {
		return 0, badRequest("parameter limit: %q is not a whole number from 1 to %d; page through more with the next links", s, OGCMaxLimit)
	}
	return n, nil
}

// ogcParseOffset reads offset (default 0).
func ogcParseOffset(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badRequest("parameter offset: %q is not a whole number of 0 or more", s)
	}
	return n, nil
}

// ogcCheckFormat accepts f=json (and f=geojson where features are served):
// the API serves JSON only.
func ogcCheckFormat(r *http.Request, features bool) error {
	switch f := strings.ToLower(r.URL.Query().Get("f")); f {
	case "", "json":
		return nil
	case "geojson":
		if features {
			return nil
		}
	}
	return &Error{Status: http.StatusNotAcceptable, Message: fmt.Sprintf("format %q is not served: this API answers in JSON (f=json) and features in GeoJSON", r.URL.Query().Get("f"))}
}

// ogcCheckParams refuses query parameters the endpoint does not know (OGC API
// requirement /req/core/query-param-unknown), naming those it does; the
// filters (ogcFilters) are known everywhere, and a bad one is refused at
// once, wherever it is given.
func ogcCheckParams(r *http.Request) error {
	var unknown []string
	for k := range r.URL.Query() {
		if k != "f" && k != "access_token" && !slices.Contains(ogcFilters, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		k := append([]string{"f"}, ogcFilters...)
		return badRequest("unknown query parameter %s; this endpoint takes: %s", strings.Join(unknown, ", "), strings.Join(k, ", "))
	}
	return ogcCheckFilters(r)
}

// ogcCheckFilters checks the filters' form (their values against the data
// are checked where a collection runs them).
func ogcCheckFilters(r *http.Request) error {
	v := r.URL.Query()
	if v.Has("datetime") {
		if _, err := ogcParseDatetime(v.Get("datetime")); err != nil {
			return err
		}
	}
	if _, err := readParams(r); err != nil {
		return err
	}
	_, err := exIntParam(r, "top")
	return err
}

// --- Collections ----------------------------------------------------------

// ogcColl is one feature collection the API offers.
type ogcColl struct {
	ID, Title, Description string
	Kind                   string // an export: ranking, hotspots, zones, incidents
	Layer                  string // the area layer (ranking), or the default one
	Bound                  orb.Bound
}

// ogcList lists the collections the caller may see: incidents only for
// analysts.
func (s *Server) ogcList(ctx context.Context, r *http.Request) ([]ogcColl, error) {
	ls, err := s.store.Layers(ctx)
	if err != nil {
		return nil, err
	}
	var out []ogcColl
	for _, l := range ls {
		out = append(out, ogcColl{
			ID: "areas-" + l.Name, Kind: "ranking", Layer: l.Name, Bound: ogcBound(l.Bound),
			Title: "Areas of layer " + l.Name + ", ranked",
			Description: "The " + strconv.Itoa(l.Areas) + " areas of layer " + l.Name + " with count, harm (CCHI days), cost (GBP), rate per 1,000 residents, " +
				"share, change and rank over the datetime period (default: the latest 12 months); types= and measure= (count, harm, cost) as in the API.",
		})
	}
	def, err := report.DefaultLayer(ctx, s.eng(ctx))
	if err != nil {
		return nil, err
	}
	if def != "" {
		i := slices.IndexFunc(ls, func(l data.LayerInfo) bool { return l.Name == def })
		b := ogcCellPad(ogcBound(ls[i].Bound))
		out = append(out,
			ogcColl{ID: "hotspots", Kind: "hotspots", Layer: def, Bound: b,
				Title: "Hot spot cells (Getis-Ord Gi*)",
				Description: fmt.Sprintf("H3 cells of the study area of layer %s (layer=) at resolution %d (res=, %d..%d), k=%d, with count, harm, Gi* z, p and the FDR-corrected confidence bin, over the datetime period (default: the latest 12 months).",
					def, engine.DefaultRes, engine.MinGridRes, engine.MaxGridRes, engine.DefaultK)},
			ogcColl{ID: "zones", Kind: "zones", Layer: def, Bound: b,
				Title:       "Patrol zones",
				Description: fmt.Sprintf("The top (top=, default %d) patrol zones: connected groups of hot spot cells ranked by harm, with the suggested patrol dose, over the datetime period (default: the latest 12 months).", engine.DefaultTop)})
	}
	if caller(r) >= data.RoleAnalyst {
		b, err := s.ogcIncidentBound(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, ogcColl{ID: "incidents", Kind: "incidents", Layer: def, Bound: b,
			Title: "Incident records (analysts only)",
			Description: "One point per incident, with crime ID, month, type, outcome, location, LSOA and force, and the area of layer= holding it; " +
				"datetime filters by month (default: the latest 12 months)."})
	}
	return out, nil
}

// ogcFind is the collection id names: 403 for a viewer asking for
// incidents, 404 with the list for an unknown one.
func (s *Server) ogcFind(r *http.Request, id string) (ogcColl, error) {
	if id == "incidents" {
		if err := require(r, data.RoleAnalyst, "incident records"); err != nil {
			return ogcColl{}, err
		}
	}
	cs, err := s.ogcList(r.Context(), r)
	if err != nil {
		return ogcColl{}, err
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		if c.ID == id {
			return c, nil
		}
		ids[i] = c.ID
	}
	return ogcColl{}, &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("no collection %q; the collections are: %s", id, strings.Join(ids, ", "))}
}

func ogcBound(b [4]float64) orb.Bound {
	return orb.Bound{Min: orb.Point{b[0], b[1]}, Max: orb.Point{b[2], b[3]}}
}

// ogcCellPad widens a layer's bound by the largest study cell (resolution
// engine.MinGridRes), since the cells whose centres lie in the layer stick
// out of it.
func ogcCellPad(b orb.Bound) orb.Bound {
	c, err := geo.CellAt(b.Center(), engine.MinGridRes)
	if err != nil {
		return b
	}
	ctr := c.Center()
	var dx, dy float64
	for _, p := range c.Boundary() {
		dx, dy = max(dx, math.Abs(p[0]-ctr[0])), max(dy, math.Abs(p[1]-ctr[1]))
	}
	return orb.Bound{Min: orb.Point{b.Min[0] - dx, b.Min[1] - dy}, Max: orb.Point{b.Max[0] + dx, b.Max[1] + dy}}
}

// ogcIncidentBound is the extent of the located incidents: the union of the
// resolution-7 cells holding them (a little wider than the points).
func (s *Server) ogcIncidentBound(ctx context.Context) (orb.Bound, error) {
	rows, err := s.store.Aggregate(ctx, data.Query{By: data.GroupBy{CellRes: 7}})
	if err != nil {
		return orb.Bound{}, err
	}
	var b orb.Bound
	for i, row := range rows {
		cb := row.Cell.Boundary().Bound()
		if i == 0 {
			b = cb
		} else {
			b = b.Union(cb)
		}
	}
	return b, nil
}

// ogcCollectionDoc is a collection's metadata document.
func (s *Server) ogcCollectionDoc(r *http.Request, c ogcColl, sum data.Summary) map[string]any {
	base := "/ogc/collections/" + url.PathEscape(c.ID)
	out := map[string]any{
		"id": c.ID, "title": c.Title, "description": c.Description, "itemType": "feature", "crs": []string{ogcCRS84},
		"links": []ogcLink{
			{Href: ogcHref(r, base, nil), Rel: "self", Type: ogcMediaJSON, Title: "this collection"},
			{Href: ogcHref(r, base+"/items", nil), Rel: "items", Type: ogcMediaGeoJSON, Title: c.Title},
		},
	}
	ext := map[string]any{"spatial": map[string]any{
		"bbox": [][]float64{{c.Bound.Min[0], c.Bound.Min[1], c.Bound.Max[0], c.Bound.Max[1]}}, "crs": ogcCRS84}}
	if n := len(sum.Months); n > 0 {
		first, last := sum.Months[0], sum.Months[n-1]
		ext["temporal"] = map[string]any{"interval": [][]string{{
			time.Date(first.Year(), time.Month(first.Num()), 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339),
			time.Date(last.Year(), time.Month(last.Num()), last.Days(), 23, 59, 59, 0, time.UTC).Format(time.RFC3339)}},
			"trs": ogcTRS}
	}
	out["extent"] = ext
	return out
}

// --- Handlers -------------------------------------------------------------

func (s *Server) ogcLanding(w http.ResponseWriter, r *http.Request) error {
	if err := ogcCheckFormat(r, false); err != nil {
		return err
	}
	if err := ogcCheckParams(r); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"title": "Crime hot spots (Safer Stockton Partnership)",
		"description": "Area rankings, Getis-Ord Gi* hot spot cells, patrol zones and (for analysts) incident records, as OGC API - Features. " +
			"Figures of 1 or 2 incidents are shown to viewers as \"<3\". Property names, types and units: docs/exports.md.",
		"attribution": s.opts.Attribution,
		"links": []ogcLink{
			{Href: ogcHref(r, "/ogc", nil), Rel: "self", Type: ogcMediaJSON, Title: "this document"},
			{Href: ogcHref(r, "/ogc/api", nil), Rel: "service-desc", Type: ogcMediaOpenAPI, Title: "the API definition (OpenAPI 3.0)"},
			{Href: ogcHref(r, "/ogc/conformance", nil), Rel: "conformance", Type: ogcMediaJSON, Title: "conformance classes"},
			{Href: ogcHref(r, "/ogc/collections", nil), Rel: "data", Type: ogcMediaJSON, Title: "the feature collections"},
		},
	})
	return nil
}

func (s *Server) ogcConformance(w http.ResponseWriter, r *http.Request) error {
	if err := ogcCheckFormat(r, false); err != nil {
		return err
	}
	if err := ogcCheckParams(r); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"conformsTo": []string{ogcConfCore, ogcConfGeoJSON, ogcConfOAS30}})
	return nil
}

func (s *Server) ogcCollections(w http.ResponseWriter, r *http.Request) error {
	if err := ogcCheckFormat(r, false); err != nil {
		return err
	}
	if err := ogcCheckParams(r); err != nil {
		return err
	}
	cs, err := s.ogcList(r.Context(), r)
	if err != nil {
		return err
	}
	sum, err := s.store.Summary(r.Context())
	if err != nil {
		return err
	}
	list := make([]map[string]any, len(cs))
	for i, c := range cs {
		list[i] = s.ogcCollectionDoc(r, c, sum)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"links":       []ogcLink{{Href: ogcHref(r, "/ogc/collections", nil), Rel: "self", Type: ogcMediaJSON, Title: "the feature collections"}},
		"collections": list,
	})
	return nil
}

func (s *Server) ogcCollection(w http.ResponseWriter, r *http.Request) error {
	if err := ogcCheckFormat(r, false); err != nil {
		return err
	}
	if err := ogcCheckParams(r); err != nil {
		return err
	}
	c, err := s.ogcFind(r, chi.URLParam(r, "collectionId"))
	if err != nil {
		return err
	}
	sum, err := s.store.Summary(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.ogcCollectionDoc(r, c, sum))
	return nil
}

// ogcQuery is a parsed /items request.
type ogcQuery struct {
	bbox          *ogcBBox
	limit, offset int
	period        ogcInterval
	hasPeriod     bool
	filters       map[int][]string // column index -> accepted values
	table         report.Query
}

// ogcReadQuery reads the parameters of /items (all, with paging) or of
// one item.
func ogcReadQuery(r *http.Request, c ogcColl, all bool) (ogcQuery, error) {
	v := r.URL.Query()
	q := ogcQuery{limit: OGCDefaultLimit, filters: map[int][]string{}}
	known := slices.Clone(ogcFilters)
	if all {
		known = append(known, "bbox", "bbox-crs", "crs", "limit", "offset")
	}
	cols, _ := report.Columns(c.Kind)
	var unknown []string
	for k, vals := range v {
		if k == "f" || k == "access_token" || slices.Contains(known, k) {
			continue
		}
		i := slices.IndexFunc(cols, func(col report.Column) bool { return col.Name == k && col.Query })
		if i < 0 || !all {
			unknown = append(unknown, k)
			continue
		}
		q.filters[i] = vals
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		var qs []string
		if all {
			for _, col := range cols {
				if col.Query {
					qs = append(qs, col.Name)
				}
			}
		}
		msg := fmt.Sprintf("unknown query parameter %s for collection %s; it takes %s", strings.Join(unknown, ", "), c.ID, strings.Join(append([]string{"f"}, known...), ", "))
		if len(qs) > 0 {
			msg += ", and filters on the properties " + strings.Join(qs, ", ") + " (such as ?" + qs[0] + "=...)"
		}
		return q, badRequest("%s", msg)
	}
	var err error
	for _, name := range []string{"bbox-crs", "crs"} {
		if x := v.Get(name); x != "" && x != ogcCRS84 {
			return q, badRequest("parameter %s: only %s (longitude, latitude in degrees) is offered", name, ogcCRS84)
		}
	}
	if v.Has("bbox") {
		b, err := ogcParseBBox(v.Get("bbox"))
		if err != nil {
			return q, err
		}
		q.bbox = &b
	}
	if all {
		if q.limit, err = ogcParseLimit(v.Get("limit")); err != nil {
			return q, err
		}
		if q.offset, err = ogcParseOffset(v.Get("offset")); err != nil {
			return q, err
		}
	}
	if v.Has("datetime") {
		if q.period, err = ogcParseDatetime(v.Get("datetime")); err != nil {
			return q, err
		}
		q.hasPeriod = true
	}
	// The analysis parameters read as the JSON API reads them (from and to
	// are not among those known, so datetime is the only period).
	p, err := readParams(r)
	if err != nil {
		return q, err
	}
	tq := report.Query{Layer: c.Layer, Types: p.q.Types, Measure: p.measure, Res: p.res, K: p.k, Areas: p.areas}
	// An areas collection is of its own layer, whatever layer= says.
	if l := strings.TrimSpace(v.Get("layer")); l != "" && c.Kind != report.KindRanking {
		tq.Layer = l
	}
	if tq.Top, err = exIntParam(r, "top"); err != nil {
		return q, err
	}
	q.table = tq
	return q, nil
}

// ogcTable builds the collection's table for the query.
func (s *Server) ogcTable(ctx context.Context, r *http.Request, c ogcColl, q ogcQuery) (*report.Table, error) {
	tq := q.table
	e := s.eng(ctx)
	if q.hasPeriod {
		p, _, err := e.Period(ctx, q.period.From, q.period.To, q.period.OpenFrom, engine.DefaultSpan)
		if err != nil {
			return nil, err
		}
		tq.From, tq.To = p.From, p.To
	}
	// what the caller may see of the source, and crime (not ASB) unless
	// types name it
	var err error
	if tq.View, err = s.viewFor(ctx, exact(r)); err != nil {
		return nil, err
	}
	if tq.Types, err = s.types(r, tq.Types); err != nil {
		return nil, err
	}
	switch c.Kind {
	case report.KindRanking:
		return report.Ranking(ctx, e, tq)
	case report.KindHotspots:
		return report.Hotspots(ctx, e, tq)
	case report.KindZones:
		return report.Zones(ctx, e, tq)
	}
	return report.Incidents(ctx, e, tq)
}

// match reports whether f passes the query's bbox and property filters.
func (q ogcQuery) match(f *report.Feature) bool {
	if q.bbox != nil && !q.bbox.intersects(f.Geom) {
		return false
	}
	for i, vals := range q.filters {
		if !slices.Contains(vals, ogcPropText(f.Full().Props[i])) {
			return false
		}
	}
	return true
}

// ogcPropText is a property value as a query string gives it.
func ogcPropText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

func (s *Server) ogcItems(w http.ResponseWriter, r *http.Request) error {
	if err := ogcCheckFormat(r, true); err != nil {
		return err
	}
	c, err := s.ogcFind(r, chi.URLParam(r, "collectionId"))
	if err != nil {
		return err
	}
	q, err := ogcReadQuery(r, c, true)
	if err != nil {
		return err
	}
	t, err := s.ogcTable(r.Context(), r, c, q)
	if err != nil {
		return err
	}
	if t.Streamed() {
		feats, err := ogcFeatures(r.Context(), s.ogcPages, ogcPageCacheKey(s.store.Version(), c.ID, r), t)
		if err != nil {
			return err
		}
		t = &report.Table{Kind: t.Kind, Cols: t.Cols, Meta: t.Meta, File: t.File, Feats: feats}
	}
	var page []*report.Feature
	matched := 0
	err = t.Each(r.Context(), func(f *report.Feature) error {
		if !q.match(f) {
			return nil
		}
		if matched >= q.offset && len(page) < q.limit {
			page = append(page, f.Keep())
		}
		matched++
		return nil
	})
	if err != nil {
		return err
	}
	noteRows(r, int64(len(page)))
	path := "/ogc/collections/" + url.PathEscape(c.ID) + "/items"
	self := r.URL.Query()
	self.Del("access_token")
	links := []ogcLink{
		{Href: ogcHref(r, path, self), Rel: "self", Type: ogcMediaGeoJSON, Title: "this page"},
		{Href: ogcHref(r, "/ogc/collections/"+url.PathEscape(c.ID), nil), Rel: "collection", Type: ogcMediaJSON, Title: c.Title},
	}
	pageLink := func(rel string, offset int) ogcLink {
		v := ogcClone(self)
		v.Set("offset", strconv.Itoa(offset))
		v.Set("limit", strconv.Itoa(q.limit))
		return ogcLink{Href: ogcHref(r, path, v), Rel: rel, Type: ogcMediaGeoJSON, Title: rel + " page"}
	}
	if end := q.offset + len(page); end < matched {
		links = append(links, pageLink("next", end))
	}
	if q.offset > 0 {
		links = append(links, pageLink("prev", max(0, q.offset-q.limit)))
	}
	members := []report.Member{
		{Name: "links", Value: links}, {Name: "numberMatched", Value: matched}, {Name: "numberReturned", Value: len(page)},
		{Name: "timeStamp", Value: s.now().UTC().Format(time.RFC3339)},
	}
	w.Header().Set("Content-Type", ogcMediaGeoJSON)
	w.WriteHeader(http.StatusOK)
	err = report.WriteFeatures(w, members, t.Cols, func(fn func(*report.Feature) error) error {
		for _, f := range page {
			if err := fn(f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.log.Warn("items cut short", "path", r.URL.Path, "err", err)
	}
	return nil
}

func (s *Server) ogcItem(w http.ResponseWriter, r *http.Request) error {
	if err := ogcCheckFormat(r, true); err != nil {
		return err
	}
	c, err := s.ogcFind(r, chi.URLParam(r, "collectionId"))
	if err != nil {
		return err
	}
	q, err := ogcReadQuery(r, c, false)
	if err != nil {
		return err
	}
	id := chi.URLParam(r, "featureId")
	notFound := &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("collection %s has no feature %q for these parameters; list them at /ogc/collections/%s/items", c.ID, id, c.ID)}
	if c.Kind == "incidents" {
		// An incident's ID names its month ("2025-11-42"), whatever the
		// datetime asked for.
		if len(id) < 9 || id[7] != '-' {
			return notFound
		}
		m, err := data.ParseMonth(id[:7])
		if err != nil {
			return notFound
		}
		q.hasPeriod, q.period = true, ogcInterval{From: m, To: m}
	}
	t, err := s.ogcTable(r.Context(), r, c, q)
	if err != nil {
		return err
	}
	var found *report.Feature
	errFound := fmt.Errorf("found")
	err = t.Each(r.Context(), func(f *report.Feature) error {
		if f.Full().ID == id {
			found = f.Keep()
			return errFound
		}
		return nil
	})
	if err != nil && err != errFound {
		return err
	}
	if found == nil {
		return notFound
	}
	base := "/ogc/collections/" + url.PathEscape(c.ID)
	self := r.URL.Query()
	self.Del("access_token")
	links := []ogcLink{
		{Href: ogcHref(r, base+"/items/"+url.PathEscape(id), self), Rel: "self", Type: ogcMediaGeoJSON, Title: "this feature"},
		{Href: ogcHref(r, base, nil), Rel: "collection", Type: ogcMediaJSON, Title: c.Title},
	}
	noteRows(r, 1)
	b, err := report.AppendFeature(nil, found, t.Cols, []report.Member{{Name: "links", Value: links}})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ogcMediaGeoJSON)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(append(b, '\n'))
	return err
}

// --- OpenAPI --------------------------------------------------------------

func (s *Server) ogcAPI(w http.ResponseWriter, r *http.Request) error {
	if err := ogcCheckFormat(r, false); err != nil {
		return err
	}
	if err := ogcCheckParams(r); err != nil {
		return err
	}
	w.Header().Set("Content-Type", ogcMediaOpenAPI)
	w.WriteHeader(http.StatusOK)
	b, err := json.Marshal(ogcOpenAPI(ogcHref(r, "/ogc", nil)))
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// ogcOpenAPI is the API definition (OpenAPI 3.0) for the server at base.
func ogcOpenAPI(base string) map[string]any {
	type m = map[string]any
	ref := func(name string) m { return m{"$ref": "#/components/parameters/" + name} }
	resp := func(desc, media string) m {
		return m{"200": m{"description": desc, "content": m{media: m{"schema": m{"type": "object"}}}},
			"400": m{"$ref": "#/components/responses/Error"}, "default": m{"$ref": "#/components/responses/Error"}}
	}
	op := func(id, summary string, params []any, r m) m {
		return m{"get": m{"operationId": id, "summary": summary, "parameters": params, "responses": r}}
	}
	query := func(name, desc string, schema m) m {
		return m{"name": name, "in": "query", "required": false, "description": desc, "schema": schema, "style": "form", "explode": false}
	}
	// the filters every path takes (ogcFilters)
	filters := []any{ref("datetime"), ref("layer"), ref("res"), ref("k"), ref("types"), ref("measure"), ref("top"), ref("areas"),
		ref("source"), ref("times"), ref("days"), ref("hours")}
	with := func(ps ...any) []any { return append(ps, filters...) }
	itemParams := with(ref("collectionId"), ref("f"), ref("bbox"), ref("limit"), ref("offset"))
	return m{
		"openapi": "3.0.3",
		"info": m{"title": "Crime hot spots: OGC API - Features", "version": "1.0.0",
			"description": "Rankings, hot spot cells, patrol zones and incident records of the Safer Stockton Partnership's hot spot tool. " +
				"Property names, types and units are in docs/exports.md (schema version " + strconv.Itoa(report.SchemaVersion) + "). " +
				"Items also filter on their queryable properties by equality (?name=value); each collection's description names them.",
			"license": m{"name": "Open Government Licence v3.0", "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}},
		"servers": []m{{"url": base}},
		"components": m{
			"securitySchemes": m{"bearer": m{"type": "http", "scheme": "bearer", "description": "an API token; without tokens configured every caller is an admin"}},
			"responses": m{"Error": m{"description": "an error, with a message saying what to change",
				"content": m{ogcMediaJSON: m{"schema": m{"type": "object", "properties": m{"error": m{"type": "string"}, "status": m{"type": "integer"}}}}}}},
			"parameters": m{
				"collectionId": m{"name": "collectionId", "in": "path", "required": true, "description": "a collection id: areas-{layer}, hotspots, zones, incidents", "schema": m{"type": "string"}},
				"featureId":    m{"name": "featureId", "in": "path", "required": true, "description": "a feature id", "schema": m{"type": "string"}},
				"f":            query("f", "the format: json (the only one served)", m{"type": "string", "enum": []string{"json", "geojson"}}),
				"bbox": query("bbox", "only features whose geometry intersects the box minx,miny,maxx,maxy (CRS84 longitude, latitude)",
					m{"type": "array", "minItems": 4, "maxItems": 6, "items": m{"type": "number"}}),
				"datetime": query("datetime", "a month (2025-11), date or RFC 3339 date-time, or an interval start/end with open ends \"..\"; "+
					"maps to whole months. Aggregates cover the period; incidents are filtered to it. Default: the latest 12 months.", m{"type": "string"}),
				"limit":   query("limit", "features per page", m{"type": "integer", "minimum": 1, "maximum": OGCMaxLimit, "default": OGCDefaultLimit}),
				"offset":  query("offset", "features to skip (the next links set it)", m{"type": "integer", "minimum": 0, "default": 0}),
				"layer":   query("layer", "hotspots, zones, incidents: the area layer (default wards)", m{"type": "string"}),
				"res":     query("res", "hotspots, zones: H3 resolution", m{"type": "integer", "minimum": engine.MinGridRes, "maximum": engine.MaxGridRes, "default": engine.DefaultRes}),
				"k":       query("k", "hotspots, zones: neighbourhood radius in grid steps", m{"type": "integer", "minimum": 1, "default": engine.DefaultK}),
				"types":   query("types", "crime types, comma separated (default all)", m{"type": "string"}),
				"measure": query("measure", "areas, hotspots, zones: what to rank and test", m{"type": "string", "enum": []string{"count", "harm", "cost"}, "default": "count"}),
				"top":     query("top", "zones: how many", m{"type": "integer", "minimum": 1, "maximum": 100, "default": engine.DefaultTop}),
				"areas":   query("areas", "areas, incidents: only those areas of layer (codes or names, comma separated)", m{"type": "string"}),
				"source":  query("source", "the data source: police.uk or a force export's name (default police.uk where loaded)", m{"type": "string"}),
				"times":   query("times", "a time filter preset: nte (Friday and Saturday nights 20:00-04:00)", m{"type": "string"}),
				"days":    query("days", "only crimes on these weekdays, such as fri,sat", m{"type": "string"}),
				"hours":   query("hours", "only crimes in these hours, such as 20-04", m{"type": "string"}),
			},
		},
		"security": []m{{}, {"bearer": []string{}}},
		"paths": m{
			"/":            op("getLandingPage", "landing page", with(ref("f")), resp("the landing page", ogcMediaJSON)),
			"/api":         op("getAPI", "this API definition", with(ref("f")), resp("the API definition", ogcMediaOpenAPI)),
			"/conformance": op("getConformance", "conformance classes", with(ref("f")), resp("the conformance classes", ogcMediaJSON)),
			"/collections": op("getCollections", "the feature collections", with(ref("f")), resp("the collections", ogcMediaJSON)),
			"/collections/{collectionId}": op("describeCollection", "a feature collection", with(ref("collectionId"), ref("f")),
				resp("the collection", ogcMediaJSON)),
			"/collections/{collectionId}/items": op("getFeatures", "the features of a collection", itemParams,
				resp("a page of features, with next links", ogcMediaGeoJSON)),
			"/collections/{collectionId}/items/{featureId}": op("getFeature", "one feature",
				with(ref("collectionId"), ref("featureId"), ref("f")),
				resp("the feature", ogcMediaGeoJSON)),
		},
	}
}
