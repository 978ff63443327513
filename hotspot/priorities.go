package hotspot

import (
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
)

//go:embed priorities/default.csv
var prioritiesCSV string

// prioritiesHeader is the header line of a priorities file, after any
// comments; the fourth column, hours, may be left out.
var prioritiesHeader = [4]string{"priority", "crime_type", "source", "hours"}

// Priority is one of the partnership's priorities: a named set of crime
// types, counted together.
type Priority struct {
	Name string `json:"name"`
	// Types are the crime types, as the data name them, in file order.
	Types []string `json:"types"`
	// Sources say where each type's inclusion comes from, one per type.
	Sources []string `json:"sources"`
	// Hours is the time of day counted, "HH-HH" (from the first hour to
	// the start of the second, across midnight when the second is
	// smaller: "19-05" is 19:00 to 04:59); "" counts every hour. Only
	// records with a time (force exports) can fall in a window.
	Hours string `json:"hours,omitempty"`

	fromHour, toHour int
}

// HasWindow reports whether the priority counts some hours of the day only.
func (p Priority) HasWindow() bool { return p.Hours != "" }

// InWindow reports whether an hour of the day (0..23) is counted.
func (p Priority) InWindow(hour int) bool {
	switch {
	case !p.HasWindow():
		return true
	case hour < 0:
		return false
	case p.fromHour < p.toHour:
		return hour >= p.fromHour && hour < p.toHour
	}
	return hour >= p.fromHour || hour < p.toHour
}

// parseHours reads "HH-HH" (0..24, the two different).
func parseHours(s string) (from, to int, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	from, err1 := strconv.Atoi(strings.TrimSpace(a))
	to, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || from < 0 || from > 23 || to < 0 || to > 24 || from == to%24 {
		return 0, 0, false
	}
	return from, to % 24, true
}

// Priorities is a list of priorities in file order, with the name of the
// file they came from. It is not changed after it is made.
type Priorities struct {
	Name string // the file's name, such as "default.csv"
	List []Priority
}

// PrioritiesError is a problem in a priorities file, naming the file and,
// when there is one, the line (1-based, comments counted).
type PrioritiesError struct {
	Name string
	Line int
	Msg  string // what is wrong, naming the field and its value
}

// Error returns "hotspot: priorities NAME line N: MSG".
func (e *PrioritiesError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("hotspot: priorities %s: %s", e.Name, e.Msg)
	}
	return fmt.Sprintf("hotspot: priorities %s line %d: %s", e.Name, e.Line, e.Msg)
}

// ParsePriorities reads a priorities file in CSV; name says which in errors.
//
// The format: lines starting with # are comments; blank lines are skipped;
// the first other line is the header priority,crime_type,source[,hours];
// then one row per (priority, crime type), one line each (a field holding a
// comma is quoted, as in RFC 4180). A priority's rows may be anywhere in the
// file; priorities keep the order of their first row. priority and
// crime_type must not be empty and a crime type may appear once in a
// priority; source is free text; hours, when the column is there, is empty
// or "HH-HH" (see Priority.Hours), the same on every row of a priority.
// Errors are *PrioritiesError and name the line and field:
//
//	hotspot: priorities mine.csv line 4: crime_type is empty
func ParsePriorities(name string, r io.Reader) (*Priorities, error) {
	fail := func(line int, format string, args ...any) (*Priorities, error) {
		return nil, &PrioritiesError{Name: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	ps := &Priorities{Name: name}
	index := map[string]int{}     // priority name (folded) -> position in List
	seen := map[[2]string]int{}   // (priority, type) -> line
	nameOf := map[string]string{} // folded -> as first written
	tr := newTableReader(r)
	hoursLine := map[string]int{} // priority -> line of its first row
	// hours may be left out
	hdr := tableHeader{want: prioritiesHeader[:], optional: 1}
	for {
		rec, err := tr.Next()
		line := tr.Line
		if err != nil {
			return fail(line, "not valid CSV: %v", err)
		}
		if rec == nil {
			break
		}
		if row, problem := hdr.check(rec); problem != "" {
			return fail(line, "%s", problem)
		} else if !row {
			continue
		}
		cols := hdr.cols
		hours := ""
		var fromH, toH int
		if cols == 4 && rec[3] != "" {
			var ok bool
			if fromH, toH, ok = parseHours(rec[3]); !ok {
				return fail(line, "hours %q is not a time of day such as 19-05 (19:00 to 04:59) or 09-17", rec[3])
			}
			hours = fmt.Sprintf("%02d-%02d", fromH, toH)
		}
		pn, ct := rec[0], rec[1]
		switch {
		case pn == "":
			return fail(line, "priority is empty")
		case ct == "":
			return fail(line, "crime_type is empty")
		}
		key := strings.ToLower(pn)
		if first, ok := nameOf[key]; ok && first != pn {
			return fail(line, "priority %q differs from %q only in case; spell it the same way on every row", pn, first)
		}
		if first, dup := seen[[2]string{key, ct}]; dup {
			return fail(line, "crime_type %q already given for %q on line %d", ct, pn, first)
		}
		seen[[2]string{key, ct}] = line
		i, ok := index[key]
		if !ok {
			i = len(ps.List)
			index[key] = i
			nameOf[key] = pn
			ps.List = append(ps.List, Priority{Name: pn, Hours: hours, fromHour: fromH, toHour: toH})
			hoursLine[key] = line
		} else if ps.List[i].Hours != hours {
			return fail(line, "hours %q differs from %q on line %d; a priority has one time of day", rec[3], ps.List[i].Hours, hoursLine[key])
		}
		ps.List[i].Types = append(ps.List[i].Types, ct)
		ps.List[i].Sources = append(ps.List[i].Sources, rec[2])
	}
	if err := tr.Err(); err != nil {
		return nil, &PrioritiesError{Name: name, Msg: "reading: " + err.Error()}
	}
	if problem := hdr.missing(); problem != "" {
		return fail(0, "%s", problem)
	}
	if len(ps.List) == 0 {
		return fail(0, "no priorities after the header")
	}
	return ps, nil
}

// DefaultPriorities returns the default priorities, priorities/default.csv:
// serious violence, robbery, residential burglary, shoplifting, anti-social
// behaviour and drugs, from the partnership's papers, in police.uk crime
// types. Each call returns a new list.
func DefaultPriorities() *Priorities {
	ps, err := ParsePriorities("default.csv", strings.NewReader(prioritiesCSV))
	if err != nil {
		panic(err) // the package's tests parse it: a failure is a broken build
	}
	return ps
}

// Find returns the priority with the name, in any case.
func (ps *Priorities) Find(name string) (Priority, bool) {
	for _, p := range ps.List {
		if strings.EqualFold(p.Name, strings.TrimSpace(name)) {
			return p, true
		}
	}
	return Priority{}, false
}

// Names lists the priorities' names in order.
func (ps *Priorities) Names() []string {
	out := make([]string, len(ps.List))
	for i, p := range ps.List {
		out[i] = p.Name
	}
	return out
}
