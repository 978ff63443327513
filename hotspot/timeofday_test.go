package hotspot

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestAddAoristic(t *testing.T) {
	var g WeekGrid
	// Friday 21 November 2025 21:30 for 90 minutes: 30 in hour 21, 60 in hour 22
	g.AddAoristic(time.Date(2025, 11, 21, 21, 30, 0, 0, time.UTC), 90)
	if math.Abs(g[4][21]-1.0/3) > 1e-12 || math.Abs(g[4][22]-2.0/3) > 1e-12 {
		t.Errorf("Fri 21h %v 22h %v, want 1/3 and 2/3", g[4][21], g[4][22])
	}
	// Sunday 23:30 for an hour runs into Monday
	g = WeekGrid{}
	g.AddAoristic(time.Date(2025, 11, 23, 23, 30, 0, 0, time.UTC), 60)
	if g[6][23] != 0.5 || g[0][0] != 0.5 {
		t.Errorf("Sun 23h %v Mon 0h %v, want 0.5 each", g[6][23], g[0][0])
	}
	// no window: 1 in its hour
	g = WeekGrid{}
	g.AddAoristic(time.Date(2025, 11, 24, 9, 59, 0, 0, time.UTC), 0)
	if g[0][9] != 1 || g.Total() != 1 {
		t.Errorf("no window: %v", g[0])
	}
}

// Pearson's chi-square against an even spread: the 5% critical value of
// chi-square on 23 degrees of freedom is 35.172 (statistical tables).
func TestEvenSpreadTest(t *testing.T) {
	if c, p := EvenSpreadTest([]float64{5, 5, 5, 5}); c != 0 || p != 1 {
		t.Errorf("even: %v %v", c, p)
	}
	// 24 hours, mean 10: one hour raised by d and another lowered by d
	// gives chi2 = 2 d^2 / 10; d = sqrt(175.86) gives 35.172
	h := make([]float64, 24)
	for i := range h {
		h[i] = 10
	}
	d := math.Sqrt(35.172 * 10 / 2)
	h[0], h[1] = 10+d, 10-d
	c, p := EvenSpreadTest(h)
	if math.Abs(c-35.172) > 1e-9 || math.Abs(p-0.05) > 5e-4 {
		t.Errorf("chi2 %v p %v, want 35.172 and 0.05", c, p)
	}
}

func TestFindPeak(t *testing.T) {
	var g WeekGrid
	// Friday and Saturday nights 22:00-02:00, ten crimes an hour; one crime
	// an hour at 10:00-17:00 on weekdays
	for _, d := range []int{4, 5} {
		for _, h := range []int{22, 23, 24, 25} {
			g[(d+h/24)%7][h%24] += 10
		}
	}
	for d := 0; d < 5; d++ {
		for h := 10; h < 17; h++ {
			g[d][h]++
		}
	}
	pk := FindPeak(&g)
	if !pk.Claimed || pk.FromHour != 22 || pk.ToHour != 2 || DaysLabel(pk.Days) != "Fri-Sat" || math.Abs(pk.Share-80.0/115) > 1e-12 {
		t.Fatalf("peak %+v", pk)
	}
	if pk.Text != "Fri-Sat 22:00-02:00, 70% of 115 crimes" {
		t.Errorf("text %q", pk.Text)
	}
	// 19 crimes: too few to claim anything
	var few WeekGrid
	few[4][22] = 19
	if pk := FindPeak(&few); pk.Claimed || !strings.HasPrefix(pk.Text, "no clear peak (19 crimes") {
		t.Errorf("19 crimes: %+v", pk)
	}
	// 48 crimes spread evenly: no peak
	var even WeekGrid
	for h := 0; h < 24; h++ {
		even[h%7][h] = 2
	}
	if pk := FindPeak(&even); pk.Claimed {
		t.Errorf("even spread: %+v", pk)
	}
}

// Pearson's statistic worked by hand: 10, 20, 30 against an even 20 each is
// (100 + 0 + 100) / 20 = 10 on 2 degrees of freedom, whose survival function
// is exp(-x/2): p = exp(-5). An even spread gives 0 and p 1; one cell, or
// no crime, has nothing to test.
func TestEvenSpreadTestByHand(t *testing.T) {
	chi2, p := EvenSpreadTest([]float64{10, 20, 30})
	if math.Abs(chi2-10) > 1e-12 || math.Abs(p-math.Exp(-5)) > 1e-12 {
		t.Errorf("10, 20, 30: chi2 %v p %v, want 10 and exp(-5) = %v", chi2, p, math.Exp(-5))
	}
	if chi2, p := EvenSpreadTest([]float64{7, 7, 7, 7}); chi2 != 0 || math.Abs(p-1) > 1e-12 {
		t.Errorf("an even spread: chi2 %v p %v, want 0 and 1", chi2, p)
	}
	if chi2, p := EvenSpreadTest([]float64{5, 0}); math.Abs(chi2-5) > 1e-12 || math.Abs(p-math.Erfc(math.Sqrt(2.5))) > 1e-12 {
		// 1 degree of freedom: P(chi2 > x) = erfc(sqrt(x/2))
		t.Errorf("5, 0: chi2 %v p %v, want 5 and erfc(sqrt(2.5))", chi2, p)
	}
	if chi2, p := EvenSpreadTest([]float64{9}); chi2 != 0 || p != 1 {
		t.Errorf("one cell: %v %v, want nothing to test", chi2, p)
	}
}
