// Command hotspotd finds and ranks crime hotspots for a Community Safety
// Partnership: it imports police.uk and force crime data and boundary files,
// and serves rankings, hotspot maps and exports over HTTP.
//
// All configuration and wiring lives here (Main); library packages take what
// they need as arguments.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/data/postgres"
	"github.com/stockton-csp/hotspots/engine"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, errHelp) {
		err = nil
	}
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(m.Stderr, "hotspotd:", engine.UserMessage(err))
		}
		os.Exit(exitCode(err))
	}
}

// errUsage marks an error already explained by printed usage.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// Main is the program: its streams, clock and the resources a command
// opens, so the end-to-end test can run it in process.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Now            func() time.Time
	Logger         *slog.Logger

	// Ready, when set, receives the server's address once it is listening.
	Ready func(addr string)

	closers []func() error
	store   data.Store // the store a command opened
}

// NewMain returns a Main wired to the process's streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Now: time.Now}
}

// Close releases whatever the command opened, last opened first.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}

func (m *Main) onClose(f func() error) { m.closers = append(m.closers, f) }

// Run runs the command named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	if m.Logger == nil {
		m.Logger = slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return m.serve(ctx, rest)
	case "import":
		return m.importCmd(ctx, rest)
	case "areas":
		return m.areas(ctx, rest)
	case "rank":
		return m.rank(ctx, rest)
	case "profile":
		return m.profile(ctx, rest)
	case "hotspots":
		return m.hotspots(ctx, rest)
	case "evaluate":
		return m.evaluate(ctx, rest)
	case "tasking":
		return m.tasking(ctx, rest)
	case "times":
		return m.times(ctx, rest)
	case "token":
		return m.token(ctx, rest)
	case "audit":
		return m.audit(ctx, rest)
	case "strategy":
		return m.strategy(ctx, rest)
	case "operation":
		return m.operation(ctx, rest)
	case "evaluate-operation":
		return m.evaluateOperation(ctx, rest)
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			return m.Run(ctx, []string{rest[0], "--help"})
		}
		fmt.Fprint(m.Stdout, usage)
		return nil
	case "version", "--version":
		fmt.Fprintln(m.Stdout, "hotspotd", version)
		return nil
	}
	fmt.Fprintf(m.Stderr, "hotspotd: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

const version = "0.1.0"

const usage = `hotspotd finds and ranks crime hotspots from police.uk and force crime data.

Usage:
  hotspotd <command> [flags]

Commands:
  serve          serve the map and the API (loads the bundled Stockton sample into an empty data folder)
  import         import police.uk downloads or force CSV exports
  areas import   import an area layer (wards, town centres, LSOAs) from GeoJSON
  areas list     list the area layers
  areas delete   remove an area layer
  rank           rank the areas of a layer by crime count, harm or cost
  profile        the partnership's crime table for one area and month
  hotspots       Gi* hot spots on H3 cells (table, csv, geojson)
  evaluate       backtest hot spot maps against the following month
  tasking        the patrol tasking sheet (printable HTML, CSV, JSON)
  times          when crime happens: hour by weekday, aoristic, the peak (force data with times)
  token          create, list and revoke API tokens (roles viewer, analyst, admin)
  audit          read the access log: who exported or read incidents, imported, changed layers
  strategy       the strategy view: priorities compared across areas, with exceptions (table, csv, json, html)
  operation      save a plan's patrol zones as a named operation; list, show, export, delete
  evaluate-operation  did an operation work? counts, WDD and WDQ per zone, type and overall
  version        print the version

Run "hotspotd <command> --help" for a command's flags.
`

// defaultDataDir is the per-user data folder: $XDG_DATA_HOME/hotspots, or
// ~/.local/share/hotspots.
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "hotspots")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "hotspots")
	}
	return "hotspots-data"
}

// storeFlags choose the store: the embedded store in a data folder, or a
// PostgreSQL database.
type storeFlags struct {
	dataDir  string
	url      string
	schema   string
	maxConns int
}

func (m *Main) storeFlags(fs *flag.FlagSet) *storeFlags {
	sf := &storeFlags{}
	fs.StringVar(&sf.dataDir, "data-dir", defaultDataDir(), "data folder (the embedded store, and API tokens)")
	fs.StringVar(&sf.url, "store", "", "PostgreSQL store instead of the data folder: postgres://user@host:5432/db (PostGIS needed)")
	fs.StringVar(&sf.schema, "store-schema", "", "PostgreSQL schema for the tables, created if missing (default: the search_path, normally public)")
	fs.IntVar(&sf.maxConns, "max-conns", 0, "PostgreSQL connection pool size (default: the larger of 4 and the CPUs)")
	return sf
}

// openStore opens the chosen store and arranges its closing.
func (m *Main) openStore(sf *storeFlags) (data.Store, error) {
	var s data.Store
	switch {
	case sf.url == "":
		ms, err := data.OpenMem(sf.dataDir, data.MemOptions{Logger: m.Logger, Now: m.Now})
		if err != nil {
			return nil, err
		}
		s = ms
	case strings.HasPrefix(sf.url, "postgres://") || strings.HasPrefix(sf.url, "postgresql://"):
		ps, err := postgres.Open(context.Background(), sf.url, postgres.Options{Logger: m.Logger, Now: m.Now, MaxConns: int32(sf.maxConns), Schema: sf.schema})
		if err != nil {
			return nil, err
		}
		s = ps
	default:
		return nil, fmt.Errorf("%w: --store %q: give a postgres:// URL, or leave it out to use the data folder", errUsage, sf.url)
	}
	m.onClose(s.Close)
	m.store = s
	return s, nil
}
