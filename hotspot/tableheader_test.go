package hotspot

import "testing"

// TestTableHeader: the one header and row-width check of the editable
// tables, with an optional last column (priorities' hours) and without.
func TestTableHeader(t *testing.T) {
	want := []string{"priority", "crime_type", "source", "hours"}
	tests := []struct {
		name     string
		optional int
		header   []string
		rows     [][]string
		problem  string // of the header, or of the last row
	}{
		{"every column", 1, want, [][]string{{"a", "b", "c", "19-05"}}, ""},
		{"the optional column left out", 1, want[:3], [][]string{{"a", "b", "c"}}, ""},
		{"a row as wide as the full header when the header left hours out", 1, want[:3], [][]string{{"a", "b", "c", "19-05"}},
			`4 fields, want 3 (priority,crime_type,source)`},
		{"too few columns", 1, want[:2], nil, `header is "priority,crime_type", want "priority,crime_type,source,hours" (hours may be left out)`},
		{"a column misnamed", 1, []string{"priority", "type", "source"}, nil,
			`header is "priority,type,source", want "priority,crime_type,source,hours" (hours may be left out)`},
		{"no optional column: every one needed", 0, want[:3], nil,
			`header is "priority,crime_type,source", want "priority,crime_type,source,hours"`},
		{"a column too many", 1, append(want, "notes"), nil,
			`header is "priority,crime_type,source,hours,notes", want "priority,crime_type,source,hours" (hours may be left out)`},
		{"a short row", 0, want, [][]string{{"a", "b", "c", "d"}, {"a"}}, `1 fields, want 4 (priority,crime_type,source,hours)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tableHeader{want: want, optional: tt.optional}
			if p := h.missing(); p != `no header line (want "priority,crime_type,source,hours")` {
				t.Errorf("before the header: %q", p)
			}
			row, problem := h.check(tt.header)
			if row {
				t.Fatal("the header was taken for a row")
			}
			for _, r := range tt.rows {
				if problem != "" {
					break
				}
				var ok bool
				if ok, problem = h.check(r); problem == "" && !ok {
					t.Fatalf("row %v not taken for a row", r)
				}
			}
			if problem != tt.problem {
				t.Errorf("problem %q, want %q", problem, tt.problem)
			}
		})
	}
}
