package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/stockton-csp/hotspots/engine"
)

// sourceKey carries a request's data source (?source=NAME) to the handlers
// beneath the middleware, so every analysis, export, tile and sheet of the
// request answers from the same source.
type sourceKey struct{}

// sourceParam is the source named in the query string; "" is the default
// (police.uk where loaded, else the only source).
func sourceParam(r *http.Request) string {
	return strings.TrimSpace(r.URL.Query().Get("source"))
}

// withSource puts the request's source in its context.
func (s *Server) withSource(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if src := sourceParam(r); src != "" {
			r = r.WithContext(context.WithValue(r.Context(), sourceKey{}, src))
		}
		next.ServeHTTP(w, r)
	})
}

// eng is the engine viewing the request's source.
func (s *Server) eng(ctx context.Context) *engine.Engine {
	src, _ := ctx.Value(sourceKey{}).(string)
	return s.engine.Source(src)
}
