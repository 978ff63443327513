package web

import (
	"context"
	"net/http"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
)

// The disclosure policy (package disclosure) decides what each caller sees
// of every answer: analysts and admins see exact figures, viewers see the
// counts of restricted sources in bands. Handlers pass engine results
// through viewOf's View before encoding them, whatever the encoding (JSON,
// GeoJSON, CSV, tiles, the printed sheets).

// exact reports whether the caller may see exact figures of every source.
func exact(r *http.Request) bool { return caller(r) >= data.RoleAnalyst }

// viewOf is the policy's view for the caller of r of an answer from e.
func (s *Server) viewOf(r *http.Request, e *engine.Engine) (disclosure.View, error) {
	if exact(r) {
		return disclosure.Exact(), nil
	}
	src, err := e.SourceName(r.Context())
	if err != nil {
		return disclosure.View{}, err
	}
	return s.policy.View(src, false), nil
}

// viewFor is the view of an answer from the source of ctx's request (its
// ?source=NAME) for a caller who may see exact figures or not.
func (s *Server) viewFor(ctx context.Context, exact bool) (disclosure.View, error) {
	if exact {
		return disclosure.Exact(), nil
	}
	src, err := s.eng(ctx).SourceName(ctx)
	if err != nil {
		return disclosure.View{}, err
	}
	return s.policy.View(src, false), nil
}

// view is viewOf for the request's own source (?source=NAME).
func (s *Server) view(r *http.Request) (disclosure.View, error) {
	return s.viewOf(r, s.eng(r.Context()))
}

// answer writes an engine result from e as JSON, as the caller may see it.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, e *engine.Engine, x any) error {
	v, err := s.viewOf(r, e)
	if err != nil {
		return err
	}
	if x, err = v.Apply(x); err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, x)
}

// respond writes v as JSON. v holds no figure a viewer may not see: an
// engine result goes through answer (or a View) first.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, status int, v any) error {
	// An answer that came too late is not encoded: the caller has gone or
	// is being told the query took too long.
	if err := r.Context().Err(); err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}
