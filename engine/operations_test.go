package engine

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// polyOf turns a zone outline into the test's own ray-casting polygon.
func polyOf(mp orb.MultiPolygon) rawWard {
	var w rawWard
	for _, p := range mp {
		var poly [][][2]float64
		for _, r := range p {
			ring := make([][2]float64, len(r))
			for i, pt := range r {
				ring[i] = [2]float64{pt[0], pt[1]}
			}
			poly = append(poly, ring)
		}
		w.polys = append(w.polys, poly)
	}
	return w
}

// TestOperationEvaluationCounts is the acceptance test of issue 12: an operation on the top 5
// zones of 2025-06, evaluated over 2025-06..2025-11 against 2024-12..2025-05; each of the
// eight counts must equal a count made here by plain ray casting on the raw police.uk rows:
// zones by their polygons, the buffer by the hexagons within one step of the zones' cells (not
// in a zone), the control by the Stockton ward polygons outside both.
func TestOperationEvaluationCounts(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	jun := month(t, "2025-06")
	plan, err := e.PlanOperation(ctx, PlanQuery{Name: "Op Test Jun 2025", Start: jun,
		Tasking: TaskingQuery{Layer: "wards", From: jun, To: jun, Top: 5}})
	if err != nil {
		t.Fatal(err)
	}
	op, err := e.CreateOperation(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(op.Zones) != 5 {
		t.Fatalf("%d zones, want 5", len(op.Zones))
	}
	ev, err := e.EvaluateOperation(ctx, EvaluationQuery{ID: op.ID})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Before.From != month(t, "2024-12") || ev.Before.To != month(t, "2025-05") ||
		ev.After.From != jun || ev.After.To != month(t, "2025-11") {
		t.Fatalf("periods %v and %v, want 2024-12..2025-05 and 2025-06..2025-11", ev.Before, ev.After)
	}

	// The test's own design.
	zones := make([]rawWard, len(op.Zones))
	inZone := map[geo.Cell]bool{}
	for i, z := range op.Zones {
		zones[i] = polyOf(z.Geometry)
		for _, c := range z.Cells {
			inZone[c] = true
		}
	}
	var buffer []rawWard
	seen := map[geo.Cell]bool{}
	for c := range inZone {
		disk, err := c.Disk(1)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range disk {
			if !inZone[d] && !seen[d] {
				seen[d] = true
				buffer = append(buffer, polyOf(orb.MultiPolygon{{d.Boundary()}}))
			}
		}
	}
	wards := readRawWards(t)
	in := func(ps []rawWard, lon, lat float64) bool {
		return slices.ContainsFunc(ps, func(p rawWard) bool { return p.contains(lon, lat) })
	}
	var want DesignCounts
	for _, r := range raw(t) {
		if !r.located || !isCrime(r.typ) {
			continue
		}
		var b, a *int64
		switch {
		case in(zones, r.lon, r.lat):
			b, a = &want.TargetBefore, &want.TargetAfter
		case in(buffer, r.lon, r.lat):
			b, a = &want.BufferBefore, &want.BufferAfter
		case in(wards, r.lon, r.lat):
			b, a = &want.ControlBefore, &want.ControlAfter
		default:
			continue
		}
		switch {
		case r.month >= "2024-12" && r.month <= "2025-05":
			*b++
		case r.month >= "2025-06" && r.month <= "2025-11":
			*a++
		}
	}
	want.BufferControlBefore, want.BufferControlAfter = want.ControlBefore, want.ControlAfter
	if ev.Overall.Counts != want {
		t.Errorf("eight counts\n got %+v\nwant %+v", ev.Overall.Counts, want)
	}
	if want.TargetBefore == 0 || want.BufferBefore == 0 || want.ControlBefore == 0 {
		t.Errorf("a design cell is empty: %+v", want)
	}
	// Each zone's target counts, and they add up to the whole.
	var sumB, sumA int64
	for i, zr := range ev.Zones {
		var b, a int64
		for _, r := range raw(t) {
			if r.located && isCrime(r.typ) && zones[i].contains(r.lon, r.lat) {
				switch {
				case r.month >= "2024-12" && r.month <= "2025-05":
					b++
				case r.month >= "2025-06" && r.month <= "2025-11":
					a++
				}
			}
		}
		if zr.Counts.TargetBefore != b || zr.Counts.TargetAfter != a {
			t.Errorf("%s: target %d -> %d, want %d -> %d", zr.Zone, zr.Counts.TargetBefore, zr.Counts.TargetAfter, b, a)
		}
		sumB, sumA = sumB+b, sumA+a
	}
	if sumB != want.TargetBefore || sumA != want.TargetAfter {
		t.Errorf("zones add to %d -> %d, the whole is %d -> %d", sumB, sumA, want.TargetBefore, want.TargetAfter)
	}
	// The WDD of the overall row, from the counts the test made: each control scaled to what
	// it stands for, local T1 - T0*C1/C0 and displacement D1 - D0*Cd1/Cd0.
	c := want
	ratio := float64(c.ControlAfter) / float64(c.ControlBefore)
	wdd := float64(c.TargetAfter) - float64(c.TargetBefore)*ratio + float64(c.BufferAfter) - float64(c.BufferBefore)*ratio
	if math.Abs(ev.Overall.WDD.WDD-wdd) > 1e-9 {
		t.Errorf("WDD %v, want %v", ev.Overall.WDD.WDD, wdd)
	}
	t.Logf("overall: %+v; WDD %.1f (SE %.1f, p %.3f); %s; WDQ %s", ev.Overall.Counts, ev.Overall.WDD.WDD, ev.Overall.WDD.SE, ev.Overall.WDD.P, ev.Overall.Reading, ev.Overall.WDQReading)
	for _, zr := range ev.Zones {
		t.Logf("%s %s: %+v; %s", zr.Zone, zr.Label, zr.Counts, zr.Reading)
	}
}

// TestZoneIDsAcrossMonths: the plans for 2025-10 and 2025-11 share IDs where their zones
// overlap. Checked against the cells each pair of zones shares, counted here.
func TestZoneIDsAcrossMonths(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	oct, nov := month(t, "2025-10"), month(t, "2025-11")
	mk := func(name string, m data.Month) data.Operation {
		plan, err := e.PlanOperation(ctx, PlanQuery{Name: name, Tasking: TaskingQuery{Layer: "wards", From: m, To: m, Top: 10}})
		if err != nil {
			t.Fatal(err)
		}
		op, err := e.CreateOperation(ctx, plan)
		if err != nil {
			t.Fatal(err)
		}
		return op
	}
	a := mk("Op Oct", oct)
	b := mk("Op Nov", nov)
	if a.Start != nov || b.Start != nov+1 {
		t.Fatalf("starts %v, %v: a plan starts the month after its sheet", a.Start, b.Start)
	}
	if b.Previous != a.ID {
		t.Fatalf("November's plan follows %q, want %q", b.Previous, a.ID)
	}
	for i, z := range a.Zones {
		if z.Status != data.ZoneNew || z.ID != "Z"+string(rune('1'+i)) && i < 9 {
			t.Errorf("October zone %d: %s %s, want Z%d new", i, z.ID, z.Status, i+1)
		}
	}
	shared := func(x, y data.OperationZone) int {
		n := 0
		for _, c := range x.Cells {
			if slices.Contains(y.Cells, c) {
				n++
			}
		}
		return n
	}
	octByID := map[string]data.OperationZone{}
	for _, z := range a.Zones {
		octByID[z.ID] = z
	}
	continuing, matched := 0, map[string]bool{}
	for _, z := range b.Zones {
		overlaps := 0
		for _, y := range a.Zones {
			overlaps += shared(z, y)
		}
		switch z.Status {
		case data.ZoneContinuing:
			continuing++
			y, ok := octByID[z.ID]
			if !ok || shared(z, y) == 0 {
				t.Errorf("November %s continues an October zone it does not overlap", z.ID)
			}
			matched[z.ID] = true
		case data.ZoneNew:
			if _, clash := octByID[z.ID]; clash {
				t.Errorf("new November zone reuses October's id %s", z.ID)
			}
		}
		if overlaps == 0 && z.Status != data.ZoneNew {
			t.Errorf("November %s overlaps no October zone but is %s", z.ID, z.Status)
		}
	}
	for _, id := range b.Dropped {
		if matched[id] {
			t.Errorf("%s is both continuing and dropped", id)
		}
	}
	if continuing+len(b.Dropped) != len(a.Zones) {
		t.Errorf("%d continuing + %d dropped != %d October zones", continuing, len(b.Dropped), len(a.Zones))
	}
	if continuing == 0 {
		t.Error("no zone continues from October to November; Stockton town centre is hot in both")
	}
	// Checked by hand on the two plans' cells (resolution 10, 400 m, the ring beyond the edge,
	// crimes without ASB): November's 1st zone shares 4 cells with October's Z3 and 1 with Z2,
	// its 8th 3 with Z1, its 2nd 2 with Z3 and 1 with Z1, its 3rd 1 with Z1; no other pair
	// shares a cell. Largest first: 1st -> Z3, 8th -> Z1; the rest are new (Z11..Z18 in rank
	// order) and October's Z2, Z4..Z10 are dropped.
	var ids []string
	for _, z := range b.Zones {
		ids = append(ids, z.ID)
	}
	if want := []string{"Z3", "Z11", "Z12", "Z13", "Z14", "Z15", "Z16", "Z1", "Z17", "Z18"}; !slices.Equal(ids, want) {
		t.Errorf("November's zone ids %v, by hand %v", ids, want)
	}
	if want := []string{"Z2", "Z4", "Z5", "Z6", "Z7", "Z8", "Z9", "Z10"}; !slices.Equal(b.Dropped, want) {
		t.Errorf("dropped %v, by hand %v", b.Dropped, want)
	}
	if shared(b.Zones[0], octByID["Z3"]) != 4 || shared(b.Zones[7], octByID["Z1"]) != 3 {
		t.Errorf("shared cells %d with Z3 and %d with Z1, by hand 4 and 3", shared(b.Zones[0], octByID["Z3"]), shared(b.Zones[7], octByID["Z1"]))
	}
	t.Logf("October %d zones; November %d zones: %d continuing, %d new, dropped %v", len(a.Zones), len(b.Zones), continuing, len(b.Zones)-continuing, b.Dropped)
}

// TestMatchZonesByHand: zones made of cells, with overlaps chosen by hand.
func TestMatchZonesByHand(t *testing.T) {
	centre, err := geo.CellAt(orb.Point{-1.3094, 54.5653}, 10)
	if err != nil {
		t.Fatal(err)
	}
	disk, err := centre.Disk(2) // 19 cells: centre, 6 at step 1, 12 at step 2
	if err != nil {
		t.Fatal(err)
	}
	zone := func(id string, cells ...geo.Cell) data.OperationZone {
		out, err := geo.Outline(cells)
		if err != nil {
			t.Fatal(err)
		}
		return data.OperationZone{ID: id, Status: data.ZoneNew, Cells: cells, Geometry: out}
	}
	prev := data.Operation{ID: "prev", Res: 10, Zones: []data.OperationZone{
		zone("Z1", disk[0], disk[1], disk[2]), // shares 2 cells with new A, 1 with new B
		zone("Z2", disk[10], disk[11]),        // shares nothing
		zone("Z3", disk[3], disk[4]),          // shares 2 with B
	}}
	op := data.Operation{Res: 10, Zones: []data.OperationZone{
		zone("", disk[0], disk[1], disk[7]), // A
		zone("", disk[2], disk[3], disk[4]), // B: 2 with Z3 beats 1 with Z1
		zone("", disk[15]),                  // C: new
	}}
	if err := matchZones(&op, &prev); err != nil {
		t.Fatal(err)
	}
	got := []string{op.Zones[0].ID, op.Zones[1].ID, op.Zones[2].ID}
	if !slices.Equal(got, []string{"Z1", "Z3", ""}) || !slices.Equal(op.Dropped, []string{"Z2"}) {
		t.Errorf("ids %v dropped %v, want [Z1 Z3 ''] dropped [Z2]", got, op.Dropped)
	}
	if op.Zones[0].Status != data.ZoneContinuing || op.Zones[2].Status != data.ZoneNew {
		t.Errorf("statuses %s %s", op.Zones[0].Status, op.Zones[2].Status)
	}
}

func TestEvaluateOperationErrors(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	if _, err := e.EvaluateOperation(ctx, EvaluationQuery{ID: "op-none"}); !errors.Is(err, data.ErrNoOperation) {
		t.Errorf("unknown operation: %v", err)
	}
	dec := month(t, "2025-12")
	c, _ := geo.CellAt(orb.Point{-1.3094, 54.5653}, 10)
	op, err := e.CreateOperation(ctx, data.Operation{Name: "Op Future", Start: dec, Layer: "wards", Res: 10,
		Zones: []data.OperationZone{{Cells: []geo.Cell{c}, Geometry: orb.MultiPolygon{{c.Boundary()}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.EvaluateOperation(ctx, EvaluationQuery{ID: op.ID}); !errors.Is(err, ErrNoMonth) {
		t.Errorf("an operation starting after the data: %v, want ErrNoMonth", err)
	}
}

// TestEmptyBufferStandsForNothing: a zone whose buffer holds no crime before (it lies in
// other zones) has no displacement part; the control's change is not counted against it.
// By hand: T 10 -> 5, C 1000 -> 1200, D 0 -> 0: local = 5 - 10 x 1200/1000 = -7, WDD -7.
func TestEmptyBufferStandsForNothing(t *testing.T) {
	d := hotspot.DesignCounts{T0: 10, T1: 5, C0: 1000, C1: 1200, Cd0: 1000, Cd1: 1200}
	r, err := hotspot.WDD(designInputs(d, hotspot.DesignWeights{}))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Local - -7) > 1e-12 || r.Displacement != 0 || math.Abs(r.WDD - -7) > 1e-12 {
		t.Errorf("local %v displacement %v WDD %v; want -7, 0, -7", r.Local, r.Displacement, r.WDD)
	}
	// A target with no crime before: the control stands for nothing, the WDD is what came.
	d = hotspot.DesignCounts{T0: 0, T1: 4, C0: 1000, C1: 1200, D0: 3, D1: 3, Cd0: 1000, Cd1: 1200}
	if r, err = hotspot.WDD(designInputs(d, hotspot.DesignWeights{})); err != nil {
		t.Fatal(err)
	}
	// buffer: 3 - 3 x 1200/1000 = -0.6
	if math.Abs(r.Local-4) > 1e-12 || math.Abs(r.Displacement - -0.6) > 1e-12 {
		t.Errorf("local %v displacement %v; want 4 and -0.6", r.Local, r.Displacement)
	}
}
