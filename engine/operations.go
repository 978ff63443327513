package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// NoPrevious, as PlanQuery.Previous or data.Operation.Previous given to CreateOperation, says
// the operation follows none: its zones are all new.
const NoPrevious = "none"

// DefaultZoneRes is the H3 resolution at which zones drawn as polygons are compared (overlap
// with a previous operation's zones, the displacement buffer): resolution 10, cells about
// 150 m across.
const DefaultZoneRes = 10

// PlanQuery makes an operation from a tasking sheet: its zones are the sheet's zones.
type PlanQuery struct {
	Tasking TaskingQuery
	Name    string
	Notes   string
	// Start is the operation's first month; zero is the month after the sheet's period.
	// End is its last (zero: still running).
	Start, End data.Month
	// Previous is the operation it follows (see CreateOperation); "" is the latest stored
	// operation starting before Start, NoPrevious none.
	Previous string
	// Owners gives zones an owner, by the sheet's zone ID ("Z1") or rank order when the key is
	// empty; optional.
	Owners map[string]string
}

// PlanOperation builds (does not store) the operation a tasking sheet describes: one zone per
// sheet zone, in rank order, with its cells and outline, labelled by its town centres or
// areas. Store it with CreateOperation, which gives the zones their IDs.
func (e *Engine) PlanOperation(ctx context.Context, q PlanQuery) (data.Operation, error) {
	tk, err := e.Tasking(ctx, q.Tasking)
	if err != nil {
		return data.Operation{}, err
	}
	if len(tk.Zones) == 0 {
		return data.Operation{}, fmt.Errorf("%w: the tasking sheet for %s has no zones, so there is nothing to patrol; widen the period or the crime types", ErrBadQuery, tk.Period)
	}
	op := data.Operation{Name: q.Name, Start: q.Start, End: q.End, Types: tk.Types, Notes: q.Notes,
		Layer: tk.Layer, Res: tk.Res, Previous: q.Previous}
	if op.Start == 0 {
		op.Start = tk.Period.To + 1
	}
	for _, z := range tk.Zones {
		label := strings.Join(z.TownCentres, ", ")
		if label == "" {
			label = strings.Join(z.Areas, ", ")
		}
		op.Zones = append(op.Zones, data.OperationZone{Label: label, Owner: q.Owners[z.ID],
			Cells: slices.Clone(z.Cells), Geometry: z.Outline})
	}
	return op, nil
}

// CreateOperation stores an operation after matching its zones to those of the operation it
// follows, so that a zone keeps its ID from month to month:
//
//   - the previous operation is op.Previous, or when that is "" the latest stored operation
//     starting before op.Start (none if there is none), or none for NoPrevious;
//   - each zone is covered by H3 cells (its own cells, or the cells of DefaultZoneRes, or the
//     operation's resolution, whose centres lie in its polygon); two zones overlap by the
//     cells they share, compared at the finer of the two operations' resolutions;
//   - pairs are matched greedily, largest overlap first, each zone at most once: a matched
//     zone takes the previous zone's ID and is "continuing", an unmatched one gets the next
//     unused number ("Z7") and is "new", and the previous zones left over are Dropped.
//
// Zone IDs given by the caller are replaced.
func (e *Engine) CreateOperation(ctx context.Context, op data.Operation) (data.Operation, error) {
	all, err := e.store.Operations(ctx)
	if err != nil {
		return data.Operation{}, err
	}
	var prev *data.Operation
	switch op.Previous {
	case NoPrevious:
		op.Previous = ""
	case "":
		for i := range all {
			if all[i].Start < op.Start {
				prev = &all[i] // sorted by Start: the last one wins
			}
		}
	default:
		for i := range all {
			if all[i].ID == op.Previous {
				prev = &all[i]
			}
		}
		if prev == nil {
			return data.Operation{}, data.NoOperation(op.Previous)
		}
	}
	next := 1
	for _, o := range all {
		for _, z := range o.Zones {
			if n, ok := zoneNumber(z.ID); ok && n >= next {
				next = n + 1
			}
		}
	}
	op.Zones = slices.Clone(op.Zones)
	op.Dropped = nil
	for i := range op.Zones {
		op.Zones[i].ID, op.Zones[i].Status = "", data.ZoneNew
	}
	if prev != nil {
		op.Previous = prev.ID
		if err := matchZones(&op, prev); err != nil {
			return data.Operation{}, err
		}
	}
	for i := range op.Zones {
		if op.Zones[i].ID == "" {
			op.Zones[i].ID = "Z" + strconv.Itoa(next)
			next++
		}
	}
	return e.store.CreateOperation(ctx, op)
}

// zoneNumber reads the number of a zone ID "Z12".
func zoneNumber(id string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "Z"))
	return n, err == nil && strings.HasPrefix(id, "Z")
}

// matchZones gives op's zones the IDs of the prev zones they overlap most (see
// CreateOperation) and lists prev's zones left over in op.Dropped.
func matchZones(op, prev *data.Operation) error {
	res := max(op.Res, prev.Res)
	if res == 0 {
		res = DefaultZoneRes
	}
	cover := func(o *data.Operation) ([]map[geo.Cell]bool, error) {
		out := make([]map[geo.Cell]bool, len(o.Zones))
		for i, z := range o.Zones {
			cs, err := zoneCover(z, o.Res, res)
			if err != nil {
				return nil, err
			}
			out[i] = cs
		}
		return out, nil
	}
	a, err := cover(op)
	if err != nil {
		return err
	}
	b, err := cover(prev)
	if err != nil {
		return err
	}
	type pair struct{ i, j, n int }
	var pairs []pair
	for i := range a {
		for j := range b {
			n := 0
			for c := range a[i] {
				if b[j][c] {
					n++
				}
			}
			if n > 0 {
				pairs = append(pairs, pair{i, j, n})
			}
		}
	}
	slices.SortFunc(pairs, func(x, y pair) int {
		if c := cmp.Compare(y.n, x.n); c != 0 {
			return c
		}
		if c := cmp.Compare(x.j, y.j); c != 0 {
			return c
		}
		return cmp.Compare(x.i, y.i)
	})
	usedA, usedB := make([]bool, len(a)), make([]bool, len(b))
	for _, p := range pairs {
		if usedA[p.i] || usedB[p.j] {
			continue
		}
		usedA[p.i], usedB[p.j] = true, true
		op.Zones[p.i].ID, op.Zones[p.i].Status = prev.Zones[p.j].ID, data.ZoneContinuing
	}
	op.Dropped = []string{}
	for j, used := range usedB {
		if !used {
			op.Dropped = append(op.Dropped, prev.Zones[j].ID)
		}
	}
	return nil
}

// zoneCover returns the cells of resolution res that cover a zone: its own cells when they are
// of res, their children when coarser, else the cells whose centres lie in its polygon (at
// least the cell holding a point inside it, so that a small drawn zone is never empty).
func zoneCover(z data.OperationZone, zoneRes, res int) (map[geo.Cell]bool, error) {
	out := map[geo.Cell]bool{}
	if len(z.Cells) > 0 && zoneRes == res {
		for _, c := range z.Cells {
			out[c] = true
		}
		return out, nil
	}
	for _, p := range z.Geometry {
		cs, err := geo.PolygonCells(p, res)
		if err != nil {
			return nil, fmt.Errorf("engine: zone %s: %w", z.ID, err)
		}
		for _, c := range cs {
			out[c] = true
		}
		if len(cs) == 0 && len(p) > 0 && len(p[0]) > 0 {
			c, err := geo.CellAt(interiorPoint(p), res)
			if err != nil {
				return nil, fmt.Errorf("engine: zone %s: %w", z.ID, err)
			}
			out[c] = true
		}
	}
	return out, nil
}

// interiorPoint returns a point of a small polygon to index it by: the centre of its bound,
// or its first vertex when the centre falls outside (a crescent).
func interiorPoint(p orb.Polygon) orb.Point {
	c := p.Bound().Center()
	if planar.PolygonContains(p, c) {
		return c
	}
	return p[0][0]
}

// Operation returns a stored operation.
func (e *Engine) Operation(ctx context.Context, id string) (data.Operation, error) {
	return e.store.Operation(ctx, id)
}

// Operations lists the stored operations by start month.
func (e *Engine) Operations(ctx context.Context) ([]data.Operation, error) {
	return e.store.Operations(ctx)
}

// DeleteOperation removes an operation.
func (e *Engine) DeleteOperation(ctx context.Context, id string) error {
	return e.store.DeleteOperation(ctx, id)
}

// days is the number of days in the period's months.
func (p Period) days() int {
	n := 0
	for m := p.From; m <= p.To; m++ {
		n += m.Days()
	}
	return n
}
