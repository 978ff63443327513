package disclosure

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

func TestLabels(t *testing.T) {
	band := New(Options{}).View("cleveland-rms", false)
	for _, c := range []struct {
		n     int64
		shown int64
		label string
	}{{0, 0, "<5"}, {1, 0, "<5"}, {2, 0, "<5"}, {4, 0, "<5"}, {5, 5, "5-9"}, {9, 5, "5-9"}, {10, 10, "10-14"}, {1234, 1230, "1230-1234"}} {
		if got := band.Count(c.n); got != c.shown {
			t.Errorf("Count(%d) = %d, want %d", c.n, got, c.shown)
		}
		if got := band.Label(c.n); got != c.label {
			t.Errorf("Label(%d) = %q, want %q", c.n, got, c.label)
		}
		if got := band.Value(c.n); got != c.label {
			t.Errorf("Value(%d) = %v, want %q", c.n, got, c.label)
		}
	}
	exact := Exact()
	if exact.Count(3) != 3 || exact.Label(3) != "3" || exact.Value(3) != int64(3) || exact.Note() != nil {
		t.Error("the exact view changes a count")
	}
}

func TestPolicySources(t *testing.T) {
	def := New(Options{})
	for _, c := range []struct {
		p         *Policy
		source    string
		exact     bool
		protected bool
	}{
		{def, PoliceUK, false, false},
		{def, "cleveland-rms", false, true},
		{def, "cleveland-rms", true, false},
		{New(Options{Public: []string{}}), PoliceUK, false, true},
		{New(Options{Public: []string{"cleveland-rms"}}), "cleveland-rms", false, false},
		{New(Options{Public: []string{"cleveland-rms"}}), PoliceUK, false, true},
		{nil, PoliceUK, false, true},
	} {
		if got := c.p.View(c.source, c.exact).Protected(); got != c.protected {
			t.Errorf("%v %s exact=%v: protected %v, want %v", c.p.PublicSources(), c.source, c.exact, got, c.protected)
		}
	}
}

// bounds is what a viewer who knows the rule learns of a true count from
// the figure shown for it: the band for the policy's rule, the rounding
// interval for conventional rounding to base 5 (the control).
type rule func(n int) (lo, hi int)

func banding(n int) (int, int) { lo := n - n%Band; return lo, lo + Band - 1 }

func rounding(n int) (int, int) {
	r := (n + 2) / 5 * 5 // half up
	return max(r-2, 0), r + 2
}

// pinned runs every "total minus parts" attack on a hidden part x (true
// value x) with parts of the given true values, and every pair of such
// attacks intersected, and reports whether x's possible values ever shrink
// to one. The attacker knows x's own shown band too.
func pinned(show rule, x int, parts [][]int) bool {
	xlo, xhi := show(x)
	lo, hi := xlo, xhi
	for _, ps := range parts {
		total := x
		for _, p := range ps {
			total += p
		}
		tlo, thi := show(total)
		u, l := thi, tlo
		for _, p := range ps {
			plo, phi := show(p)
			u -= plo
			l -= phi
		}
		lo, hi = max(lo, l, 0), min(hi, u)
	}
	return lo == hi
}

// TestDifferencingNeverPins is the guarantee the README states: whatever
// parts a total has (up to three shown besides the hidden one, each 0..24,
// the total shown too), and intersecting two such attacks, a hidden count
// of 1 or 2 is never pinned down under banding. Conventional rounding to
// base 5 is pinned in some of the same cases: the check can fail.
func TestDifferencingNeverPins(t *testing.T) {
	var vals [][]int
	for a := 0; a < 25; a++ {
		vals = append(vals, []int{a})
		for b := 0; b < 25; b += 3 {
			vals = append(vals, []int{a, b})
			for c := 0; c < 25; c += 4 {
				vals = append(vals, []int{a, b, c})
			}
		}
	}
	roundPins := 0
	for _, x := range []int{1, 2} {
		for i, ps := range vals {
			if pinned(banding, x, [][]int{ps}) {
				t.Fatalf("banding: x=%d with parts %v is pinned down", x, ps)
			}
			if pinned(rounding, x, [][]int{ps}) {
				roundPins++
			}
			for j := i % 7; j < len(vals); j += 53 {
				if qs := vals[j]; pinned(banding, x, [][]int{ps, qs}) {
					t.Fatalf("banding: x=%d with parts %v and %v is pinned down", x, ps, qs)
				}
			}
		}
	}
	// By hand: x=2 beside parts of 2, 12 and 12 makes a total of 28, which
	// rounding shows as 30 (so at least 28); the parts show as 0, 10 and
	// 10 (so at most 2, 12 and 12): x >= 28 - 26 = 2. x itself shows as 0
	// (so at most 2): pinned at 2. Banding shows the total as 25-29 and x
	// as <5: x >= 25 - (4+14+14) and x <= 4 - nothing pins it.
	if !pinned(rounding, 2, [][]int{{2, 12, 12}}) || pinned(banding, 2, [][]int{{2, 12, 12}}) || roundPins == 0 {
		t.Errorf("conventional rounding pinned %d cases, not x=2 beside 2, 12, 12 (or banding did): the check cannot tell them apart", roundPins)
	}
	t.Logf("conventional rounding to base 5 pinned %d of %d single attacks; banding none", roundPins, 2*len(vals))
}

func TestApply(t *testing.T) {
	band := New(Options{}).View("cleveland-rms", false)
	if _, err := band.Apply(struct{ Count int }{2}); err == nil {
		t.Error("an answer with no rule went to a viewer")
	}
	if _, err := band.Apply(&engine.Strategy{}); !errors.Is(err, ErrWithheld) {
		t.Errorf("strategy view: %v, want ErrWithheld", err)
	}
	if x, err := Exact().Apply(struct{ Count int }{2}); err != nil || x != (struct{ Count int }{2}) {
		t.Error("the exact view changed an answer")
	}
}

// TestRankingBands: counts, rates, shares, changes and ranks from the
// banded counts, harm and cost zeroed, and the engine's (cached) answer
// left as it was.
func TestRankingBands(t *testing.T) {
	pop := 1000.0
	ch := hotspot.Compare(7, 2)
	in := &engine.Ranking{Measure: engine.Count,
		Areas: []engine.AreaRank{
			{Code: "A", Name: "A", Count: 7, Harm: 50, Population: &pop, Change: &ch, Rank: 1},
			{Code: "B", Name: "B", Count: 6, Harm: 10, Rank: 2},
			{Code: "C", Name: "C", Count: 2, Harm: 9, Rank: 3},
		},
		Total: engine.AreaRank{Count: 15, Harm: 69, Share: 100}}
	out, err := New(Options{}).View("cleveland-rms", false).Ranking(in)
	if err != nil {
		t.Fatal(err)
	}
	if in.Areas[0].Count != 7 || in.Areas[2].Harm != 9 {
		t.Fatal("the engine's answer was changed")
	}
	want := []struct {
		code  string
		count int64
		rank  int
		share float64
	}{{"A", 5, 1, 100.0 / 3}, {"B", 5, 1, 100.0 / 3}, {"C", 0, 3, 0}}
	for i, w := range want {
		a := out.Areas[i]
		if a.Code != w.code || a.Count != w.count || a.Rank != w.rank || a.Harm != 0 || math.Abs(a.Share-w.share) > 1e-9 {
			t.Errorf("row %d: %+v, want %+v", i, a, w)
		}
	}
	if r := out.Areas[0].Rate; r == nil || *r != 5 {
		t.Errorf("rate %v, want 5 per 1,000", r)
	}
	if c := out.Areas[0].Change; c == nil || c.Current != 5 || c.Previous != 0 || !c.New {
		t.Errorf("change %+v, want 0 to 5, new", c)
	}
	if out.Total.Count != 15 {
		t.Errorf("total %d", out.Total.Count)
	}
	if _, err := New(Options{}).View("cleveland-rms", false).Ranking(&engine.Ranking{Measure: engine.Harm}); !errors.Is(err, ErrWithheld) {
		t.Errorf("ranking by harm: %v", err)
	}
}

// TestHotspotsGiStarOnBands: Gi* worked again on banded counts is Gi* on
// the grid. Counts five times R spdep's vector (testdata/gistar, the real
// Stockton resolution-9 grid) are their own bands, and Gi* does not change
// when every count is scaled, so the z-scores must be R's, to 1e-9.
func TestHotspotsGiStarOnBands(t *testing.T) {
	rows, err := csv.NewReader(bytes.NewReader(fixture.Read(t, fixture.GiStarStockton))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[geo.Cell]float64{}
	h := &engine.Hotspots{Layer: "wards", Res: 9, K: 1, Measure: engine.Count}
	for _, r := range rows[1:] {
		c, err := geo.ParseCell(r[0])
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.ParseInt(r[1], 10, 64)
		want[c], _ = strconv.ParseFloat(r[3], 64)
		h.Cells = append(h.Cells, engine.HotCell{Cell: c, Count: 5 * n})
	}
	slices.SortFunc(h.Cells, func(a, b engine.HotCell) int { return cmp.Compare(a.Cell, b.Cell) })
	out, err := New(Options{}).View("cleveland-rms", false).Hotspots(h)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for _, c := range out.Cells {
		worst = max(worst, math.Abs(c.Z-want[c.Cell]))
	}
	if len(out.Cells) != 2238 || worst > 1e-9 {
		t.Errorf("%d cells, z differs from R spdep by up to %g", len(out.Cells), worst)
	}
}
