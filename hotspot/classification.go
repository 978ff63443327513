package hotspot

import (
	_ "embed"
	"fmt"
	"io"
	"strings"
)

//go:embed classification/homeoffice.csv
var homeOfficeCSV string

// classificationHeader is the header line of a classification file, after any comments.
var classificationHeader = [6]string{"name", "subgroup", "offence_group", "table_row", "police_uk", "source"}

// Offence is where one Home Office offence subgroup sits: its offence group, the row of the
// partnership's table it counts in, and the police.uk category that holds it.
type Offence struct {
	Subgroup string // "Residential burglary"
	Group    string // "Theft offences"
	TableRow string // "Burglary Residential"
	PoliceUK string // "Burglary"
	Source   string // where the row's mapping comes from
}

// Classification maps the offence names a force export may carry (Home Office subgroups as the
// ONS names them, other spellings, Home Office offence codes) to Offences. Names match ignoring
// case, spaces and punctuation. A Classification is not changed after it is made and is safe
// for concurrent use.
type Classification struct {
	Name      string
	byName    map[string]Offence
	subgroups []string // canonical subgroup names, in file order
}

// DefaultClassification returns the shipped table, classification/homeoffice.csv. Each call
// returns a new table.
func DefaultClassification() *Classification {
	c, err := ParseClassification("homeoffice.csv", strings.NewReader(homeOfficeCSV))
	if err != nil {
		panic(err) // the package's tests parse it: a failure is a broken build
	}
	return c
}

// normName folds an offence name for matching: lower case, letters and digits only.
func normName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ParseClassification reads a classification table in CSV; name says which in errors. The
// format is that of weights files (comments with #, a header, one row a line):
// name,subgroup,offence_group,table_row,police_uk,source. Every field but source is required;
// a name may appear once; every subgroup needs a row naming itself. Errors are *WeightsError
// naming the line and field.
func ParseClassification(name string, r io.Reader) (*Classification, error) {
	c := &Classification{Name: name, byName: map[string]Offence{}}
	fail := func(line int, format string, args ...any) (*Classification, error) {
		return nil, &WeightsError{Name: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	lineOf := map[string]int{}
	canon := map[string]Offence{}
	tr := newTableReader(r)
	hdr := tableHeader{want: classificationHeader[:]}
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
		for i, f := range rec[:5] {
			if f == "" {
				return fail(line, "%s is empty", classificationHeader[i])
			}
		}
		k := normName(rec[0])
		if k == "" {
			return fail(line, "name %q has no letters or digits", rec[0])
		}
		if first, dup := lineOf[k]; dup {
			return fail(line, "name %q already given on line %d", rec[0], first)
		}
		lineOf[k] = line
		o := Offence{Subgroup: rec[1], Group: rec[2], TableRow: rec[3], PoliceUK: rec[4], Source: rec[5]}
		c.byName[k] = o
		if prev, ok := canon[o.Subgroup]; ok {
			if prev.Group != o.Group || prev.TableRow != o.TableRow || prev.PoliceUK != o.PoliceUK {
				return fail(line, "subgroup %q is given a different offence_group, table_row or police_uk than on line %d", o.Subgroup, lineOf[normName(o.Subgroup)])
			}
		} else {
			canon[o.Subgroup] = o
			c.subgroups = append(c.subgroups, o.Subgroup)
		}
	}
	if err := tr.Err(); err != nil {
		return nil, &WeightsError{Name: name, Msg: "reading: " + err.Error()}
	}
	if problem := hdr.missing(); problem != "" {
		return fail(0, "%s", problem)
	}
	for _, s := range c.subgroups {
		if o, ok := c.byName[normName(s)]; !ok || o.Subgroup != s {
			return fail(0, "subgroup %q has no row naming it (add %q,%q,...)", s, s, s)
		}
	}
	if len(c.subgroups) == 0 {
		return fail(0, "no rows after the header")
	}
	return c, nil
}

// Lookup finds the Offence of a name an export carries: a subgroup, another spelling of one,
// or a Home Office offence code.
func (c *Classification) Lookup(name string) (Offence, bool) {
	o, ok := c.byName[normName(name)]
	return o, ok
}

// Subgroups returns the canonical subgroup names in file order.
func (c *Classification) Subgroups() []string { return append([]string(nil), c.subgroups...) }
