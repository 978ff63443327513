package web

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestExportXLSX opens each workbook download with excelize, as a
// spreadsheet would: one sheet named for the table, the CSV's header, the
// same rows in the same order, numbers as numbers; the area tables' workbook
// has one sheet per ward, named by the ward.
func TestExportXLSX(t *testing.T) {
	_, _, ts := ogcServer(t, nil)
	for _, kind := range []string{"ranking", "hotspots", "zones"} {
		t.Run(kind, func(t *testing.T) {
			q := "?from=2025-06&to=2025-11&types=Burglary"
			_, _, c := ogcGet(t, ts.URL+"/api/v1/export/"+kind+".csv"+q, "")
			want, err := csv.NewReader(bytes.NewReader(c)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			code, ct, x := ogcGet(t, ts.URL+"/api/v1/export/"+kind+".xlsx"+q, "")
			if code != 200 || ct != exportMedia["xlsx"] {
				t.Fatalf("%d %s", code, ct)
			}
			f, err := excelize.OpenReader(bytes.NewReader(x))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := f.GetSheetList(); !slices.Equal(got, []string{kind}) {
				t.Fatalf("sheets %v", got)
			}
			rows, err := f.GetRows(kind)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(want) || !slices.Equal(rows[0], want[0]) {
				t.Fatalf("%d rows, header %v; the CSV has %d rows, header %v", len(rows), rows[0], len(want), want[0])
			}
			for i := 1; i < len(rows); i++ {
				if rows[i][0] != want[i][0] {
					t.Fatalf("row %d is %s, the CSV's %s", i, rows[i][0], want[i][0])
				}
			}
			// the count column is a number cell, not text
			col := slices.Index(want[0], "count")
			cell, _ := excelize.CoordinatesToCellName(col+1, 2)
			if typ, _ := f.GetCellType(kind, cell); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
				t.Errorf("count cell %s has type %v, want a number", cell, typ)
			}
		})
	}
	t.Run("area tables", func(t *testing.T) {
		_, _, x := ogcGet(t, ts.URL+"/api/v1/export/area-tables.xlsx?month=2025-11", "")
		f, err := excelize.OpenReader(bytes.NewReader(x))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) != 27 || !slices.Contains(sheets, "Stockton Town Centre") || !slices.Contains(sheets, "Mandale & Victoria") {
			t.Fatalf("%d sheets: %v", len(sheets), sheets)
		}
		rows, _ := f.GetRows("Stockton Town Centre")
		_, _, c := ogcGet(t, ts.URL+"/api/v1/layers/wards/areas/E05014882/profile?month=2025-11&format=csv", "")
		want, _ := csv.NewReader(bytes.NewReader(c)).ReadAll()
		if len(rows) != len(want) || strings.Join(rows[0], ",") != strings.Join(want[0], ",") {
			t.Fatalf("Stockton Town Centre's sheet: %d rows, header %v; the area's CSV %d rows, %v", len(rows), rows[0], len(want), want[0])
		}
		for i := range want {
			if rows[i][0] != want[i][0] || rows[i][1] != want[i][1] {
				t.Errorf("row %d: %v, the CSV's %v", i, rows[i][:2], want[i][:2])
			}
		}
	})
}
