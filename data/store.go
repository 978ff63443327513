package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stockton-csp/hotspots/geo"
)

// Errors a Store returns; check them with errors.Is.
var (
	ErrNoLayer     = errors.New("data: no such area layer")
	ErrNoArea      = errors.New("data: no such area in the layer")
	ErrNewerFormat = errors.New("data: the data directory was written by a newer version of hotspots")
	ErrCorrupt     = errors.New("data: a store file is damaged")
	ErrBadQuery    = errors.New("data: invalid query")
	// ErrBadLayerName: a layer name PutLayer does not take (ValidLayerName).
	ErrBadLayerName = errors.New("data: layer name")
	ErrStoreClosed  = errors.New("data: store is closed")
	ErrNothingToAdd = errors.New("data: nothing to import")
	ErrReadOnly     = errors.New("data: the data folder is read-only")
)

// Store is the contract every storage engine implements: the embedded
// in-memory store (MemStore) and the PostgreSQL store. One conformance suite
// (storetest) runs against each.
//
// Methods are safe for concurrent use. Every change bumps Version, which
// callers use to key caches.
type Store interface {
	// Replace stores partitions, each replacing any stored partition of the
	// same (force, month), all in one atomic step: after a crash either all
	// or none of them are stored.
	Replace(ctx context.Context, parts []*Partition) error
	// PutLayer stores an area layer, replacing one of the same name.
	PutLayer(ctx context.Context, name string, areas []geo.Area, meta LayerMeta) error
	// DeleteLayer removes a layer.
	DeleteLayer(ctx context.Context, name string) error
	// Layer returns a loaded layer with its index.
	Layer(ctx context.Context, name string) (*geo.Layer, LayerMeta, error)
	// Layers lists the layers, in name order.
	Layers(ctx context.Context) ([]LayerInfo, error)
	// Summary describes what is stored.
	Summary(ctx context.Context) (Summary, error)
	// Aggregate counts incidents matching q, grouped as q.By asks.
	Aggregate(ctx context.Context, q Query) ([]Row, error)
	// Incidents calls fn for each incident matching q (q.By is ignored), in
	// month order, stopping at the first error fn returns.
	Incidents(ctx context.Context, q Query, fn func(*Incident) error) error
	// CreateOperation stores a new operation (see Operation.Check), giving it its ID
	// (OperationID of its name) and Created time, and returns it as stored. An operation of
	// the same ID is ErrOperationExists; a bad one ErrBadOperation.
	CreateOperation(ctx context.Context, op Operation) (Operation, error)
	// Operation returns a stored operation, or ErrNoOperation.
	Operation(ctx context.Context, id string) (Operation, error)
	// Operations lists the stored operations by Start, then ID.
	Operations(ctx context.Context) ([]Operation, error)
	// DeleteOperation removes an operation, or returns ErrNoOperation.
	DeleteOperation(ctx context.Context, id string) error
	// Version changes whenever stored data changes.
	Version() uint64
	// Close releases the store.
	Close() error
}

// LayerMeta describes where a layer came from.
type LayerMeta struct {
	Source     string    `json:"source"`
	Imported   time.Time `json:"imported"`
	Population string    `json:"population,omitempty"` // population table used, if any
}

// LayerInfo lists a layer.
type LayerInfo struct {
	Name    string     `json:"name"`
	Areas   int        `json:"areas"`
	WithPop int        `json:"areas_with_population"`
	Meta    LayerMeta  `json:"meta"`
	Bound   [4]float64 `json:"bbox"` // west, south, east, north
}

// Summary describes the stored data.
type Summary struct {
	Incidents  int64       `json:"incidents"`
	Unlocated  int64       `json:"unlocated"` // incidents with no coordinates
	Months     []Month     `json:"months"`
	Forces     []string    `json:"forces"`
	Types      []TypeCount `json:"crime_types"`
	Layers     []string    `json:"layers"`
	Partitions int         `json:"partitions"`
	Version    uint64      `json:"version"`
	// Sources lists each source's data, in name order.
	Sources []SourceInfo `json:"sources"`
}

// SourceInfo describes one source's stored data: police.uk, or a force
// export imported under a --source name.
type SourceInfo struct {
	Name      string      `json:"name"`
	Incidents int64       `json:"incidents"`
	Months    []Month     `json:"months"`
	Forces    []string    `json:"forces"`
	Types     []TypeCount `json:"crime_types"`
	// HasTimes is true when some incident has a time of day (committed
	// from), so time-of-day analysis can use the source.
	HasTimes bool `json:"has_times"`
}

// Source returns the named source's entry.
func (sum *Summary) Source(name string) (SourceInfo, bool) {
	for _, s := range sum.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return SourceInfo{}, false
}

// DefaultSource is the source a query without one uses: police.uk when it
// is loaded, else the only source, else "" (none, or several and none of
// them police.uk: the caller must choose).
func (sum *Summary) DefaultSource() string {
	if _, ok := sum.Source(PoliceUK); ok {
		return PoliceUK
	}
	if len(sum.Sources) == 1 {
		return sum.Sources[0].Name
	}
	return ""
}

// HasTime reports whether an incident Minute holds a time of day.
func HasTime(minute int) bool { return minute >= 0 && minute < minutesInMonthMax }

// TypeCount is a crime type with its number of stored incidents.
type TypeCount struct {
	Type  string `json:"type"`
	Count int64  `json:"count"`
}

// Query selects incidents and says how to group them. The zero Query is
// every incident, counted as one row.
type Query struct {
	From, To Month    // inclusive bounds; zero is unbounded
	Types    []string // crime types; empty is all
	Forces   []string // forces ("Reported by"); empty is all
	Sources  []string // sources (PoliceUK, a force export's name); empty is all
	// Times, when set, keeps only incidents whose committed-from time falls
	// in its hours of the week (and leaves out those with no time of day).
	Times *TimeFilter
	// Layer and Areas restrict to incidents inside the named areas (codes)
	// of Layer. Areas empty with Layer set: inside any area of Layer.
	Layer string
	Areas []string
	// Cells restricts to incidents in these H3 cells, all of one resolution
	// (the cell holding each point at that resolution). Empty: anywhere.
	Cells []geo.Cell
	By    GroupBy
}

// cellFilter checks q.Cells and returns their resolution and set (0, nil
// when q has none).
func cellFilter(cells []geo.Cell) (int, map[geo.Cell]bool, error) {
	if len(cells) == 0 {
		return 0, nil, nil
	}
	res := cells[0].Res()
	set := make(map[geo.Cell]bool, len(cells))
	for _, c := range cells {
		if !c.Valid() {
			return 0, nil, fmt.Errorf("%w: %d is not an H3 cell", ErrBadQuery, uint64(c))
		}
		if c.Res() != res {
			return 0, nil, fmt.Errorf("%w: the cells to count in mix resolutions %d and %d; give cells of one resolution", ErrBadQuery, res, c.Res())
		}
		if res < geo.MinRes || res > geo.BaseRes {
			return 0, nil, fmt.Errorf("%w: H3 resolution %d is outside %d..%d", ErrBadQuery, res, geo.MinRes, geo.BaseRes)
		}
		set[c] = true
	}
	return res, set, nil
}

// CellFilter checks a query's Cells for another Store implementation: their
// one resolution, or an error wrapping ErrBadQuery.
func CellFilter(cells []geo.Cell) (int, error) {
	res, _, err := cellFilter(cells)
	return res, err
}

// GroupBy names the dimensions a count is split by.
type GroupBy struct {
	// CellRes > 0 groups by H3 cell of that resolution (geo.MinRes..
	// geo.BaseRes). Incidents with no coordinates are left out.
	CellRes int
	// Layer groups by area of the layer; incidents outside every area of it
	// are left out.
	Layer string
	Month bool
	Type  bool
}

// Row is one group's count. Fields not grouped on are zero.
type Row struct {
	Cell  geo.Cell `json:"cell,omitempty"`
	Area  string   `json:"area,omitempty"`
	Month Month    `json:"month,omitempty"`
	Type  string   `json:"type,omitempty"`
	Count int64    `json:"count"`
}
