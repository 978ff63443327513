package report

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Sheet is one worksheet of a workbook: a header row and rows of values
// (nil, string, int64, float64 or bool; strings are written as text, never
// as formulas).
type Sheet struct {
	Name   string // shown on the tab; cut to 31 characters and made unique
	Header []string
	Each   func(fn func(row []any) error) error
}

// WriteXLSX writes a workbook of sheets (Office Open XML, as Excel and
// LibreOffice open), rows streamed to the file as they come. now is the
// workbook's creation time.
func WriteXLSX(w io.Writer, title string, now time.Time, sheets ...Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	stamp := now.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "hotspots", Created: stamp, Modified: stamp}); err != nil {
		return fmt.Errorf("report: workbook: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("report: workbook: %w", err)
	}
	used := map[string]bool{}
	for i, s := range sheets {
		name := sheetName(s.Name, used)
		if i == 0 {
			err = f.SetSheetName("Sheet1", name)
		} else {
			_, err = f.NewSheet(name)
		}
		if err != nil {
			return fmt.Errorf("report: sheet %q: %w", name, err)
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return fmt.Errorf("report: sheet %q: %w", name, err)
		}
		// the header row stays in view (panes go before any row)
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fmt.Errorf("report: sheet %q: %w", name, err)
		}
		head := make([]any, len(s.Header))
		for j, h := range s.Header {
			head[j] = h
		}
		if err := sw.SetRow("A1", head, excelize.RowOpts{StyleID: bold}); err != nil {
			return fmt.Errorf("report: sheet %q: %w", name, err)
		}
		row := 1
		err = s.Each(func(vals []any) error {
			row++
			cell, err := excelize.CoordinatesToCellName(1, row)
			if err != nil {
				return err
			}
			// Strings stay text: excelize writes a string as a string cell,
			// never as a formula.
			return sw.SetRow(cell, vals)
		})
		if err != nil {
			return fmt.Errorf("report: sheet %q: %w", name, err)
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("report: sheet %q: %w", name, err)
		}
	}
	if len(sheets) == 0 {
		if err := f.SetSheetName("Sheet1", "Empty"); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// TableSheet is a table as one worksheet: its columns (CSV columns, so
// points' lon/lat included), one row per feature.
func TableSheet(ctx context.Context, t *Table) Sheet {
	head := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		head[i] = c.Name
	}
	return Sheet{Name: t.Kind, Header: head, Each: func(fn func([]any) error) error {
		return t.Each(ctx, func(f *Feature) error { return fn(f.Full().Props) })
	}}
}

// sheetName makes s a valid worksheet name not yet in used: at most 31
// characters, none of : \ / ? * [ ], not blank.
func sheetName(s string, used map[string]bool) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, strings.TrimSpace(s))
	s = strings.Trim(s, "'")
	if s == "" {
		s = "Sheet"
	}
	base := s
	for n := 2; ; n++ {
		if utf8.RuneCountInString(s) > excelize.MaxSheetNameLength {
			s = string([]rune(s)[:excelize.MaxSheetNameLength])
		}
		if !used[strings.ToLower(s)] {
			used[strings.ToLower(s)] = true
			return s
		}
		suffix := " (" + strconv.Itoa(n) + ")"
		r := []rune(base)
		if len(r)+len(suffix) > excelize.MaxSheetNameLength {
			r = r[:excelize.MaxSheetNameLength-len(suffix)]
		}
		s = string(r) + suffix
	}
}
