package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/hotspot"
	"github.com/stockton-csp/hotspots/report"
)

const operationAbout = `Operations are the patrol plans a tasking group works, kept so that next
month they can be evaluated (hotspotd evaluate-operation).

  operation create --name "Op Deterrence Dec 2025" --from-tasking 2025-11 [--top 10] [--start 2025-12]
  operation create --name "Op Bridge" --zones drawn.geojson --start 2025-12
  operation list | operation show --id ID | operation export --id ID > zones.geojson
  operation delete --id ID

A new plan's zones keep the ids of the previous operation's zones they overlap (the latest
operation starting before it, or --previous ID, or --previous none) and are marked new or
continuing; the previous zones not carried on are listed as dropped.`

func (m *Main) operation(ctx context.Context, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(m.Stderr, "Usage: hotspotd operation create|list|show|export|delete [flags]\n\n%s\n", operationAbout)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return errHelp
		}
		return errUsage
	}
	switch args[0] {
	case "create":
		return m.operationCreate(ctx, args[1:])
	case "list":
		return m.operationList(ctx, args[1:])
	case "show", "export", "delete":
		return m.operationOne(ctx, args[0], args[1:])
	}
	fmt.Fprintf(m.Stderr, "hotspotd operation: unknown subcommand %q; use create, list, show, export or delete\n", args[0])
	return errUsage
}

func (m *Main) operationCreate(ctx context.Context, args []string) error {
	var q query
	fs := m.newFlags("operation create", `operation create --name NAME (--from-tasking YYYY-MM[..YYYY-MM] | --zones FILE.geojson) [flags]`, operationAbout)
	m.queryFlags(fs, &q, "table, json")
	name := fs.String("name", "", "the operation's name, such as \"Op Deterrence Dec 2025\"")
	fromTasking := fs.String("from-tasking", "", "take the zones of the tasking sheet for this month (or FROM..TO)")
	zonesFile := fs.String("zones", "", "take drawn zones from a GeoJSON file of polygons (properties label, owner)")
	start := fs.String("start", "", "first month of the operation (default: the month after the tasking sheet's)")
	end := fs.String("end", "", "last month of the operation (default: still running)")
	notes := fs.String("notes", "", "notes for the tasking group")
	previous := fs.String("previous", "", "the operation this one follows (default: the latest starting before it; \"none\" for none)")
	var owners listFlag
	fs.Var(&owners, "owner", "owner of a sheet zone, ZONE=OWNER such as Z1=\"Town Centre NPT\" (repeatable)")
	fs.IntVar(&q.res, "res", engine.DefaultZoneRes, "H3 resolution of the tasking sheet's cells: 10 or 11")
	fs.IntVar(&q.k, "k", engine.DefaultK, "Gi* neighbourhood in grid steps")
	top := fs.Int("top", engine.DefaultTop, "number of zones taken from the tasking sheet")
	maxWidth := fs.Float64("max-width", hotspot.DefaultZoneWidthM, "widest zone, in metres")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat(q.format, "table", "json"); err != nil {
		return err
	}
	if (*fromTasking == "") == (*zonesFile == "") {
		fs.Usage()
		return fmt.Errorf("%w: give the zones with either --from-tasking or --zones", errUsage)
	}
	month := func(flag, v string) (data.Month, error) {
		if v == "" {
			return 0, nil
		}
		mm, err := data.ParseMonth(v)
		if err != nil {
			return 0, fmt.Errorf("--%s: %w", flag, err)
		}
		return mm, nil
	}
	s, err := month("start", *start)
	if err != nil {
		return err
	}
	e, err := month("end", *end)
	if err != nil {
		return err
	}
	var op data.Operation
	var eng *engine.Engine
	if *fromTasking != "" {
		q.from, q.to, _ = strings.Cut(*fromTasking, "..")
		if q.to == "" {
			q.to = q.from
		}
		var meas engine.Measure
		var from, to data.Month
		if eng, from, to, meas, err = m.open(&q); err != nil {
			return err
		}
		own := map[string]string{}
		for _, o := range owners {
			k, v, ok := strings.Cut(o, "=")
			if !ok {
				return fmt.Errorf("--owner %q: write ZONE=OWNER, such as Z1=\"Town Centre NPT\"", o)
			}
			own[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		op, err = eng.PlanOperation(ctx, engine.PlanQuery{Name: *name, Notes: *notes, Start: s, End: e, Previous: *previous, Owners: own,
			Tasking: engine.TaskingQuery{Layer: q.layer, Res: q.res, K: q.k, From: from, To: to, Types: q.types, Measure: meas, Top: *top, MaxWidthM: *maxWidth}})
		if err != nil {
			return err
		}
	} else {
		b, err := os.ReadFile(*zonesFile)
		if err != nil {
			return fmt.Errorf("--zones: %w", err)
		}
		zones, err := report.ReadOperationZones(b)
		if err != nil {
			return fmt.Errorf("--zones %s: %s", *zonesFile, engine.UserMessage(err))
		}
		if eng, _, _, _, err = m.open(&q); err != nil {
			return err
		}
		op = data.Operation{Name: *name, Start: s, End: e, Notes: *notes, Previous: *previous, Layer: q.layer, Types: q.types, Zones: zones}
	}
	op, err = eng.CreateOperation(ctx, op)
	if err != nil {
		return err
	}
	if q.format == "json" {
		return writeJSONTo(m.Stdout, op)
	}
	fmt.Fprintf(m.Stdout, "Operation %q stored as %s, from %s%s.\n", op.Name, op.ID, op.Start, endText(op.End))
	return writeOperationZones(m, op)
}

func endText(e data.Month) string {
	if e == 0 {
		return ", still running"
	}
	return " to " + e.String()
}

// writeOperationZones prints an operation's zones and what it dropped.
func writeOperationZones(m *Main, op data.Operation) error {
	t := table{head: []string{"zone", "status", "cells", "label", "owner"}, right: []bool{false, false, true, false, false}}
	for _, z := range op.Zones {
		t.add(z.ID, z.Status, fmt.Sprint(len(z.Cells)), z.Label, z.Owner)
	}
	if err := t.write(m.Stdout); err != nil {
		return err
	}
	if op.Previous != "" {
		dropped := "none"
		if len(op.Dropped) > 0 {
			dropped = strings.Join(op.Dropped, ", ")
		}
		fmt.Fprintf(m.Stdout, "Follows %s; its zones not carried on (dropped): %s.\n", op.Previous, dropped)
	}
	return nil
}

func (m *Main) operationList(ctx context.Context, args []string) error {
	fs := m.newFlags("operation list", "operation list [--json]", "Lists the stored operations.")
	sf := m.storeFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := m.openStore(sf)
	if err != nil {
		return err
	}
	ops, err := store.Operations(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSONTo(m.Stdout, ops)
	}
	if len(ops) == 0 {
		fmt.Fprintln(m.Stdout, "No operations. Make one with: hotspotd operation create --name NAME --from-tasking YYYY-MM")
		return nil
	}
	t := table{head: []string{"id", "name", "start", "end", "zones", "follows"}, right: []bool{false, false, false, false, true, false}}
	for _, o := range ops {
		t.add(o.ID, o.Name, o.Start.String(), o.End.String(), fmt.Sprint(len(o.Zones)), o.Previous)
	}
	return t.write(m.Stdout)
}

func (m *Main) operationOne(ctx context.Context, sub string, args []string) error {
	fs := m.newFlags("operation "+sub, "operation "+sub+" --id ID", operationAbout)
	sf := m.storeFlags(fs)
	id := fs.String("id", "", "the operation's id (hotspotd operation list)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" && fs.NArg() == 1 {
		*id = fs.Arg(0)
	}
	if *id == "" {
		fs.Usage()
		return fmt.Errorf("%w: operation %s needs --id", errUsage, sub)
	}
	store, err := m.openStore(sf)
	if err != nil {
		return err
	}
	switch sub {
	case "delete":
		if err := store.DeleteOperation(ctx, *id); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Operation %s removed.\n", *id)
		return nil
	}
	op, err := store.Operation(ctx, *id)
	if err != nil {
		return err
	}
	if sub == "export" {
		return report.WriteOperationZones(m.Stdout, op)
	}
	fmt.Fprintf(m.Stdout, "%s (%s), from %s%s; layer %s; crime types: %s\n", op.Name, op.ID, op.Start, endText(op.End), op.Layer, typesText(op.Types))
	if op.Notes != "" {
		fmt.Fprintln(m.Stdout, op.Notes)
	}
	return writeOperationZones(m, op)
}

func typesText(ts []string) string {
	if len(ts) == 0 {
		return "all"
	}
	return strings.Join(ts, ", ")
}

const evaluateOperationAbout = `Did the patrols work, and did crime move? Counts crimes before and after in
the operation's zones, a displacement buffer (the ring of cells around them) and a control (the
rest of the layer's areas, or --control CODES), and runs the weighted displacement difference
test (WDD, with its 95% interval) and the weighted displacement quotient (WDQ) per zone, per
crime type and overall. The after period runs from the operation's start to its end or the
latest month loaded; the before period is the same length just before it.`

func (m *Main) evaluateOperation(ctx context.Context, args []string) error {
	fs := m.newFlags("evaluate-operation", "evaluate-operation --id ID [flags]", evaluateOperationAbout)
	sf := m.storeFlags(fs)
	id := fs.String("id", "", "the operation's id (hotspotd operation list)")
	format := fs.String("format", "table", "output: table, csv, json")
	var bf, bt, af, at string
	fs.StringVar(&bf, "before-from", "", "first month before (default: as long before as the after period)")
	fs.StringVar(&bt, "before-to", "", "last month before (default: the month before the after period)")
	fs.StringVar(&af, "after-from", "", "first month after (default: the operation's start)")
	fs.StringVar(&at, "after-to", "", "last month after (default: its end or the latest month loaded)")
	bufferK := fs.Int("buffer-k", engine.DefaultBufferK, "buffer width in grid steps around the zones' cells")
	var control listFlag
	fs.Var(&control, "control", "area codes of the operation's layer for the control (default: all of them)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" && fs.NArg() == 1 {
		*id = fs.Arg(0)
	}
	if *id == "" {
		fs.Usage()
		return fmt.Errorf("%w: evaluate-operation needs --id", errUsage)
	}
	if err := checkFormat(*format, "table", "csv", "json"); err != nil {
		return err
	}
	q := engine.EvaluationQuery{ID: *id, BufferK: *bufferK, ControlAreas: control}
	for _, p := range []struct {
		flag, v string
		dst     *data.Month
	}{{"before-from", bf, &q.BeforeFrom}, {"before-to", bt, &q.BeforeTo}, {"after-from", af, &q.AfterFrom}, {"after-to", at, &q.AfterTo}} {
		if p.v == "" {
			continue
		}
		mm, err := data.ParseMonth(p.v)
		if err != nil {
			return fmt.Errorf("--%s: %w", p.flag, err)
		}
		*p.dst = mm
	}
	store, err := m.openStore(sf)
	if err != nil {
		return err
	}
	eng, err := engine.New(store, engine.Options{Logger: m.Logger, Now: m.Now})
	if err != nil {
		return err
	}
	ev, err := eng.EvaluateOperation(ctx, q)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		return writeJSONTo(m.Stdout, ev)
	case "csv":
		return report.WriteEvaluationCSV(m.Stdout, ev)
	}
	fmt.Fprintf(m.Stdout, "%s (%s): after %s against before %s; control: %s; buffer: %d step(s) of resolution-%d cells.\n\n",
		ev.Name, ev.ID, ev.After, ev.Before, ev.Control, ev.BufferK, ev.Res)
	t := table{head: []string{"", "target", "", "control", "", "buffer", "", "WDD", "95% interval", "reading"},
		right: []bool{false, true, true, true, true, true, true, true, false, false}}
	t.add("", "before", "after", "before", "after", "before", "after", "", "", "")
	row := func(name string, r engine.EvaluationRow) {
		c := r.Counts
		reading := r.Reading
		if i := strings.Index(reading, " ("); i > 0 {
			reading = reading[:i]
		}
		if r.Caution != "" {
			reading += " (small counts)"
		}
		t.add(name, fmt.Sprint(c.TargetBefore), fmt.Sprint(c.TargetAfter), fmt.Sprint(c.ControlBefore), fmt.Sprint(c.ControlAfter),
			fmt.Sprint(c.BufferBefore), fmt.Sprint(c.BufferAfter), fmt.Sprintf("%+.1f", r.WDD.WDD),
			fmt.Sprintf("%+.1f to %+.1f", r.WDD.Low, r.WDD.High), reading)
	}
	row("overall", ev.Overall)
	for _, z := range ev.Zones {
		row(z.Zone+" "+z.Label, z)
	}
	for _, ty := range ev.ByType {
		row(ty.Type, ty)
	}
	if err := t.write(m.Stdout); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "\nOverall: %s.\nDisplacement (WDQ): %s.\n", ev.Overall.Reading, ev.Overall.WDQReading)
	if ev.Harm != nil {
		fmt.Fprintf(m.Stdout, "Harm-weighted (CCHI days): %s.\n", ev.HarmReading)
	}
	for _, n := range ev.Notes {
		fmt.Fprintln(m.Stdout, "Note: "+n)
	}
	return nil
}
