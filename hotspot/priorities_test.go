package hotspot

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultPriorities(t *testing.T) {
	ps := DefaultPriorities()
	want := []Priority{
		{Name: "Serious violence", Types: []string{"Violence and sexual offences", "Possession of weapons"}},
		{Name: "Robbery", Types: []string{"Robbery"}},
		{Name: "Residential burglary", Types: []string{"Burglary"}},
		{Name: "Shoplifting", Types: []string{"Shoplifting"}},
		{Name: "Anti-social behaviour", Types: []string{"Anti-social behaviour"}},
		{Name: "Drugs", Types: []string{"Drugs"}},
	}
	if len(ps.List) != len(want) {
		t.Fatalf("%d priorities, want %d: %v", len(ps.List), len(want), ps.Names())
	}
	for i, w := range want {
		p := ps.List[i]
		if p.Name != w.Name || !reflect.DeepEqual(p.Types, w.Types) {
			t.Errorf("priority %d = %s %v, want %s %v", i+1, p.Name, p.Types, w.Name, w.Types)
		}
		for j, s := range p.Sources {
			if s == "" {
				t.Errorf("%s: type %s has no source", p.Name, p.Types[j])
			}
		}
	}
	// every default type is a police.uk crime type the weights tables know
	for _, p := range ps.List {
		for _, ct := range p.Types {
			if _, ok := DefaultCost().Weight(ct); !ok {
				t.Errorf("%s: %q is not a police.uk crime type", p.Name, ct)
			}
		}
	}
	if p, ok := ps.Find("  robbery "); !ok || p.Name != "Robbery" {
		t.Errorf("Find(robbery) = %v, %v", p, ok)
	}
}

func TestParsePrioritiesRefuses(t *testing.T) {
	const head = "# mine\npriority,crime_type,source\n"
	for _, c := range []struct {
		name, text string
		line       int
		msg        string
	}{
		{"no header", "", 0, "no header line"},
		{"wrong header", "name,types\n", 1, `header is "name,types"`},
		{"nothing after header", head, 0, "no priorities"},
		{"too few fields", head + "Robbery,Robbery\n", 3, "2 fields, want 3"},
		{"empty priority", head + ",Robbery,x\n", 3, "priority is empty"},
		{"empty type", head + "Robbery, ,x\n", 3, "crime_type is empty"},
		{"duplicate type", head + "Robbery,Robbery,a\n\nRobbery,Robbery,b\n", 5, `crime_type "Robbery" already given for "Robbery" on line 3`},
		{"case clash", head + "Robbery,Robbery,a\nROBBERY,Burglary,b\n", 4, `differs from "Robbery" only in case`},
		{"bad quoting", head + "Robbery,\"Rob\"bery,a\n", 3, "not valid CSV"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePriorities("mine.csv", strings.NewReader(c.text))
			var pe *PrioritiesError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want a *PrioritiesError", err)
			}
			if pe.Line != c.line || !strings.Contains(pe.Msg, c.msg) || pe.Name != "mine.csv" {
				t.Errorf("got line %d %q, want line %d containing %q", pe.Line, pe.Msg, c.line, c.msg)
			}
		})
	}
}

func TestParsePrioritiesGroupsRows(t *testing.T) {
	ps, err := ParsePriorities("x.csv", strings.NewReader("\ufeffpriority,crime_type,source\r\n"+
		"Night-time violence,Violence and sexual offences,\"workshop, NTE\"\r\nTheft,Shoplifting,\r\nNight-time violence,Public order,minutes\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Priority{
		{Name: "Night-time violence", Types: []string{"Violence and sexual offences", "Public order"}, Sources: []string{"workshop, NTE", "minutes"}},
		{Name: "Theft", Types: []string{"Shoplifting"}, Sources: []string{""}},
	}
	if !reflect.DeepEqual(ps.List, want) {
		t.Errorf("got %+v, want %+v", ps.List, want)
	}
}

// The shipped file parses as the embedded default does (a check that the
// file on disk, which users copy and edit, is the one embedded).
func TestPrioritiesFileOnDisk(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("priorities", "default.csv"))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ParsePriorities("default.csv", strings.NewReader(string(b)))
	if err != nil || !reflect.DeepEqual(ps, DefaultPriorities()) {
		t.Errorf("priorities/default.csv: %v", err)
	}
}

func FuzzParsePriorities(f *testing.F) {
	f.Add(prioritiesCSV)
	f.Add("priority,crime_type,source\nA,B,C\n")
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParsePriorities("fuzz.csv", strings.NewReader(s))
		if err != nil {
			var pe *PrioritiesError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *PrioritiesError", err, err)
			}
			return
		}
		for _, p := range ps.List {
			if p.Name == "" || len(p.Types) == 0 || len(p.Types) != len(p.Sources) {
				t.Fatalf("bad priority %+v", p)
			}
		}
	})
}

func TestPriorityHours(t *testing.T) {
	ps, err := ParsePriorities("nte.csv", strings.NewReader("priority,crime_type,source,hours\n"+
		"NTE violence,Violence and sexual offences,plan,19-05\nNTE violence,Public order,plan,19-5\nDay theft,Shoplifting,plan,9-17\nAll day,Robbery,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	nte, day, all := ps.List[0], ps.List[1], ps.List[2]
	if nte.Hours != "19-05" || day.Hours != "09-17" || all.Hours != "" || all.HasWindow() {
		t.Fatalf("hours %q %q %q", nte.Hours, day.Hours, all.Hours)
	}
	for _, c := range []struct {
		p    Priority
		hour int
		want bool
	}{
		{nte, 19, true}, {nte, 23, true}, {nte, 0, true}, {nte, 4, true}, {nte, 5, false}, {nte, 18, false}, {nte, -1, false},
		{day, 9, true}, {day, 16, true}, {day, 17, false}, {day, 8, false},
		{all, -1, true}, {all, 3, true},
	} {
		if got := c.p.InWindow(c.hour); got != c.want {
			t.Errorf("%s at %d: %v, want %v", c.p.Name, c.hour, got, c.want)
		}
	}
	for _, c := range []struct{ text, msg string }{
		{"A,Robbery,x,25-03\n", `hours "25-03" is not a time of day`},
		{"A,Robbery,x,night\n", `hours "night" is not a time of day`},
		{"A,Robbery,x,07-07\n", `hours "07-07" is not a time of day`},
		{"A,Robbery,x,19-05\nA,Burglary,x,18-05\n", `hours "18-05" differs from "19-05" on line 2`},
	} {
		_, err := ParsePriorities("h.csv", strings.NewReader("priority,crime_type,source,hours\n"+c.text))
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: %v, want %q", c.text, err, c.msg)
		}
	}
}
