package hotspot

import (
	"bufio"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

//go:embed priorities/default.csv
var prioritiesCSV string

// prioritiesHeader is the header line of a priorities file, after any comments.
var prioritiesHeader = [3]string{"priority", "crime_type", "source"}

// Priority is one of the partnership's priorities: a named set of crime
// types, counted together.
type Priority struct {
	Name string `json:"name"`
	// Types are the crime types, as the data name them, in file order.
	Types []string `json:"types"`
	// Sources say where each type's inclusion comes from, one per type.
	Sources []string `json:"sources"`
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
// the first other line is the header priority,crime_type,source; then one
// row per (priority, crime type), one line each (a field holding a comma is
// quoted, as in RFC 4180). A priority's rows may be anywhere in the file;
// priorities keep the order of their first row. priority and crime_type
// must not be empty and a crime type may appear once in a priority; source
// is free text. Errors are *PrioritiesError and name the line and field:
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
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	header := false
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		trimmed := strings.TrimSpace(text)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		cr := csv.NewReader(strings.NewReader(text))
		cr.FieldsPerRecord = -1
		rec, err := cr.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fail(line, "not valid CSV: %v", err)
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if !header {
			if len(rec) != len(prioritiesHeader) || [3]string(rec) != prioritiesHeader {
				return fail(line, "header is %q, want %q", strings.Join(rec, ","), strings.Join(prioritiesHeader[:], ","))
			}
			header = true
			continue
		}
		if len(rec) != len(prioritiesHeader) {
			return fail(line, "%d fields, want 3 (%s)", len(rec), strings.Join(prioritiesHeader[:], ","))
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
			ps.List = append(ps.List, Priority{Name: pn})
		}
		ps.List[i].Types = append(ps.List[i].Types, ct)
		ps.List[i].Sources = append(ps.List[i].Sources, rec[2])
	}
	if err := sc.Err(); err != nil {
		return nil, &PrioritiesError{Name: name, Msg: "reading: " + err.Error()}
	}
	if !header {
		return fail(0, "no header line (want %q)", strings.Join(prioritiesHeader[:], ","))
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
