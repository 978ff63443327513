package web

import (
	"bytes"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/internal/pmtilesfixture"
)

// routeRoles is the role each route of the router needs, by "METHOD
// pattern" as chi.Walk names it. TestRolesEveryRoute fails for a route the
// router knows and this table does not, so a new endpoint cannot go
// untested.
var routeRoles = map[string]Role{
	"GET /":        data.RoleNone,
	"HEAD /":       data.RoleNone,
	"GET /healthz": data.RoleNone,
	// the page's files: any method reaches the file server, which holds no data
	"* /static/*": data.RoleNone,

	"GET /api/v1/summary":                                   data.RoleViewer,
	"GET /api/v1/layers":                                    data.RoleViewer,
	"POST /api/v1/layers/{layer}":                           data.RoleAdmin,
	"DELETE /api/v1/layers/{layer}":                         data.RoleAdmin,
	"POST /api/v1/import":                                   data.RoleAnalyst,
	"GET /api/v1/layers/{layer}/counts":                     data.RoleViewer,
	"GET /api/v1/layers/{layer}/ranking":                    data.RoleViewer,
	"GET /api/v1/layers/{layer}/areas/{code}/profile":       data.RoleViewer,
	"GET /api/v1/layers/{layer}/areas/{code}/trend":         data.RoleViewer,
	"GET /api/v1/layers/{layer}/trends":                     data.RoleViewer,
	"GET /api/v1/cells/{cell}/profile":                      data.RoleViewer,
	"GET /api/v1/cells/{cell}/trend":                        data.RoleViewer,
	"GET /api/v1/config":                                    data.RoleViewer,
	"GET /api/v1/tasking/link":                              data.RoleViewer,
	"GET /api/v1/strategy/link":                             data.RoleViewer,
	"GET /api/v1/hotspots":                                  data.RoleViewer,
	"GET /api/v1/emerging":                                  data.RoleViewer,
	"GET /api/v1/concentration":                             data.RoleViewer,
	"GET /api/v1/evaluation":                                data.RoleViewer,
	"GET /api/v1/tasking":                                   data.RoleViewer,
	"GET /api/v1/strategy":                                  data.RoleViewer,
	"GET /api/v1/strategy.csv":                              data.RoleViewer,
	"GET /api/v1/times":                                     data.RoleViewer,
	"GET /api/v1/export/{file}":                             data.RoleViewer,
	"GET /api/v1/operations":                                data.RoleViewer,
	"POST /api/v1/operations":                               data.RoleAnalyst,
	"GET /api/v1/operations/{id}":                           data.RoleViewer,
	"DELETE /api/v1/operations/{id}":                        data.RoleAnalyst,
	"GET /api/v1/operations/{id}/zones.geojson":             data.RoleViewer,
	"GET /api/v1/operations/{id}/evaluation":                data.RoleAnalyst,
	"GET /api/v1/operations/{id}/evaluation.csv":            data.RoleAnalyst,
	"GET /api/v1/search":                                    data.RoleViewer,
	"GET /api/v1/streets":                                   data.RoleViewer,
	"GET /tasking":                                          data.RoleViewer,
	"GET /strategy":                                         data.RoleViewer,
	"GET /tiles/{file}":                                     data.RoleViewer,
	"GET /tiles/{set}/{z}/{x}/{file}":                       data.RoleViewer,
	"GET /ogc/":                                             data.RoleViewer,
	"GET /ogc/api":                                          data.RoleViewer,
	"GET /ogc/conformance":                                  data.RoleViewer,
	"GET /ogc/collections":                                  data.RoleViewer,
	"GET /ogc/collections/{collectionId}":                   data.RoleViewer,
	"GET /ogc/collections/{collectionId}/items":             data.RoleViewer,
	"GET /ogc/collections/{collectionId}/items/{featureId}": data.RoleViewer,
	"GET /basemap/style.json":                               data.RoleViewer,
	"GET /basemap/{z}/{x}/{y}.mvt":                          data.RoleViewer,
}

// routeValues fill a pattern's parameters with values the data has; the
// role check comes before any answer, so a 404 for a missing operation is
// still an answer a caller was allowed to get.
var routeValues = map[string]string{
	"{layer}": "wards", "{code}": "E05014882", "{cell}": "89194655b9bffff", "{id}": "no-such-operation",
	"{collectionId}": "areas-wards", "{featureId}": "E05014882", "{z}": "14", "{x}": "8131", "{y}": "5253",
}

var routeParam = regexp.MustCompile(`\{[a-zA-Z]+\}`)

// routeSample is a request path for a route pattern.
func routeSample(method, pattern string) string {
	switch {
	case pattern == "/api/v1/export/{file}":
		return "/api/v1/export/ranking.csv"
	case pattern == "/tiles/{file}":
		return "/tiles/cells.json"
	case pattern == "/tiles/{set}/{z}/{x}/{file}":
		return "/tiles/cells/14/8131/5253.mvt"
	case strings.HasSuffix(pattern, "/*"):
		return strings.TrimSuffix(pattern, "*") + "app.js"
	case pattern == "/api/v1/layers/{layer}" && method == http.MethodPost:
		return "/api/v1/layers/beats"
	case pattern == "/api/v1/layers/{layer}" && method == http.MethodDelete:
		return "/api/v1/layers/no-such-layer"
	}
	return routeParam.ReplaceAllStringFunc(pattern, func(p string) string { return routeValues[p] })
}

// routeBody is a body of the right kind for the routes that take one.
func routeBody(method, path string) (string, []byte) {
	switch {
	case method != http.MethodPost && method != http.MethodPut && method != http.MethodPatch:
		return "", nil
	case strings.HasPrefix(path, "/api/v1/import"):
		return "text/csv", []byte("not,a,crime,file\n")
	case strings.HasPrefix(path, "/api/v1/layers/"):
		return "application/geo+json", []byte(`{"type":"FeatureCollection","features":[]}`)
	}
	return "application/json", []byte(`{}`)
}

// TestRolesEveryRoute sends every route the router knows (chi.Walk, with a
// basemap so its routes are mounted too) a request with no token and with
// each role's token: a caller below the route's role gets 401 (no token,
// asked for one) or 403 (naming the role needed); a caller at or above it
// is never refused and never gets a server error.
func TestRolesEveryRoute(t *testing.T) {
	toks, err := data.OpenTokens(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	secret := map[Role]string{}
	for _, role := range []Role{data.RoleViewer, data.RoleAnalyst, data.RoleAdmin} {
		if secret[role], err = toks.Create("test "+role.String(), role); err != nil {
			t.Fatal(err)
		}
	}
	basemap := filepath.Join(t.TempDir(), "basemap.pmtiles")
	if err := pmtilesfixture.Write(basemap); err != nil {
		t.Fatal(err)
	}
	s, ts := apiServer(t, Options{Tokens: toks, Basemap: basemap})
	type route struct{ method, pattern string }
	var routes []route
	if err := chi.Walk(s.mux, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, route{method, pattern})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.method + " " + rt.pattern
		need, ok := routeRoles[key]
		if !ok && strings.HasSuffix(rt.pattern, "/*") {
			need, ok = routeRoles["* "+rt.pattern]
			key = "* " + rt.pattern
		}
		if !ok {
			t.Errorf("route %s %s has no role in routeRoles: add the role it needs", rt.method, rt.pattern)
			continue
		}
		seen[key] = true
		if rt.method == "CONNECT" || rt.method == "TRACE" || rt.method == "QUERY" {
			continue // not sent by net/http's client as such
		}
		path := routeSample(rt.method, rt.pattern)
		for _, who := range []struct {
			name string
			role Role
		}{{"no token", data.RoleNone}, {"viewer", data.RoleViewer}, {"analyst", data.RoleAnalyst}, {"admin", data.RoleAdmin}} {
			t.Run(rt.method+" "+rt.pattern+"/"+who.name, func(t *testing.T) {
				ctype, body := routeBody(rt.method, path)
				req, err := http.NewRequest(rt.method, ts.URL+path, bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if ctype != "" {
					req.Header.Set("Content-Type", ctype)
				}
				if tok := secret[who.role]; tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				b.ReadFrom(res.Body)
				res.Body.Close()
				code := res.StatusCode
				switch {
				case who.role >= need:
					if code == 401 || code == 403 || code >= 500 {
						t.Errorf("%s %s as %s: %d %.200s", rt.method, path, who.name, code, b.String())
					}
				case who.role == data.RoleNone:
					if code != 401 || !strings.Contains(b.String(), "token") {
						t.Errorf("%s %s as %s: %d %.200s; want 401 asking for a token", rt.method, path, who.name, code, b.String())
					}
				default:
					if code != 403 || !strings.Contains(b.String(), "needs the "+need.String()+" role") {
						t.Errorf("%s %s as %s: %d %.200s; want 403 naming the role", rt.method, path, who.name, code, b.String())
					}
				}
			})
		}
	}
	for key := range routeRoles {
		if !seen[key] {
			t.Errorf("routeRoles names %s, which the router does not have: remove it", key)
		}
	}
	if len(routes) < 50 {
		t.Errorf("chi.Walk found %d routes", len(routes))
	}
}

// TestEveryRouteAsRestrictedViewer sends every GET route the router knows a
// viewer's request on a restricted source (the force export): each answers
// with what the policy lets a viewer see, or refuses it (403), and none
// fails with a server error, as an answer of a type the policy has no rule
// for would (disclosure.View.Apply).
func TestEveryRouteAsRestrictedViewer(t *testing.T) {
	a := newAttackServer(t)
	mux := a.handler.(*Server).mux
	if err := chi.Walk(mux, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method != http.MethodGet {
			return nil
		}
		path := routeSample(method, pattern)
		code, _, b := ogcGet(t, a.ts.URL+path, a.viewer)
		if code >= 500 || code == 401 {
			t.Errorf("GET %s as a viewer of the force export: %d %.300s", path, code, b)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
