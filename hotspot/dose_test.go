package hotspot

import (
	"fmt"
	"strings"
	"testing"
)

// TestPatrolDoseByHand: the dose worked by hand from the rule (2 visits a
// day for each crime expected in a day, rounded up, between 2 and 8; under
// one crime a week, monitor).
func TestPatrolDoseByHand(t *testing.T) {
	tests := []struct {
		name    string
		count   int64
		days    int
		visits  int
		monitor bool
		arith   string
	}{
		{"2 in 30 days: 0.47 a week, under 1", 2, 30, 0, true, "2 crimes in 30 days is 0.1 a day (0.0 a shift)"},
		{"4 in 28 days: exactly 1 a week, patrolled", 4, 28, 2, false, "4 crimes in 28 days is 0.1 a day (0.0 a shift)"},
		{"3 in 28 days: 0.75 a week", 3, 28, 0, true, "3 crimes in 28 days is 0.1 a day (0.0 a shift)"},
		{"5 in 30 days: ceil(0.33) = 1, at least 2", 5, 30, 2, false, "5 crimes in 30 days is 0.2 a day (0.1 a shift)"},
		{"30 in 30 days: 1 a day, 2 visits", 30, 30, 2, false, "30 crimes in 30 days is 1.0 a day (0.3 a shift)"},
		{"45 in 30 days: 1.5 a day, 3 visits", 45, 30, 3, false, "45 crimes in 30 days is 1.5 a day (0.5 a shift)"},
		{"31 in 30 days: ceil(2.07) = 3", 31, 30, 3, false, "31 crimes in 30 days is 1.0 a day (0.3 a shift)"},
		{"120 in 30 days: 4 a day, 8 visits", 120, 30, 8, false, "120 crimes in 30 days is 4.0 a day (1.3 a shift)"},
		{"240 in 30 days: 16, at most 8", 240, 30, 8, false, "240 crimes in 30 days is 8.0 a day (2.7 a shift)"},
		{"no days counts as one", 3, 0, 6, false, "3 crimes in 0 days is 3.0 a day (1.0 a shift)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := PatrolDose(tt.count, tt.days, true, nil, nil)
			if d.VisitsPerDay != tt.visits || d.Monitor != tt.monitor || d.VisitMinutes != "10-15" {
				t.Errorf("%+v; want %d visits, monitor %v, 10-15 minutes", d, tt.visits, tt.monitor)
			}
			if !strings.Contains(d.Advice, tt.arith) {
				t.Errorf("advice %q does not show %q", d.Advice, tt.arith)
			}
		})
	}
}

// TestPatrolDoseNamesThePeak: with times, the advice names the busiest
// hours and days; with the month only, it says there are no peak times.
func TestPatrolDoseNamesThePeak(t *testing.T) {
	timed := PatrolDose(60, 30, false, []string{"Friday", "Saturday"}, []int{22, 23, 0})
	want := "4 visible stops a day of 10-15 minutes each, at unpredictable times, around 22:00, 23:00, 00:00 on Friday, Saturday. " +
		"Demand: 60 crimes in 30 days is 2.0 a day (0.7 a shift)."
	if timed.Advice != want {
		t.Errorf("advice\n%q\nwant\n%q", timed.Advice, want)
	}
	month := PatrolDose(60, 30, true, []string{"Friday"}, []int{22})
	want = "4 visible stops a day of 10-15 minutes each, at unpredictable times, across the shift. " +
		"Demand: 60 crimes in 30 days is 2.0 a day (0.7 a shift). No peak times: the data give the month only."
	if month.Advice != want {
		t.Errorf("advice\n%q\nwant\n%q", month.Advice, want)
	}
	if m := PatrolDose(1, 30, false, nil, nil); m.Advice != "Monitor, no patrol dose: 1 crimes in 30 days is 0.0 a day (0.0 a shift), under 1 a week." {
		t.Errorf("monitor advice %q", m.Advice)
	}
}

func ExamplePatrolDose() {
	d := PatrolDose(45, 30, true, nil, nil)
	fmt.Println(d.VisitsPerDay, "visits a day")
	fmt.Println(d.Advice)
	// Output:
	// 3 visits a day
	// 3 visible stops a day of 10-15 minutes each, at unpredictable times, across the shift. Demand: 45 crimes in 30 days is 1.5 a day (0.5 a shift). No peak times: the data give the month only.
}
