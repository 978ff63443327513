package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/report"
)

// GET /api/v1/hotspots: bounded answers. A request names at most
// MaxHotspotsLimit cells (limit, default the same), pages on with offset (the
// answer's next link), may keep only the cells whose centre lies in a
// bounding box (bbox) or in a hot or cold spot bin (significant=true), and
// the GeoJSON is written one feature at a time through a 32 KB buffer.

// MaxHotspotsLimit is the most cells one /api/v1/hotspots answer holds; more
// are paged with offset (the answer's "next" link).
const MaxHotspotsLimit = 10_000

// hotspotsPage reads bbox, significant, limit and offset into q.
func hotspotsPage(r *http.Request, q *engine.HotspotQuery) error {
	v := r.URL.Query()
	if s := strings.TrimSpace(v.Get("bbox")); s != "" {
		parts := strings.Split(s, ",")
		var f [4]float64
		ok := len(parts) == 4
		for i := 0; ok && i < 4; i++ {
			var err error
			f[i], err = strconv.ParseFloat(strings.TrimSpace(parts[i]), 64)
			ok = err == nil && !math.IsNaN(f[i]) && !math.IsInf(f[i], 0)
		}
		if !ok || f[0] >= f[2] || f[1] >= f[3] || f[0] < -180 || f[2] > 180 || f[1] < -90 || f[3] > 90 {
			return badRequest("parameter bbox: %q is not a box; give minLon,minLat,maxLon,maxLat in degrees, west and south first, such as bbox=-1.33,54.55,-1.30,54.57", s)
		}
		q.BBox = orb.Bound{Min: orb.Point{f[0], f[1]}, Max: orb.Point{f[2], f[3]}}
	}
	switch s := strings.TrimSpace(v.Get("significant")); s {
	case "", "false":
	case "true":
		q.Significant = true
	default:
		return badRequest("parameter significant: %q; use true to keep only hot and cold spot cells, or leave it out", s)
	}
	q.Limit = MaxHotspotsLimit
	if s := strings.TrimSpace(v.Get("limit")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxHotspotsLimit {
			return badRequest("parameter limit: %q; give a whole number of cells from 1 to %d, and page on with offset", s, MaxHotspotsLimit)
		}
		q.Limit = n
	}
	if s := strings.TrimSpace(v.Get("offset")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return badRequest("parameter offset: %q; give a whole number of cells to skip, 0 or more (the answer's next link gives it)", s)
		}
		q.Offset = n
	}
	return nil
}

// nextLink is the address of the page after h's, or "" when h is the last.
func nextLink(r *http.Request, q engine.HotspotQuery, h *engine.Hotspots) string {
	if q.Offset+len(h.Cells) >= h.Matched || len(h.Cells) == 0 {
		return ""
	}
	v := r.URL.Query()
	v.Del("access_token")
	v.Set("offset", strconv.Itoa(q.Offset+len(h.Cells)))
	v.Set("limit", strconv.Itoa(q.Limit))
	u := url.URL{Path: r.URL.Path, RawQuery: v.Encode()}
	return u.String()
}

func (s *Server) hotspots(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(r)
	if err != nil {
		return err
	}
	q := p.hotspotQuery(layerParam(r))
	if err := hotspotsPage(r, &q); err != nil {
		return err
	}
	e := s.eng(r.Context())
	v, err := s.viewOf(r, e)
	if err != nil {
		return err
	}
	var h *engine.Hotspots
	if v.Protected() {
		// The policy's Gi* runs over the whole map's banded counts: protect
		// the whole map, then cut it to the box, the bins and the page.
		whole := q
		whole.BBox, whole.Significant, whole.Offset, whole.Limit = orb.Bound{}, false, 0, 0
		if h, err = e.Hotspots(r.Context(), whole); err != nil {
			return err
		}
		if h, err = v.Hotspots(h); err != nil {
			return err
		}
		h = engine.Narrow(h, q)
	} else if h, err = e.Hotspots(r.Context(), q); err != nil {
		return err
	}
	next := nextLink(r, q, h)
	if next != "" {
		w.Header().Set("Link", "<"+next+`>; rel="next"`)
	}
	if wantsJSON(r) {
		return s.respond(w, r, http.StatusOK, h)
	}
	if err := r.Context().Err(); err != nil {
		return err
	}
	// The hot spot export's table and writer (report), streamed one feature
	// at a time, with what a page says of itself.
	t := report.HotspotStream(h, v)
	t.Stamp(s.opts.Attribution, s.now())
	t.Meta = append(t.Meta, report.Member{Name: "study_cells", Value: h.StudyCells}, report.Member{Name: "matched", Value: h.Matched},
		report.Member{Name: "offset", Value: q.Offset}, report.Member{Name: "limit", Value: q.Limit})
	if h.BBox != nil {
		t.Meta = append(t.Meta, report.Member{Name: "bbox", Value: h.BBox})
	}
	if next != "" {
		t.Meta = append(t.Meta, report.Member{Name: "next", Value: next})
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.WriteHeader(http.StatusOK)
	if err := report.WriteGeoJSON(r.Context(), w, t); err != nil {
		s.log.Warn("hot spots cut short", "path", r.URL.Path, "err", err)
	}
	return nil
}
