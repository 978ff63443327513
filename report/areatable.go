package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
)

// The partnership's area table (docs/exports.md, "The area table"): the
// rows of the papers with, per period (the selected month, the last 6 and
// the last 12 months), the current figure, the previous period's, the
// difference and the % difference.

// AreaTableHeader is the header of one area's table.
var AreaTableHeader = engine.ProfileCSVHeader

// AreaTablesHeader is the header of the table of several areas: the area's
// code and name, then one area's columns.
var AreaTablesHeader = append([]string{"area_code", "area_name"}, engine.ProfileCSVHeader...)

// AreaTableRecords is an area's table as CSV records, header first, its
// counts as v labels them ("<5", "5-9" for a protected view); pr is what v
// shows (v.Profile).
func AreaTableRecords(pr *engine.Profile, v disclosure.View) [][]string {
	recs := pr.CSVRecords()
	if v.Protected() {
		for _, rec := range recs[1:] {
			for i := 1; i+3 < len(rec); i += 4 {
				for _, j := range []int{i, i + 1} {
					if n, err := strconv.ParseInt(rec[j], 10, 64); err == nil {
						rec[j] = v.Label(n)
					}
				}
			}
		}
	}
	return recs
}

// AreaTables computes the table of each area of a layer (codes or names;
// none: every area, in the layer's order) for a month (0: the latest).
func AreaTables(ctx context.Context, e *engine.Engine, layer string, month data.Month, areas []string) ([]*engine.Profile, error) {
	l, err := e.Layer(ctx, layer)
	if err != nil {
		return nil, err
	}
	idx := make([]int, 0, len(l.Areas))
	if len(areas) == 0 {
		for i := range l.Areas {
			idx = append(idx, i)
		}
	}
	for _, a := range areas {
		i, err := FindArea(l, a)
		if err != nil {
			return nil, err
		}
		idx = append(idx, i)
	}
	out := make([]*engine.Profile, 0, len(idx))
	for _, i := range idx {
		pr, err := e.Profile(ctx, layer, l.Areas[i].Code, month)
		if err != nil {
			return nil, err
		}
		out = append(out, pr)
	}
	return out, nil
}

// AreaTablesFile names the file of the tables of prs.
func AreaTablesFile(layer string, prs []*engine.Profile) string {
	month := ""
	if len(prs) > 0 {
		month = prs[0].Month.String()
	}
	if len(prs) == 1 {
		return FileName("area-table", layer, prs[0].Code, month)
	}
	return FileName("area-tables", layer, month)
}

// WriteAreaTableCSV writes one area's table (AreaTableHeader).
func WriteAreaTableCSV(w io.Writer, pr *engine.Profile, v disclosure.View) error {
	cw := csv.NewWriter(w)
	cw.WriteAll(AreaTableRecords(pr, v))
	return cw.Error()
}

// WriteAreaTablesCSV writes the tables of several areas one after another,
// each row led by its area's code and name (AreaTablesHeader).
func WriteAreaTablesCSV(w io.Writer, prs []*engine.Profile, v disclosure.View) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(AreaTablesHeader); err != nil {
		return err
	}
	for _, pr := range prs {
		for _, rec := range AreaTableRecords(pr, v)[1:] {
			if err := cw.Write(append([]string{pr.Code, SafeText(pr.Name)}, rec...)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteAreaTablesXLSX writes a workbook with one sheet per area, named by
// the area, in AreaTableHeader's columns; figures are numbers, bands ("<5") text.
func WriteAreaTablesXLSX(w io.Writer, prs []*engine.Profile, v disclosure.View, now time.Time) error {
	sheets := make([]Sheet, len(prs))
	for i, pr := range prs {
		recs := AreaTableRecords(pr, v)
		sheets[i] = Sheet{Name: pr.Name, Header: recs[0], Each: func(fn func([]any) error) error {
			for _, rec := range recs[1:] {
				row := make([]any, len(rec))
				row[0] = rec[0]
				for j, v := range rec[1:] {
					row[j+1] = xlsxNumber(v)
				}
				if err := fn(row); err != nil {
					return err
				}
			}
			return nil
		}}
	}
	title := "Area tables"
	if len(prs) > 0 {
		title = fmt.Sprintf("Area tables, %s, %s", prs[0].Layer, prs[0].Month)
	}
	return WriteXLSX(w, title, now, sheets...)
}

// xlsxNumber is a CSV figure as a spreadsheet value: a number where it is
// one, blank for "", else the text ("<3").
func xlsxNumber(s string) any {
	if s == "" {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return s
}
