package web

import "net/http"

// Security headers. Every response carries them; the map page and the
// tasking sheet replace the Content-Security-Policy with one that lets them
// draw (pageCSP, sheetCSP).
const (
	// apiCSP is for everything that is not a page: nothing in it may run,
	// load or be framed, should a browser ever render it.
	apiCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	// sheetCSP is the printable tasking sheet's: its own inline styles and
	// inline SVG maps, nothing loaded, no script.
	sheetCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

// securityHeaders sets, on every response: Content-Security-Policy (apiCSP
// unless a handler sets its own), X-Content-Type-Options: nosniff (no
// guessing a JSON or CSV body is a page), X-Frame-Options: DENY and
// frame-ancestors 'none' (no framing, so no clickjacking), and
// Referrer-Policy: no-referrer (addresses with filters or links do not leak
// to other sites).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", apiCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
