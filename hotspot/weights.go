package hotspot

import (
	_ "embed"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The default tables, editable CSV files shipped in weights/.
var (
	//go:embed weights/cchi.csv
	cchiCSV string
	//go:embed weights/cost_ho2018.csv
	costCSV string
)

// weightsHeader is the header line every weights file starts with, after any comments.
var weightsHeader = [4]string{"crime_type", "weight", "police_generated", "source"}

// Weights is a table of weights per police.uk crime type ("Burglary", "Violence and sexual
// offences", ...) that turns counts into harm or cost: CCHI days of imprisonment
// (DefaultHarm), Home Office unit costs in GBP (DefaultCost), or a table of the user's own
// (ParseWeights). Crime types match exactly, case and spaces included. A Weights is not
// changed after it is made and is safe for concurrent use.
type Weights struct {
	// Name identifies the table, normally its file name ("cchi.csv").
	Name string
	// Unit is the unit of a weight ("days", "GBP (2015/16 prices)"), from the file's
	// "# unit:" comment; empty if it has none.
	Unit string

	rows  map[string]weightRow
	order []string // crime types in file order
}

type weightRow struct {
	weight          float64
	policeGenerated bool
	source          string
}

// WeightsError is a problem in a weights file, naming the file and, when there is one, the line
// (1-based, comments counted).
type WeightsError struct {
	Name string // the name given to ParseWeights
	Line int    // 1-based line number; 0 for a problem with the file as a whole
	Msg  string // what is wrong, naming the field and its value
}

// Error returns "hotspot: weights NAME line N: MSG" ("hotspot: weights NAME: MSG" without a line).
func (e *WeightsError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("hotspot: weights %s: %s", e.Name, e.Msg)
	}
	return fmt.Sprintf("hotspot: weights %s line %d: %s", e.Name, e.Line, e.Msg)
}

// ParseWeights reads a weights table in CSV; name says which in errors and becomes Weights.Name.
//
// The format: lines starting with # are comments, and a comment "# unit: X" sets Unit to X;
// blank lines are skipped; the first other line is the header
// crime_type,weight,police_generated,source; then one row per crime type, one line each (a
// field holding a comma is quoted, as in RFC 4180). weight is a finite number >= 0 in the
// table's unit; police_generated is true or false (offences found by proactive policing, left
// out of harm by default); source is free text saying where the figure comes from. A crime type
// may appear once. Errors are *WeightsError and name the line and field, such as
//
//	hotspot: weights cchi.csv line 7: weight "abc" is not a number
func ParseWeights(name string, r io.Reader) (*Weights, error) {
	w := &Weights{Name: name, rows: make(map[string]weightRow)}
	lineOf := make(map[string]int)
	fail := func(line int, format string, args ...any) (*Weights, error) {
		return nil, &WeightsError{Name: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	tr := newTableReader(r)
	tr.Comment = func(c string) {
		if u, ok := strings.CutPrefix(strings.TrimSpace(c), "unit:"); ok {
			w.Unit = strings.TrimSpace(u)
		}
	}
	hdr := tableHeader{want: weightsHeader[:]}
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
		ct := rec[0]
		if ct == "" {
			return fail(line, "crime_type is empty")
		}
		if first, dup := lineOf[ct]; dup {
			return fail(line, "crime_type %q already given on line %d", ct, first)
		}
		v, err := strconv.ParseFloat(rec[1], 64)
		switch {
		case err != nil:
			return fail(line, "weight %q is not a number", rec[1])
		case math.IsNaN(v) || math.IsInf(v, 0):
			return fail(line, "weight %q is not a finite number", rec[1])
		case v < 0:
			return fail(line, "weight %q is negative", rec[1])
		}
		var pg bool
		switch strings.ToLower(rec[2]) {
		case "true":
			pg = true
		case "false":
		default:
			return fail(line, "police_generated %q is not true or false", rec[2])
		}
		lineOf[ct] = line
		w.rows[ct] = weightRow{weight: v, policeGenerated: pg, source: rec[3]}
		w.order = append(w.order, ct)
	}
	if err := tr.Err(); err != nil {
		return nil, &WeightsError{Name: name, Msg: "reading: " + err.Error()}
	}
	if problem := hdr.missing(); problem != "" {
		return fail(0, "%s", problem)
	}
	if len(w.order) == 0 {
		return fail(0, "no crime types after the header")
	}
	return w, nil
}

// DefaultHarm returns the default harm table, weights/cchi.csv: Cambridge Crime Harm Index days
// of imprisonment per police.uk crime type (secondary figures; blends by Stockton Town Centre
// shares). Each call returns a new table.
func DefaultHarm() *Weights { return mustParseWeights("cchi.csv", cchiCSV) }

// DefaultCost returns the default cost table, weights/cost_ho2018.csv: Home Office unit costs of
// crime in GBP at 2015/16 prices (Heeks et al. 2018) per police.uk crime type. Types without a
// usable figure weigh 0, so totals are lower bounds. Each call returns a new table.
func DefaultCost() *Weights { return mustParseWeights("cost_ho2018.csv", costCSV) }

// mustParseWeights parses an embedded table; the package's tests parse both, so a failure is a
// broken build, not a run-time condition.
func mustParseWeights(name, text string) *Weights {
	w, err := ParseWeights(name, strings.NewReader(text))
	if err != nil {
		panic(err)
	}
	return w
}

// Types returns the table's crime types in file order.
func (w *Weights) Types() []string {
	return append([]string(nil), w.order...)
}

// Weight returns the weight of one crime of the type, in Unit, and whether the table has the
// type.
func (w *Weights) Weight(crimeType string) (float64, bool) {
	r, ok := w.rows[crimeType]
	return r.weight, ok
}

// PoliceGenerated reports whether the type is marked as found by proactive policing (false for
// a type not in the table).
func (w *Weights) PoliceGenerated(crimeType string) bool {
	return w.rows[crimeType].policeGenerated
}

// Source returns the provenance recorded for the type's weight ("" for a type not in the table).
func (w *Weights) Source(crimeType string) string {
	return w.rows[crimeType].source
}

// Excluded returns, in file order, the crime types that add nothing to a total by default: those
// marked police-generated and those weighing 0 (Anti-social behaviour in the harm table; types
// without a unit cost in the cost table). Users should be told these are counted, not weighed.
func (w *Weights) Excluded() []string {
	var out []string
	for _, ct := range w.order {
		if r := w.rows[ct]; r.policeGenerated || r.weight == 0 {
			out = append(out, ct)
		}
	}
	return out
}

// Of returns the weight of count crimes of the type: count x Weight, in Unit. A police-generated
// type gives 0 unless includePoliceGenerated; a type not in the table gives 0 (find those with
// Unknown).
func (w *Weights) Of(crimeType string, count float64, includePoliceGenerated bool) float64 {
	r, ok := w.rows[crimeType]
	if !ok || (r.policeGenerated && !includePoliceGenerated) {
		return 0
	}
	return count * r.weight
}

// Unknown returns the types, each once and in order of first appearance, that the table does
// not have: they weigh 0, and a caller should say so rather than drop them silently.
func (w *Weights) Unknown(types []string) []string {
	var out []string
	for _, ct := range types {
		if _, ok := w.rows[ct]; !ok && !slices.Contains(out, ct) {
			out = append(out, ct)
		}
	}
	return out
}
