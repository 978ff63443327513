package main

import (
	"context"

	"github.com/stockton-csp/hotspots/data/sample"
	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/hotspot"
	"github.com/stockton-csp/hotspots/report"
)

const taskingAbout = `Prints the patrol tasking sheet: the hot spot zones to patrol, ranked by
harm, each with its wards, busiest locations, crimes by type, change, trend,
and a suggested patrol dose (short visible visits, per the Koper curve).
--format html writes a printable page: one A4 page per zone.`

func (m *Main) tasking(ctx context.Context, args []string) error {
	var q query
	fs := m.newFlags("tasking", "tasking [flags] > sheet.html", taskingAbout)
	m.queryFlags(fs, &q, "html, csv, geojson, xlsx, json")
	fs.IntVar(&q.res, "res", engine.DefaultZoneRes, "H3 resolution of the zones' cells: 10 (about 150 m across) or 11 (55 m)")
	fs.IntVar(&q.k, "k", engine.DefaultK, "Gi* neighbourhood in grid steps")
	top := fs.Int("top", engine.DefaultTop, "number of zones")
	maxWidth := fs.Float64("max-width", hotspot.DefaultZoneWidthM, "widest zone, in metres (one patrol on foot)")
	opID := fs.String("operation", "", "the operation this sheet was saved as (its id): the sheet shows its name, owners and review date")
	includeAside := fs.Bool("include-set-aside", false, "use crimes at places that are not patrol targets (police stations, hospitals, prisons) to place zones")
	fs.StringVar(&q.setAside, "set-aside", "", "file of location names that are not patrol targets (default: the built-in list, engine/places/not_patrol_targets.txt)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat(q.format, "html", "csv", "geojson", "xlsx", "json"); err != nil {
		return err
	}
	eng, from, to, meas, err := m.open(&q)
	if err != nil {
		return err
	}
	t, err := eng.Tasking(ctx, engine.TaskingQuery{Layer: q.layer, Res: q.res, K: q.k, From: from, To: to, Types: q.types, Measure: meas, Top: *top, MaxWidthM: *maxWidth, IncludeSetAside: *includeAside})
	if err != nil {
		return err
	}
	switch q.format {
	case "json":
		return writeJSONTo(m.Stdout, t)
	case "csv", "geojson", "xlsx":
		// the zones export (docs/exports.md, "zones")
		return m.writeTable(ctx, report.ZoneTable(t, disclosure.Exact()), q.format)
	}
	layer, _, err := m.store.Layer(ctx, t.Layer)
	if err != nil {
		return err
	}
	review, err := eng.ReviewPlan(ctx, t)
	if err != nil {
		return err
	}
	var saved *engine.SavedPlan
	if *opID != "" {
		if saved, err = eng.SavedPlan(ctx, t, *opID); err != nil {
			return err
		}
	}
	var streets []engine.Place
	if pl, err := eng.Places(ctx); err == nil { // labels only: a sheet without them still prints
		streets = pl.Places
	}
	return report.WriteTaskingHTML(m.Stdout, report.TaskingPage{Streets: streets, Tasking: t, Layer: layer, Attribution: sample.Attribution, Now: m.Now(), Review: review, Saved: saved,
		TypesText: eng.DescribeTypes(ctx, t.Types)})
}
