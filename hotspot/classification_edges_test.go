package hotspot

import (
	"errors"
	"strings"
	"testing"
)

// Names are folded to their letters and digits, every one of them, from a
// to z and 0 to 9: single-character names at the ends of those ranges are
// names, and names differing in one of them are different names.
func TestClassificationNameFolding(t *testing.T) {
	const head = "name,subgroup,offence_group,table_row,police_uk,source\n"
	c, err := ParseClassification("c.csv", strings.NewReader(head+
		"Arson,Arson,Criminal damage and arson,Arson,Criminal damage and arson,x\n"+
		"a,Arson,Criminal damage and arson,Arson,Criminal damage and arson,x\n"+
		"z,Arson,Criminal damage and arson,Arson,Criminal damage and arson,x\n"+
		"0,Arson,Criminal damage and arson,Arson,Criminal damage and arson,x\n"+
		"9,Arson,Criminal damage and arson,Arson,Criminal damage and arson,x\n"+
		"56A,Arson,Criminal damage and arson,Arson,Criminal damage and arson,x\n"+
		"56,Arson,Criminal damage and arson,Arson,Criminal damage and arson,x\n"))
	if err != nil {
		t.Fatalf("names a, z, 0, 9, 56A and 56 refused: %v", err)
	}
	for _, name := range []string{"A", "Z", "0", "9", "56-a", "5 6", "ARSON!"} {
		if o, ok := c.Lookup(name); !ok || o.Subgroup != "Arson" {
			t.Errorf("Lookup(%q) = %+v, %v, want Arson", name, o, ok)
		}
	}
	if _, ok := c.Lookup("b"); ok {
		t.Error(`Lookup("b") found a row`)
	}
	// a row that names a subgroup but belongs to another: Arson's own row is
	// missing even though a row spelled "arson" exists
	_, err = ParseClassification("c.csv", strings.NewReader(head+
		"Criminal damage,Criminal damage,CD,CD,CDA,x\narson,Criminal damage,CD,CD,CDA,x\n56A,Arson,CD,Arson,CDA,x\n"))
	var we *WeightsError
	if !errors.As(err, &we) || we.Line != 0 || !strings.Contains(we.Msg, `subgroup "Arson" has no row naming it`) {
		t.Errorf("Arson's row belonging to Criminal damage: %v", err)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"no rows", head, "no rows after the header"},
		{"no header", "# nothing\n", "no header line"},
		{"no letters", head + "--,Arson,CD,Arson,CDA,x\n", `line 2: name "--" has no letters or digits`},
		{"a different group", head + "Arson,Arson,CD,Arson,CDA,x\n56A,Arson,Other,Arson,CDA,x\n", `line 3: subgroup "Arson" is given a different offence_group, table_row or police_uk than on line 2`},
		{"a different police.uk type", head + "Arson,Arson,CD,Arson,CDA,x\n56A,Arson,CD,Arson,Other,x\n", `line 3: subgroup "Arson" is given a different`},
		{"a source may be empty, the others not", head + "Arson,Arson,CD,Arson,,x\n", "line 2: police_uk is empty"},
		{"bad quoting", head + "Arson,\"Ar\"son,CD,Arson,CDA,x\n", "line 2: not valid CSV"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseClassification("c.csv", strings.NewReader(tc.in))
			if !errors.As(err, &we) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if c, err := ParseClassification("c.csv", strings.NewReader(head+"Arson,Arson,CD,Arson,CDA,\n")); err != nil || len(c.Subgroups()) != 1 {
		t.Errorf("an empty source: %v", err)
	}
}
