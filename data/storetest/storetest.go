// Package storetest is the conformance suite of the data.Store contract: one
// set of tests run against every storage engine (the memory store, the
// PostgreSQL store), so they give the same answers.
//
// The expected answers come from outside the stores: the independent
// police.uk tally in testdata/reference for month by type, and counts
// computed here straight from the partitions the stores were given (the H3
// cell holding each raw point at each resolution, areas with
// geo.Layer.Locate on the raw points, and plain ray casting for the wards),
// plus the shapes' agreement with each other. The data are the repository's
// own (internal/fixture): the bundled sample and testdata/.
package storetest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// Run runs the suite. open returns a new, empty store each time it is called
// and arranges (with t.Cleanup) to close and remove it; the suite may close
// it first.
func Run(t *testing.T, open func(t *testing.T) data.Store) {
	t.Run("Empty", func(t *testing.T) { testEmpty(t, open(t)) })
	t.Run("Closed", func(t *testing.T) { testClosed(t, open(t)) })
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open(t)) })
	t.Run("Operations", func(t *testing.T) { testOperations(t, open(t)) })
	t.Run("Sources", func(t *testing.T) { testSources(t, open(t)) })
	t.Run("Cleveland", func(t *testing.T) {
		s := open(t)
		Load(t, s)
		ref, err := newReference(Cleveland(t), map[string][]geo.Area{Wards: WardAreas(t), LSOAs: LSOAAreas(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("Summary", func(t *testing.T) { testSummary(t, s) })
		t.Run("Layers", func(t *testing.T) { testLayers(t, s) })
		t.Run("MonthTypeMatchesTally", func(t *testing.T) { testTally(t, s) })
		t.Run("GroupBy", func(t *testing.T) { testGroupBy(t, s, ref) })
		t.Run("Filters", func(t *testing.T) { testFilters(t, s, ref) })
		t.Run("ShapesAgree", func(t *testing.T) { testShapesAgree(t, s) })
		t.Run("WardsMatchRayCasting", func(t *testing.T) { testRayCasting(t, s) })
		t.Run("Incidents", func(t *testing.T) { testIncidents(t, s, ref) })
		t.Run("CellFilter", func(t *testing.T) { testCellFilter(t, s) })
		t.Run("Errors", func(t *testing.T) { testErrors(t, s) })
		t.Run("Cancel", func(t *testing.T) { testCancel(t, s) })
		// these change the store, and put it back
		t.Run("Replace", func(t *testing.T) { testReplace(t, s, ref) })
		t.Run("LayerLifecycle", func(t *testing.T) { testLayerLifecycle(t, s, ref) })
	})
}

var ctx = context.Background()

// Shapes are GroupBy values the suite asks for: every combination of cells
// (none, resolution 9, BaseRes), wards (or not), month and type, and a few
// with LSOAs and other resolutions.
func Shapes() []data.GroupBy {
	var out []data.GroupBy
	for _, res := range []int{0, 9, geo.BaseRes} {
		for _, layer := range []string{"", Wards} {
			for _, month := range []bool{false, true} {
				for _, typ := range []bool{false, true} {
					out = append(out, data.GroupBy{CellRes: res, Layer: layer, Month: month, Type: typ})
				}
			}
		}
	}
	return append(out,
		data.GroupBy{Layer: LSOAs},
		data.GroupBy{Layer: LSOAs, Month: true, Type: true},
		data.GroupBy{CellRes: geo.MinRes},
		data.GroupBy{CellRes: 11, Layer: LSOAs, Type: true},
		data.GroupBy{CellRes: 7, Month: true, Type: true},
		data.GroupBy{CellRes: 10, Type: true},
	)
}

// Filters are the Query filters the suite asks for, on the Cleveland data.
func Filters(tb testing.TB) map[string]data.Query {
	tb.Helper()
	wards := WardAreas(tb)
	return map[string]data.Query{
		"all":              {},
		"2024":             {From: data.MonthOf(2024, 1), To: data.MonthOf(2024, 12)},
		"from 2025-06":     {From: data.MonthOf(2025, 6)},
		"to 2023-03":       {To: data.MonthOf(2023, 3)},
		"types":            {Types: []string{"Burglary", "Shoplifting", "No such type"}},
		"force":            {Forces: []string{"Cleveland Police"}},
		"other force":      {Forces: []string{"Durham Constabulary"}},
		"police.uk":        {Sources: []string{data.PoliceUK}},
		"other source":     {Sources: []string{"cleveland-rms"}},
		"in wards":         {Layer: Wards},
		"in two wards":     {Layer: Wards, Areas: []string{wards[3].Code, wards[10].Code}},
		"combined":         {From: data.MonthOf(2024, 6), To: data.MonthOf(2025, 5), Types: []string{"Violence and sexual offences", "Public order"}, Layer: LSOAs},
		"month, ward, ASB": {From: data.MonthOf(2025, 11), To: data.MonthOf(2025, 11), Types: []string{"Anti-social behaviour"}, Layer: Wards, Areas: []string{wards[0].Code}},
	}
}

func testEmpty(t *testing.T, s data.Store) {
	sum, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Incidents != 0 || sum.Partitions != 0 || len(sum.Months) != 0 || len(sum.Layers) != 0 || len(sum.Types) != 0 {
		t.Errorf("empty store's summary: %+v", sum)
	}
	if sum.Months == nil || sum.Forces == nil || sum.Types == nil || sum.Layers == nil {
		t.Errorf("empty store's summary has nil lists (JSON null): %+v", sum)
	}
	for _, by := range []data.GroupBy{{}, {Month: true, Type: true}, {CellRes: 9}} {
		rows, err := s.Aggregate(ctx, data.Query{By: by})
		if err != nil || len(rows) != 0 {
			t.Errorf("Aggregate %+v on an empty store: %v, %v", by, rows, err)
		}
	}
	ls, err := s.Layers(ctx)
	if err != nil || ls == nil || len(ls) != 0 {
		t.Errorf("Layers on an empty store: %v, %v (want an empty list)", ls, err)
	}
	if err := s.Replace(ctx, nil); !errors.Is(err, data.ErrNothingToAdd) {
		t.Errorf("Replace(nil): %v, want ErrNothingToAdd", err)
	}
	if _, _, err := s.Layer(ctx, Wards); !errors.Is(err, data.ErrNoLayer) {
		t.Errorf("Layer on an empty store: %v, want ErrNoLayer", err)
	}
	if err := s.DeleteLayer(ctx, Wards); !errors.Is(err, data.ErrNoLayer) {
		t.Errorf("DeleteLayer on an empty store: %v, want ErrNoLayer", err)
	}
	if err := s.PutLayer(ctx, "Bad Name!", WardAreas(t), data.LayerMeta{}); !errors.Is(err, data.ErrBadLayerName) {
		t.Errorf("PutLayer with the layer name \"Bad Name!\": %v, want data.ErrBadLayerName", err)
	}
	if err := s.PutLayer(ctx, "none", nil, data.LayerMeta{}); err == nil {
		t.Error("PutLayer accepted a layer with no areas")
	}
	n := 0
	if err := s.Incidents(ctx, data.Query{}, func(*data.Incident) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("Incidents on an empty store: %d, %v", n, err)
	}
}

func testClosed(t *testing.T, s data.Store) {
	p := build("Test", data.MonthOf(2024, 1), []data.Incident{{Type: "Drugs", Location: Location(orb.Point{-1.3, 54.56})}})
	if err := s.Replace(ctx, []*data.Partition{p}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Aggregate(ctx, data.Query{}); !errors.Is(err, data.ErrStoreClosed) {
		t.Errorf("Aggregate after Close: %v, want ErrStoreClosed", err)
	}
	if err := s.Incidents(ctx, data.Query{}, func(*data.Incident) error { return nil }); !errors.Is(err, data.ErrStoreClosed) {
		t.Errorf("Incidents after Close: %v, want ErrStoreClosed", err)
	}
	if err := s.Replace(ctx, []*data.Partition{p}); !errors.Is(err, data.ErrStoreClosed) {
		t.Errorf("Replace after Close: %v, want ErrStoreClosed", err)
	}
	if err := s.PutLayer(ctx, Wards, WardAreas(t), data.LayerMeta{}); !errors.Is(err, data.ErrStoreClosed) {
		t.Errorf("PutLayer after Close: %v, want ErrStoreClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Location is a place with coordinates and its BaseRes cell.
func Location(pt orb.Point) data.Location {
	c, err := geo.CellOf(pt)
	if err != nil {
		panic(err)
	}
	return data.Location{Point: pt, Cell: c}
}

// testRoundTrip stores hand-made partitions using every field and reads them
// back whole.
func testRoundTrip(t *testing.T, s data.Store) {
	m := data.MonthOf(2024, 2)
	hexID := strings.Repeat("0123456789abcdef", 4)
	nowhere := data.Location{Point: orb.Point{math.NaN(), math.NaN()}, Name: "No Location"}
	place := func(lon, lat float64, name, code, lsoa string) data.Location {
		l := Location(orb.Point{lon, lat})
		l.Name, l.LSOACode, l.LSOAName = name, code, lsoa
		return l
	}
	stockton := place(-1.3167, 54.5686, "On or near High Street", "E01012345", "Stockton-on-Tees 015A")
	b := []data.Incident{
		{ID: hexID, Minute: 0, Type: "Burglary", Outcome: "Under investigation", FallsWithin: "B Police", Location: stockton, Context: "a context, with \"quotes\"\nand a new line"},
		{ID: "", Minute: -1, Type: "Anti-social behaviour", FallsWithin: "B Police", Location: stockton},
		{ID: strings.ToUpper(hexID), Minute: 44639, Type: "Drugs", Outcome: "Court result unavailable", FallsWithin: "Elsewhere", Location: place(-1.2, 54.6, "On or near Park/Open Space", "E01000001", "Somewhere 001A")},
		{ID: "CR/2024/000123", Minute: 61, Type: "Other theft", Location: nowhere},
		{ID: "ünïcödé-id", Minute: 1440, Type: "Robbery", Outcome: "Ünïcödé outcome", Location: place(-1.3167, 54.5686, "On or near Ünïcödé Street", "", "")},
	}
	a := []data.Incident{
		{ID: "A1", Minute: 5, Type: "Vehicle crime", Location: stockton},
		{ID: "A2", Minute: -1, Type: "Vehicle crime", Location: nowhere},
	}
	later := []data.Incident{{ID: "L1", Minute: 7, Type: "Shoplifting", Location: stockton}}
	var want []data.Incident
	for _, g := range []struct {
		force string
		month data.Month
		ins   []data.Incident
	}{{"A Police", m, a}, {"B Police", m, b}, {"A Police", m + 1, later}} {
		for _, in := range g.ins {
			in.Force, in.Month, in.Source = g.force, g.month, data.PoliceUK
			want = append(want, in)
		}
	}
	// given out of order, and the B partition first replaced by a bigger one
	parts := []*data.Partition{build("A Police", m+1, later), build("B Police", m, append(b, b...)), build("A Police", m, a)}
	if err := s.Replace(ctx, parts); err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, []*data.Partition{build("B Police", m, b)}); err != nil {
		t.Fatal(err)
	}
	got := collect(t, s, data.Query{})
	if len(got) != len(want) {
		t.Fatalf("%d incidents back, want %d", len(got), len(want))
	}
	for i := range want {
		if !SameIncident(got[i], want[i]) {
			t.Errorf("incident %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	sum, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Incidents != 8 || sum.Unlocated != 2 || sum.Partitions != 3 || fmt.Sprint(sum.Forces) != "[A Police B Police]" || fmt.Sprint(sum.Months) != "[2024-02 2024-03]" {
		t.Errorf("summary: %+v", sum)
	}
	rows, err := s.Aggregate(ctx, data.Query{Forces: []string{"B Police"}, By: data.GroupBy{Type: true}})
	if err != nil {
		t.Fatal(err)
	}
	wantRows := []data.Row{{Type: "Anti-social behaviour", Count: 1}, {Type: "Burglary", Count: 1}, {Type: "Drugs", Count: 1}, {Type: "Other theft", Count: 1}, {Type: "Robbery", Count: 1}}
	if d := DiffRows(rows, wantRows); d != "" {
		t.Errorf("B Police by type: %s", d)
	}
	rows, err = s.Aggregate(ctx, data.Query{By: data.GroupBy{CellRes: geo.BaseRes}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Cell > rows[1].Cell || rows[0].Count+rows[1].Count != 6 {
		t.Errorf("by cell: %v, want 2 cells in order holding the 6 located incidents", rows)
	}
}

func collect(tb testing.TB, s data.Store, q data.Query) []data.Incident {
	tb.Helper()
	var out []data.Incident
	if err := s.Incidents(ctx, q, func(in *data.Incident) error { out = append(out, *in); return nil }); err != nil {
		tb.Fatal(err)
	}
	return out
}

// SameIncident reports whether two incidents are equal, NaN coordinates
// (no location) equal to each other.
func SameIncident(a, b data.Incident) bool {
	nan := func(p orb.Point) bool { return math.IsNaN(p[0]) || math.IsNaN(p[1]) }
	if nan(a.Point) && nan(b.Point) {
		a.Point, b.Point = orb.Point{}, orb.Point{}
	}
	return a == b
}

func testSummary(t *testing.T, s data.Store) {
	parts := Cleveland(t)
	sum, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var unlocated int64
	types := map[string]int64{}
	for _, p := range parts {
		for i := 0; i < p.Len(); i++ {
			if p.Locations[p.Loc[i]].Cell == 0 {
				unlocated++
			}
			types[p.Strs[p.Type[i]]]++
		}
	}
	if sum.Incidents != 269438 || sum.Unlocated != unlocated || sum.Partitions != 35 || len(sum.Months) != 35 {
		t.Errorf("summary: %d incidents, %d unlocated, %d partitions, %d months; want 269438, %d, 35, 35",
			sum.Incidents, sum.Unlocated, sum.Partitions, len(sum.Months), unlocated)
	}
	for i, m := range sum.Months {
		if want := data.MonthOf(2023, 1) + data.Month(i); m != want {
			t.Errorf("month %d is %s, want %s", i, m, want)
		}
	}
	if fmt.Sprint(sum.Forces) != "[Cleveland Police]" || fmt.Sprint(sum.Layers) != "["+LSOAs+" "+Wards+"]" {
		t.Errorf("forces %v, layers %v", sum.Forces, sum.Layers)
	}
	if len(sum.Types) != len(types) {
		t.Errorf("%d types, want %d", len(sum.Types), len(types))
	}
	for i, tc := range sum.Types {
		if i > 0 && sum.Types[i-1].Type >= tc.Type {
			t.Errorf("types out of order: %q before %q", sum.Types[i-1].Type, tc.Type)
		}
		if types[tc.Type] != tc.Count {
			t.Errorf("type %s: %d, want %d", tc.Type, tc.Count, types[tc.Type])
		}
	}
	if sum.Version != s.Version() || sum.Version == 0 {
		t.Errorf("summary version %d, Version() %d", sum.Version, s.Version())
	}
}

func testLayers(t *testing.T, s data.Store) {
	ls, err := s.Layers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].Name != LSOAs || ls[1].Name != Wards {
		t.Fatalf("layers %+v, want %s and %s in name order", ls, LSOAs, Wards)
	}
	for _, li := range ls {
		var areas []geo.Area
		if li.Name == Wards {
			areas = WardAreas(t)
		} else {
			areas = LSOAAreas(t)
		}
		b := areas[0].Geometry.Bound()
		withPop := 0
		for _, a := range areas {
			b = b.Union(a.Geometry.Bound())
			if a.HasPopulation {
				withPop++
			}
		}
		if li.Areas != len(areas) || li.WithPop != withPop || li.Bound != [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			t.Errorf("layer %s: %d areas, %d with population, bound %v; want %d, %d, %v", li.Name, li.Areas, li.WithPop, li.Bound, len(areas), withPop, b)
		}
		if !SameMeta(li.Meta, Metas[li.Name]) {
			t.Errorf("layer %s: meta %+v, want %+v", li.Name, li.Meta, Metas[li.Name])
		}
		l, meta, err := s.Layer(ctx, li.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !SameMeta(meta, Metas[li.Name]) {
			t.Errorf("Layer %s: meta %+v, want %+v", li.Name, meta, Metas[li.Name])
		}
		if err := SameAreas(l.Areas, areas); err != nil {
			t.Errorf("Layer %s: %v", li.Name, err)
		}
	}
	if _, _, err := s.Layer(ctx, "no-such-layer"); !errors.Is(err, data.ErrNoLayer) {
		t.Errorf("Layer(no-such-layer): %v, want ErrNoLayer", err)
	}
}

// SameMeta compares layer metadata, times by instant.
func SameMeta(a, b data.LayerMeta) bool {
	return a.Source == b.Source && a.Population == b.Population && a.Imported.Equal(b.Imported)
}

// SameAreas reports how got differs from want: codes, names, populations and
// geometry, in order.
func SameAreas(got, want []geo.Area) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d areas, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Code != w.Code || g.Name != w.Name || g.HasPopulation != w.HasPopulation || g.Population != w.Population {
			return fmt.Errorf("area %d: %s %q pop %v/%v, want %s %q pop %v/%v", i, g.Code, g.Name, g.Population, g.HasPopulation, w.Code, w.Name, w.Population, w.HasPopulation)
		}
		if !orb.Equal(g.Geometry, w.Geometry) {
			return fmt.Errorf("area %s: geometry differs", w.Code)
		}
	}
	return nil
}

func testTally(t *testing.T, s data.Store) {
	want := readTally(t, fixture.Path(t, fixture.Tally))
	if len(want) != 490 {
		t.Fatalf("tally has %d rows, want 490", len(want))
	}
	rows, err := s.Aggregate(ctx, data.Query{By: data.GroupBy{Month: true, Type: true}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range rows {
		got[r.Month.String()+"|"+r.Type] = r.Count
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: stored %d, tally %d", k, got[k], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d month/type groups stored, tally has %d", len(got), len(want))
	}
}

func readTally(tb testing.TB, path string) map[string]int64 {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range recs[1:] {
		n, err := strconv.ParseInt(r[2], 10, 64)
		if err != nil {
			tb.Fatal(err)
		}
		out[r[0][:7]+"|"+r[1]] = n
	}
	return out
}

// Describe names a query in messages.
func Describe(q data.Query) string {
	var parts []string
	if q.From != 0 || q.To != 0 {
		parts = append(parts, fmt.Sprintf("%s..%s", q.From, q.To))
	}
	if len(q.Types) > 0 {
		parts = append(parts, fmt.Sprintf("types %v", q.Types))
	}
	if len(q.Forces) > 0 {
		parts = append(parts, fmt.Sprintf("forces %v", q.Forces))
	}
	if q.Layer != "" {
		parts = append(parts, fmt.Sprintf("in %s %v", q.Layer, q.Areas))
	}
	g := q.By
	by := []string{}
	if g.CellRes > 0 {
		by = append(by, fmt.Sprintf("cell%d", g.CellRes))
	}
	if g.Layer != "" {
		by = append(by, g.Layer)
	}
	if g.Month {
		by = append(by, "month")
	}
	if g.Type {
		by = append(by, "type")
	}
	if len(by) == 0 {
		by = append(by, "total")
	}
	parts = append(parts, "by "+strings.Join(by, "+"))
	return strings.Join(parts, ", ")
}

// DiffRows describes how got differs from want, "" when identical (nil and
// empty are the same).
func DiffRows(got, want []data.Row) string {
	n := min(len(got), len(want))
	for i := 0; i < n; i++ {
		if got[i] != want[i] {
			return fmt.Sprintf("row %d is %+v, want %+v (%d rows, want %d)", i, got[i], want[i], len(got), len(want))
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d rows, want %d", len(got), len(want))
	}
	return ""
}

func check(t *testing.T, s data.Store, ref *reference, q data.Query) {
	t.Helper()
	got, err := s.Aggregate(ctx, q)
	if err != nil {
		t.Errorf("%s: %v", Describe(q), err)
		return
	}
	if d := DiffRows(got, ref.aggregate(q)); d != "" {
		t.Errorf("%s: %s", Describe(q), d)
	}
}

func testGroupBy(t *testing.T, s data.Store, ref *reference) {
	combined := Filters(t)["combined"]
	for _, by := range Shapes() {
		t.Run(Describe(data.Query{By: by}), func(t *testing.T) {
			check(t, s, ref, data.Query{By: by})
			q := combined
			q.By = by
			check(t, s, ref, q)
		})
	}
}

func testFilters(t *testing.T, s data.Store, ref *reference) {
	for name, q := range Filters(t) {
		t.Run(name, func(t *testing.T) {
			for _, by := range []data.GroupBy{{}, {Month: true, Type: true}, {CellRes: 9, Layer: Wards}, {Layer: LSOAs, Type: true}} {
				q.By = by
				check(t, s, ref, q)
			}
		})
	}
}

func total(tb testing.TB, s data.Store, q data.Query) int64 {
	tb.Helper()
	rows, err := s.Aggregate(ctx, q)
	if err != nil {
		tb.Fatal(err)
	}
	var n int64
	for _, r := range rows {
		if r.Count <= 0 {
			tb.Errorf("%s: row %+v has a count of %d", Describe(q), r, r.Count)
		}
		n += r.Count
	}
	return n
}

// testShapesAgree checks the shapes against each other: however the
// incidents are split, the parts add up to the whole.
func testShapesAgree(t *testing.T, s data.Store) {
	sum, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all := total(t, s, data.Query{})
	located := sum.Incidents - sum.Unlocated
	inWards := total(t, s, data.Query{Layer: Wards})
	for _, c := range []struct {
		q    data.Query
		want int64
	}{
		{data.Query{By: data.GroupBy{Month: true}}, all},
		{data.Query{By: data.GroupBy{Type: true}}, all},
		{data.Query{By: data.GroupBy{CellRes: 9}}, located},
		{data.Query{By: data.GroupBy{CellRes: geo.BaseRes, Month: true}}, located},
		{data.Query{By: data.GroupBy{Layer: Wards}}, inWards},
		{data.Query{Layer: Wards, By: data.GroupBy{CellRes: 9}}, inWards},
		{data.Query{Layer: Wards, By: data.GroupBy{Layer: Wards, Month: true, Type: true}}, inWards},
	} {
		if got := total(t, s, c.q); got != c.want {
			t.Errorf("%s adds up to %d, want %d", Describe(c.q), got, c.want)
		}
	}
	if all != sum.Incidents || all != 269438 {
		t.Errorf("total %d, summary %d, want 269438", all, sum.Incidents)
	}
	if inWards < 70000 || inWards > all/2 {
		t.Errorf("%d incidents in Stockton's wards of %d in Cleveland; expected about a third", inWards, all)
	}
	inLSOAs := total(t, s, data.Query{Layer: LSOAs})
	if inLSOAs < located*99/100 || inLSOAs > located {
		t.Errorf("%d incidents in the four authorities' LSOAs of %d located; expected nearly all", inLSOAs, located)
	}
	// each ward's count is its area's share
	byWard, err := s.Aggregate(ctx, data.Query{By: data.GroupBy{Layer: Wards}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range byWard {
		if n := total(t, s, data.Query{Layer: Wards, Areas: []string{r.Area}}); n != r.Count {
			t.Errorf("ward %s: %d grouped, %d filtered", r.Area, r.Count, n)
		}
	}
	// cells are valid cells of the resolution asked for, in order; H3 does
	// not nest, so finer cells need not add up to coarser ones
	for _, res := range []int{geo.MinRes, 9, geo.BaseRes} {
		rows, err := s.Aggregate(ctx, data.Query{By: data.GroupBy{CellRes: res}})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			if r.Cell.Res() != res || !r.Cell.Valid() || (i > 0 && rows[i-1].Cell >= r.Cell) {
				t.Fatalf("row %d: cell %v is not a resolution %d cell after %v", i, r.Cell, res, rows[max(i-1, 0)].Cell)
			}
		}
	}
}

// testRayCasting counts each ward's incidents by month by ray casting over
// the raw points, independently of geo.
func testRayCasting(t *testing.T, s data.Store) {
	wards := WardAreas(t)
	want := map[string]int64{}
	multi := 0
	for _, p := range Cleveland(t) {
		for i := 0; i < p.Len(); i++ {
			l := p.Locations[p.Loc[i]]
			if l.Cell == 0 {
				continue
			}
			hits := 0
			for _, w := range wards {
				if rayCast(w.Geometry, orb.Point{l.Lon, l.Lat}) {
					if hits == 0 {
						want[fmt.Sprint(p.Month, "|", w.Code)]++
					}
					hits++
				}
			}
			if hits > 1 {
				multi++
			}
		}
	}
	if multi > 0 {
		t.Fatalf("%d points fall in two wards by ray casting: the boundary file overlaps", multi)
	}
	rows, err := s.Aggregate(ctx, data.Query{By: data.GroupBy{Layer: Wards, Month: true}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range rows {
		got[fmt.Sprint(r.Month, "|", r.Area)] = r.Count
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("ward-month %s: store %d, ray casting %d", k, got[k], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("store has %d ward-months, ray casting %d", len(got), len(want))
	}
}

func testIncidents(t *testing.T, s data.Store, ref *reference) {
	filters := Filters(t)
	for _, name := range []string{"all", "combined", "month, ward, ASB", "other force"} {
		t.Run(name, func(t *testing.T) {
			q := filters[name]
			got := collect(t, s, q)
			want := ref.incidents(q)
			if len(got) != len(want) {
				t.Fatalf("%d incidents, want %d", len(got), len(want))
			}
			bad := 0
			for i := range want {
				if !SameIncident(got[i], want[i]) {
					if bad++; bad <= 5 {
						t.Errorf("incident %d:\n got %+v\nwant %+v", i, got[i], want[i])
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d incidents differ", bad, len(want))
			}
			if n := total(t, s, q); n != int64(len(got)) {
				t.Errorf("Incidents gave %d, Aggregate counts %d", len(got), n)
			}
		})
	}
	// fn's error stops the walk and comes back as it is
	stop := errors.New("enough")
	n := 0
	err := s.Incidents(ctx, data.Query{}, func(*data.Incident) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if err != stop || n != 10 {
		t.Errorf("Incidents after fn failed at 10: %d calls, %v", n, err)
	}
}

func testErrors(t *testing.T, s data.Store) {
	for _, c := range []struct {
		name string
		q    data.Query
		want error
	}{
		{"unknown filter layer", data.Query{Layer: "no-such-layer"}, data.ErrNoLayer},
		{"unknown group layer", data.Query{By: data.GroupBy{Layer: "no-such-layer"}}, data.ErrNoLayer},
		{"unknown area", data.Query{Layer: Wards, Areas: []string{"E05014858", "E99999999"}}, data.ErrNoArea},
		{"area of another layer", data.Query{Layer: LSOAs, Areas: []string{"E05014858"}}, data.ErrNoArea},
		{"from after to", data.Query{From: data.MonthOf(2025, 1), To: data.MonthOf(2024, 1)}, data.ErrBadQuery},
		{"resolution too coarse", data.Query{By: data.GroupBy{CellRes: geo.MinRes - 1}}, data.ErrBadQuery},
		{"resolution too fine", data.Query{By: data.GroupBy{CellRes: geo.BaseRes + 1}}, data.ErrBadQuery},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := s.Aggregate(ctx, c.q); !errors.Is(err, c.want) {
				t.Errorf("Aggregate: %v, want %v", err, c.want)
			}
			if c.q.By != (data.GroupBy{}) {
				return
			}
			if err := s.Incidents(ctx, c.q, func(*data.Incident) error { return nil }); !errors.Is(err, c.want) {
				t.Errorf("Incidents: %v, want %v", err, c.want)
			}
		})
	}
	if err := s.DeleteLayer(ctx, "no-such-layer"); !errors.Is(err, data.ErrNoLayer) {
		t.Errorf("DeleteLayer(no-such-layer): %v, want ErrNoLayer", err)
	}
}

// testCancel checks a cancelled request stops with the context's error and
// a cancelled Replace stores nothing.
func testCancel(t *testing.T, s data.Store) {
	before, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Aggregate(cctx, data.Query{By: data.GroupBy{Month: true}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Aggregate with a cancelled context: %v", err)
	}
	cctx, cancel = context.WithCancel(ctx)
	n := 0
	err = s.Incidents(cctx, data.Query{}, func(*data.Incident) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Incidents cancelled in the first call: %v after %d calls", err, n)
	}
	cctx, cancel = context.WithCancel(ctx)
	cancel()
	parts := Cleveland(t)
	if err := s.Replace(cctx, []*data.Partition{head(parts[0], 10)}); err == nil {
		t.Error("Replace with a cancelled context succeeded")
	}
	after, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Incidents != before.Incidents || after.Version != before.Version {
		t.Errorf("cancelled Replace changed the store: %d incidents (version %d), was %d (version %d)", after.Incidents, after.Version, before.Incidents, before.Version)
	}
}

// testReplace replaces months: the same data again (totals unchanged,
// version bumped), a shorter partition (the old rows are gone), and back.
func testReplace(t *testing.T, s data.Store, ref *reference) {
	parts := Cleveland(t)
	last := parts[len(parts)-1]
	q := data.Query{By: data.GroupBy{Month: true, Type: true}}
	want := ref.aggregate(q)
	v := s.Version()
	for i := 0; i < 2; i++ {
		if err := s.Replace(ctx, []*data.Partition{last}); err != nil {
			t.Fatal(err)
		}
		if nv := s.Version(); nv <= v {
			t.Errorf("Replace %d: version %d, was %d", i+1, nv, v)
		} else {
			v = nv
		}
		got, err := s.Aggregate(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if d := DiffRows(got, want); d != "" {
			t.Errorf("after replacing %s again: %s", last.Month, d)
		}
	}
	// two months shortened in one Replace, then restored in one
	a, b := parts[3], parts[20]
	if err := s.Replace(ctx, []*data.Partition{head(a, 100), head(b, 1)}); err != nil {
		t.Fatal(err)
	}
	sum, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(269438 - a.Len() + 100 - b.Len() + 1); sum.Incidents != want || total(t, s, data.Query{}) != want {
		t.Errorf("after shortening two months: %d incidents, want %d", sum.Incidents, want)
	}
	if n := total(t, s, data.Query{From: a.Month, To: a.Month}); n != 100 {
		t.Errorf("%s holds %d incidents, want 100", a.Month, n)
	}
	// every count by cell, area, month and type follows the shortened months
	short := slices.Clone(parts)
	short[3], short[20] = head(a, 100), head(b, 1)
	sr, err := newReference(short, map[string][]geo.Area{Wards: WardAreas(t), LSOAs: LSOAAreas(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, by := range []data.GroupBy{{Layer: Wards, Month: true, Type: true}, {Layer: LSOAs}, {CellRes: 9, Month: true}, {CellRes: 7, Type: true}, {CellRes: 10, Month: true}} {
		check(t, s, sr, data.Query{By: by})
		check(t, s, sr, data.Query{From: a.Month, To: b.Month, By: by})
	}
	if err := s.Replace(ctx, []*data.Partition{a, b}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Aggregate(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if d := DiffRows(got, want); d != "" {
		t.Errorf("after restoring: %s", d)
	}
	check(t, s, ref, data.Query{By: data.GroupBy{Layer: Wards, Month: true}})
}

// testLayerLifecycle adds, replaces and deletes layers; locations stored
// before a layer get their areas, as do those stored after.
func testLayerLifecycle(t *testing.T, s data.Store, ref *reference) {
	lads, _, err := data.ReadAreaFiles([]string{fixture.Path(t, fixture.TeesValleyAuthorities)}, geo.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v := s.Version()
	if err := s.PutLayer(ctx, "lads", lads, data.LayerMeta{Source: "lads"}); err != nil {
		t.Fatal(err)
	}
	if s.Version() <= v {
		t.Error("PutLayer did not bump the version")
	}
	l, meta, err := s.Layer(ctx, "lads")
	if err != nil {
		t.Fatal(err)
	}
	if meta.Imported.IsZero() || meta.Source != "lads" || len(l.Areas) != len(lads) {
		t.Errorf("Layer(lads): %d areas, meta %+v", len(l.Areas), meta)
	}
	lr, err := newReference(Cleveland(t), map[string][]geo.Area{"lads": lads})
	if err != nil {
		t.Fatal(err)
	}
	check(t, s, lr, data.Query{By: data.GroupBy{Layer: "lads", Month: true}})
	// a location stored after the layer gets its area too
	pt := orb.Point{-1.2098765, 54.6876543} // Hartlepool
	area := lr.layers["lads"].Locate(pt)
	if area < 0 {
		t.Fatalf("%v is in no local authority", pt)
	}
	extra := build("Test Force", data.MonthOf(2025, 11), []data.Incident{{ID: "T1", Minute: -1, Type: "Drugs", Location: Location(pt)}})
	if err := s.Replace(ctx, []*data.Partition{extra}); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Aggregate(ctx, data.Query{Forces: []string{"Test Force"}, By: data.GroupBy{Layer: "lads"}})
	if err != nil {
		t.Fatal(err)
	}
	if d := DiffRows(rows, []data.Row{{Area: lads[area].Code, Count: 1}}); d != "" {
		t.Errorf("new location by local authority: %s", d)
	}
	// replacing a layer
	ls, err := s.Layers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 3 || ls[0].Name != "lads" {
		t.Errorf("layers %+v", ls)
	}
	if err := s.PutLayer(ctx, Wards, WardAreas(t), Metas[Wards]); err != nil {
		t.Fatal(err)
	}
	check(t, s, ref, data.Query{Forces: []string{"Cleveland Police"}, By: data.GroupBy{Layer: Wards, Month: true, Type: true}})
	// deleting one
	v = s.Version()
	if err := s.DeleteLayer(ctx, "lads"); err != nil {
		t.Fatal(err)
	}
	if s.Version() <= v {
		t.Error("DeleteLayer did not bump the version")
	}
	if _, _, err := s.Layer(ctx, "lads"); !errors.Is(err, data.ErrNoLayer) {
		t.Errorf("Layer after DeleteLayer: %v, want ErrNoLayer", err)
	}
	if _, err := s.Aggregate(ctx, data.Query{By: data.GroupBy{Layer: "lads"}}); !errors.Is(err, data.ErrNoLayer) {
		t.Errorf("Aggregate by a deleted layer: %v, want ErrNoLayer", err)
	}
	if err := s.DeleteLayer(ctx, "lads"); !errors.Is(err, data.ErrNoLayer) {
		t.Errorf("second DeleteLayer: %v, want ErrNoLayer", err)
	}
	sum, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sum.Layers) != "["+LSOAs+" "+Wards+"]" {
		t.Errorf("layers after delete: %v", sum.Layers)
	}
	testLayers(t, s)
}

// testCellFilter counts the incidents of a few resolution-9 cells through
// Query.Cells and checks them against the points of the raw partitions,
// each indexed independently with geo.CellAt.
func testCellFilter(t *testing.T, s data.Store) {
	ctx := context.Background()
	from, to := data.MonthOf(2025, 6), data.MonthOf(2025, 11)
	rows, err := s.Aggregate(ctx, data.Query{From: from, To: to, By: data.GroupBy{CellRes: 9}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 10 {
		t.Fatalf("%d cells", len(rows))
	}
	pick := []geo.Cell{rows[0].Cell, rows[len(rows)/3].Cell, rows[len(rows)/2].Cell, rows[len(rows)-1].Cell}
	set := map[geo.Cell]bool{}
	for _, c := range pick {
		set[c] = true
	}
	want := map[data.Month]int64{}
	cellOf := map[orb.Point]geo.Cell{}
	for _, p := range Cleveland(t) {
		if p.Month < from || p.Month > to {
			continue
		}
		for i := 0; i < p.Len(); i++ {
			l := p.Locations[p.Loc[i]]
			if l.Cell == 0 {
				continue
			}
			pt := orb.Point{l.Lon, l.Lat}
			c, ok := cellOf[pt]
			if !ok {
				if c, err = geo.CellAt(pt, 9); err != nil {
					t.Fatal(err)
				}
				cellOf[pt] = c
			}
			if set[c] {
				want[p.Month]++
			}
		}
	}
	got, err := s.Aggregate(ctx, data.Query{From: from, To: to, Cells: pick, By: data.GroupBy{Month: true}})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, r := range got {
		total += r.Count
		if r.Count != want[r.Month] {
			t.Errorf("%s: %d in the cells, raw points give %d", r.Month, r.Count, want[r.Month])
		}
	}
	if len(got) != len(want) || total == 0 {
		t.Errorf("%d months counted, raw %d (total %d)", len(got), len(want), total)
	}
	parent := pick[0].Parent(8)
	if _, err := s.Aggregate(ctx, data.Query{Cells: []geo.Cell{pick[0], parent}}); !errors.Is(err, data.ErrBadQuery) {
		t.Errorf("mixed resolutions: %v", err)
	}
}
