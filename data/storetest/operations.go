package storetest

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// SampleOperation is an operation of two zones in Stockton town centre built by hand: zone
// "Z1" the resolution-10 cell at the High Street with its hexagon as the polygon, zone "Z2" a
// drawn square with a hole and no cells.
func SampleOperation(tb testing.TB, name string, start data.Month) data.Operation {
	tb.Helper()
	c, err := geo.CellAt(orb.Point{-1.3094, 54.5653}, 10)
	if err != nil {
		tb.Fatal(err)
	}
	hex := c.Boundary()
	square := orb.Polygon{
		{{-1.32, 54.56}, {-1.31, 54.56}, {-1.31, 54.57}, {-1.32, 54.57}, {-1.32, 54.56}},
		{{-1.318, 54.562}, {-1.318, 54.564}, {-1.316, 54.564}, {-1.316, 54.562}, {-1.318, 54.562}},
	}
	return data.Operation{
		Name: name, Start: start, Types: []string{"Shoplifting", "Violence and sexual offences"},
		Notes: "High visibility patrols, 10-15 minute stops.", Layer: Wards, Res: 10,
		Zones: []data.OperationZone{
			{ID: "Z1", Label: "Stockton Town Centre", Status: data.ZoneNew, Owner: "Stockton Town Centre NPT",
				Cells: []geo.Cell{c}, Geometry: orb.MultiPolygon{{hex}}},
			{ID: "Z2", Label: "Drawn", Status: data.ZoneContinuing, Owner: "", Geometry: orb.MultiPolygon{square}},
		},
	}
}

// testOperations: create, read back field by field, list in order, refuse duplicates and bad
// operations, delete; every change bumps Version.
func testOperations(t *testing.T, s data.Store) {
	ops, err := s.Operations(ctx)
	if err != nil || ops == nil || len(ops) != 0 {
		t.Fatalf("Operations on an empty store: %v, %v (want an empty list)", ops, err)
	}
	if _, err := s.Operation(ctx, "op-none"); !errors.Is(err, data.ErrNoOperation) {
		t.Errorf("Operation of an unknown id: %v, want ErrNoOperation", err)
	}
	if err := s.DeleteOperation(ctx, "op-none"); !errors.Is(err, data.ErrNoOperation) {
		t.Errorf("DeleteOperation of an unknown id: %v, want ErrNoOperation", err)
	}

	dec := SampleOperation(t, "  Op Deterrence Dec 2025 ", data.MonthOf(2025, 12))
	dec.End = data.MonthOf(2026, 2)
	v0 := s.Version()
	before := time.Now().UTC().Truncate(time.Second)
	got, err := s.CreateOperation(ctx, dec)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().UTC()
	if got.Created.Before(before) || got.Created.After(after) || got.Created.Location() != time.UTC || got.Created.Nanosecond() != 0 {
		t.Errorf("Created %v, want a UTC time to the second between %v and %v", got.Created, before, after)
	}
	if s.Version() == v0 {
		t.Error("CreateOperation did not change Version")
	}
	want := dec
	want.ID, want.Name, want.Dropped = "op-deterrence-dec-2025", "Op Deterrence Dec 2025", []string{}
	want.Created = got.Created
	want.Zones[1].Cells = []geo.Cell{}
	if err := SameOperation(got, want); err != nil {
		t.Errorf("CreateOperation returned: %v", err)
	}
	back, err := s.Operation(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := SameOperation(back, want); err != nil {
		t.Errorf("read back: %v", err)
	}

	// An earlier operation that the December one follows, still running (no End).
	nov := SampleOperation(t, "Op Deterrence Nov 2025", data.MonthOf(2025, 11))
	nov.Types, nov.Notes = nil, ""
	if _, err := s.CreateOperation(ctx, nov); err != nil {
		t.Fatal(err)
	}
	ops, err = s.Operations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || ops[0].ID != "op-deterrence-nov-2025" || ops[1].ID != want.ID {
		t.Fatalf("Operations: %v, want November then December", ids(ops))
	}
	if ops[0].End != 0 || ops[0].Types == nil || len(ops[0].Types) != 0 {
		t.Errorf("November: end %v, types %#v (want none, an empty list)", ops[0].End, ops[0].Types)
	}
	if err := SameOperation(ops[1], want); err != nil {
		t.Errorf("listed: %v", err)
	}

	// The same name again, even spelt differently, is the same id.
	if _, err := s.CreateOperation(ctx, SampleOperation(t, "op deterrence DEC 2025", data.MonthOf(2026, 1))); !errors.Is(err, data.ErrOperationExists) {
		t.Errorf("second operation of the same id: %v, want ErrOperationExists", err)
	}
	bad := []struct {
		name string
		edit func(*data.Operation)
	}{
		{"no name", func(o *data.Operation) { o.Name = " " }},
		{"no start", func(o *data.Operation) { o.Start = 0 }},
		{"ends before it starts", func(o *data.Operation) { o.End = o.Start - 1 }},
		{"no zones", func(o *data.Operation) { o.Zones = nil }},
		{"two zones of one id", func(o *data.Operation) { o.Zones[1].ID = o.Zones[0].ID }},
		{"a zone with no polygon", func(o *data.Operation) { o.Zones[0].Geometry = nil }},
		{"a cell of another resolution", func(o *data.Operation) { o.Zones[0].Cells[0] = o.Zones[0].Cells[0].Parent(9) }},
		{"an unknown status", func(o *data.Operation) { o.Zones[0].Status = "maybe" }},
	}
	for _, b := range bad {
		op := SampleOperation(t, "Op Bad", data.MonthOf(2025, 12))
		b.edit(&op)
		if _, err := s.CreateOperation(ctx, op); !errors.Is(err, data.ErrBadOperation) {
			t.Errorf("%s: %v, want ErrBadOperation", b.name, err)
		}
	}
	if _, err := s.Operation(ctx, "op-bad"); !errors.Is(err, data.ErrNoOperation) {
		t.Errorf("a refused operation was stored: %v", err)
	}

	v1 := s.Version()
	if err := s.DeleteOperation(ctx, want.ID); err != nil {
		t.Fatal(err)
	}
	if s.Version() == v1 {
		t.Error("DeleteOperation did not change Version")
	}
	if _, err := s.Operation(ctx, want.ID); !errors.Is(err, data.ErrNoOperation) {
		t.Errorf("deleted operation read back: %v", err)
	}
	if ops, _ := s.Operations(ctx); len(ops) != 1 || ops[0].ID != "op-deterrence-nov-2025" {
		t.Errorf("after delete: %v", ids(ops))
	}
	// The name is free again.
	if _, err := s.CreateOperation(ctx, dec); err != nil {
		t.Errorf("re-creating a deleted operation: %v", err)
	}
}

func ids(ops []data.Operation) []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = o.ID
	}
	return out
}

// SameOperation compares two operations field by field (geometry exactly) and says the first
// difference.
func SameOperation(got, want data.Operation) error {
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	var diffs []string
	for i := range gv.NumField() {
		name := gv.Type().Field(i).Name
		if name == "Created" {
			if !got.Created.Equal(want.Created) {
				diffs = append(diffs, "Created "+got.Created.String()+", want "+want.Created.String())
			}
			continue
		}
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			diffs = append(diffs, name+" differs")
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	return errors.New(strings.Join(diffs, "; "))
}
