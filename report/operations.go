package report

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
)

// Array is a property holding a JSON array (GeoJSON only).
const Array Type = "array"

// OperationZoneColumns are the properties of an operation's zones
// (docs/exports.md, "operation zones").
var OperationZoneColumns = []Column{
	{Name: "zone", Type: String},
	{Name: "label", Type: String},
	{Name: "status", Type: String},
	{Name: "owner", Type: String},
	{Name: "cells", Type: Array, Unit: "H3"},
	{Name: "operation", Type: String},
	{Name: "operation_name", Type: String},
	{Name: "start", Type: String, Unit: "YYYY-MM"},
	{Name: "end", Type: String, Unit: "YYYY-MM"},
}

// OperationZones is an operation's zones as a table: one feature per zone,
// its polygon as stored (WGS84, points on the edge inside), its id the
// zone's.
func OperationZones(op data.Operation) *Table {
	t := &Table{Kind: "operation zones", Cols: OperationZoneColumns, File: FileName("operation", op.ID, "zones")}
	for _, z := range op.Zones {
		cells := make([]string, len(z.Cells))
		for i, c := range z.Cells {
			cells[i] = c.String()
		}
		t.Feats = append(t.Feats, Feature{ID: z.ID, Geom: z.Geometry, Props: []any{
			z.ID, z.Label, z.Status, z.Owner, cells, op.ID, op.Name, op.Start.String(), op.End.String()}})
	}
	return t
}

// WriteOperationZones writes an operation's zones as a GeoJSON
// FeatureCollection, zone by zone.
func WriteOperationZones(w io.Writer, op data.Operation) error {
	return WriteGeoJSON(context.Background(), w, OperationZones(op))
}

// EvaluationCSVHeader is the header of WriteEvaluationCSV (docs/exports.md,
// "operation evaluation").
var EvaluationCSVHeader = []string{"row", "zone", "label", "crime_type",
	"target_before", "target_after", "control_before", "control_after",
	"buffer_before", "buffer_after", "buffer_control_before", "buffer_control_after",
	"wdd_local", "wdd_displacement", "wdd", "se", "z", "p", "ci_low", "ci_high",
	"wdq", "wdq_reading", "reading", "caution", "before", "after"}

// WriteEvaluationCSV writes an operation's evaluation, one row for the whole
// operation ("overall"), one per zone ("zone") and one per crime type
// ("type"), with the eight counts.
func WriteEvaluationCSV(w io.Writer, ev *engine.OperationEvaluation) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(EvaluationCSVHeader); err != nil {
		return err
	}
	r6 := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	write := func(kind string, row engine.EvaluationRow) error {
		c, d := row.Counts, row.WDD
		wdq := ""
		if row.WDQ != nil && row.WDQ.SM < 0 {
			wdq = r6(row.WDQ.WDQ)
		}
		return cw.Write([]string{kind, row.Zone, SafeText(row.Label), row.Type,
			i(c.TargetBefore), i(c.TargetAfter), i(c.ControlBefore), i(c.ControlAfter),
			i(c.BufferBefore), i(c.BufferAfter), i(c.BufferControlBefore), i(c.BufferControlAfter),
			r6(d.Local), r6(d.Displacement), r6(d.WDD), r6(d.SE), r6(d.Z), r6(d.P), r6(d.Low), r6(d.High),
			wdq, row.WDQReading, row.Reading, row.Caution, ev.Before.String(), ev.After.String()})
	}
	if err := write("overall", ev.Overall); err != nil {
		return err
	}
	for _, z := range ev.Zones {
		if err := write("zone", z); err != nil {
			return err
		}
	}
	for _, t := range ev.ByType {
		if err := write("type", t); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
