package engine

import (
	"context"
	"errors"
	"strconv"

	"github.com/stockton-csp/hotspots/data"
)

// PlanReview sets a tasking sheet against the plan before it: which of the sheet's zones are
// new and which continue a zone of the last operation (keeping its ID), which of that
// operation's zones are dropped, and whether crime fell in them (the "Since last plan" page).
type PlanReview struct {
	// Operation is the last operation in force during the sheet's period: the latest stored
	// one starting no later than the period's last month.
	Operation data.Operation `json:"operation"`
	// Zones follow the sheet's zones, in rank order: the ID each keeps across months and its
	// status against Operation.
	Zones []ZoneLink `json:"zones"`
	// Dropped are Operation's zones the sheet does not carry on.
	Dropped []data.OperationZone `json:"dropped"`
	// Evaluation is the operation's evaluation with the default periods; nil when it cannot be
	// made yet, with EvaluationNote saying why.
	Evaluation     *OperationEvaluation `json:"evaluation"`
	EvaluationNote string               `json:"evaluation_note,omitempty"`
}

// ZoneLink ties a sheet zone (by rank) to its ID across months.
type ZoneLink struct {
	Rank   int    `json:"rank"`
	ID     string `json:"id"`     // the previous zone's ID when continuing, else the next new one
	Status string `json:"status"` // data.ZoneNew or data.ZoneContinuing
	Owner  string `json:"owner"`  // the continued zone's owner, to carry on
}

// ReviewPlan compares a tasking sheet with the last operation before it. It returns nil (and
// no error) when there is no such operation.
func (e *Engine) ReviewPlan(ctx context.Context, t *Tasking) (*PlanReview, error) {
	ops, err := e.store.Operations(ctx)
	if err != nil {
		return nil, err
	}
	var prev *data.Operation
	next := 1
	for i := range ops {
		if ops[i].Start <= t.Period.To {
			prev = &ops[i]
		}
		for _, z := range ops[i].Zones {
			if n, ok := zoneNumber(z.ID); ok && n >= next {
				next = n + 1
			}
		}
	}
	if prev == nil {
		return nil, nil
	}
	sheet := data.Operation{Res: t.Res}
	for _, z := range t.Zones {
		sheet.Zones = append(sheet.Zones, data.OperationZone{Cells: z.Cells, Geometry: z.Outline, Status: data.ZoneNew})
	}
	if err := matchZones(&sheet, prev); err != nil {
		return nil, err
	}
	owner := map[string]string{}
	for _, z := range prev.Zones {
		owner[z.ID] = z.Owner
	}
	r := &PlanReview{Operation: *prev, Zones: make([]ZoneLink, len(t.Zones)), Dropped: []data.OperationZone{}}
	for i, z := range sheet.Zones {
		id := z.ID
		if id == "" {
			id = "Z" + strconv.Itoa(next)
			next++
		}
		r.Zones[i] = ZoneLink{Rank: t.Zones[i].Rank, ID: id, Status: z.Status, Owner: owner[z.ID]}
	}
	dropped := map[string]bool{}
	for _, id := range sheet.Dropped {
		dropped[id] = true
	}
	for _, z := range prev.Zones {
		if dropped[z.ID] {
			r.Dropped = append(r.Dropped, z)
		}
	}
	ev, err := e.EvaluateOperation(ctx, EvaluationQuery{ID: prev.ID})
	switch {
	case err == nil:
		r.Evaluation = ev
	case errors.Is(err, ErrNoMonth), errors.Is(err, ErrBadQuery), errors.Is(err, data.ErrNoLayer):
		r.EvaluationNote = "not evaluated: " + UserMessage(err)
	default:
		return nil, err
	}
	return r, nil
}

// SavedPlan ties a tasking sheet to the operation it was saved as, for the sheet's operation
// name, owners and review date.
type SavedPlan struct {
	Operation data.Operation `json:"operation"`
	// Zones follow the sheet's zones in rank order: the operation's zone overlapping each most
	// (each operation zone once; the zero value for a sheet zone it does not hold).
	Zones []data.OperationZone `json:"zones"`
}

// SavedPlan finds the operation id and matches its zones to the sheet's by the cells they
// share, as zone IDs are matched across months.
func (e *Engine) SavedPlan(ctx context.Context, t *Tasking, id string) (*SavedPlan, error) {
	op, err := e.store.Operation(ctx, id)
	if err != nil {
		return nil, err
	}
	sheet := data.Operation{Res: t.Res}
	for _, z := range t.Zones {
		sheet.Zones = append(sheet.Zones, data.OperationZone{Cells: z.Cells, Geometry: z.Outline})
	}
	if err := matchZones(&sheet, &op); err != nil {
		return nil, err
	}
	byID := map[string]data.OperationZone{}
	for _, z := range op.Zones {
		byID[z.ID] = z
	}
	out := &SavedPlan{Operation: op, Zones: make([]data.OperationZone, len(t.Zones))}
	for i, z := range sheet.Zones {
		if z.ID != "" {
			out.Zones[i] = byID[z.ID]
		}
	}
	return out, nil
}
