package web

// Downloads: the report package's tables (rankings, hot spot cells, patrol
// zones, incident records and the partnership's area tables) as GeoJSON, CSV
// and XLSX files. This file reads the parameters, checks the caller's role,
// counts the rows for the access log and sets the download headers; the
// tables and their writers are report's, shared with the command line.

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/report"
)

// ExportSchemaVersion numbers the export schema of docs/exports.md.
const ExportSchemaVersion = report.SchemaVersion

// The download formats and their media types.
var exportMedia = map[string]string{
	"geojson": "application/geo+json",
	"csv":     "text/csv; charset=utf-8",
	"xlsx":    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// areaTablesExport is the export of the partnership's table of one area or
// of every area of a layer.
const areaTablesExport = "area-tables"

// mountExports adds the export endpoints under /api/v1 to r:
// /export/{ranking,hotspots,zones,incidents}.{geojson,csv,xlsx} and
// /export/area-tables.{csv,xlsx}.
func (s *Server) mountExports(r chi.Router) {
	r.With(s.audited(exportAction), s.heavy).Get("/export/{file}", s.adapt(s.exportFile))
}

func (s *Server) exportFile(w http.ResponseWriter, r *http.Request) error {
	file := chi.URLParam(r, "file")
	kind, format, _ := strings.Cut(file, ".")
	if kind == areaTablesExport && (format == "csv" || format == "xlsx") {
		return s.exportAreaTables(w, r, format)
	}
	if _, ok := report.Columns(kind); !ok || exportMedia[format] == "" {
		return &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("no export %q: the exports are ranking, hotspots, zones and incidents, each as .geojson, .csv or .xlsx, and area-tables as .csv or .xlsx (such as /api/v1/export/ranking.geojson?layer=wards)", file)}
	}
	if kind == report.KindIncidents {
		if err := require(r, data.RoleAnalyst, "incident records"); err != nil {
			return err
		}
	}
	q, err := s.exportQuery(r, kind)
	if err != nil {
		return err
	}
	t, err := s.exportTable(r.Context(), kind, q)
	if err != nil {
		return err
	}
	if t, err = exportPage(r, t); err != nil {
		return err
	}
	t.Stamp(s.opts.Attribution, s.now())
	w.Header().Set("Content-Type", exportMedia[format])
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", t.File+"."+format))
	// count the rows written, for the access log
	var rows int64
	t = t.Filter(func(*report.Feature) bool { rows++; return true })
	w.WriteHeader(http.StatusOK)
	switch format {
	case "csv":
		err = report.WriteCSV(r.Context(), w, t)
	case "xlsx":
		err = report.WriteXLSX(w, t.File, s.now(), report.TableSheet(r.Context(), t))
	default:
		err = report.WriteGeoJSON(r.Context(), w, t)
	}
	noteRows(r, rows)
	if err != nil {
		// The status is sent: the file is cut short, which the client sees.
		s.log.Warn("export cut short", "path", r.URL.Path, "err", err)
	}
	return nil
}

// exportQuery reads an export's parameters, those of the JSON API. The
// incident records' layer defaults to "wards" when there is one, else the
// first layer loaded.
func (s *Server) exportQuery(r *http.Request, kind string) (report.Query, error) {
	p, err := readParams(r)
	if err != nil {
		return report.Query{}, err
	}
	q := report.Query{Layer: layerParam(r), From: p.q.From, To: p.q.To, Types: p.q.Types, Measure: p.measure,
		Res: p.res, K: p.k, Areas: p.areas}
	if q.Top, err = exIntParam(r, "top"); err != nil {
		return q, err
	}
	// what the caller may see of the source; crime (not ASB) unless the
	// types name it
	if q.View, err = s.viewFor(r.Context(), exact(r)); err != nil {
		return q, err
	}
	if q.Types, err = s.types(r, q.Types); err != nil {
		return q, err
	}
	if kind == report.KindIncidents {
		if strings.TrimSpace(r.URL.Query().Get("layer")) == "" {
			if q.Layer, err = report.DefaultLayer(r.Context(), s.eng(r.Context())); err != nil {
				return q, err
			}
		}
	}
	return q, nil
}

// exportTable builds a table of kind.
func (s *Server) exportTable(ctx context.Context, kind string, q report.Query) (*report.Table, error) {
	e := s.eng(ctx)
	switch kind {
	case report.KindRanking:
		return report.Ranking(ctx, e, q)
	case report.KindHotspots:
		return report.Hotspots(ctx, e, q)
	case report.KindZones:
		return report.Zones(ctx, e, q)
	}
	return report.Incidents(ctx, e, q)
}

// exportPage applies the bbox, offset and limit parameters, where given, to
// a download (as the OGC API's items take them): the features whose
// geometry meets the box, from the offset-th on, at most limit of them.
func exportPage(r *http.Request, t *report.Table) (*report.Table, error) {
	v := r.URL.Query()
	if v.Has("bbox") {
		box, err := ogcParseBBox(v.Get("bbox"))
		if err != nil {
			return nil, err
		}
		t = t.Filter(func(f *report.Feature) bool { return box.intersects(f.Geom) })
	}
	if !v.Has("limit") && !v.Has("offset") {
		return t, nil
	}
	offset, err := ogcParseOffset(v.Get("offset"))
	if err != nil {
		return nil, err
	}
	limit := -1
	if v.Has("limit") {
		if limit, err = exIntParam(r, "limit"); err != nil {
			return nil, err
		}
		if limit < 1 {
			return nil, badRequest("parameter limit: %d is not a number of rows; give 1 or more, or leave it out for every row", limit)
		}
	}
	return report.Page(t, offset, limit), nil
}

// exIntParam reads an optional whole-number query parameter (0 when absent).
func exIntParam(r *http.Request, name string) (int, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequest("parameter %s: %q is not a whole number", name, v)
	}
	return n, nil
}

// exportAreaTables sends the partnership's table of one area or of every
// area of a layer (areas=, codes or names; none: every area) for a month
// (month=, default the latest): CSV, or XLSX with one sheet per area.
func (s *Server) exportAreaTables(w http.ResponseWriter, r *http.Request, format string) error {
	p, err := readParams(r)
	if err != nil {
		return err
	}
	layer := layerParam(r)
	prs, err := report.AreaTables(r.Context(), s.eng(r.Context()), layer, p.month, p.areas)
	if err != nil {
		return err
	}
	v, err := s.viewFor(r.Context(), exact(r))
	if err != nil {
		return err
	}
	for i := range prs {
		prs[i] = v.Profile(prs[i])
	}
	noteRows(r, int64(len(prs)))
	name := report.AreaTablesFile(layer, prs) + "." + format
	w.Header().Set("Content-Type", exportMedia[format])
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.WriteHeader(http.StatusOK)
	if format == "xlsx" {
		err = report.WriteAreaTablesXLSX(w, prs, v, s.now())
	} else {
		err = report.WriteAreaTablesCSV(w, prs, v)
	}
	if err != nil {
		s.log.Warn("export cut short", "path", r.URL.Path, "err", err)
	}
	return nil
}
