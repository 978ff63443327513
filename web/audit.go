package web

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/stockton-csp/hotspots/audit"
)

// Auditor records who read or changed what (an *audit.Log): the access
// log the Data Protection Act 2018, s.62, asks for.
type Auditor interface {
	Record(audit.Entry) error
}

const auditKey ctxKey = 2

// auditNote is what a handler adds to its access log entry.
type auditNote struct {
	rows *int64
}

// noteRows records the number of rows (features, records, areas) a
// request returned or wrote, for the access log.
func noteRows(r *http.Request, n int64) {
	if a, ok := r.Context().Value(auditKey).(*auditNote); ok {
		a.rows = &n
	}
}

// audited logs each request that action names (export, incidents, import,
// layer; "" for one not to log) to Options.Audit once it is answered,
// refusals included: who (token name and role), the endpoint and its
// filters, the status, the rows, when, and the client's address. Tokens
// and signatures in the query are left out.
func (s *Server) audited(action func(r *http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if s.opts.Audit == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			act := action(r)
			if act == "" {
				next.ServeHTTP(w, r)
				return
			}
			note := &auditNote{}
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			start := s.now()
			next.ServeHTTP(ww, r.WithContext(context.WithValue(r.Context(), auditKey, note)))
			c := callerOf(r)
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			e := audit.Entry{Time: start.UTC(), Who: c.Name, Role: c.Role.String(), From: clientIP(r), Action: act,
				Method: r.Method, Endpoint: r.URL.Path, Filters: auditFilters(r), Status: status}
			if status < 300 {
				e.Rows = note.rows
			}
			if err := s.opts.Audit.Record(e); err != nil {
				s.log.Error("the access log cannot be written: this access is not recorded", "err", err, "who", c.Name, "path", r.URL.Path)
			}
		})
	}
}

// auditFilters is the request's query without secrets.
func auditFilters(r *http.Request) map[string]string {
	q := r.URL.Query()
	if len(q) == 0 {
		return nil
	}
	out := make(map[string]string, len(q))
	for k, v := range q {
		switch k {
		case "access_token", linkSig:
			continue
		}
		out[k] = strings.Join(v, ",")
	}
	return out
}

// clientIP is the address the request came from. X-Forwarded-For is not
// believed: anyone can send it.
func clientIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// The actions of the audited routes.
func actionIs(a string) func(*http.Request) string { return func(*http.Request) string { return a } }

// exportAction: incident exports are incident reads, others exports.
func exportAction(r *http.Request) string {
	if strings.HasPrefix(chi.URLParam(r, "file"), "incidents") {
		return "incidents"
	}
	return "export"
}

// ogcAction: items of the incidents collection are incident reads; other
// collections' items are exports.
func ogcAction(r *http.Request) string {
	if chi.URLParam(r, "collectionId") == "incidents" {
		return "incidents"
	}
	return "export"
}

// tileAction logs incident tiles only: the other tiles are the map's
// aggregates, asked for by the hundred.
func tileAction(r *http.Request) string {
	if chi.URLParam(r, "set") == "incidents" {
		return "incidents"
	}
	return ""
}
