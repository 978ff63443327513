package report

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/hotspot"
)

// streamOf is a streamed table of n features with ids "1".."n" that counts
// how many it produced.
func streamOf(n int, produced *int) *Table {
	t := &Table{Kind: "test", Cols: []Column{{Name: "i", Type: Integer}}}
	t.stream = func(ctx context.Context, fn func(*Feature) error) error {
		for i := 1; i <= n; i++ {
			*produced++
			f := Feature{Props: []any{int64(i)}}
			if err := fn(&f); err != nil {
				return err
			}
		}
		return nil
	}
	return t
}

func TestPage(t *testing.T) {
	tests := []struct {
		name                string
		n, offset, limit    int
		first, got, visited int // first feature's i, features given, features produced
	}{
		{"the first page", 100, 0, 10, 1, 10, 11},
		{"a middle page", 100, 40, 5, 41, 5, 46},
		{"the last page, short", 100, 95, 10, 96, 5, 100},
		{"past the end", 100, 200, 10, 0, 0, 100},
		{"no limit", 20, 5, -1, 6, 15, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			produced := 0
			var got []int64
			err := Page(streamOf(tt.n, &produced), tt.offset, tt.limit).Each(context.Background(), func(f *Feature) error {
				got = append(got, f.Props[0].(int64))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.got || (tt.got > 0 && got[0] != int64(tt.first)) || produced != tt.visited {
				t.Errorf("features %v (first %v), %d produced; want %d from %d, %d produced", len(got), got, produced, tt.got, tt.first, tt.visited)
			}
		})
	}
	// an error of the reader still comes through
	boom := errors.New("boom")
	err := Page(streamOf(5, new(int)), 0, 3).Each(context.Background(), func(*Feature) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
}

func TestSheetName(t *testing.T) {
	used := map[string]bool{}
	long := "Stockton-on-Tees Town Centre and the Riverside Quarter"
	tests := []struct{ in, want string }{
		{"Newtown", "Newtown"},
		{"newtown", "newtown (2)"}, // Excel's names ignore case
		{"Mandale & Victoria", "Mandale & Victoria"},
		{"Parks/Green: [north]?*", "Parks-Green- -north---"},
		{"", "Sheet"},
		{"'quoted'", "quoted"},
		{long, "Stockton-on-Tees Town Centre an"},
		{long, "Stockton-on-Tees Town Centr (2)"}, // 27 characters and " (2)"
	}
	for _, tt := range tests {
		got := sheetName(tt.in, used)
		if got != tt.want || utf8.RuneCountInString(got) > 31 {
			t.Errorf("sheetName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestAreaTableRecordsSmallNumbers: for a viewer of a restricted source
// every current and previous count is written as its band ("<5" for 0-4,
// "5-9", "10-14"); the differences are written as the profile gives them
// (the caller passes the view's profile, worked from the bands); an
// analyst sees every figure.
func TestAreaTableRecordsSmallNumbers(t *testing.T) {
	pct := func(v float64) *float64 { return &v }
	cell := func(cur int64, prev float64) engine.ProfileCell {
		c := engine.ProfileCell{Current: cur, VsPrevious: &hotspot.Change{Previous: prev, Diff: float64(cur) - prev}}
		if prev > 0 {
			c.VsPrevious.Pct = pct((float64(cur) - prev) / prev * 100)
		}
		return c
	}
	pr := &engine.Profile{Rows: []engine.ProfileRow{
		{Label: "Robbery", Cells: []engine.ProfileCell{cell(2, 4), cell(5, 1), cell(12, 10)}},
	}}
	restricted := disclosure.New(disclosure.Options{Public: []string{}}).View("force export", false)
	viewer := AreaTableRecords(pr, restricted)
	want := "Robbery,<5,<5,-2,-50.0,5-9,<5,4,400.0,10-14,10-14,2,20.0"
	if got := strings.Join(viewer[1], ","); got != want {
		t.Errorf("viewer row: %s, want %s", got, want)
	}
	analyst := AreaTableRecords(pr, disclosure.Exact())
	if got := strings.Join(analyst[1], ","); got != "Robbery,2,4,-2,-50.0,5,1,4,400.0,12,10,2,20.0" {
		t.Errorf("analyst row: %s", got)
	}
}
