package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
)

// viewKey carries a request's data source (?source=NAME) and time filter
// (?times=nte, or ?days=fri,sat&hours=20-04) to the handlers beneath the
// middleware, so every analysis, export, tile and sheet of the request
// answers from the same source and hours.
type viewKey struct{}

type view struct {
	source string
	times  *data.TimeFilter
}

// sourceParam is the source named in the query string; "" is the default
// (police.uk where loaded, else the only source).
func sourceParam(r *http.Request) string {
	return strings.TrimSpace(r.URL.Query().Get("source"))
}

// timesParam reads the time filter: times=nte (Friday and Saturday nights
// 20:00-04:00), or days=fri,sat&hours=20-04 (either alone: every day, or
// the whole day). nil when none is asked for.
func timesParam(r *http.Request) (*data.TimeFilter, error) {
	v := r.URL.Query()
	f, err := data.ParseTimeFilter(v.Get("times"), v.Get("days"), v.Get("hours"), int(engine.DefaultMaxWindow.Minutes()))
	if err != nil {
		return nil, badRequest("parameters times, days, hours: %s", strings.TrimPrefix(err.Error(), data.ErrBadQuery.Error()+": "))
	}
	return f, nil
}

// withView puts the request's source and time filter in its context.
func (s *Server) withView(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tf, err := timesParam(r)
		if err != nil {
			s.errorResponse(w, r, err)
			return
		}
		if src := sourceParam(r); src != "" || tf != nil {
			r = r.WithContext(context.WithValue(r.Context(), viewKey{}, view{source: src, times: tf}))
		}
		next.ServeHTTP(w, r)
	})
}

// eng is the engine viewing the request's source and hours.
func (s *Server) eng(ctx context.Context) *engine.Engine {
	v, _ := ctx.Value(viewKey{}).(view)
	return s.engine.Source(v.source).WithTimes(v.times)
}

// requestTimes is the request's time filter (nil for none).
func requestTimes(r *http.Request) *data.TimeFilter {
	v, _ := r.Context().Value(viewKey{}).(view)
	return v.times
}
