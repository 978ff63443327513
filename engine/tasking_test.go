package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// TestTaskingZones checks the patrol zones on the real data against the hot
// spot map they come from and against counts taken straight from the store.
func TestTaskingZones(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	// With the set-aside places kept, the zones come from the hot spot map itself.
	q := TaskingQuery{Layer: "wards", From: month(t, "2024-12"), To: month(t, "2025-11"), Top: 100, IncludeSetAside: true}
	tk, err := e.Tasking(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := e.Hotspots(ctx, HotspotQuery{Layer: "wards", Res: 10, From: q.From, To: q.To, Beyond: 1})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Res != 10 || tk.MaxWidthM != 400 {
		t.Errorf("resolution %d, width %g m; the defaults are 10 and 400 m", tk.Res, tk.MaxWidthM)
	}
	bin := map[geo.Cell]int{}
	hot := 0
	for _, c := range hs.Cells {
		bin[c.Cell] = c.Bin
		if c.Bin > 0 {
			hot++
		}
	}
	if tk.HotCells != hot || hot == 0 {
		t.Fatalf("tasking saw %d hot cells, the hot spot map has %d", tk.HotCells, hot)
	}
	// Every hot cell is in exactly one zone (Top 100 keeps them all).
	seen := map[geo.Cell]string{}
	for _, z := range tk.Zones {
		// Walkable: no two corners of its cells further apart than 400 m
		// (great-circle, 0.2% allowed for orb's equatorial radius).
		if w := cornersApart(z.Cells); len(z.Cells) == 0 || w > 400*1.002 || z.WidthM < w*0.995-1 || z.WidthM > 400 {
			t.Errorf("%s has %d cells %.0f m across (width %v)", z.ID, len(z.Cells), w, z.WidthM)
		}
		for _, c := range z.Cells {
			if bin[c] <= 0 {
				t.Errorf("%s holds cell %s, not a hot spot (bin %d)", z.ID, c, bin[c])
			}
			if prev, dup := seen[c]; dup {
				t.Errorf("cell %s in %s and %s", c, prev, z.ID)
			}
			seen[c] = z.ID
		}
		if !connected(t, z.Cells) {
			t.Errorf("%s is not one connected group: %v", z.ID, z.Cells)
		}
	}
	// Over 100 zones at 400 m: Top cuts the list, and says so.
	found := 0
	for _, n := range tk.Notes {
		fmt.Sscanf(n, "%d zones found", &found)
	}
	if found <= 100 || len(tk.Zones) != 100 || len(seen) >= hot {
		t.Errorf("%d zones listed of %d found; they hold %d of %d hot cells", len(tk.Zones), found, len(seen), hot)
	}
	// With room for every zone (2 km wide), every hot cell is in one.
	wide, err := e.Tasking(ctx, TaskingQuery{Layer: "wards", From: q.From, To: q.To, Top: 100, IncludeSetAside: true, MaxWidthM: 2000})
	if err != nil {
		t.Fatal(err)
	}
	all := map[geo.Cell]bool{}
	for _, z := range wide.Zones {
		for _, c := range z.Cells {
			if all[c] || bin[c] <= 0 {
				t.Errorf("cell %s twice or not hot (bin %d)", c, bin[c])
			}
			all[c] = true
		}
	}
	if len(all) != hot || len(wide.Notes) != 0 {
		t.Errorf("2 km zones hold %d of %d hot cells (notes %q)", len(all), hot, wide.Notes)
	}
	t.Logf("%d hot cells: %d zones of at most 400 m, %d of at most 2 km", hot, found, len(wide.Zones))
	// Ranked by harm, with the counts the store gives for their cells.
	rows, err := s.Aggregate(ctx, data.Query{From: q.From, To: q.To, Types: crimes, By: data.GroupBy{CellRes: 10}})
	if err != nil {
		t.Fatal(err)
	}
	perCell := map[geo.Cell]int64{}
	for _, r := range rows {
		perCell[r.Cell] = r.Count
	}
	// The previous 12 months, and every loaded month up to the period's end,
	// counted per cell by the store, for each zone's change and trend.
	prevRows, err := s.Aggregate(ctx, data.Query{From: q.From - 12, To: q.From - 1, Types: crimes, By: data.GroupBy{CellRes: 10}})
	if err != nil {
		t.Fatal(err)
	}
	prevCell := map[geo.Cell]int64{}
	for _, r := range prevRows {
		prevCell[r.Cell] = r.Count
	}
	first := month(t, "2023-01")
	monthRows, err := s.Aggregate(ctx, data.Query{From: first, To: q.To, Types: crimes, By: data.GroupBy{CellRes: 10, Month: true}})
	if err != nil {
		t.Fatal(err)
	}
	cellMonth := map[geo.Cell][]float64{}
	for _, r := range monthRows {
		if cellMonth[r.Cell] == nil {
			cellMonth[r.Cell] = make([]float64, int(q.To-first)+1)
		}
		cellMonth[r.Cell][r.Month-first] += float64(r.Count)
	}
	for i, z := range tk.Zones {
		if i > 0 && z.Harm > tk.Zones[i-1].Harm {
			t.Errorf("%s has more harm (%v) than %s (%v)", z.ID, z.Harm, tk.Zones[i-1].ID, tk.Zones[i-1].Harm)
		}
		var want, typed int64
		for _, c := range z.Cells {
			want += perCell[c]
		}
		for _, bt := range z.ByType {
			typed += bt.Count
		}
		if z.Count != want || typed != want {
			t.Errorf("%s counts %d (by type %d); its cells hold %d", z.ID, z.Count, typed, want)
		}
		var prev int64
		series := make([]float64, int(q.To-first)+1)
		for _, c := range z.Cells {
			prev += prevCell[c]
			for m, v := range cellMonth[c] {
				series[m] += v
			}
		}
		if z.Change == nil || z.Change.Current != float64(want) || z.Change.Previous != float64(prev) {
			t.Errorf("%s change %+v; its cells hold %d now and %d in the 12 months before", z.ID, z.Change, want, prev)
		}
		if sv, zz := mannKendallByHand(series); z.Trend == nil || z.Trend.S != sv || math.Abs(z.Trend.Z-zz) > 1e-12 {
			t.Errorf("%s trend %+v; by hand over 2023-01..2025-11: S %v z %v", z.ID, z.Trend, sv, zz)
		}
		if z.Rank != i+1 || z.ID == "" || len(z.Areas) == 0 || len(z.Locations) == 0 || z.Change == nil || z.TrendWord == "" {
			t.Errorf("%s incomplete: %+v", z.ID, z)
		}
		if !z.Peak.MonthOnly || z.Dose.VisitMinutes != "10-15" {
			t.Errorf("%s: police.uk data has no times; peak %+v dose %+v", z.ID, z.Peak, z.Dose)
		}
		var locSum int64
		for _, l := range z.Locations {
			locSum += l.Count
		}
		if locSum > z.Count || z.Locations[0].Count < z.Locations[len(z.Locations)-1].Count {
			t.Errorf("%s locations %v", z.ID, z.Locations)
		}
		if math.IsNaN(z.Center[0]) || len(z.Outline) == 0 {
			t.Errorf("%s has no outline or centre", z.ID)
		}
	}
	if len(tk.Zones[0].TownCentres) != 0 {
		t.Errorf("town centres %v with no town-centre layer", tk.Zones[0].TownCentres)
	}
	if !slices.Contains(tk.Zones[0].Areas, "Stockton Town Centre") {
		t.Errorf("the top zone is in %v; Stockton Town Centre carries the most harm", tk.Zones[0].Areas)
	}
	// Top cuts the list.
	top3, err := e.Tasking(ctx, TaskingQuery{Layer: "wards", From: q.From, To: q.To, Top: 3, IncludeSetAside: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(top3.Zones) != 3 || top3.Zones[2].ID != tk.Zones[2].ID || !slices.Equal(top3.Zones[0].Cells, tk.Zones[0].Cells) {
		t.Errorf("top 3 differ from the first 3 of all")
	}
	for _, bad := range []TaskingQuery{{Layer: "wards", MaxWidthM: 5000}, {Layer: "wards", MaxWidthM: 50}, {Layer: "wards", Res: 9}} {
		if _, err := e.Tasking(ctx, bad); !errors.Is(err, ErrBadQuery) {
			t.Errorf("%+v: %v, want a bad query", bad, err)
		}
	}
}

// cornersApart is the greatest great-circle distance between two corners
// of the cells, in metres: how far a zone is across.
func cornersApart(cells []geo.Cell) float64 {
	var pts []orb.Point
	for _, c := range cells {
		pts = append(pts, c.Boundary()...)
	}
	var w float64
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			w = max(w, orbgeo.DistanceHaversine(pts[i], pts[j]))
		}
	}
	return w
}

// connected reports whether cells form one group of grid neighbours.
func connected(tb testing.TB, cells []geo.Cell) bool {
	tb.Helper()
	in := map[geo.Cell]bool{}
	for _, c := range cells {
		in[c] = true
	}
	reached := map[geo.Cell]bool{cells[0]: true}
	stack := []geo.Cell{cells[0]}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		nb, err := c.Disk(1)
		if err != nil {
			tb.Fatal(err)
		}
		for _, n := range nb {
			if in[n] && !reached[n] {
				reached[n] = true
				stack = append(stack, n)
			}
		}
	}
	return len(reached) == len(cells)
}

// TestTaskingTownCentres loads a town-centre layer (a small polygon around
// Stockton High Street) and checks the zone covering it names it, and a
// zone away from it does not.
func TestTaskingTownCentres(t *testing.T) {
	s := realStore(t, false)
	ctx := context.Background()
	high := geo.Area{Code: "TC1", Name: "Stockton town centre (High Street)", Geometry: orb.MultiPolygon{{{
		{-1.3125, 54.5625}, {-1.3065, 54.5625}, {-1.3065, 54.5690}, {-1.3125, 54.5690}, {-1.3125, 54.5625}}}}}
	if err := s.PutLayer(ctx, TownCentreLayer, []geo.Area{high}, data.LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, s, Options{})
	tk, err := e.Tasking(ctx, TaskingQuery{Layer: "wards", From: month(t, "2024-12"), To: month(t, "2025-11"), Top: 100})
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, z := range tk.Zones {
		touches := false
		for _, c := range z.Cells {
			for _, p := range append(orb.Ring{c.Center()}, c.Boundary()...) {
				if planar.MultiPolygonContains(high.Geometry, p) {
					touches = true
				}
			}
		}
		got := slices.Contains(z.TownCentres, high.Name)
		if got != touches {
			t.Errorf("%s: town centres %v, touches the High Street polygon: %v", z.ID, z.TownCentres, touches)
		}
		if got {
			named++
		}
	}
	if named == 0 {
		t.Error("no zone names the town centre")
	}
}

// TestTaskingEmergingOverTrendSpan: a one-month sheet named every zone a "New Hot Spot",
// because the emerging category was computed over the sheet's single month (a series of one
// step hot at its end is New by definition). The category must come from the trend's months.
func TestTaskingEmergingOverTrendSpan(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	nov := month(t, "2025-11")
	tk, err := e.Tasking(ctx, TaskingQuery{Layer: "wards", From: nov, To: nov, Top: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Zones) == 0 {
		t.Fatal("no zones")
	}
	z0 := tk.Zones[0]
	// The bundled data run from 2023-01: the trend spans 35 months.
	if len(z0.Months) != 35 || z0.Months[0] != month(t, "2023-01") {
		t.Fatalf("trend months %v, want 2023-01..2025-11", z0.Months)
	}
	em, err := e.Emerging(ctx, HotspotQuery{Layer: "wards", Res: tk.Res, From: z0.Months[0], To: nov})
	if err != nil {
		t.Fatal(err)
	}
	label := map[geo.Cell]string{}
	for _, c := range em.Cells {
		label[c.Cell] = c.Label
	}
	news := 0
	for _, z := range tk.Zones {
		found := false
		for _, c := range z.Cells {
			found = found || label[c] == z.Emerging
		}
		if !found {
			t.Errorf("%s: category %q is not that of any of its cells over 2023-01..2025-11", z.ID, z.Emerging)
		}
		if z.Emerging == "New Hot Spot" {
			news++
		}
	}
	if news == len(tk.Zones) {
		t.Errorf("every one of %d zones is a New Hot Spot", news)
	}
}

// TestTaskingSetAside: crimes at police stations, hospitals and prisons are counted apart
// (checked against a plain walk of the store's incidents by location name) and left out when
// placing the zones, unless asked for.
func TestTaskingSetAside(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	nov := month(t, "2025-11")
	tk, err := e.Tasking(ctx, TaskingQuery{Layer: "wards", From: nov, To: nov, Top: 100})
	if err != nil {
		t.Fatal(err)
	}
	hs, err := e.Hotspots(ctx, HotspotQuery{Layer: "wards", Res: tk.Res, From: nov, To: nov})
	if err != nil {
		t.Fatal(err)
	}
	study := map[geo.Cell]bool{}
	for _, c := range hs.Cells {
		study[c.Cell] = true
	}
	want := map[string]int64{}
	var total int64
	names := map[string]string{"On or near Police Station": "Police Station", "On or near Hospital": "Hospital", "On or near Prison": "Prison"}
	err = s.Incidents(ctx, data.Query{From: nov, To: nov, Types: crimes}, func(in *data.Incident) error {
		if place, ok := names[in.Name]; ok && in.Located() {
			c, err := geo.CellAt(in.Point, tk.Res)
			if err != nil {
				return err
			}
			if study[c] {
				want[place]++
				total++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 || tk.SetAside != total {
		t.Fatalf("set aside %d, want %d (%v)", tk.SetAside, total, want)
	}
	for _, p := range tk.SetAsidePlaces {
		if want[p.Name] != p.Count {
			t.Errorf("%s: %d set aside, want %d", p.Name, p.Count, want[p.Name])
		}
	}
	var inZones int64
	for _, z := range tk.Zones {
		inZones += z.SetAside
	}
	if inZones == 0 || inZones > total {
		t.Errorf("zones hold %d set-aside crimes of %d", inZones, total)
	}
	all, err := e.Tasking(ctx, TaskingQuery{Layer: "wards", From: nov, To: nov, Top: 100, IncludeSetAside: true})
	if err != nil {
		t.Fatal(err)
	}
	if all.SetAside != 0 || len(all.SetAsidePlaces) != 0 {
		t.Errorf("IncludeSetAside: %d set aside", all.SetAside)
	}
	t.Logf("2025-11: %d crimes set aside (%v), %d of them in zones; hot cells %d without them, %d with", total, want, inZones, tk.HotCells, all.HotCells)
}

func TestPlacesFile(t *testing.T) {
	p := DefaultSetAside()
	for _, tt := range []struct {
		loc  string
		want string
		ok   bool
	}{
		{"On or near Police Station", "Police Station", true},
		{"on or near HOSPITAL", "Hospital", true},
		{"On or near Station Road", "", false},
		{"On or near Petrol Station", "", false},
		{"Prison", "Prison", true},
	} {
		if got, ok := p.Match(tt.loc); got != tt.want || ok != tt.ok {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tt.loc, got, ok, tt.want, tt.ok)
		}
	}
	none, err := ParseSetAside(strings.NewReader("# nothing\n\n"))
	if err != nil || none.Len() != 0 {
		t.Errorf("empty list: %v %v", none.Len(), err)
	}
	if _, ok := none.Match("On or near Police Station"); ok {
		t.Error("an empty list matched")
	}
}

// TestTownCentreClusterSplitByWidthOnly: the connected group of hot cells on Stockton High
// Street was cut into four zones by a cap of 7 cells. Now a cluster is cut only where it is
// wider than 400 m: no two neighbouring zones of it would fit together within 400 m
// (great-circle distance between corners, worked out here), and together they hold every hot
// cell of the cluster.
func TestTownCentreClusterSplitByWidthOnly(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	nov := month(t, "2025-11")
	tk, err := e.Tasking(ctx, TaskingQuery{Layer: "wards", From: nov, To: nov, Top: 100, IncludeSetAside: true})
	if err != nil {
		t.Fatal(err)
	}
	hs, err := e.Hotspots(ctx, HotspotQuery{Layer: "wards", Res: 10, From: nov, To: nov, Beyond: 1})
	if err != nil {
		t.Fatal(err)
	}
	hot := map[geo.Cell]bool{}
	for _, c := range hs.Cells {
		if c.Bin > 0 {
			hot[c.Cell] = true
		}
	}
	inZone := map[geo.Cell]int{}
	for i, z := range tk.Zones {
		for _, c := range z.Cells {
			inZone[c] = i
		}
	}
	// The cluster of hot cells holding the top zone's first cell, by flood fill; every one
	// of its cells is in a listed zone.
	start := tk.Zones[0].Cells[0]
	cluster := map[geo.Cell]bool{start: true}
	stack := []geo.Cell{start}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		nb, _ := c.Disk(1)
		for _, n := range nb {
			if hot[n] && !cluster[n] {
				cluster[n] = true
				stack = append(stack, n)
			}
		}
	}
	unlisted := 0
	for c := range cluster {
		if _, ok := inZone[c]; !ok {
			unlisted++ // in a zone with too little harm for the top 100
		}
	}
	zones := map[int]bool{}
	for c := range cluster {
		if i, ok := inZone[c]; ok {
			zones[i] = true
		}
	}
	if !slices.Contains(tk.Zones[0].Areas, "Stockton Town Centre") {
		t.Fatalf("the top zone is in %v", tk.Zones[0].Areas)
	}
	var all []geo.Cell
	for c := range cluster {
		all = append(all, c)
	}
	// Neighbouring zones of the cluster: merged, each pair is over 400 m across.
	for a := range zones {
		for b := range zones {
			if a >= b || !touch(t, tk.Zones[a].Cells, tk.Zones[b].Cells) {
				continue
			}
			if w := cornersApart(append(slices.Clone(tk.Zones[a].Cells), tk.Zones[b].Cells...)); w <= 400*0.998 {
				t.Errorf("%s and %s touch and would fit together (%.0f m across): cut for no reason", tk.Zones[a].ID, tk.Zones[b].ID, w)
			}
		}
	}
	t.Logf("the town-centre cluster: %d hot cells, %.0f m across, %d zones in the top 100 (%d cells in zones below them)", len(cluster), cornersApart(all), len(zones), unlisted)
	for z := range zones {
		t.Logf("  %s: %d cells, %.0f m across, %d crimes", tk.Zones[z].ID, len(tk.Zones[z].Cells), tk.Zones[z].WidthM, tk.Zones[z].Count)
	}
}

// touch reports whether two sets of cells have neighbouring cells.
func touch(tb testing.TB, a, b []geo.Cell) bool {
	tb.Helper()
	for _, c := range a {
		nb, err := c.Disk(1)
		if err != nil {
			tb.Fatal(err)
		}
		for _, n := range nb {
			if slices.Contains(b, n) {
				return true
			}
		}
	}
	return false
}
