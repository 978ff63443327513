package web

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
)

// Options configures a Server. The zero value is valid.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Attribution is shown with every map and export.
	Attribution string
	// Tokens checks API tokens. Nil or empty makes every caller an admin,
	// but only on a loopback connection and only until a token has been
	// configured (a single-user tool on this computer).
	Tokens TokenSource
	// Hosts are the names, besides localhost and the address a connection
	// arrives on, that requests may give in their Host header (the names
	// users type to reach the server, or a reverse proxy passes on). Others
	// are refused, which stops DNS rebinding.
	Hosts []string
	// Audit records exports, incident reads, imports and layer changes
	// (an *audit.Log); nil records nothing.
	Audit Auditor
	// BasemapStyle is a MapLibre style URL drawn under the data, for
	// deployments with internet access; empty draws the map without one.
	BasemapStyle string
	// UploadDir holds uploads while they are read; "" is the system's
	// temporary folder. The server removes each when done; whoever starts
	// the server empties the folder first, of what a crash left.
	UploadDir string
	// Basemap is a PMTiles archive of the Protomaps basemap served at
	// /basemap with a vendored style (offline); it takes the place of
	// BasemapStyle. Empty serves none.
	Basemap string
	// MaxUpload bounds an uploaded file (bytes); 0 is DefaultMaxUpload.
	MaxUpload int64
	// QueryTimeout bounds a request's work; 0 is DefaultQueryTimeout.
	QueryTimeout time.Duration
	// HeavyQueries bounds the expensive queries run at once; 0 is
	// DefaultHeavyQueries.
	HeavyQueries int
	// Disclosure is the policy deciding what viewers see of each source;
	// nil is disclosure.New's default (police.uk public, every other
	// source restricted).
	Disclosure *disclosure.Policy
}

// Server serves the API and the map.
type Server struct {
	store  data.Store
	engine *engine.Engine
	log    *slog.Logger
	now    func() time.Time
	opts   Options
	mux    chi.Router
	// classify lets other parts of the package map their own errors to a
	// status and message (checked in order after the built-in ones).
	classify []func(error) (int, string, bool)
	heavySem chan struct{}
	ogcPages *ogcPageCache
	// tokensSeen: a token has been configured while this server ran, so
	// it never serves without one again (openMode).
	tokensSeen atomic.Bool
	// linkKey signs links (links.go); it lives only in memory.
	linkKey []byte
	basemap *basemap
	policy  *disclosure.Policy
}

// New builds a Server over a store and the engine that analyses it.
func New(store data.Store, eng *engine.Engine, opts Options) (*Server, error) {
	if store == nil || eng == nil {
		return nil, errors.New("web: a store and an engine are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxUpload == 0 {
		opts.MaxUpload = DefaultMaxUpload
	}
	if opts.QueryTimeout == 0 {
		opts.QueryTimeout = DefaultQueryTimeout
	}
	if opts.HeavyQueries == 0 {
		opts.HeavyQueries = DefaultHeavyQueries
	}
	s := &Server{store: store, engine: eng, log: opts.Logger, now: opts.Now, opts: opts, heavySem: make(chan struct{}, opts.HeavyQueries), policy: opts.Disclosure,
		ogcPages: newOGCPageCache(ogcPageCacheBytes)}
	if s.policy == nil {
		s.policy = disclosure.New(disclosure.Options{})
	}
	if opts.Tokens != nil && !opts.Tokens.Empty() {
		s.tokensSeen.Store(true)
	}
	s.linkKey = make([]byte, 32)
	if _, err := rand.Read(s.linkKey); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if opts.Basemap != "" {
		b, err := openBasemap(opts.Basemap, slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug))
		if err != nil {
			return nil, err
		}
		s.basemap = b
		s.opts.BasemapStyle = "/basemap/style.json"
	}
	r := chi.NewRouter()
	r.Use(securityHeaders)
	r.Use(middleware.Recoverer)
	r.Use(s.checkHost)
	r.Use(s.crossSite)
	r.Use(s.authenticate)
	r.Use(s.withView)
	r.Get("/healthz", s.adapt(s.healthz))
	// The page holds no data: anyone may load it (it asks for a token when
	// the API wants one).
	assets := Assets()
	r.Method(http.MethodGet, "/", assets)
	r.Method(http.MethodHead, "/", assets)
	r.Handle("/static/*", assets)
	// Everything else needs at least a viewer (everyone, with no tokens
	// configured); endpoints for analysts and admins check again.
	r.Group(func(r chi.Router) {
		r.Use(s.need(data.RoleViewer, "this"))
		r.Use(s.bodyType)
		r.Route("/api/v1", func(r chi.Router) {
			r.Use(s.timeout)
			r.Get("/summary", s.adapt(s.summary))
			r.Get("/layers", s.adapt(s.layers))
			r.With(s.audited(actionIs("layer"))).Post("/layers/{layer}", s.adapt(s.putLayer))
			r.With(s.audited(actionIs("layer"))).Delete("/layers/{layer}", s.adapt(s.deleteLayer))
			r.With(s.audited(actionIs("import"))).Post("/import", s.adapt(s.importUpload))
			r.Get("/layers/{layer}/counts", s.adapt(s.counts))
			r.Get("/layers/{layer}/ranking", s.adapt(s.ranking))
			r.Get("/layers/{layer}/areas/{code}/profile", s.adapt(s.profile))
			r.Get("/cells/{cell}/profile", s.adapt(s.cellProfile))
			r.Get("/config", s.adapt(s.config))
			r.Get("/tasking/link", s.adapt(s.sheetLink))
			r.Get("/strategy/link", s.adapt(s.strategyLink))
			r.Group(func(r chi.Router) {
				r.Use(s.heavy)
				r.Get("/layers/{layer}/trends", s.adapt(s.trends))
				r.Get("/layers/{layer}/areas/{code}/trend", s.adapt(s.areaTrend))
				r.Get("/cells/{cell}/trend", s.adapt(s.cellTrend))
				r.Get("/hotspots", s.adapt(s.hotspots))
				r.Get("/emerging", s.adapt(s.emerging))
				r.Get("/concentration", s.adapt(s.concentration))
				r.Get("/evaluation", s.adapt(s.evaluation))
				r.Get("/tasking", s.adapt(s.taskingJSON))
				r.Get("/strategy", s.adapt(s.strategyJSON))
				r.Get("/strategy.csv", s.adapt(s.strategyCSV))
				r.Get("/times", s.adapt(s.times))
			})
			s.mountExports(r)
			s.mountOperations(r)
			s.mountStreets(r)
		})
		r.With(s.timeout, s.heavy).Get("/tasking", s.adapt(s.taskingPage))
		r.With(s.timeout, s.heavy).Get("/strategy", s.adapt(s.strategyPage))
		s.mountTiles(r)
		s.mountOGC(r)
		s.mountBasemap(r)
	})
	r.NotFound(s.adapt(func(w http.ResponseWriter, r *http.Request) error {
		return &Error{Status: http.StatusNotFound, Message: "no such page: " + r.URL.Path + " (the API is under /api/v1)"}
	}))
	r.MethodNotAllowed(s.adapt(func(w http.ResponseWriter, r *http.Request) error {
		return &Error{Status: http.StatusMethodNotAllowed, Message: r.Method + " is not allowed on " + r.URL.Path}
	}))
	s.mux = r
	return s, nil
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// healthz answers GET /healthz, for load balancers and monitoring, which
// need no token: {"status": "ok"} or a 503 {"status": "not ready"}. Callers
// with a token (or in single-user mode) also see the incident count and
// data version; without one, nothing about the data.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	sum, err := s.store.Summary(r.Context())
	if err != nil {
		s.log.Error("health check: the store does not answer", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready"})
		return nil
	}
	if caller(r) < data.RoleViewer {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
		return nil
	}
	sum = s.policy.Summary(sum, exact(r))
	return s.respond(w, r, http.StatusOK, map[string]any{"status": "ok", "incidents": sum.Incidents, "version": sum.Version})
}

func (s *Server) summary(w http.ResponseWriter, r *http.Request) error {
	sum, err := s.store.Summary(r.Context())
	if err != nil {
		return err
	}
	// role tells the page what to offer (incident records to analysts);
	// the server still checks every request.
	return s.respond(w, r, http.StatusOK, struct {
		data.Summary
		Attribution string `json:"attribution"`
		Role        string `json:"role"`
	}{s.policy.Summary(sum, exact(r)), s.opts.Attribution, caller(r).String()})
}

func (s *Server) layers(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.store.Layers(r.Context())
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, ls)
}

// filter reads the common query parameters: from, to (YYYY-MM), types
// (comma separated crime types). The period is resolved by the engine
// (engine.Period), one way for every answer.
func filter(r *http.Request) (data.Query, error) {
	var q data.Query
	v := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *data.Month
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := strings.TrimSpace(v.Get(p.name)); s != "" {
			m, err := data.ParseMonth(s)
			if err != nil {
				return q, badRequest("parameter %s: %q is not a month; use YYYY-MM, such as 2025-11", p.name, s)
			}
			*p.dst = m
		}
	}
	if t := strings.TrimSpace(v.Get("types")); t != "" {
		for _, x := range strings.Split(t, ",") {
			if x = strings.TrimSpace(x); x != "" {
				q.Types = append(q.Types, x)
			}
		}
	}
	return q, nil
}

// types resolves a request's crime-type filter through the engine: types
// the store has never seen are refused, naming the ones it has (a typo would
// otherwise silently count nothing), and no filter means crime, anti-social
// behaviour left out unless asked for.
func (s *Server) types(r *http.Request, types []string) ([]string, error) {
	return s.eng(r.Context()).Types(r.Context(), types)
}

// AreaCount is one area's count in /layers/{layer}/counts, of the
// request's source, as the caller may see it.
type AreaCount struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Count int64  `json:"count"`
	// Band is the count's band as people read it ("<5", "5-9") when the
	// caller sees the source's counts in bands (package disclosure); Count
	// is then the band's lower end.
	Band string `json:"band,omitempty"`
}

func (s *Server) counts(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "layer")
	q, err := filter(r)
	if err != nil {
		return err
	}
	if q.Types, err = s.types(r, q.Types); err != nil {
		return err
	}
	layer, _, err := s.store.Layer(r.Context(), name)
	if err != nil {
		return err
	}
	e := s.eng(r.Context())
	p, _, err := e.Period(r.Context(), q.From, q.To, false, engine.DefaultSpan)
	if err != nil {
		return err
	}
	q.From, q.To = p.From, p.To
	src, err := e.SourceName(r.Context())
	if err != nil {
		return err
	}
	if src != "" {
		q.Sources = []string{src}
	}
	v, err := s.viewOf(r, e)
	if err != nil {
		return err
	}
	q.By = data.GroupBy{Layer: name}
	q.Times = requestTimes(r)
	rows, err := s.store.Aggregate(r.Context(), q)
	if err != nil {
		return err
	}
	byCode := make(map[string]int64, len(rows))
	for _, row := range rows {
		byCode[row.Area] += row.Count
	}
	out := make([]AreaCount, len(layer.Areas))
	for i, a := range layer.Areas {
		out[i] = AreaCount{Code: a.Code, Name: a.Name, Count: v.Count(byCode[a.Code])}
		if v.Protected() {
			out[i].Band = v.Label(byCode[a.Code])
		}
	}
	return s.respond(w, r, http.StatusOK, out)
}
