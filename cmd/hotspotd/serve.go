package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stockton-csp/hotspots/audit"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/data/sample"
	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/web"
)

const serveAbout = `Serves the map and the API. On an empty data folder it first loads the
bundled sample (35 months of police.uk crime for Cleveland Police, Stockton
wards and Tees Valley boundaries), so the map shows Stockton at once.`

func (m *Main) serve(ctx context.Context, args []string) error {
	fs := m.newFlags("serve", "serve [flags]", serveAbout)
	sf := m.storeFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	noSample := fs.Bool("no-sample", false, "start empty instead of loading the bundled sample")
	auditTo := fs.String("audit-dir", "", "folder for the access log (default DATA-DIR/audit; give another when the data folder is read-only)")
	var hosts listFlag
	fs.Var(&hosts, "host-name", "a name users reach the server by, such as hotspots.stockton.gov.uk (repeat, or separate by commas); "+
		"requests naming others are refused (localhost and the server's own addresses always work)")
	basemap := fs.String("basemap-style", "", "MapLibre style URL to draw under the data (needs internet; default: none, the map works offline)")
	prioFile := fs.String("priorities", "", "priorities CSV file for the strategy view (priority,crime_type,source[,hours]; default: the built-in list)")
	var wf weightFlags
	weightsFlags(fs, &wf)
	basemapFile := fs.String("basemap", "", "a PMTiles archive of the Protomaps basemap (FILE.pmtiles) to serve and draw under the data, offline")
	public := fs.String("public-sources", disclosure.PoliceUK, "sources published openly, shown to viewers as published (comma separated; \"none\" restricts every source); "+
		"viewers see the counts of every other source in bands of 5, analysts and admins exact figures")
	warmFrom := fs.Int64("warm-from", defaultWarmFrom, "compute the map's default view in the background, at start and after each import, when at least this many incidents are stored (0: always)")
	if err := parse(fs, args); err != nil {
		return err
	}
	prios, err := readPriorities(*prioFile)
	if err != nil {
		return err
	}
	toks, err := data.OpenTokens(sf.dataDir, m.Now)
	if err != nil {
		return err
	}
	if toks.Empty() && !loopback(*addr) {
		return fmt.Errorf("refusing to listen on %s with no API tokens: anyone who can reach it would be an admin. "+
			"Create tokens first (hotspotd token create --role viewer --name NAME), or listen on 127.0.0.1 only", *addr)
	}
	start := m.Now()
	store, err := m.openStore(sf)
	if err != nil {
		return err
	}
	sum, err := store.Summary(ctx)
	if err != nil {
		return err
	}
	if sum.Incidents == 0 && len(sum.Layers) == 0 && !*noSample {
		m.Logger.Info("empty data folder: loading the bundled sample", "data_dir", sf.dataDir)
		if err := loadSample(ctx, store); err != nil {
			return fmt.Errorf("loading the bundled sample: %w", err)
		}
		sum, _ = store.Summary(ctx)
	}
	m.Logger.Info("store ready", "incidents", sum.Incidents, "months", len(sum.Months), "layers", sum.Layers, "took", m.Now().Sub(start).Round(time.Millisecond))
	opts := engine.Options{Logger: m.Logger, Now: m.Now, Priorities: prios}
	if err := wf.apply(&opts); err != nil {
		return err
	}
	eng, err := engine.New(store, opts)
	if err != nil {
		return err
	}
	uploads := m.uploadDir(sf.dataDir)
	if *auditTo == "" {
		*auditTo = auditDir(sf.dataDir)
	}
	alog, err := audit.Open(*auditTo, audit.Options{})
	if err != nil {
		return fmt.Errorf("%w; the server keeps a log of every export and incident read (Data Protection Act 2018, s.62) and will not serve without one: "+
			"give a folder it may write with --audit-dir", err)
	}
	m.onClose(alog.Close)
	srv, err := web.New(store, eng, web.Options{Logger: m.Logger, Now: m.Now, Attribution: sample.Attribution, Tokens: toks, Hosts: hosts, Audit: alog, UploadDir: uploads, BasemapStyle: *basemap, Basemap: *basemapFile,
		Disclosure: disclosure.New(disclosure.Options{Public: publicSources(*public)})})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", *addr, err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	wctx, stopWarm := context.WithCancel(ctx)
	warmed := make(chan struct{})
	go keepWarm(wctx, m.Logger, store, eng, *warmFrom, warmed)
	defer func() { stopWarm(); <-warmed }() // before the store closes
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	m.Logger.Info("serving", "url", "http://"+ln.Addr().String()+"/")
	if m.Ready != nil {
		m.Ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Requests in flight (an upload import above all) finish first.
	m.Logger.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loadSample imports the bundled data set into the store.
func loadSample(ctx context.Context, store data.Store) error {
	dir, err := os.MkdirTemp("", "hotspots-sample-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := sample.Extract(dir); err != nil {
		return err
	}
	for _, l := range sample.Layers {
		paths := make([]string, len(l.Files))
		for i, f := range l.Files {
			paths[i] = filepath.Join(dir, filepath.FromSlash(f))
		}
		areas, _, err := data.ReadAreaFiles(paths, geo.ReadOptions{})
		if err != nil {
			return err
		}
		if l.Population != "" {
			pop, err := data.ReadPopulation(filepath.Join(dir, filepath.FromSlash(l.Population)), "", "")
			if err != nil {
				return err
			}
			data.ApplyPopulation(areas, pop)
		}
		meta := data.LayerMeta{Source: "bundled sample: " + l.Description, Population: l.Population}
		if err := store.PutLayer(ctx, l.Name, areas, meta); err != nil {
			return err
		}
	}
	if err := loadTownCentres(ctx, store); err != nil {
		return err
	}
	parts, _, err := data.ReadIncidents(ctx, []string{filepath.Join(dir, sample.Incidents)}, data.ReadOptions{})
	if err != nil {
		return err
	}
	return store.Replace(ctx, parts)
}

// loadTownCentres makes the town-centres layer from the ward polygons the
// police town-centre tables use.
func loadTownCentres(ctx context.Context, store data.Store) error {
	var areas []geo.Area
	for _, tc := range sample.TownCentres {
		l, _, err := store.Layer(ctx, tc.Layer)
		if err != nil {
			return err
		}
		i := l.Index(tc.Ward)
		if i < 0 {
			return fmt.Errorf("the bundled layer %s has no ward %s for %s", tc.Layer, tc.Ward, tc.Name)
		}
		a := l.Areas[i]
		a.Name = tc.Name
		areas = append(areas, a)
	}
	return store.PutLayer(ctx, engine.TownCentreLayer, areas, data.LayerMeta{
		Source: "bundled sample: the six town centres of Stockton-on-Tees by the wards Cleveland Police's town-centre tables use (Oct 2024)"})
}

// loopback reports whether addr (host:port) listens on this computer only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// uploadDir empties and returns DATA-DIR/uploads, where the server keeps
// uploads while it reads them: whatever is there was left by a server that
// stopped mid-upload (a crash, a kill -9) and would hold disk space for
// good. It returns "" (the system's temporary folder) when the data folder
// cannot be written.
func (m *Main) uploadDir(dataDir string) string {
	dir := filepath.Join(dataDir, "uploads")
	if err := os.RemoveAll(dir); err != nil {
		m.Logger.Warn("cannot remove uploads left by an earlier run", "dir", dir, "err", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		m.Logger.Warn("cannot keep uploads in the data folder; using the system's temporary folder", "err", err)
		return ""
	}
	return dir
}

// publicSources reads --public-sources: names separated by commas, or
// "none" (or nothing) for no public source.
func publicSources(s string) []string {
	out := []string{}
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" && n != "none" {
			out = append(out, n)
		}
	}
	return out
}
