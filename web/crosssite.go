package web

import (
	"mime"
	"net"
	"net/http"
	"strings"
)

// Defences against other web sites using a browser that can reach this
// server: DNS rebinding (a page whose name is made to point at this
// server's address reads it as if it were its own) and cross-site requests
// that change data (a page posting to it with the user's browser). In
// single-user mode, where the browser needs no token, they are the only
// defence; with tokens they back the token up.

// hostAllowed reports whether r names this server in its Host header: as
// "localhost", as the IP address the connection arrived on (any loopback
// address for a loopback connection), or as one of Options.Hosts. The port
// is not compared: a server behind a port mapping is asked for by another
// port than it listens on, and rebinding needs a name, not a port. A
// request with no local address came in process (a test), not over a
// connection, and is allowed.
func (s *Server) hostAllowed(r *http.Request) bool {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	for _, n := range s.opts.Hosts {
		if strings.EqualFold(host, n) {
			return true
		}
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	lh, _, _ := net.SplitHostPort(a.String())
	local := net.ParseIP(lh)
	return local != nil && (ip.Equal(local) || ip.IsLoopback() && local.IsLoopback())
}

// checkHost refuses requests for a name this server does not answer to
// (421 Misdirected Request), which stops DNS rebinding. /healthz is left
// alone (a load balancer asks by whatever address it has, and the answer
// without a token is only "ok"), and so is a request naming no host at all
// (HTTP/1.0 probes): a browser always names one.
func (s *Server) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "" && r.URL.Path != "/healthz" && !s.hostAllowed(r) {
			s.errorResponse(w, r, &Error{Status: http.StatusMisdirectedRequest,
				Message: "this server does not answer to the name " + quoteHost(r.Host) + ": use its address, or, if that is its real name, " +
					"its administrator adds it with `hotspotd serve --host-name NAME`"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func quoteHost(h string) string {
	if len(h) > 100 {
		h = h[:100] + "..."
	}
	return `"` + h + `"`
}

// crossSite refuses requests that change data (POST, PUT, PATCH, DELETE)
// from a page of another origin, by the browser's Sec-Fetch-Site header or
// its Origin against Host: the standard library's CrossOriginProtection.
// Requests with neither header (curl, scripts, QGIS) are not from a
// browser page and pass.
func (s *Server) crossSite(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorResponse(w, r, &Error{Status: http.StatusForbidden,
			Message: "refused: a page from another web site asked to change data here. Use the map at this server's own address, or the command line"})
	}))
	return p.Handler(next)
}

// simpleTypes are the Content-Types a cross-site page may send without the
// browser first asking the server's leave (a CORS "simple request", which
// this server never grants).
var simpleTypes = map[string]bool{
	"text/plain":                        true,
	"application/x-www-form-urlencoded": true,
	"multipart/form-data":               true,
}

// bodyType refuses a request that changes data with a body whose
// Content-Type is missing or one a web form or a no-cors fetch can send: an
// upload must say what it is (text/csv, application/zip, application/gzip,
// application/geo+json, application/json or application/octet-stream), which
// a page of another site cannot make a browser send without the server's
// leave. It backs up crossSite for browsers that send neither Origin nor
// Sec-Fetch-Site.
func (s *Server) bodyType(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || simpleTypes[strings.ToLower(mt)] {
				s.errorResponse(w, r, &Error{Status: http.StatusUnsupportedMediaType,
					Message: "send the file with the Content-Type of what it is: text/csv, application/zip or application/gzip for crime data, " +
						"application/geo+json for an area layer (curl: -H 'Content-Type: text/csv'); web forms and plain text are refused, as another site could send them"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
