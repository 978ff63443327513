package main

import (
	"context"

	"github.com/stockton-csp/hotspots/data/sample"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/report"
	"github.com/stockton-csp/hotspots/web"
)

const taskingAbout = `Prints the patrol tasking sheet: the hot spot zones to patrol, ranked by
harm, each with its wards, busiest locations, crimes by type, change, trend,
and a suggested patrol dose (short visible visits, per the Koper curve).
--format html writes a printable page: one A4 page per zone.`

func (m *Main) tasking(ctx context.Context, args []string) error {
	var q query
	fs := m.newFlags("tasking", "tasking [flags] > sheet.html", taskingAbout)
	m.queryFlags(fs, &q, "html, csv, geojson, xlsx, json")
	fs.IntVar(&q.res, "res", engine.DefaultRes, "H3 resolution of the cells, 7..11")
	fs.IntVar(&q.k, "k", engine.DefaultK, "Gi* neighbourhood in grid steps")
	top := fs.Int("top", engine.DefaultTop, "number of zones")
	maxCells := fs.Int("max-cells", engine.DefaultZoneCells, "largest zone, in cells")
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
	t, err := eng.Tasking(ctx, engine.TaskingQuery{Layer: q.layer, Res: q.res, K: q.k, From: from, To: to, Types: q.types, Measure: meas, Top: *top, MaxCells: *maxCells, IncludeSetAside: *includeAside})
	if err != nil {
		return err
	}
	switch q.format {
	case "json":
		return writeJSONTo(m.Stdout, t)
	case "csv", "geojson", "xlsx":
		// the zones export (docs/exports.md, "zones")
		return m.writeTable(ctx, report.ZoneTable(t, false), q.format)
	}
	layer, _, err := m.store.Layer(ctx, t.Layer)
	if err != nil {
		return err
	}
	review, err := eng.ReviewPlan(ctx, t)
	if err != nil {
		return err
	}
	return web.WriteTaskingHTML(m.Stdout, web.TaskingPage{Tasking: t, Layer: layer, Attribution: sample.Attribution, Now: m.Now(), Review: review})
}
