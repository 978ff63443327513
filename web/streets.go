package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/engine"
)

// Street labels and the search box: what the map knows of streets comes
// from police.uk's map point names ("On or near Regent Street"), so it
// works with no basemap at all.

func (s *Server) mountStreets(r chi.Router) {
	r.Get("/streets", s.adapt(s.streets))
	r.Get("/search", s.adapt(s.search))
}

// streets is every named place as a GeoJSON point at its busiest map point,
// for labels: name, generic (police.uk's unnamed kinds, "Parking Area"),
// points, and rank (1 the busiest place), which orders labels without
// giving figures away.
func (s *Server) streets(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.engine.Places(r.Context())
	if err != nil {
		return err
	}
	etag := fmt.Sprintf(`"streets-%d"`, ps.DataVersion)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	rank := placeRanks(ps.Places)
	fc := geojson.NewFeatureCollection()
	for i, p := range ps.Places {
		f := geojson.NewFeature(p.Point)
		f.Properties = geojson.Properties{"name": p.Name, "generic": p.Generic, "points": p.Points, "rank": rank[i]}
		fc.Append(f)
	}
	return s.writeGeoJSON(w, r, fc)
}

// placeRanks ranks places by incidents, 1 the busiest (ties share a rank).
func placeRanks(ps []engine.Place) []int {
	desc := make([]int64, 0, len(ps))
	for _, p := range ps {
		desc = append(desc, -p.Count)
	}
	slices.Sort(desc)
	rank := make([]int, len(ps))
	for i, p := range ps {
		above, _ := slices.BinarySearch(desc, -p.Count) // places busier than p
		rank[i] = above + 1
	}
	return rank
}

// SearchAnswer is GET /api/v1/search.
type SearchAnswer struct {
	Query   string                `json:"query"`
	Results []engine.SearchResult `json:"results"`
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	q := engine.SearchQuery{Text: v.Get("q"), Layer: layerParam(r)}
	if len(q.Text) > 200 {
		return badRequest("parameter q: %d characters is too long to search for; type a name, an H3 cell or lat,lon", len(q.Text))
	}
	if l := strings.TrimSpace(v.Get("limit")); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 50 {
			return badRequest("parameter limit: %q; use a whole number from 1 to 50", l)
		}
		q.Limit = n
	}
	rs, err := s.engine.Search(r.Context(), q)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, SearchAnswer{Query: q.Text, Results: rs})
}
