package hotspot

import (
	"errors"
	"strings"
	"testing"
)

// The shipped table covers every subgroup the ONS open data tables and the synthetic force
// export use, each in the row the partnership's papers put it in.
func TestDefaultClassification(t *testing.T) {
	c := DefaultClassification()
	for _, tc := range []struct{ name, subgroup, group, row, policeUK string }{
		{"Violence with injury", "Violence with injury", "Violence against the person", "Violence With Injury", "Violence and sexual offences"},
		{"VIOLENCE  WITHOUT INJURY", "Violence without injury", "Violence against the person", "Violence Without Injury", "Violence and sexual offences"},
		{"Residential burglary", "Residential burglary", "Theft offences", "Burglary Residential", "Burglary"},
		{"Domestic burglary", "Residential burglary", "Theft offences", "Burglary Residential", "Burglary"},
		{"Non-residential burglary", "Non-residential burglary", "Theft offences", "Burglary Business and Community", "Burglary"},
		{"28E", "Residential burglary", "Theft offences", "Burglary Residential", "Burglary"},
		{"Rape", "Rape", "Sexual offences", "Sexual Offences", "Violence and sexual offences"},
		{"Miscellaneous crimes against society", "Miscellaneous crimes against society", "Miscellaneous crimes against society", "Misc Crimes Against Society", "Other crime"},
		{"Possession of drugs", "Possession of drugs", "Drug offences", "Drug Offences", "Drugs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, ok := c.Lookup(tc.name)
			if !ok {
				t.Fatalf("%q not found", tc.name)
			}
			if o.Subgroup != tc.subgroup || o.Group != tc.group || o.TableRow != tc.row || o.PoliceUK != tc.policeUK {
				t.Errorf("got %+v", o)
			}
			if o.Source == "" {
				t.Error("no source")
			}
		})
	}
	if _, ok := c.Lookup("Offence not yet classified"); ok {
		t.Error("an unclassified offence was found")
	}
	if n := len(c.Subgroups()); n != 23 {
		t.Errorf("%d subgroups, want the ONS tables' 23 (fraud aside)", n)
	}
}

func TestParseClassificationErrors(t *testing.T) {
	const head = "name,subgroup,offence_group,table_row,police_uk,source\n"
	for _, tc := range []struct{ name, in, want string }{
		{"header", "name,subgroup\n", "line 1: header is"},
		{"empty field", head + "Arson,Arson,,Arson,Criminal damage and arson,x\n", `line 2: offence_group is empty`},
		{"duplicate", head + "Arson,Arson,CD,Arson,CDA,x\narson,Arson,CD,Arson,CDA,x\n", `line 3: name "arson" already given on line 2`},
		{"no canonical row", head + "56A,Arson,CD,Arson,CDA,x\n", `subgroup "Arson" has no row naming it`},
		{"disagreeing rows", head + "Arson,Arson,CD,Arson,CDA,x\n56A,Arson,CD,Criminal Damage,CDA,x\n", "line 3: subgroup \"Arson\" is given a different"},
		{"fields", head + "Arson,Arson\n", "line 2: 2 fields, want 6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseClassification("c.csv", strings.NewReader(tc.in))
			var we *WeightsError
			if !errors.As(err, &we) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
