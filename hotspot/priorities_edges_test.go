package hotspot

import (
	"strings"
	"testing"
)

// Hours at the ends of the clock: 0 and 23 start a window, 0 and 24 end one
// (24 is midnight, written back as 00), and a window may not start and end
// on the same hour (0-24 is the whole day: leave hours empty for that).
func TestPriorityHoursEdges(t *testing.T) {
	for _, c := range []struct {
		hours, want string
		in, out     []int
	}{
		{"00-06", "00-06", []int{0, 5}, []int{6, 23}},
		{"23-02", "23-02", []int{23, 0, 1}, []int{2, 22}},
		{"22-00", "22-00", []int{22, 23}, []int{0, 21}},
		{"20-24", "20-00", []int{20, 23}, []int{0, 19}},
	} {
		ps, err := ParsePriorities("h.csv", strings.NewReader("priority,crime_type,source,hours\nP,Robbery,x,"+c.hours+"\n"))
		if err != nil {
			t.Errorf("hours %q refused: %v", c.hours, err)
			continue
		}
		p := ps.List[0]
		if p.Hours != c.want {
			t.Errorf("hours %q read as %q, want %q", c.hours, p.Hours, c.want)
		}
		for _, h := range c.in {
			if !p.InWindow(h) {
				t.Errorf("hours %q: %d:00 not counted", c.hours, h)
			}
		}
		for _, h := range c.out {
			if p.InWindow(h) {
				t.Errorf("hours %q: %d:00 counted", c.hours, h)
			}
		}
	}
	for _, bad := range []string{"0-24", "24-03", "03-25", "3--5", "-1-5", "a-5", "5-b"} {
		_, err := ParsePriorities("h.csv", strings.NewReader("priority,crime_type,source,hours\nP,Robbery,x,"+bad+"\n"))
		if err == nil || !strings.Contains(err.Error(), "line 2: hours "+`"`+bad+`"`+" is not a time of day") {
			t.Errorf("hours %q: %v, want it refused on line 2", bad, err)
		}
	}
}

// An error about the file as a whole names no line; one about a row names
// its line.
func TestPrioritiesErrorText(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"", `hotspot: priorities mine.csv: no header line (want "priority,crime_type,source,hours")`},
		{"priority,crime_type,source\nRobbery,,x\n", "hotspot: priorities mine.csv line 2: crime_type is empty"},
	} {
		if _, err := ParsePriorities("mine.csv", strings.NewReader(c.text)); err == nil || err.Error() != c.want {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
}
