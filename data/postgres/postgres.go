// Package postgres is the PostgreSQL/PostGIS storage engine: a data.Store
// for deployments that keep incidents in a shared database rather than in
// the server's memory. It gives the same answers as the memory store, row
// for row; one conformance suite (data/storetest) checks both.
//
// # Layout
//
// The schema is created and upgraded by the numbered SQL files in
// migrations/, applied in one transaction when a Store opens and recorded in
// schema_migrations. A database whose schema is newer than this code is
// refused.
//
//   - incidents holds one row per incident and is partitioned by month
//     (incidents_YYYY_MM, created when a month is first imported). A
//     (force, month) partition of the Store contract is one force's rows in
//     one month table; replacing it deletes them and copies the new rows in,
//     in one transaction with every other partition of the same Replace.
//   - locations holds each distinct place once (police.uk snaps incidents
//     to anonymous map points), with a PostGIS point and, in columns cell_5
//     .. cell_12, the H3 cell holding the point at each resolution
//     geo.MinRes..geo.BaseRes (geo.CellsOf, computed in Go once per new
//     place; a cell is its uint64 bit pattern in a bigint). They are not
//     parents of the finest cell: H3 does not nest, and a point is counted
//     in the cell that holds it.
//   - layers and areas hold area layers as geometry(MultiPolygon, 4326) with
//     a GiST index; location_areas holds each location's area in each layer.
//     The assignment is computed in Go with geo.Layer.Locate, the memory
//     store's own code, when a layer or a new location is stored, so the two
//     stores cannot disagree on a point near a boundary.
//
// Aggregation runs in SQL (GROUP BY cell, area, month, type), so only the
// counts cross the wire. Store.Version is a counter in the database, bumped
// in the transaction of every change; the bump comes first, so its row lock
// also serialises writers.
//
// It needs PostgreSQL 11 or later with PostGIS 3 (tested with 15 and 3.3);
// the CI and test setup is ci-setup.sh beside this file.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// ErrNewerSchema is returned by Open for a database whose schema was written
// by a newer version of hotspots.
var ErrNewerSchema = errors.New("postgres: the database schema is newer than this version of hotspots knows")

// Options configures a Store. The zero value is valid.
type Options struct {
	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now
	// MaxConns bounds the connection pool; zero: pgxpool's default (the
	// larger of 4 and the number of CPUs) or the URL's pool_max_conns.
	MaxConns int32
	// Schema names the PostgreSQL schema holding the store's tables,
	// created if missing; the connections' search_path becomes the schema
	// then public (where PostGIS usually lives). Empty: the URL's or the
	// server's search_path, normally public.
	Schema string
	// Recheck is how long Version trusts its cached counter before reading
	// the database's again, so that changes made by other processes show.
	// Zero means one second; negative, never (only this Store's changes).
	Recheck time.Duration
}

// Store is a data.Store in a PostgreSQL database with PostGIS. It is safe for
// concurrent use, and several processes may share one database.
type Store struct {
	pool    *pgxpool.Pool
	log     *slog.Logger
	now     func() time.Time
	recheck time.Duration

	closed  atomic.Bool
	version atomic.Uint64
	checked atomic.Int64 // unix nanoseconds Version last read the database

	mu     sync.Mutex
	layers map[string]*cachedLayer // by name; valid while its id is the stored one
	months map[data.Month]bool     // month tables known to exist

	// rollRes are the resolutions cell_month_type holds (read at Open);
	// noRollups, set by tests, makes Aggregate read the incidents always.
	rollRes   []int
	noRollups bool

	// hook, when set by a test, is called at each step of a Replace with the
	// transaction's backend process id, so a test can break the connection
	// there.
	hook func(step string, pid uint32)
}

type cachedLayer struct {
	id    int32
	layer *geo.Layer
}

var _ data.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a libpq
// key=value string), brings its schema up to date, and returns the Store.
// The database needs PostGIS: installed already, or a role that may install
// it.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Recheck == 0 {
		opts.Recheck = time.Second
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// the parser's message may quote the URL, password included
		return nil, errors.New("postgres: the database URL is not valid; expected postgres://user:password@host:port/database")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize() + ", public"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot connect to %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	s := &Store{
		pool: pool, log: opts.Logger, now: opts.Now, recheck: opts.Recheck,
		layers: make(map[string]*cachedLayer),
		months: make(map[data.Month]bool),
	}
	if err := s.migrate(ctx, opts.Schema); err != nil {
		pool.Close()
		return nil, err
	}
	if s.rollRes, err = rollupResolutions(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	var v int64
	if err := pool.QueryRow(ctx, `SELECT version FROM store_state`).Scan(&v); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: reading the store version: %w", err)
	}
	s.setVersion(uint64(v))
	s.checked.Store(s.now().UnixNano())
	return s, nil
}

// Close releases the connections. Calls after it return data.ErrStoreClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.pool.Close()
	return nil
}

func (s *Store) checkOpen() error {
	if s.closed.Load() {
		return data.ErrStoreClosed
	}
	return nil
}

// Version is the store's change counter, bumped in the transaction of every
// change. It is cached: this Store's own changes show at once, other
// processes' within Options.Recheck.
func (s *Store) Version() uint64 {
	if s.recheck < 0 || s.closed.Load() {
		return s.version.Load()
	}
	now := s.now().UnixNano()
	last := s.checked.Load()
	if now-last < int64(s.recheck) || !s.checked.CompareAndSwap(last, now) {
		return s.version.Load()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var v int64
	if err := s.pool.QueryRow(ctx, `SELECT version FROM store_state`).Scan(&v); err != nil {
		s.log.Warn("postgres: cannot re-read the store version; using the cached one", "err", err)
		return s.version.Load()
	}
	s.setVersion(uint64(v))
	return s.version.Load()
}

// setVersion records v unless a newer version is already known.
func (s *Store) setVersion(v uint64) {
	for {
		old := s.version.Load()
		if v <= old || s.version.CompareAndSwap(old, v) {
			return
		}
	}
}

// bump increments the store's version inside tx. It runs first in every
// change: the row lock it takes serialises writers, so two changes never
// interleave (and never deadlock on the locations they both insert).
func bump(ctx context.Context, tx pgx.Tx) (uint64, error) {
	var v int64
	if err := tx.QueryRow(ctx, `UPDATE store_state SET version = version + 1 RETURNING version`).Scan(&v); err != nil {
		return 0, err
	}
	return uint64(v), nil
}

// monthDate is the first day of m, the form months take in the database.
func monthDate(m data.Month) time.Time {
	return time.Date(m.Year(), time.Month(m.Num()), 1, 0, 0, 0, 0, time.UTC)
}

// dateMonth is the Month of a date read from the database.
func dateMonth(t time.Time) data.Month { return data.MonthOf(t.Year(), int(t.Month())) }
