package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/stockton-csp/hotspots/data/sample"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/hotspot"
	"github.com/stockton-csp/hotspots/web"
)

const taskingAbout = `Prints the patrol tasking sheet: the hot spot zones to patrol, ranked by
harm, each with its wards, busiest locations, crimes by type, change, trend,
and a suggested patrol dose (short visible visits, per the Koper curve).
--format html writes a printable page: one A4 page per zone.`

func (m *Main) tasking(ctx context.Context, args []string) error {
	var q query
	fs := m.newFlags("tasking", "tasking [flags] > sheet.html", taskingAbout)
	m.queryFlags(fs, &q, "html, csv, json")
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
	if err := checkFormat(q.format, "html", "csv", "json"); err != nil {
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
	case "csv":
		return writeZonesCSV(m, t)
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
	return web.WriteTaskingHTML(m.Stdout, web.TaskingPage{Tasking: t, Layer: layer, Attribution: sample.Attribution, Now: m.Now(), Review: review, Saved: saved,
		TypesText: eng.DescribeTypes(ctx, t.Types)})
}

func writeZonesCSV(m *Main, t *engine.Tasking) error {
	w := csv.NewWriter(m.Stdout)
	w.Write([]string{"zone", "rank", "areas", "town_centres", "count", "harm_days", "cost_gbp", "previous_count", "pct_change", "trend", "emerging", "max_bin", "center_lon", "center_lat", "area_km2", "cells", "top_locations", "visits_per_day", "visit_minutes", "dose"})
	for _, z := range t.Zones {
		cells := make([]string, len(z.Cells))
		for i, c := range z.Cells {
			cells[i] = c.String()
		}
		locs := make([]string, len(z.Locations))
		for i, l := range z.Locations {
			locs[i] = fmt.Sprintf("%s (%d)", l.Name, l.Count)
		}
		w.Write([]string{z.ID, strconv.Itoa(z.Rank), strings.Join(z.Areas, "; "), strings.Join(z.TownCentres, "; "), strconv.FormatInt(z.Count, 10), num(z.Harm, 2), num(z.Cost, 2),
			prevPlain(z.Change), chPct(z.Change), z.TrendWord, z.Emerging, strconv.Itoa(z.MaxBin), num(z.Center[0], 6), num(z.Center[1], 6), num(z.AreaKm2, 2),
			strings.Join(cells, " "), strings.Join(locs, "; "), strconv.Itoa(z.Dose.VisitsPerDay), z.Dose.VisitMinutes, z.Dose.Advice})
	}
	w.Flush()
	return w.Error()
}
