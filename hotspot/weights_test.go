package hotspot

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// policeUKTypes are the 14 crime types police.uk publishes.
var policeUKTypes = []string{
	"Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
	"Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery",
	"Shoplifting", "Theft from the person", "Vehicle crime", "Violence and sexual offences",
}

func TestDefaultTables(t *testing.T) {
	tests := []struct {
		name string
		w    *Weights
		unit string
	}{
		{"cchi.csv", DefaultHarm(), "days"},
		{"cost_ho2018.csv", DefaultCost(), "GBP (2015/16 prices)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.w.Name != tt.name || tt.w.Unit != tt.unit {
				t.Errorf("Name, Unit = %q, %q, want %q, %q", tt.w.Name, tt.w.Unit, tt.name, tt.unit)
			}
			// the 14 police.uk types and the Home Office subgroups, all but death
			// or serious injury by illegal driving (no published figure)
			want := slices.Clone(policeUKTypes)
			for _, sg := range DefaultClassification().Subgroups() {
				if sg != "Death or serious injury caused by illegal driving" && !slices.Contains(want, sg) {
					want = append(want, sg)
				}
			}
			slices.Sort(want)
			got := slices.Sorted(slices.Values(tt.w.Types()))
			if !slices.Equal(got, want) {
				t.Errorf("types %q, want exactly %q", got, want)
			}
			for _, ct := range want {
				if tt.w.Source(ct) == "" {
					t.Errorf("%s: no source", ct)
				}
				if got, want := tt.w.PoliceGenerated(ct), ct == "Drugs" || ct == "Possession of drugs" || ct == "Trafficking of drugs"; got != want {
					t.Errorf("%s: police-generated %v, want %v", ct, got, want)
				}
			}
			if v, _ := tt.w.Weight("Anti-social behaviour"); v != 0 {
				t.Errorf("Anti-social behaviour weighs %v, want 0 (not notifiable)", v)
			}
			if !slices.Contains(tt.w.Excluded(), "Drugs") || !slices.Contains(tt.w.Excluded(), "Anti-social behaviour") {
				t.Errorf("Excluded() = %q, want Drugs and Anti-social behaviour in it", tt.w.Excluded())
			}
		})
	}
}

// TestDefaultHarmFigures checks the harm table against harm_and_cost_weights.md: single
// subgroups copied, blends recomputed here by hand from the CCHI medians and the Stockton Town
// Centre 12-month shares. The file rounds to 2 decimals, so the tolerance is 0.005.
func TestDefaultHarmFigures(t *testing.T) {
	// Violence and sexual offences: VWI 430, VWOI 676, S&H 312, sexual 134, sexual split one
	// third rape (2555 days), two thirds other sexual offences (182.25 days).
	sexual := 2555.0/3 + 2*182.25/3
	vso := (365*430 + 10*676 + 10*312 + sexual*134) / (430 + 676 + 312 + 134)
	tests := map[string]float64{
		"Anti-social behaviour":        0,
		"Bicycle theft":                2,
		"Burglary":                     (273.5*109 + 183.5*83) / (109 + 83), // 234.59375
		"Criminal damage and arson":    (2*368 + 185*12) / (368 + 12.0),     // 7.7789
		"Drugs":                        3,
		"Other crime":                  10,
		"Other theft":                  2,
		"Possession of weapons":        273.75,
		"Public order":                 7.5,
		"Robbery":                      365,
		"Shoplifting":                  1,
		"Theft from the person":        2,
		"Vehicle crime":                5,
		"Violence and sexual offences": vso, // 191.517
	}
	harm := DefaultHarm()
	for ct, want := range tests {
		t.Run(ct, func(t *testing.T) {
			got, ok := harm.Weight(ct)
			if !ok || math.Abs(got-want) > 0.005 {
				t.Errorf("weight %v (present %v), want %.5f (tolerance 0.005)", got, ok, want)
			}
		})
	}
}

// TestDefaultCostFigures checks the cost table the same way against the verified Home Office
// unit costs (and domestic burglary's secondary 5,930); types with no figure weigh 0.
func TestDefaultCostFigures(t *testing.T) {
	sexual := 39360.0/3 + 2*6520.0/3
	tests := map[string]float64{
		"Burglary":                     5930 * 109 / 192.0,
		"Criminal damage and arson":    (1350*368 + 8420*12) / 380.0,
		"Robbery":                      11320,
		"Vehicle crime":                10290.0/3 + 2*870.0/3,
		"Violence and sexual offences": (14050*430 + sexual*134) / 1552,
		"Drugs":                        0,
		"Public order":                 0,
		"Shoplifting":                  0,
	}
	cost := DefaultCost()
	for ct, want := range tests {
		t.Run(ct, func(t *testing.T) {
			got, ok := cost.Weight(ct)
			if !ok || math.Abs(got-want) > 0.005 {
				t.Errorf("weight %v (present %v), want %.5f (tolerance 0.005)", got, ok, want)
			}
		})
	}
	for _, ct := range cost.Types() {
		if v, _ := cost.Weight(ct); v == 0 {
			src := cost.Source(ct)
			if !strings.Contains(src, "no unit cost published") && !strings.Contains(src, "No unit cost published") &&
				!strings.Contains(src, "No verified unit cost held") {
				t.Errorf("%s weighs 0 but its source does not say why: %q", ct, src)
			}
		}
	}
}

func TestWeightsOf(t *testing.T) {
	harm := DefaultHarm()
	tests := []struct {
		name      string
		crimeType string
		count     float64
		includePG bool
		want      float64
	}{
		{"robbery", "Robbery", 2, false, 730},
		{"police-generated left out", "Drugs", 10, false, 0},
		{"police-generated asked for", "Drugs", 10, true, 30},
		{"not weighed", "Anti-social behaviour", 100, true, 0},
		{"unknown type", "Fraud", 5, true, 0},
		{"case matters", "robbery", 1, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := harm.Of(tt.crimeType, tt.count, tt.includePG); got != tt.want {
				t.Errorf("Of(%q, %v, %v) = %v, want %v", tt.crimeType, tt.count, tt.includePG, got, tt.want)
			}
		})
	}
}

func TestWeightsUnknown(t *testing.T) {
	got := DefaultHarm().Unknown([]string{"Robbery", "Fraud", "Drugs", "Fraud", "Fly-tipping", "Arson"})
	if want := []string{"Fraud", "Fly-tipping"}; !slices.Equal(got, want) {
		t.Errorf("Unknown = %q, want %q", got, want)
	}
	if got := DefaultHarm().Unknown(policeUKTypes); got != nil {
		t.Errorf("Unknown(police.uk types) = %q, want none", got)
	}
}

func TestParseWeights(t *testing.T) {
	const header = "crime_type,weight,police_generated,source\n"
	t.Run("valid", func(t *testing.T) {
		in := "\ufeff# my table\n#unit: points \n\n" + header +
			"Robbery,10,false,\"from a, b\"\r\nDrugs, 2.5 ,TRUE,x\n"
		w, err := ParseWeights("mine.csv", strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if w.Name != "mine.csv" || w.Unit != "points" {
			t.Errorf("Name, Unit = %q, %q", w.Name, w.Unit)
		}
		if got := w.Types(); !slices.Equal(got, []string{"Robbery", "Drugs"}) {
			t.Errorf("Types = %q", got)
		}
		if v, ok := w.Weight("Drugs"); v != 2.5 || !ok || !w.PoliceGenerated("Drugs") {
			t.Errorf("Drugs = %v, %v, police-generated %v", v, ok, w.PoliceGenerated("Drugs"))
		}
		if got := w.Source("Robbery"); got != "from a, b" {
			t.Errorf("Source(Robbery) = %q", got)
		}
		if got := w.Excluded(); !slices.Equal(got, []string{"Drugs"}) {
			t.Errorf("Excluded = %q", got)
		}
	})

	// Line numbers count every line, comments included.
	six := "# a\n# b\n" + header + "Robbery,1,false,x\nBurglary,2,false,x\nShoplifting,1,false,x\n"
	tests := []struct {
		name, in, msg string
	}{
		{"weight not a number", six + "Drugs,abc,true,x\n",
			`hotspot: weights cchi.csv line 7: weight "abc" is not a number`},
		{"weight empty", six + "Drugs,,true,x\n",
			`hotspot: weights cchi.csv line 7: weight "" is not a number`},
		{"weight NaN", six + "Drugs,NaN,true,x\n",
			`hotspot: weights cchi.csv line 7: weight "NaN" is not a finite number`},
		{"weight negative", six + "Drugs,-3,true,x\n",
			`hotspot: weights cchi.csv line 7: weight "-3" is negative`},
		{"police_generated", six + "Drugs,3,yes,x\n",
			`hotspot: weights cchi.csv line 7: police_generated "yes" is not true or false`},
		{"too few fields", six + "Drugs,3,true\n",
			`hotspot: weights cchi.csv line 7: 3 fields, want 4 (crime_type,weight,police_generated,source)`},
		{"too many fields", six + "Drugs,3,true,a,b\n",
			`hotspot: weights cchi.csv line 7: 5 fields, want 4 (crime_type,weight,police_generated,source)`},
		{"empty crime type", six + ",3,true,x\n",
			`hotspot: weights cchi.csv line 7: crime_type is empty`},
		{"duplicate", six + "Burglary,3,false,x\n",
			`hotspot: weights cchi.csv line 7: crime_type "Burglary" already given on line 5`},
		{"bad quoting", six + "Drugs,3,true,\"x\n",
			`hotspot: weights cchi.csv line 7: not valid CSV: extraneous or missing " in quoted-field`},
		{"wrong header", "# c\ncrime,weight,police_generated,source\nRobbery,1,false,x\n",
			`hotspot: weights cchi.csv line 2: header is "crime,weight,police_generated,source", want "crime_type,weight,police_generated,source"`},
		{"no header", "# only comments\n\n",
			`hotspot: weights cchi.csv: no header line (want "crime_type,weight,police_generated,source")`},
		{"no rows", header,
			`hotspot: weights cchi.csv: no crime types after the header`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := ParseWeights("cchi.csv", strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("no error; types %q", w.Types())
			}
			if err.Error() != tt.msg {
				t.Errorf("error\n  %s\nwant\n  %s", err, tt.msg)
			}
			var we *WeightsError
			if !errors.As(err, &we) || we.Name != "cchi.csv" {
				t.Errorf("error %T is not a *WeightsError naming the file", err)
			}
		})
	}
}

func FuzzParseWeights(f *testing.F) {
	f.Add(cchiCSV)
	f.Add(costCSV)
	f.Add("crime_type,weight,police_generated,source\nRobbery,1e3,false,\"a \"\"quoted\"\" b\"\n")
	f.Add("# unit: x\ncrime_type,weight,police_generated,source\nA,-0,true,\n")
	f.Fuzz(func(t *testing.T, in string) {
		w, err := ParseWeights("fuzz.csv", strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "hotspot: weights fuzz.csv") {
				t.Errorf("error without the package and file prefix: %v", err)
			}
			return
		}
		types := w.Types()
		if len(types) == 0 {
			t.Error("parsed a table with no types")
		}
		for _, ct := range types {
			v, ok := w.Weight(ct)
			if !ok || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("type %q: weight %v, %v", ct, v, ok)
			}
		}
	})
}

// The Home Office subgroups' harm weights, copied by hand from the table of
// reference/harm_and_cost_weights.md (CCHI medians, secondary).
func TestDefaultHarmSubgroups(t *testing.T) {
	h := DefaultHarm()
	for sg, days := range map[string]float64{
		"Homicide": 5475, "Rape": 2555, "Violence with injury": 365, "Robbery of personal property": 365,
		"Robbery of business property": 365, "Residential burglary": 273.5, "Possession of weapons offences": 273.75,
		"Arson": 185, "Non-residential burglary": 183.5, "Other sexual offences": 182.25, "Violence without injury": 10,
		"Stalking and harassment": 10, "Miscellaneous crimes against society": 10, "Public order offences": 7.5,
		"Vehicle offences": 5, "Trafficking of drugs": 5, "Possession of drugs": 3, "Theft from the person": 2,
		"Bicycle theft": 2, "All other theft offences": 2, "Criminal damage": 2, "Shoplifting": 1,
	} {
		if got, ok := h.Weight(sg); !ok || got != days {
			t.Errorf("%s: %v days, want %v", sg, got, days)
		}
	}
}
