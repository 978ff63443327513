package web

import (
	"net/http"
	"strconv"

	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/report"
)

func (s *Server) taskingQuery(r *http.Request) (engine.TaskingQuery, error) {
	p, err := readParams(r)
	if err != nil {
		return engine.TaskingQuery{}, err
	}
	q := engine.TaskingQuery{Layer: layerParam(r), Res: p.res, K: p.k, From: p.q.From, To: p.q.To, Types: p.q.Types, Measure: p.measure}
	if t := r.URL.Query().Get("top"); t != "" {
		if q.Top, err = strconv.Atoi(t); err != nil {
			return q, badRequest("parameter top: %q is not a whole number", t)
		}
	}
	if v := r.URL.Query().Get("max_width"); v != "" {
		if q.MaxWidthM, err = strconv.ParseFloat(v, 64); err != nil {
			return q, badRequest("parameter max_width: %q is not a number of metres", v)
		}
	}
	switch v := r.URL.Query().Get("include_set_aside"); v {
	case "", "false", "0":
	case "true", "1":
		q.IncludeSetAside = true
	default:
		return q, badRequest("parameter include_set_aside: %q is neither true nor false", v)
	}
	return q, nil
}

// taskingJSON answers GET /api/v1/tasking.
func (s *Server) taskingJSON(w http.ResponseWriter, r *http.Request) error {
	q, err := s.taskingQuery(r)
	if err != nil {
		return err
	}
	e := s.eng(r.Context())
	t, err := e.Tasking(r.Context(), q)
	if err != nil {
		return err
	}
	return s.answer(w, r, e, t)
}

// taskingPage answers GET /tasking, the printable sheet.
func (s *Server) taskingPage(w http.ResponseWriter, r *http.Request) error {
	q, err := s.taskingQuery(r)
	if err != nil {
		return err
	}
	e := s.eng(r.Context())
	t, err := e.Tasking(r.Context(), q)
	if err != nil {
		return err
	}
	v, err := s.viewOf(r, e)
	if err != nil {
		return err
	}
	layer, _, err := s.store.Layer(r.Context(), t.Layer)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	review, err := s.engine.ReviewPlan(r.Context(), t)
	if err != nil {
		return err
	}
	var saved *engine.SavedPlan
	if id := r.URL.Query().Get("operation"); id != "" {
		if saved, err = s.engine.SavedPlan(r.Context(), t, id); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Security-Policy", sheetCSP)
	var streets []engine.Place
	if pl, err := s.eng(r.Context()).Places(r.Context()); err == nil { // labels only: a sheet without them still prints
		streets = pl.Places
	}
	return report.WriteTaskingHTML(w, report.TaskingPage{Streets: streets, Tasking: v.Tasking(t), Layer: layer, Attribution: s.opts.Attribution, Now: s.now(), View: v, Review: v.PlanReview(review), Saved: saved,
		TypesText: s.eng(r.Context()).DescribeTypes(r.Context(), t.Types)})
}
