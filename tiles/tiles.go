package tiles

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
)

// Set names a tile set: each tile of a set holds one MVT layer of the same
// name.
type Set string

// The tile sets.
const (
	// Cells are the H3 hexagons holding incidents, at the resolution
	// CellRes gives for the zoom, with their figures and Gi* statistics.
	Cells Set = "cells"
	// Areas are the polygons of an area layer with their ranking figures.
	Areas Set = "areas"
	// Hotspots are the zones of significant Gi* cells: connected hot cells
	// merged into one polygon, and cold cells likewise.
	Hotspots Set = "hotspots"
	// Incidents are police.uk's anonymous map points, one feature per point
	// with its incidents by crime type, from IncidentsMinZoom.
	Incidents Set = "incidents"
)

// Sets lists the tile sets.
var Sets = []Set{Cells, Areas, Hotspots, Incidents}

// ParseSet reads a tile set name.
func ParseSet(s string) (Set, error) {
	if slices.Contains(Sets, Set(s)) {
		return Set(s), nil
	}
	return "", fmt.Errorf("%w: %q; the tile sets are cells, areas, hotspots and incidents", ErrBadSet, s)
}

// IncidentsMinZoom is the first zoom the incidents set has points at: at 15
// a tile is about 700 m across over Stockton and holds a few hundred map
// points; further out they would be a smear that the cells show better.
const IncidentsMinZoom = 15

// DefaultLayer is the area layer a Query without one uses.
const DefaultLayer = "wards"

// Query says what a tile shows: the filters of the hot spot API.
type Query struct {
	Set Set
	// Layer is the area layer: the polygons of the areas set and the study
	// area of the Gi* statistics (cells, hotspots). Empty is DefaultLayer.
	Layer string
	// From and To bound the period, inclusive; zero To is the latest month
	// loaded, zero From is To-11 (twelve months).
	From, To data.Month
	// Types restricts to these crime types; empty is every type.
	Types []string
	// Measure is what the areas are ranked and rated by (count, harm or
	// cost) and what Gi* runs on (count or harm; with cost the cells carry
	// no z and bin, and the hotspots set is refused as the hot spot API
	// refuses it). Empty is count.
	Measure engine.Measure
	// Res and K are the hotspots set's Gi* grid: the H3 resolution
	// (engine.MinGridRes..MaxGridRes, 0 is engine.DefaultRes) and the
	// neighbourhood radius (0 is engine.DefaultK). Zones keep their shape
	// at every zoom, so the resolution does not follow the zoom there.
	Res, K int
	// View is what the tiles may show (the disclosure policy's view for the
	// caller and source): the zero View draws every figure; a protected one
	// draws the figures its rules give (banded counts, with "count_band"
	// labels, Gi* from banded counts) and leaves harm and cost out.
	View disclosure.View
	// Source is the data source drawn (police.uk, a force export's name);
	// empty is the engine's default.
	Source string
	// Times keeps crimes by the hour of the week of their committed-from
	// time; nil is every crime.
	Times *data.TimeFilter
}

// Normalize fills in the defaults and drops what the query's set does not
// use, so that two queries drawing the same tiles are equal and have the
// same Key. It checks the measure and tile set; the rest is checked against
// the data when a tile is drawn.
func (q Query) Normalize() (Query, error) {
	var err error
	if q.Set, err = ParseSet(string(q.Set)); err != nil {
		return q, err
	}
	if q.Measure, err = engine.ParseMeasure(string(q.Measure)); err != nil {
		return q, err
	}
	q.Layer = strings.TrimSpace(q.Layer)
	if q.Layer == "" {
		q.Layer = DefaultLayer
	}
	if len(q.Types) > 0 {
		q.Types = slices.Clone(q.Types)
		slices.Sort(q.Types)
		q.Types = slices.Compact(q.Types)
	}
	switch q.Set {
	case Hotspots:
		if q.Res == 0 {
			q.Res = engine.DefaultRes
		}
		if q.K == 0 {
			q.K = engine.DefaultK
		}
	case Incidents:
		q.Layer, q.Measure, q.Res, q.K = "", engine.Count, 0, 0
	default:
		q.Res, q.K = 0, 0
	}
	return q, nil
}

// Key is the query as a string, for cache keys; equal for equal queries
// once normalised.
func (q Query) Key() string {
	return fmt.Sprintf("%s|%s|%d|%d|%s|%d|%d|%t|%s|%s|%s", q.Set, q.Layer, q.From, q.To, q.Measure, q.Res, q.K, q.View.Protected(), q.Source, q.Times.Key(), strings.Join(q.Types, "\x1f"))
}

// Options configures a Renderer. The zero value is valid.
type Options struct {
	// Extent is the tile's coordinate range; 0 is 4096.
	Extent int
	// Buffer is how far features reach past the tile's edge, in tile
	// units, so that strokes at the edge join up; 0 is 64 (1/64 of a tile).
	Buffer int
	// Sets bounds the precomputed sets kept (one per query and resolution
	// for cells, per query for the others; a set of every Cleveland cell at
	// resolution 12 with its tile index is about 1.5 MB); 0 is 32.
	Sets int
	// SetCells is the most cells a query may have at a resolution for the
	// cells set to be precomputed whole (outlines and a tile index, once per
	// query and resolution; every Cleveland cell at resolution 12 is about
	// 9,000); a query with more (a region or the country) draws each tile
	// from its own cells instead. 0 is DefaultSetCells; negative always
	// draws tile by tile.
	SetCells int
	// Logger receives a debug line per set computed; nil discards.
	Logger *slog.Logger
}

// DefaultSetCells is Options.SetCells's default: precomputing a set costs
// about 10 µs a cell, so 100,000 cells is about a second, once.
const DefaultSetCells = 100_000

// Renderer draws the tiles. It precomputes, per query and resolution, each
// cell's figures, outline and the tiles it meets, so that drawing a tile is
// projecting and encoding only. Safe for concurrent use.
type Renderer struct {
	eng      *engine.Engine
	store    data.Store
	extent   int
	buffer   int
	log      *slog.Logger
	sets     *memo
	setCells int
	builders sync.Pool // of *tileBuilder
}

// New returns a Renderer drawing from eng, with the area layers of store.
func New(eng *engine.Engine, store data.Store, opts Options) (*Renderer, error) {
	if eng == nil || store == nil {
		return nil, errors.New("tiles: an engine and a store are required")
	}
	if opts.Extent == 0 {
		opts.Extent = 4096
	}
	if opts.Buffer == 0 {
		opts.Buffer = 64
	}
	if opts.Extent < 256 || opts.Extent > 1<<16 || opts.Buffer < 0 || opts.Buffer > opts.Extent {
		return nil, fmt.Errorf("tiles: extent %d and buffer %d: use an extent of 256..65536 and a buffer of 0..extent", opts.Extent, opts.Buffer)
	}
	if opts.Sets == 0 {
		opts.Sets = 32
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.SetCells == 0 {
		opts.SetCells = DefaultSetCells
	}
	r := &Renderer{eng: eng, store: store, extent: opts.Extent, buffer: opts.Buffer, log: opts.Logger, sets: newMemo(opts.Sets), setCells: opts.SetCells}
	r.builders.New = func() any { return newTileBuilder(r.extent, r.buffer) }
	return r, nil
}

// Render draws tile t of the query's set as a Mapbox Vector Tile 2.1 (one
// layer named after the set, uncompressed). A tile with no features is nil
// with no error. Errors: ErrBadTile and ErrBadSet for the address, and the
// engine's errors (engine.ErrBadQuery, engine.ErrNoMonth, data.ErrNoLayer,
// ...) for the filters.
func (r *Renderer) Render(ctx context.Context, t Tile, q Query) ([]byte, error) {
	if err := t.Valid(); err != nil {
		return nil, err
	}
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	b := r.builders.Get().(*tileBuilder)
	defer r.builders.Put(b)
	b.reset(q.View)
	switch q.Set {
	case Cells:
		err = r.drawCells(ctx, b, t, q)
	case Areas:
		err = r.drawAreas(ctx, b, t, q)
	case Hotspots:
		err = r.drawZones(ctx, b, t, q)
	case Incidents:
		err = r.drawIncidents(ctx, b, t, q)
	}
	if err != nil {
		return nil, err
	}
	return b.encode(string(q.Set))
}

// version is the store's version, which keys every precomputed set.
func (r *Renderer) version() uint64 { return r.store.Version() }
