package hotspot

import (
	"math"
	"testing"
	"time"
)

// The aoristic spread at its edges, worked by hand: a window inside one
// hour, a whole day from midnight, a window that ends exactly on the hour.
func TestAddAoristicEdges(t *testing.T) {
	// Monday 24 November 2025 10:15 for 30 minutes: all of it in Mon 10h.
	var g WeekGrid
	g.AddAoristic(time.Date(2025, 11, 24, 10, 15, 0, 0, time.UTC), 30)
	if g[0][10] != 1 || g.Total() != 1 {
		t.Errorf("10:15 for 30 minutes: Mon 10h %v, total %v, want 1 and 1", g[0][10], g.Total())
	}
	// Tuesday 00:00 for 1,440 minutes: 60/1440 = 1/24 in each hour of
	// Tuesday, nothing on Wednesday.
	g = WeekGrid{}
	g.AddAoristic(time.Date(2025, 11, 25, 0, 0, 0, 0, time.UTC), 1440)
	for h := 0; h < 24; h++ {
		if math.Abs(g[1][h]-1.0/24) > 1e-12 {
			t.Errorf("a whole Tuesday: hour %d has %v, want 1/24", h, g[1][h])
		}
	}
	if g[2][0] != 0 || math.Abs(g.Total()-1) > 1e-12 {
		t.Errorf("a whole Tuesday: Wed 0h %v, total %v, want 0 and 1", g[2][0], g.Total())
	}
	// Saturday 22:40 for 80 minutes: 20 in 22h, 60 in 23h, none on Sunday.
	g = WeekGrid{}
	g.AddAoristic(time.Date(2025, 11, 29, 22, 40, 0, 0, time.UTC), 80)
	if math.Abs(g[5][22]-0.25) > 1e-12 || math.Abs(g[5][23]-0.75) > 1e-12 || g[6][0] != 0 {
		t.Errorf("Sat 22:40 for 80 minutes: 22h %v 23h %v Sun 0h %v, want 0.25, 0.75, 0", g[5][22], g[5][23], g[6][0])
	}
	// Hours and Total sum over the days: Sat 22:40 (above) plus Mon 22:00.
	g.Add(time.Date(2025, 11, 24, 22, 0, 0, 0, time.UTC))
	if h := g.Hours(); math.Abs(h[22]-1.25) > 1e-12 || math.Abs(h[23]-0.75) > 1e-12 || math.Abs(g.Total()-2) > 1e-12 {
		t.Errorf("hours 22 %v and 23 %v, total %v, want 1.25, 0.75, 2", h[22], h[23], g.Total())
	}
}

// FindPeak at its edges, each grid worked by hand. The standardised excess
// of a window of l hours holding obs of N crimes is (obs - N l/24) /
// sqrt(N l/24).
func TestFindPeakEdges(t *testing.T) {
	cases := []struct {
		name string
		grid func(g *WeekGrid)
		text string
	}{
		// 20 crimes, all Fri 22h: the fewest a peak is claimed from. One hour
		// (z = (20 - 0.83)/0.91 = 21.0) beats two (z = 14.2).
		{"exactly 20 crimes", func(g *WeekGrid) { g[4][22] = 20 }, "Fri 22:00-23:00, 100% of 20 crimes"},
		// 20 crimes one an hour from 0h to 19h: chi2 = 20 (1/6)^2/(5/6) +
		// 4 (5/6) = 4 on 23 degrees of freedom, p near 1.
		{"20 crimes spread evenly", func(g *WeekGrid) {
			for h := 0; h < 20; h++ {
				g[h%7][h] = 1
			}
		}, "no clear peak (20 crimes; times spread too evenly to say)"},
		// 12.5 crimes (aoristic weights): the count keeps its half.
		{"a fractional count", func(g *WeekGrid) { g[2][9] = 12.5 }, "no clear peak (12.5 crimes; fewer than 20 crimes)"},
		// Two equal single hours, Mon 3h and Mon 15h, 30 crimes each: the
		// windows tie and the earlier one is named.
		{"a tie goes to the earlier hour", func(g *WeekGrid) { g[0][3], g[0][15] = 30, 30 }, "Mon 03:00-04:00, 50% of 60 crimes"},
		// 10 crimes an hour on Monday 9h-16h: eight hours (z = (80 -
		// 26.7)/5.16 = 10.3) beat seven (z = (70 - 23.3)/4.83 = 9.7) and
		// nine (z = (80 - 30)/5.48 = 9.1).
		{"an eight-hour window", func(g *WeekGrid) {
			for h := 9; h < 17; h++ {
				g[0][h] = 10
			}
		}, "Mon 09:00-17:00, 100% of 80 crimes"},
		// 70 crimes at 20h: 12 on each of Mon..Fri, 10 on Sat. An even share
		// is 10; 1.2 times it is 12, so Mon..Fri are in (60 of 70, 86%).
		{"a day at exactly 1.2 times an even share", func(g *WeekGrid) {
			for d := 0; d < 5; d++ {
				g[d][20] = 12
			}
			g[5][20] = 10
		}, "Mon-Fri 20:00-21:00, 86% of 70 crimes"},
		// 30 crimes Mon 20h and 3 at 21h: one hour (z = (30 - 1.4)/1.17 =
		// 24.4) beats two (z = (33 - 2.75)/1.66 = 18.2), and the share counts
		// the window's hour only: 30 of 33, 91%.
		{"the hour after the window is not in its share", func(g *WeekGrid) { g[0][20], g[0][21] = 30, 3 }, "Mon 20:00-21:00, 91% of 33 crimes"},
		// 10 crimes at 20h every day: no day stands out, so every day.
		{"no day stands out", func(g *WeekGrid) {
			for d := 0; d < 7; d++ {
				g[d][20] = 10
			}
		}, "every day 20:00-21:00, 100% of 70 crimes"},
		// Days that are not one run: 20 on Mon and 20 on Wed at 20h, 1 on
		// the other five days (45 in all; 1.2 x 45/7 = 7.7).
		{"days not in a run", func(g *WeekGrid) {
			for d := 0; d < 7; d++ {
				g[d][20] = 1
			}
			g[0][20], g[2][20] = 20, 20
		}, "Mon, Wed 20:00-21:00, 89% of 45 crimes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var g WeekGrid
			c.grid(&g)
			if got := FindPeak(&g); got.Text != c.text {
				t.Errorf("FindPeak: %q, want %q (%+v)", got.Text, c.text, got)
			}
		})
	}
}

func TestDaysLabel(t *testing.T) {
	for _, c := range []struct {
		days []int
		want string
	}{
		{[]int{4}, "Fri"},
		{[]int{4, 5}, "Fri-Sat"},
		{[]int{0, 1, 2, 3, 4}, "Mon-Fri"},
		{[]int{0, 2}, "Mon, Wed"},
		{[]int{0, 1, 3}, "Mon, Tue, Thu"},
		{[]int{0, 1, 2, 3, 4, 5, 6}, "every day"},
	} {
		if got := DaysLabel(c.days); got != c.want {
			t.Errorf("DaysLabel(%v) = %q, want %q", c.days, got, c.want)
		}
	}
}
