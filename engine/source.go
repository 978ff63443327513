package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/stockton-csp/hotspots/data"
)

// Source returns an engine answering from one source's data only: PoliceUK,
// or a force export's name. "" is the default source: police.uk where it is
// loaded, else the only source. The engines share their caches (each answer
// is keyed by its source).
func (e *Engine) Source(name string) *Engine {
	if name == e.store.want {
		return e
	}
	if e.store.times != nil {
		return e.view(name, e.store.times)
	}
	if v, ok := e.shared.views.Load(name); ok {
		return v.(*Engine)
	}
	view := e.view(name, nil)
	// keep views of loaded sources only: names come from addresses
	e.shared.mu.Lock()
	known := name == "" || e.shared.sum != nil && func() bool { _, ok := e.shared.sum.Source(name); return ok }()
	e.shared.mu.Unlock()
	if !known {
		return view
	}
	v, _ := e.shared.views.LoadOrStore(name, view)
	return v.(*Engine)
}

// WithTimes returns an engine counting only crimes whose committed-from time
// passes f (nil: every crime): its rankings, hot spots, tasking and tiles
// are of those hours. Crimes with no time of day (police.uk's) never pass.
func (e *Engine) WithTimes(f *data.TimeFilter) *Engine {
	if f == nil && e.store.times == nil {
		return e
	}
	return e.view(e.store.want, f)
}

// view makes an engine of one source and time filter sharing e's caches.
func (e *Engine) view(name string, f *data.TimeFilter) *Engine {
	v := *e // every setting and the shared caches
	v.store = &sourceStore{Store: e.store.Store, want: name, times: f}
	return &v
}

// sourceStore is the store as one source sees it: queries that name no
// source get the engine's.
type sourceStore struct {
	data.Store
	want  string           // "" for the default source
	times *data.TimeFilter // nil: every time

	mu       sync.Mutex
	version  uint64
	resolved string
}

func (s *sourceStore) name(ctx context.Context) (string, error) {
	if s.want != "" {
		return s.want, nil
	}
	v := s.Store.Version()
	s.mu.Lock()
	if s.resolved != "" && s.version == v {
		defer s.mu.Unlock()
		return s.resolved, nil
	}
	s.mu.Unlock()
	sum, err := s.Store.Summary(ctx)
	if err != nil {
		return "", err
	}
	name, err := defaultSource(&sum)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.version, s.resolved = sum.Version, name
	s.mu.Unlock()
	return name, nil
}

// defaultSource is police.uk where it is loaded, else the only source.
func defaultSource(sum *data.Summary) (string, error) {
	if n := sum.DefaultSource(); n != "" || len(sum.Sources) == 0 {
		return n, nil
	}
	return "", fmt.Errorf("%w: several sources are loaded (%s) and none is police.uk; choose one (source=NAME in the address, --source NAME on the command line)", ErrBadQuery, sourceNames(sum))
}

func sourceNames(sum *data.Summary) string {
	names := make([]string, len(sum.Sources))
	for i, s := range sum.Sources {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// scope gives q the source's times and, when q names no source, the
// source the engine answers from.
func (s *sourceStore) scope(ctx context.Context, q data.Query) (data.Query, error) {
	if q.Times == nil {
		q.Times = s.times
	}
	if len(q.Sources) == 0 {
		n, err := s.name(ctx)
		if err != nil {
			return q, err
		}
		if n != "" {
			q.Sources = []string{n}
		}
	}
	return q, nil
}

func (s *sourceStore) Aggregate(ctx context.Context, q data.Query) ([]data.Row, error) {
	q, err := s.scope(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.Store.Aggregate(ctx, q)
}

func (s *sourceStore) Incidents(ctx context.Context, q data.Query, fn func(*data.Incident) error) error {
	q, err := s.scope(ctx, q)
	if err != nil {
		return err
	}
	return s.Store.Incidents(ctx, q, fn)
}

// errNoLocationCounts: the store does not count by location
// (data.LocationCounter); read its incidents instead.
var errNoLocationCounts = errors.New("engine: the store does not count by location")

// LocationCounts is the store's data.LocationCounter answer for q within
// the source and times, or errNoLocationCounts.
func (s *sourceStore) LocationCounts(ctx context.Context, q data.Query) ([]data.LocationCount, error) {
	lc, ok := s.Store.(data.LocationCounter)
	if !ok {
		return nil, errNoLocationCounts
	}
	q, err := s.scope(ctx, q)
	if err != nil {
		return nil, err
	}
	return lc.LocationCounts(ctx, q)
}

// narrow returns sum as the source sees it: its incidents, months, forces
// and crime types, with Sources holding that source alone.
func narrow(sum *data.Summary, want string) (*data.Summary, error) {
	if len(sum.Sources) == 0 {
		return sum, nil
	}
	name := want
	if name == "" {
		var err error
		if name, err = defaultSource(sum); err != nil {
			return nil, err
		}
	}
	si, ok := sum.Source(name)
	if !ok {
		return nil, fmt.Errorf("%w: no data from source %q is loaded; the sources are %s", ErrBadQuery, name, sourceNames(sum))
	}
	out := *sum
	out.Incidents, out.Months, out.Forces, out.Types = si.Incidents, si.Months, si.Forces, si.Types
	out.Sources = []data.SourceInfo{si}
	return &out, nil
}

// sourceOf names the source a narrowed summary is of ("" for an empty store).
func sourceOf(sum *data.Summary) string {
	if len(sum.Sources) == 1 {
		return sum.Sources[0].Name
	}
	return ""
}

// SourceName is the name of the source e answers from: the one it was made
// for, or the default source resolved against the data loaded ("" for an
// empty store).
func (e *Engine) SourceName(ctx context.Context) (string, error) {
	return e.store.name(ctx)
}
