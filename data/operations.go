package data

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

// Errors of the operation part of the Store contract; check them with errors.Is.
var (
	ErrNoOperation     = errors.New("data: no such operation")
	ErrOperationExists = errors.New("data: an operation of that name already exists")
	ErrBadOperation    = errors.New("data: operation not valid")
)

// Zone statuses: how a zone of an operation stands against the operation before it.
const (
	ZoneNew        = "new"        // no zone of the previous operation overlaps it
	ZoneContinuing = "continuing" // it carries on a zone of the previous operation (same ID)
)

// Operation is a named place-based operation: patrol zones worked from a start month, such as
// "Op Deterrence Dec 2025". Months, not dates, bound it, because police.uk publishes crimes by
// month: an operation from 2025-12 is evaluated on whole months from December on.
type Operation struct {
	// ID is assigned by the store at creation from the name (OperationID) and never changes.
	ID    string `json:"id"`
	Name  string `json:"name"`
	Start Month  `json:"start"`
	// End is the last month of the operation, inclusive; zero while it is still running.
	End   Month    `json:"end,omitempty"`
	Types []string `json:"crime_types"` // the crime types it targets; empty is every type
	Notes string   `json:"notes"`
	// Layer is the area layer the plan was drawn on: its areas are the study area from which
	// an evaluation takes its default control. Res is the H3 resolution of the zones' cells
	// (0 for zones drawn as polygons only).
	Layer string `json:"layer"`
	Res   int    `json:"res"`
	// Previous is the ID of the operation this one follows, whose zones it continues;
	// Dropped lists the IDs of that operation's zones it does not carry on.
	Previous string          `json:"previous,omitempty"`
	Dropped  []string        `json:"dropped"`
	Zones    []OperationZone `json:"zones"`
	// Created is set by the store when it is stored (UTC, to the second).
	Created time.Time `json:"created"`
}

// OperationZone is one patrol zone of an operation.
type OperationZone struct {
	// ID is stable across months: a zone continuing one of the previous operation keeps its ID.
	ID     string `json:"id"`
	Label  string `json:"label"`  // where it is, in words ("Stockton Town Centre")
	Status string `json:"status"` // ZoneNew or ZoneContinuing
	Owner  string `json:"owner"`  // who answers for it (a team or an officer)
	// Cells are the H3 cells (of the operation's Res) the zone was planned from; empty for a
	// drawn zone. Geometry is the zone: WGS84 lon/lat, points on its edge inside.
	Cells    []geo.Cell       `json:"cells"`
	Geometry orb.MultiPolygon `json:"geometry"`
}

// OperationID returns the ID an operation of this name gets: its name in lower case, runs of
// other characters as '-' ("Op Deterrence Dec 2025" -> "op-deterrence-dec-2025").
func OperationID(name string) string { return slug(name) }

// Check reports what is wrong with an operation a store is asked to keep, wrapping
// ErrBadOperation, in words for the person who made it.
func (op *Operation) Check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadOperation, fmt.Sprintf(format, args...))
	}
	name := strings.TrimSpace(op.Name)
	switch {
	case name == "":
		return bad("give the operation a name, such as \"Op Deterrence Dec 2025\"")
	case utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name):
		return bad("the name %.40q... is too long; use at most 100 characters", name)
	case op.Start == 0:
		return bad("give the operation's first month (YYYY-MM)")
	case op.End != 0 && op.End < op.Start:
		return bad("the operation ends (%s) before it starts (%s)", op.End, op.Start)
	case len(op.Zones) == 0:
		return bad("an operation needs at least one zone")
	case op.Res != 0 && (op.Res < geo.MinRes || op.Res > geo.BaseRes):
		return bad("H3 resolution %d is outside %d..%d", op.Res, geo.MinRes, geo.BaseRes)
	}
	ids := map[string]bool{}
	for i, z := range op.Zones {
		if z.ID == "" {
			return bad("zone %d has no id", i+1)
		}
		if ids[z.ID] {
			return bad("two zones have the id %q", z.ID)
		}
		ids[z.ID] = true
		if z.Status != ZoneNew && z.Status != ZoneContinuing {
			return bad("zone %s: status %q is neither %q nor %q", z.ID, z.Status, ZoneNew, ZoneContinuing)
		}
		if len(z.Geometry) == 0 || len(z.Geometry[0]) == 0 || len(z.Geometry[0][0]) < 4 {
			return bad("zone %s has no polygon", z.ID)
		}
		for _, c := range z.Cells {
			if !c.Valid() || c.Res() != op.Res {
				return bad("zone %s: %v is not an H3 cell of resolution %d", z.ID, c, op.Res)
			}
		}
	}
	return nil
}

// prepare checks op and fills what the store sets: ID, Created, and empty lists for nil.
func (op Operation) prepare(now time.Time) (Operation, error) {
	if err := op.Check(); err != nil {
		return Operation{}, err
	}
	op.Name = strings.TrimSpace(op.Name)
	op.ID = OperationID(op.Name)
	op.Created = now.UTC().Truncate(time.Second)
	return op.normal(), nil
}

// normal gives nil lists as empty ones, so both stores return the same values.
func (op Operation) normal() Operation {
	if op.Types == nil {
		op.Types = []string{}
	}
	if op.Dropped == nil {
		op.Dropped = []string{}
	}
	zs := make([]OperationZone, len(op.Zones))
	for i, z := range op.Zones {
		if z.Cells == nil {
			z.Cells = []geo.Cell{}
		}
		zs[i] = z
	}
	op.Zones = zs
	return op
}

// PrepareOperation is the check and the filling-in every Store does in CreateOperation, for
// implementations outside this package: the operation as it is to be stored.
func PrepareOperation(op Operation, now time.Time) (Operation, error) { return op.prepare(now) }

// NormalOperation gives an operation read back by a Store its nil lists as empty ones.
func NormalOperation(op Operation) Operation { return op.normal() }

// OperationExists is the error for a second operation of the same ID.
func OperationExists(id string) error {
	return fmt.Errorf("%w (id %q); choose another name, or delete the old one first", ErrOperationExists, id)
}

// NoOperation is the error for an unknown operation ID.
func NoOperation(id string) error {
	return fmt.Errorf("%w %q; `hotspotd operation list` lists them", ErrNoOperation, id)
}
