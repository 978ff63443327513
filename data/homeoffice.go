package data

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/stockton-csp/hotspots/hotspot"
)

// ErrNoSource is a file other than police.uk's imported without a source
// name: its months would otherwise replace police.uk's.
var ErrNoSource = errors.New("data: name the source of this export (--source NAME on the command line, ?source=NAME on an upload; such as cleveland-rms): it is not a police.uk file, and each source's months are kept apart")

// forceCols are the columns of a force export beyond the generic ones: the
// Home Office offence levels and the committed-to time. -1 when absent.
type forceCols struct {
	group, subgroup, desc, code, to int
	header                          []string
}

var forceAliases = struct{ group, subgroup, desc, code, to []string }{
	group:    []string{"offencegroup", "hooffencegroup", "homeofficeoffencegroup"},
	subgroup: []string{"offencesubgroup", "hooffencesubgroup", "homeofficeoffencesubgroup", "subgroup"},
	desc:     []string{"offencedescription", "offencename", "hooffencedescription", "description"},
	code:     []string{"hocode", "homeofficecode", "hooffencecode", "homeofficeoffencecode", "offencecode", "hoclass"},
	to:       []string{"committedto", "committedtodate", "committedtodatetime", "dateto", "todate", "enddate", "enddatetime"},
}

// detectForceColumns finds a force export's Home Office and committed-to
// columns by their header names.
func detectForceColumns(header []string) forceCols {
	idx := map[string]int{}
	for i, h := range header {
		if _, dup := idx[normHeader(h)]; !dup {
			idx[normHeader(h)] = i
		}
	}
	find := func(names []string) int {
		for _, n := range names {
			if i, ok := idx[n]; ok {
				return i
			}
		}
		return -1
	}
	return forceCols{
		group: find(forceAliases.group), subgroup: find(forceAliases.subgroup), desc: find(forceAliases.desc),
		code: find(forceAliases.code), to: find(forceAliases.to), header: header,
	}
}

// homeOffice reports whether the file carries Home Office offence columns:
// its crime types are then Home Office subgroups.
func (c forceCols) homeOffice() bool { return c.subgroup >= 0 || c.code >= 0 }

// forceRows finishes rows of a file that is not police.uk's: the source,
// the Home Office subgroup as the crime type, the committed-to time.
type forceRows struct {
	cols      forceCols
	class     *hotspot.Classification
	source    string
	file      string
	maxWindow int               // minutes
	types     map[string]string // raw name -> crime type, per distinct name
	unknown   map[string]int
	long      int
}

func (f *forceRows) get(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func (f *forceRows) bad(line, col int, value, reason string) (Problem, bool) {
	return Problem{File: f.file, Line: line, Field: f.cols.header[col], Value: value, Reason: reason}, false
}

// finish completes in from rec: the finest Home Office level present that
// the classification knows gives the subgroup; a name it does not know is
// kept as it is (and counted, to be reported once per import).
func (f *forceRows) finish(rec []string, line int, in *Incident) (Problem, bool) {
	in.Source = f.source
	if f.cols.homeOffice() {
		if math.IsNaN(in.Point[0]) {
			return Problem{File: f.file, Line: line, Field: "Latitude/Longitude", Reason: "no coordinates: a force export's record needs its point to be mapped; fill them in or leave the row out"}, false
		}
		in.Type = f.offence(rec)
	}
	if f.cols.to >= 0 && in.Minute >= 0 && in.Minute < minutesInMonthMax {
		s := f.get(rec, f.cols.to)
		if s != "" {
			span, ok, reason := windowSpan(in.Month, in.Minute, s)
			if !ok {
				return f.bad(line, f.cols.to, s, reason)
			}
			in.Span = span
			if span > f.maxWindow {
				f.long++
			}
		}
	}
	return Problem{}, true
}

// offence names the record's crime type from its Home Office columns.
func (f *forceRows) offence(rec []string) string {
	sub, code, desc, group := f.get(rec, f.cols.subgroup), f.get(rec, f.cols.code), f.get(rec, f.cols.desc), f.get(rec, f.cols.group)
	for _, raw := range [...]string{sub, code, desc} {
		if raw == "" {
			continue
		}
		if t, ok := f.types[raw]; ok {
			if t != "" {
				return t
			}
			continue
		}
		o, ok := f.class.Lookup(raw)
		if !ok {
			f.types[raw] = ""
			continue
		}
		f.types[raw] = o.Subgroup
		return o.Subgroup
	}
	name := sub
	for _, s := range [...]string{desc, group, code} {
		if name == "" {
			name = s
		}
	}
	if name == "" {
		name = "Unknown"
	}
	f.unknown[name]++
	return name
}

// UnknownOffence is an offence name a force export carried that the Home
// Office classification does not know: kept, and counted in the table's
// "Unknown" row.
type UnknownOffence struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func (f *forceRows) report(rep *Report) {
	for n, c := range f.unknown {
		rep.UnknownOffences = addUnknown(rep.UnknownOffences, n, c)
	}
	rep.LongWindows += f.long
}

func addUnknown(us []UnknownOffence, name string, n int) []UnknownOffence {
	for i := range us {
		if us[i].Name == name {
			us[i].Count += n
			return us
		}
	}
	return append(us, UnknownOffence{Name: name, Count: n})
}

// newForceRows prepares the finishing of a file's rows; format is
// mapColumns' answer.
func newForceRows(opts ReadOptions, name, format string, header []string) (*forceRows, error) {
	f := &forceRows{source: PoliceUK, file: name, types: map[string]string{}, unknown: map[string]int{}}
	f.maxWindow = int(opts.MaxWindow.Minutes())
	if opts.MaxWindow == 0 {
		f.maxWindow = 7 * 1440
	}
	f.class = opts.Classification
	if f.class == nil {
		f.class = hotspot.DefaultClassification()
	}
	if format == "police.uk" {
		f.cols = forceCols{group: -1, subgroup: -1, desc: -1, code: -1, to: -1, header: header}
		return f, nil
	}
	if opts.Source == "" {
		return nil, ErrNoSource
	}
	if opts.Source == PoliceUK {
		return nil, fmt.Errorf("data: the source name %q is kept for police.uk's own street-level files; name this export differently (such as cleveland-rms)", PoliceUK)
	}
	f.source = opts.Source
	f.cols = detectForceColumns(header)
	return f, nil
}

// headerField names a generic reader problem's field by the file's own
// header ("Committed From" rather than "date"), so a user finds it.
func (f *forceRows) headerField(cols [nCols]int, field string) string {
	if f.source == PoliceUK {
		return field
	}
	for role, n := range colNames {
		if n == field && cols[role] >= 0 && cols[role] < len(f.cols.header) {
			return f.cols.header[cols[role]]
		}
	}
	return field
}
