package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
	"github.com/stockton-csp/hotspots/report"
)

// params reads the query parameters the analysis endpoints share.
type params struct {
	q       data.Query
	measure engine.Measure
	res, k  int
	month   data.Month
	areas   []string
}

func readParams(r *http.Request) (params, error) {
	var p params
	q, err := filter(r)
	if err != nil {
		return p, err
	}
	p.q = q
	v := r.URL.Query()
	if p.measure, err = engine.ParseMeasure(v.Get("measure")); err != nil {
		return p, badRequest("parameter measure: %q is not a measure; use count, harm or cost", v.Get("measure"))
	}
	for _, ip := range []struct {
		name string
		dst  *int
	}{{"res", &p.res}, {"k", &p.k}} {
		if s := strings.TrimSpace(v.Get(ip.name)); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return p, badRequest("parameter %s: %q is not a whole number", ip.name, s)
			}
			*ip.dst = n
		}
	}
	if s := strings.TrimSpace(v.Get("month")); s != "" {
		m, err := data.ParseMonth(s)
		if err != nil {
			return p, badRequest("parameter month: %q is not a month; use YYYY-MM, such as 2025-11", s)
		}
		p.month = m
	}
	if s := strings.TrimSpace(v.Get("areas")); s != "" {
		for _, a := range strings.Split(s, ",") {
			if a = strings.TrimSpace(a); a != "" {
				p.areas = append(p.areas, a)
			}
		}
	}
	return p, nil
}

func (p params) hotspotQuery(layer string) engine.HotspotQuery {
	return engine.HotspotQuery{Layer: layer, Res: p.res, K: p.k, From: p.q.From, To: p.q.To, Types: p.q.Types, Measure: p.measure}
}

// layerParam is the layer named in the query string (default "wards").
func layerParam(r *http.Request) string {
	if l := strings.TrimSpace(r.URL.Query().Get("layer")); l != "" {
		return l
	}
	return "wards"
}

func (s *Server) ranking(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(r)
	if err != nil {
		return err
	}
	e := s.eng(r.Context())
	rk, err := e.Ranking(r.Context(), engine.RankingQuery{
		Layer: chi.URLParam(r, "layer"), From: p.q.From, To: p.q.To, Types: p.q.Types, Areas: p.areas, Measure: p.measure,
	})
	if err != nil {
		return err
	}
	return s.answer(w, r, e, rk)
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(r)
	if err != nil {
		return err
	}
	e := s.eng(r.Context())
	pr, err := e.Profile(r.Context(), chi.URLParam(r, "layer"), chi.URLParam(r, "code"), p.month)
	if err != nil {
		return err
	}
	v, err := s.viewOf(r, e)
	if err != nil {
		return err
	}
	pr = v.Profile(pr)
	switch f := r.URL.Query().Get("format"); f {
	case "csv":
		return writeProfileCSV(w, pr, v)
	case "", "json":
		return s.respond(w, r, http.StatusOK, pr)
	default:
		return badRequest("parameter format: %q is not offered here; use json or csv", f)
	}
}

// trendOut is one series with its months, for a chart.
type trendOut struct {
	Months    []data.Month   `json:"months"`
	Measure   engine.Measure `json:"measure"`
	Unit      string         `json:"unit"`
	Series    engine.Series  `json:"series"`
	Direction string         `json:"direction"`
	Alpha     float64        `json:"alpha"`
	Notes     []string       `json:"notes"`
}

func (s *Server) areaTrend(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(r)
	if err != nil {
		return err
	}
	layer, code := chi.URLParam(r, "layer"), chi.URLParam(r, "code")
	tr, err := s.trendsAs(r, s.eng(r.Context()), func(e *engine.Engine) (*engine.Trends, error) {
		return e.Trends(r.Context(), engine.TrendQuery{Layer: layer, From: p.q.From, To: p.q.To, Types: p.q.Types, Measure: p.measure})
	})
	if err != nil {
		return err
	}
	for _, se := range tr.Series {
		if se.Code == code {
			return s.respond(w, r, http.StatusOK, trendOut{Months: tr.Months, Measure: tr.Measure, Unit: tr.Unit, Series: se,
				Direction: hotspot.DirectionWord(se.Direction), Alpha: tr.Alpha, Notes: tr.Notes})
		}
	}
	return &Error{Status: http.StatusNotFound, Message: "no area " + strconv.Quote(code) + " in layer " + layer}
}

func (s *Server) trends(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(r)
	if err != nil {
		return err
	}
	e := s.eng(r.Context())
	tr, err := e.Trends(r.Context(), engine.TrendQuery{Layer: chi.URLParam(r, "layer"), Res: p.res, From: p.q.From, To: p.q.To, Types: p.q.Types, Measure: p.measure})
	if err != nil {
		return err
	}
	return s.answer(w, r, e, tr)
}

// trendsAs runs a trends query on e and returns it as the caller may see
// it.
func (s *Server) trendsAs(r *http.Request, e *engine.Engine, run func(*engine.Engine) (*engine.Trends, error)) (*engine.Trends, error) {
	tr, err := run(e)
	if err != nil {
		return nil, err
	}
	v, err := s.viewOf(r, e)
	if err != nil {
		return nil, err
	}
	return v.Trends(tr)
}

// wantsJSON reports whether the caller asked for the engine's JSON rather
// than GeoJSON (format=json).
func wantsJSON(r *http.Request) bool { return r.URL.Query().Get("format") == "json" }

// writeGeoJSON writes a FeatureCollection as application/geo+json. Its
// figures are already what the caller may see.
func (s *Server) writeGeoJSON(w http.ResponseWriter, r *http.Request, fc *geojson.FeatureCollection) error {
	b, err := json.Marshal(fc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b)
	return err
}

func (s *Server) emerging(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(r)
	if err != nil {
		return err
	}
	e := s.eng(r.Context())
	em, err := e.Emerging(r.Context(), p.hotspotQuery(layerParam(r)))
	if err != nil {
		return err
	}
	v, err := s.viewOf(r, e)
	if err != nil {
		return err
	}
	x, err := v.Apply(em)
	if err != nil {
		return err
	}
	em = x.(*engine.EmergingResult)
	if wantsJSON(r) {
		return s.respond(w, r, http.StatusOK, em)
	}
	if err := r.Context().Err(); err != nil {
		return err
	}
	// The emerging hot spot table and writer (report), streamed one
	// feature at a time.
	t := report.EmergingStream(em)
	t.Stamp(s.opts.Attribution, s.now())
	w.Header().Set("Content-Type", "application/geo+json")
	w.WriteHeader(http.StatusOK)
	if err := report.WriteGeoJSON(r.Context(), w, t); err != nil {
		s.log.Warn("emerging hot spots cut short", "path", r.URL.Path, "err", err)
	}
	return nil
}

func (s *Server) concentration(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(r)
	if err != nil {
		return err
	}
	e := s.eng(r.Context())
	c, err := e.Concentration(r.Context(), p.hotspotQuery(layerParam(r)))
	if err != nil {
		return err
	}
	return s.answer(w, r, e, c)
}

func (s *Server) evaluation(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(r)
	if err != nil {
		return err
	}
	e := s.eng(r.Context())
	ev, err := e.Evaluate(r.Context(), engine.EvalQuery{Layer: layerParam(r), Res: p.res, K: p.k, Types: p.q.Types, From: p.q.From, To: p.q.To})
	if err != nil {
		return err
	}
	return s.answer(w, r, e, ev)
}

// cellParam reads the {cell} of a path: an H3 cell string.
func cellParam(r *http.Request) (geo.Cell, error) {
	c, err := geo.ParseCell(chi.URLParam(r, "cell"))
	if err != nil {
		return 0, &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("%q is not an H3 cell (such as 89194655b9bffff)", chi.URLParam(r, "cell"))}
	}
	return c, nil
}

func (s *Server) cellProfile(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(r)
	if err != nil {
		return err
	}
	c, err := cellParam(r)
	if err != nil {
		return err
	}
	e := s.eng(r.Context())
	pr, err := e.CellProfile(r.Context(), c, p.month)
	if err != nil {
		return err
	}
	return s.answer(w, r, e, pr)
}

func (s *Server) cellTrend(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(r)
	if err != nil {
		return err
	}
	c, err := cellParam(r)
	if err != nil {
		return err
	}
	tr, err := s.trendsAs(r, s.eng(r.Context()), func(e *engine.Engine) (*engine.Trends, error) {
		return e.CellTrend(r.Context(), c, engine.TrendQuery{From: p.q.From, To: p.q.To, Types: p.q.Types, Measure: p.measure})
	})
	if err != nil {
		return err
	}
	se := tr.Series[0]
	return s.respond(w, r, http.StatusOK, trendOut{Months: tr.Months, Measure: tr.Measure, Unit: tr.Unit, Series: se,
		Direction: hotspot.DirectionWord(se.Direction), Alpha: tr.Alpha, Notes: tr.Notes})
}

// config tells the page what this deployment has configured.
func (s *Server) config(w http.ResponseWriter, r *http.Request) error {
	if s.opts.BasemapStyle == "" {
		return &Error{Status: http.StatusNotFound, Message: "no basemap is configured; the map draws without one"}
	}
	writeJSON(w, http.StatusOK, map[string]string{"basemap_style": s.opts.BasemapStyle})
	return nil
}
