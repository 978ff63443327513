package engine

import (
	"context"
	"slices"
	"testing"
)

// TestOperationExcludedTypesAreOfWhatItCounts: an operation saved with no
// crime types counts crime, not anti-social behaviour, so its evaluation
// must not list ASB among the types its harm and cost leave out; one that
// names ASB counts it, and lists it.
func TestOperationExcludedTypesAreOfWhatItCounts(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	jun := month(t, "2025-06")
	for _, tt := range []struct {
		name    string
		types   []string
		wantASB bool
	}{
		{"no types: crime", nil, false},
		{"ASB named", []string{asbType, "Burglary"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := e.PlanOperation(ctx, PlanQuery{Name: "Op " + tt.name, Start: jun,
				Tasking: TaskingQuery{Layer: "wards", From: jun, To: jun, Top: 2, Types: tt.types}})
			if err != nil {
				t.Fatal(err)
			}
			// as an operation drawn by hand or imported is saved: with
			// the types named, or none
			plan.Types = tt.types
			op, err := e.CreateOperation(ctx, plan)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := e.EvaluateOperation(ctx, EvaluationQuery{ID: op.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(op.Types) != len(tt.types) {
				t.Fatalf("saved with types %v, want %v", op.Types, tt.types)
			}
			hasASB := slices.ContainsFunc(ev.ExcludedTypes, func(x ExcludedType) bool { return x.Type == asbType })
			if hasASB != tt.wantASB {
				t.Errorf("types %v: excluded types %+v; want ASB listed %v", op.Types, ev.ExcludedTypes, tt.wantASB)
			}
		})
	}
}
