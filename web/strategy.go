package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/report"
)

// strategyQuery reads the strategy view's parameters: layer, area, from,
// to, baseline_year, spc_from, spc_to, wards, top, priorities. With no
// layer, the authorities are compared and the partnership's area is
// Stockton-on-Tees; with a layer and no area, the charts are of all areas.
func strategyQuery(r *http.Request) (engine.StrategyQuery, error) {
	v := r.URL.Query()
	f, err := filter(r)
	if err != nil {
		return engine.StrategyQuery{}, err
	}
	q := engine.StrategyQuery{From: f.From, To: f.To, Layer: strings.TrimSpace(v.Get("layer")), Area: strings.TrimSpace(v.Get("area")),
		Wards: strings.TrimSpace(v.Get("wards"))}
	if q.Layer == "" && !v.Has("area") {
		q.Area = engine.StrategyArea
	}
	for _, p := range []struct {
		name string
		dst  *data.Month
	}{{"spc_from", &q.SPCFrom}, {"spc_to", &q.SPCTo}} {
		if s := strings.TrimSpace(v.Get(p.name)); s != "" {
			m, err := data.ParseMonth(s)
			if err != nil {
				return q, badRequest("parameter %s: %q is not a month; use YYYY-MM, such as 2023-01", p.name, s)
			}
			*p.dst = m
		}
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"baseline_year", &q.BaselineYear}, {"top", &q.TopWards}} {
		if s := strings.TrimSpace(v.Get(p.name)); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return q, badRequest("parameter %s: %q is not a whole number", p.name, s)
			}
			*p.dst = n
		}
	}
	if s := strings.TrimSpace(v.Get("priorities")); s != "" {
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				q.Priorities = append(q.Priorities, x)
			}
		}
	}
	return q, nil
}

// strategy is the strategy view of the default source as the caller may see
// it: exact, or withheld from viewers of a restricted source (its funnel
// plots and charts are figures no band protects).
func (s *Server) strategy(r *http.Request, q engine.StrategyQuery) (*engine.Strategy, error) {
	st, err := s.engine.Strategy(r.Context(), q)
	if err != nil {
		return nil, err
	}
	v, err := s.viewOf(r, s.engine)
	if err != nil {
		return nil, err
	}
	x, err := v.Apply(st)
	if err != nil {
		return nil, err
	}
	return x.(*engine.Strategy), nil
}

// strategyJSON answers GET /api/v1/strategy.
func (s *Server) strategyJSON(w http.ResponseWriter, r *http.Request) error {
	q, err := strategyQuery(r)
	if err != nil {
		return err
	}
	st, err := s.strategy(r, q)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, st)
}

// strategyCSV answers GET /api/v1/strategy.csv: every figure, one a row.
func (s *Server) strategyCSV(w http.ResponseWriter, r *http.Request) error {
	q, err := strategyQuery(r)
	if err != nil {
		return err
	}
	st, err := s.strategy(r, q)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="strategy-%s.csv"`, st.Period.To))
	return report.WriteStrategyCSV(w, st)
}

// strategyPage answers GET /strategy, the printable strategy view.
func (s *Server) strategyPage(w http.ResponseWriter, r *http.Request) error {
	q, err := strategyQuery(r)
	if err != nil {
		return err
	}
	st, err := s.strategy(r, q)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", sheetCSP)
	return report.WriteStrategyHTML(w, report.StrategyPage{Strategy: st, Attribution: s.opts.Attribution, Now: s.now()})
}

// strategyLink answers GET /api/v1/strategy/link?(the page's parameters):
// {"url": "/strategy?...", "expires": "..."}, a signed link to the page for
// the caller (see links.go), so the map opens it in a new tab with no token
// in the address.
func (s *Server) strategyLink(w http.ResponseWriter, r *http.Request) error {
	if _, err := strategyQuery(r); err != nil {
		return err
	}
	u := s.signLink("/strategy", r.URL.Query(), callerOf(r))
	return s.respond(w, r, http.StatusOK, map[string]any{"url": u, "expires": s.now().Add(LinkLifetime).UTC().Format(time.RFC3339)})
}
