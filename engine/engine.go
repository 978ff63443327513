package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/hotspot"
)

// Errors the engine returns, wrapped with the detail; check them with
// errors.Is.
var (
	// ErrBadQuery marks a question that cannot be answered as asked: an
	// unknown measure, a resolution out of range, a period the wrong way
	// round. The message says what to change.
	ErrBadQuery = errors.New("engine: invalid query")
	// ErrNoMonth marks a month outside the data loaded; the message names
	// the months that are.
	ErrNoMonth = errors.New("engine: month not loaded")
	// ErrTooLarge marks a query too large to answer within the engine's
	// bounds (Options.MaxCells, MaxCellMonths); the message says how large
	// it is and how to narrow it.
	ErrTooLarge = errors.New("engine: query too large")
	// ErrNoData is returned when the store holds no incidents at all.
	ErrNoData = errors.New("engine: no crime data is loaded; import police.uk files first (hotspotd import)")
)

// Options configures an Engine. The zero value is valid.
type Options struct {
	// Harm and Cost are the weight tables for the harm and cost measures;
	// nil takes hotspot.DefaultHarm (CCHI days) and hotspot.DefaultCost
	// (GBP, 2015/16 prices).
	Harm, Cost *hotspot.Weights
	// IncludePoliceGenerated counts the types a table marks police-generated
	// (Drugs: found by proactive policing) in harm and cost. The CCHI method
	// leaves them out, and so does the default.
	IncludePoliceGenerated bool
	// Priorities are the partnership's priorities for the strategy view;
	// nil takes hotspot.DefaultPriorities.
	Priorities *hotspot.Priorities
	// Classification places Home Office offence subgroups in the
	// partnership's table; nil takes hotspot.DefaultClassification.
	Classification *hotspot.Classification
	// MaxWindow is the longest committed-from/to window time analysis uses;
	// 0 is DefaultMaxWindow.
	MaxWindow time.Duration
	// CacheEntries bounds the results kept (least recently used dropped
	// first). 0 means 256; a negative value keeps none, so every query is
	// computed (study grids are still kept).
	CacheEntries int
	// CacheBytes bounds the memory the kept results hold, as sizeOf
	// estimates it (least recently used dropped first; a single result
	// larger than the budget is not kept). 0 means DefaultCacheBytes;
	// negative means no byte bound. Study grids have a budget of their own,
	// a quarter of this one.
	CacheBytes int64
	// MaxCells bounds the study cells of one query (a layer's area at the
	// query's resolution): larger queries are refused with ErrTooLarge
	// before any work, saying how to narrow them. 0 means DefaultMaxCells;
	// negative means no bound.
	MaxCells int
	// MaxStudyCells bounds a layer's study area for answers over a bounding
	// box (tiles, hot spots of a borough): those compute the area's moments
	// and FDR cut-offs once per query, at a few bytes a cell, and then only
	// over the box, which MaxCells bounds. 0 means DefaultMaxStudyCells;
	// negative means no bound.
	MaxStudyCells int
	// MaxCellMonths bounds cells x months for the queries that compute per
	// month (emerging hot spots, cell trends, the backtest). 0 means
	// DefaultMaxCellMonths; negative means no bound.
	MaxCellMonths int
	// SetAside lists the places (police.uk location names) whose crimes tasking sets aside
	// when placing patrol zones; nil is DefaultSetAside (police stations, hospitals, prisons...),
	// an empty list none.
	SetAside *SetAside
	// Logger receives a debug line per computed result; nil discards.
	Logger *slog.Logger
	// Now is the clock, for result timestamps; nil is time.Now.
	Now func() time.Time
}

// gridCacheEntries bounds the study grids kept: a grid of every Cleveland
// cell at resolution 11 holds about 300,000 cells and their neighbours.
const gridCacheEntries = 16

// Defaults of Options' bounds.
const (
	DefaultCacheBytes = 256 << 20
	DefaultMaxCells   = 150_000
	// DefaultMaxStudyCells allows England and Wales at resolution 9 (about
	// 1.5 million cells), not at 10.
	DefaultMaxStudyCells = 2_000_000
	DefaultMaxCellMonths = 1_000_000
)

// Engine answers analysts' questions from a data.Store, caching each answer
// for the store's current Version. It is safe for concurrent use.
type Engine struct {
	shared    *sumCache
	store     *sourceStore
	harm      *hotspot.Weights
	cost      *hotspot.Weights
	includePG bool
	// priorities are the strategy view's
	priorities *hotspot.Priorities
	places     *SetAside
	class      *hotspot.Classification
	maxWindow  time.Duration
	log        *slog.Logger
	now        func() time.Time

	results *lru
	grids   *lru

	maxCells, maxCellMonths, maxStudyCells int
}

// sumCache keeps the store's latest summary, shared by an engine and its
// Source views.
type sumCache struct {
	views sync.Map // source name -> *Engine, the views made by Source
	mu    sync.Mutex
	sum   *data.Summary // latest summary read, for its Version
	// layers numbers the layers seen, for the study caches' keys
	layers layerIDs
}

// New returns an Engine over store.
func New(store data.Store, opts Options) (*Engine, error) {
	if store == nil {
		return nil, errors.New("engine: no store given")
	}
	if opts.Harm == nil {
		opts.Harm = hotspot.DefaultHarm()
	}
	if opts.Cost == nil {
		opts.Cost = hotspot.DefaultCost()
	}
	if opts.Priorities == nil {
		opts.Priorities = hotspot.DefaultPriorities()
	}
	if opts.Classification == nil {
		opts.Classification = hotspot.DefaultClassification()
	}
	if opts.MaxWindow == 0 {
		opts.MaxWindow = DefaultMaxWindow
	}
	if opts.CacheEntries == 0 {
		opts.CacheEntries = 256
	}
	if opts.CacheBytes == 0 {
		opts.CacheBytes = DefaultCacheBytes
	}
	if opts.MaxCells == 0 {
		opts.MaxCells = DefaultMaxCells
	}
	if opts.MaxStudyCells == 0 {
		opts.MaxStudyCells = DefaultMaxStudyCells
	}
	if opts.MaxCellMonths == 0 {
		opts.MaxCellMonths = DefaultMaxCellMonths
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.SetAside == nil {
		opts.SetAside = DefaultSetAside()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Engine{
		shared: &sumCache{}, store: &sourceStore{Store: store}, harm: opts.Harm, cost: opts.Cost, includePG: opts.IncludePoliceGenerated,
		priorities: opts.Priorities, places: opts.SetAside, class: opts.Classification, maxWindow: opts.MaxWindow,
		log: opts.Logger, now: opts.Now,
		results: newLRU(opts.CacheEntries, opts.CacheBytes), grids: newLRU(gridCacheEntries, opts.CacheBytes/4),
		maxCells: opts.MaxCells, maxCellMonths: opts.MaxCellMonths, maxStudyCells: opts.MaxStudyCells,
	}, nil
}

// CacheStats reports what the result cache has done.
func (e *Engine) CacheStats() CacheStats { return e.results.Stats() }

// summary returns the store's summary as the engine's source sees it
// (narrow), read again only when the store's Version has moved (a
// MemStore's Summary walks every incident).
func (e *Engine) summary(ctx context.Context) (*data.Summary, error) {
	v := e.store.Version()
	c := e.shared
	c.mu.Lock()
	s := c.sum
	c.mu.Unlock()
	if s != nil && s.Version == v {
		return narrow(s, e.store.want)
	}
	sum, err := e.store.Summary(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: reading what is stored: %w", err)
	}
	c.mu.Lock()
	if c.sum == nil || c.sum.Version <= sum.Version {
		c.sum = &sum
	}
	c.mu.Unlock()
	return narrow(&sum, e.store.want)
}

// compute runs fn through the result cache under kind, the data version and
// the normalised query key, logging computations.
func compute[T any](ctx context.Context, e *Engine, sum *data.Summary, kind, key string, fn func(context.Context) (T, error)) (T, error) {
	full := fmt.Sprintf("%s|v%d|%s|%s|%s", kind, sum.Version, sourceOf(sum), e.store.times.Key(), key)
	return cached(ctx, e.results, full, func(ctx context.Context) (T, error) {
		start := e.now()
		v, err := fn(ctx)
		e.log.Debug("engine: computed", "kind", kind, "query", key, "version", sum.Version,
			"took", e.now().Sub(start), "err", err)
		return v, err
	})
}

// prepared is a query checked against the data, defaults filled in.
type prepared struct {
	sum   *data.Summary
	ld    loaded
	p     Period
	types []string
	m     Measure
	notes []string
	// for grid queries
	g       *grid
	keyBase string
}

// prepare checks the parts every query shares: the measure (one of
// measures), the crime types, and the period (span months by default).
func (e *Engine) prepare(ctx context.Context, m Measure, types []string, from, to data.Month, span int, measures ...Measure) (*prepared, error) {
	sum, err := e.summary(ctx)
	if err != nil {
		return nil, err
	}
	ld, err := loadedOf(sum)
	if err != nil {
		return nil, err
	}
	if m, err = m.orCount(); err != nil {
		return nil, err
	}
	if !slices.Contains(measures, m) {
		names := make([]string, len(measures))
		for i, x := range measures {
			names[i] = string(x)
		}
		return nil, fmt.Errorf("%w: measure %s is not offered here; use %s", ErrBadQuery, m, strings.Join(names, " or "))
	}
	pq := &prepared{sum: sum, ld: ld, m: m}
	if pq.types, err = checkTypes(sum, types); err != nil {
		return nil, err
	}
	if pq.p, err = ld.window(from, to, span, &pq.notes); err != nil {
		return nil, err
	}
	return pq, nil
}

// Period is a run of whole months, both ends inclusive.
type Period struct {
	From   data.Month `json:"from"`
	To     data.Month `json:"to"`
	Months int        `json:"months"`
}

func period(from, to data.Month) Period {
	return Period{From: from, To: to, Months: int(to-from) + 1}
}

// shift moves the period by n months (negative: earlier).
func (p Period) shift(n int) Period { return period(p.From+data.Month(n), p.To+data.Month(n)) }

// before is the period of the same length ending the month before p starts.
func (p Period) before() Period { return p.shift(-p.Months) }

func (p Period) String() string {
	if p.From == p.To {
		return p.From.String()
	}
	return p.From.String() + ".." + p.To.String()
}

// loaded is the set of months the store holds.
type loaded struct {
	months []data.Month // ascending
	has    map[data.Month]bool
}

func loadedOf(sum *data.Summary) (loaded, error) {
	if len(sum.Months) == 0 || sum.Incidents == 0 {
		return loaded{}, ErrNoData
	}
	l := loaded{months: sum.Months, has: make(map[data.Month]bool, len(sum.Months))}
	for _, m := range sum.Months {
		l.has[m] = true
	}
	return l, nil
}

func (l loaded) first() data.Month { return l.months[0] }
func (l loaded) last() data.Month  { return l.months[len(l.months)-1] }

// covers reports whether every month of p is loaded.
func (l loaded) covers(p Period) bool {
	for m := p.From; m <= p.To; m++ {
		if !l.has[m] {
			return false
		}
	}
	return true
}

// missing lists the months of p not loaded.
func (l loaded) missing(p Period) []data.Month {
	var out []data.Month
	for m := p.From; m <= p.To; m++ {
		if !l.has[m] {
			out = append(out, m)
		}
	}
	return out
}

// month checks that a single month is loaded; zero is the latest.
func (l loaded) month(m data.Month) (data.Month, error) {
	if m == 0 {
		return l.last(), nil
	}
	switch {
	case m > l.last():
		return 0, fmt.Errorf("%w: no data for %s; the latest month loaded is %s", ErrNoMonth, m, l.last())
	case m < l.first():
		return 0, fmt.Errorf("%w: no data for %s; the first month loaded is %s", ErrNoMonth, m, l.first())
	case !l.has[m]:
		return 0, fmt.Errorf("%w: no data for %s, a gap in the months loaded (%s..%s); import it first", ErrNoMonth, m, l.first(), l.last())
	}
	return m, nil
}

// DefaultSpan is the months a period runs when a query names no first
// month: a year.
const DefaultSpan = 12

// Period resolves a query's from and to into the period an answer covers,
// as every answer of the engine does (web, the command line and the report
// layer alike): a zero to is the latest month loaded (an OGC interval's
// open end), a zero from span months up to to (clipped to the first month
// loaded, noted), or with openFrom (an open start) the first month loaded.
// Both ends must be loaded (ErrNoMonth says which months are); the notes
// name months missing inside.
func (e *Engine) Period(ctx context.Context, from, to data.Month, openFrom bool, span int) (Period, []string, error) {
	sum, err := e.summary(ctx)
	if err != nil {
		return Period{}, nil, err
	}
	ld, err := loadedOf(sum)
	if err != nil {
		return Period{}, nil, err
	}
	if openFrom {
		from = ld.first()
	}
	var notes []string
	p, err := ld.window(from, to, span, &notes)
	return p, notes, err
}

// window resolves a query's From and To: zero To is the latest month loaded,
// zero From is To-(span-1) clipped to the first month loaded (noted). Both
// ends must be loaded; months missing inside are noted.
func (l loaded) window(from, to data.Month, span int, notes *[]string) (Period, error) {
	to, err := l.month(to)
	if err != nil {
		return Period{}, err
	}
	if from == 0 {
		from = to - data.Month(span-1)
		if from < l.first() {
			*notes = append(*notes, fmt.Sprintf("the period starts at %s, the first month loaded, so it is %d months rather than %d", l.first(), int(to-l.first())+1, span))
			from = l.first()
		}
	}
	if from > to {
		return Period{}, fmt.Errorf("%w: the period runs backwards (from %s to %s); give the earlier month first", ErrBadQuery, from, to)
	}
	if from < l.first() {
		return Period{}, fmt.Errorf("%w: no data for %s; the first month loaded is %s, so start the period there or later", ErrNoMonth, from, l.first())
	}
	p := period(from, to)
	if gaps := l.missing(p); len(gaps) > 0 {
		*notes = append(*notes, fmt.Sprintf("months %v are not loaded and count as no crime", gaps))
	}
	return p, nil
}

// compare returns the change from prev to cur, or nil when the data do not
// cover prev wholly (a note says so once per period).
func (l loaded) compare(cur, prev float64, p Period) *hotspot.Change {
	if !l.covers(p) {
		return nil
	}
	c := hotspot.Compare(cur, prev)
	return &c
}

// uncovered notes a comparison period the data do not cover.
func (l loaded) uncovered(what string, p Period, notes *[]string) {
	if !l.covers(p) {
		*notes = append(*notes, fmt.Sprintf("no comparison with the %s (%s): the data loaded run %s..%s", what, p, l.first(), l.last()))
	}
}

// types normalises a crime-type filter against the stored types: sorted,
// each once; a type not stored is refused with the list of those that are.
//
// No filter means crime: every stored type but anti-social behaviour, which
// police.uk publishes beside crime but which is never crime (the
// partnership's papers count it on its own). A query asks for ASB by naming
// it. With no ASB stored, no filter stays nil (every type).
func checkTypes(sum *data.Summary, types []string) ([]string, error) {
	if len(types) == 0 {
		return crimeTypes(sum), nil
	}
	out := slices.Clone(types)
	slices.Sort(out)
	out = slices.Compact(out)
	for _, t := range out {
		if !slices.ContainsFunc(sum.Types, func(tc data.TypeCount) bool { return tc.Type == t }) {
			names := make([]string, len(sum.Types))
			for i, tc := range sum.Types {
				names[i] = tc.Type
			}
			return nil, fmt.Errorf("%w: crime type %q is not in the data; the types are: %s", ErrBadQuery, t, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// Types is the crime types a filter covers in this engine's source: the
// filter sorted and checked against the stored types (a type not stored is
// ErrBadQuery naming those that are), or, for no filter, every type but
// anti-social behaviour (nil when no ASB is stored: every type). Everything
// that counts incidents outside the engine (raw counts, incident exports)
// resolves its filter here, so "no filter" means crime everywhere.
func (e *Engine) Types(ctx context.Context, types []string) ([]string, error) {
	sum, err := e.summary(ctx)
	if err != nil {
		return nil, err
	}
	return checkTypes(sum, types)
}

// DescribeTypes names a resolved type filter for a heading: "all crime
// (anti-social behaviour left out)" for every crime type (the default),
// "all crime and anti-social behaviour" for every stored type, "all crime"
// when no ASB is stored, else the types listed. No types is every type
// stored.
func (e *Engine) DescribeTypes(ctx context.Context, types []string) string {
	sum, err := e.summary(ctx)
	if err != nil {
		return strings.Join(types, ", ")
	}
	all := scopeTypes(sum, nil)
	if len(types) == 0 {
		types = all
	}
	isASB := func(t string) bool { return t == asbType }
	crime := slices.Sorted(slices.Values(slices.DeleteFunc(slices.Clone(all), isASB)))
	asked := slices.Sorted(slices.Values(slices.DeleteFunc(slices.Clone(types), isASB)))
	switch {
	case len(crime) == 0 || !slices.Equal(asked, crime):
		return strings.Join(types, ", ")
	case slices.Contains(types, asbType):
		return "all crime and anti-social behaviour"
	case len(crime) < len(all):
		return "all crime (anti-social behaviour left out)"
	}
	return "all crime"
}

// crimeTypes is every stored type but anti-social behaviour, sorted, or nil
// when no ASB is stored (or nothing else is).
func crimeTypes(sum *data.Summary) []string {
	out := make([]string, 0, len(sum.Types))
	asb := false
	for _, tc := range sum.Types {
		if tc.Type == asbType {
			asb = true
			continue
		}
		out = append(out, tc.Type)
	}
	if !asb || len(out) == 0 {
		return nil
	}
	slices.Sort(out)
	return out
}

// scopeTypes is the crime types a query covers: its filter, or every type
// stored.
func scopeTypes(sum *data.Summary, types []string) []string {
	if len(types) > 0 {
		return types
	}
	out := make([]string, len(sum.Types))
	for i, tc := range sum.Types {
		out[i] = tc.Type
	}
	return out
}

func keyList(xs []string) string { return strings.Join(xs, "\x1f") }
