package data

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// firstHolding is the reference area assignment: plain ray casting (orb's
// planar.MultiPolygonContains) over the areas in layer order, the first
// holding p winning; -1 for none.
func firstHolding(areas []geo.Area, p orb.Point) int32 {
	for i := range areas {
		if planar.MultiPolygonContains(areas[i].Geometry, p) {
			return int32(i)
		}
	}
	return -1
}

// checkLocations compares every location of s with an independent
// computation: its H3 cell at each resolution from h3 directly (geo.CellAt),
// its area in each layer by ray casting.
func checkLocations(t *testing.T, s *MemStore, layers map[string][]geo.Area) {
	t.Helper()
	bad := 0
	for i, l := range s.locs {
		if l.cell == 0 {
			continue
		}
		for r := geo.MinRes; r <= geo.BaseRes; r++ {
			want, err := geo.CellAt(l.pt, r)
			if err != nil {
				t.Fatal(err)
			}
			if got := l.cells.At(r); got != want {
				bad++
				if bad < 5 {
					t.Errorf("location %v: cell at resolution %d is %v, h3 says %v", l.pt, r, got, want)
				}
			}
		}
		for name, areas := range layers {
			if got, want := s.layers[name].area[i], firstHolding(areas, l.pt); got != want {
				bad++
				if bad < 5 {
					t.Errorf("location %v: area in %s is %d, ray casting says %d", l.pt, name, got, want)
				}
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d cells or areas wrong", bad)
	}
}

// answers are the store's counts by cell (every resolution), by area of each
// layer, month and type: the figures rankings and hot spots are made of.
func answers(t *testing.T, s *MemStore, layers []string) [][]Row {
	t.Helper()
	var out [][]Row
	ctx := context.Background()
	qs := []Query{}
	for r := geo.MinRes; r <= geo.BaseRes; r++ {
		qs = append(qs, Query{By: GroupBy{CellRes: r, Month: true}})
	}
	for _, l := range layers {
		qs = append(qs, Query{By: GroupBy{Layer: l, Month: true, Type: true}})
	}
	for _, q := range qs {
		rows, err := s.Aggregate(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(rows, func(a, b Row) int {
			switch {
			case a.Cell != b.Cell:
				return int(a.Cell>>1) - int(b.Cell>>1)
			case a.Area != b.Area:
				return stringsCompare(a.Area, b.Area)
			case a.Month != b.Month:
				return int(a.Month) - int(b.Month)
			}
			return stringsCompare(a.Type, b.Type)
		})
		out = append(out, rows)
	}
	return out
}

func stringsCompare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestRestartFromLocationIndex: a restart reads every location's cells and
// areas from the location index the import saved, and answers exactly as a
// store that computes them all from scratch (one whose index was removed),
// and as h3 and ray casting do.
func TestRestartFromLocationIndex(t *testing.T) {
	parts, _ := cleveland(t)
	layers := threeLayers(t)
	names := []string{"lsoa-2011", "wards", "wards-2013"}
	dir := filepath.Join(t.TempDir(), "store")
	ctx := context.Background()
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := s.PutLayer(ctx, n, layers[n], LayerMeta{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Replace(ctx, parts); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, locIndexName)); err != nil {
		t.Fatalf("the import saved no location index: %v", err)
	}
	scratch := copyDir(t, dir)
	if err := os.Remove(filepath.Join(scratch, locIndexName)); err != nil {
		t.Fatal(err)
	}

	restarted, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer restarted.Close()
	if restarted.openComputed != 0 {
		t.Errorf("the restart computed %d cells and areas; the index should have held them all", restarted.openComputed)
	}
	fresh, err := OpenMem(scratch, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if fresh.openComputed == 0 {
		t.Fatal("the store without an index computed nothing: the comparison would be vacuous")
	}
	checkLocations(t, restarted, layers)
	a, b := answers(t, restarted, names), answers(t, fresh, names)
	for i := range a {
		if len(a[i]) == 0 || !slices.Equal(a[i], b[i]) {
			t.Errorf("query %d: the restarted store gives %d rows, the store from scratch %d, and they differ", i, len(a[i]), len(b[i]))
		}
	}
	// The store from scratch saved its index for next time.
	if _, err := os.Stat(filepath.Join(scratch, locIndexName)); err != nil {
		t.Errorf("the store that computed its locations did not save an index: %v", err)
	}
}

// TestLocationIndexLayerReplaced: the saved areas of a layer hold for the
// layer file they were computed against only. After the layer is replaced,
// even an index still naming the old file (the new one lost in a crash)
// must not give the old areas.
func TestLocationIndexLayerReplaced(t *testing.T) {
	parts, _ := cleveland(t)
	ctx := context.Background()
	stockton := threeLayers(t)["wards"]
	var old []geo.Area
	for _, la := range []string{"E06000004"} {
		a, _, err := ReadAreaFiles([]string{fixture.Path(t, fixture.Wards2013(la))}, geo.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, a...)
	}
	dir := filepath.Join(t.TempDir(), "store")
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutLayer(ctx, "wards", old, LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, parts); err != nil {
		t.Fatal(err)
	}
	s.Close()
	stale, err := os.ReadFile(filepath.Join(dir, locIndexName))
	if err != nil {
		t.Fatal(err)
	}

	s, err = OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutLayer(ctx, "wards", stockton, LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	t.Run("index saved with the new layer", func(t *testing.T) {
		s, err := OpenMem(dir, MemOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.openComputed != 0 {
			t.Errorf("the restart computed %d cells and areas after the layer was replaced; the index should have held them", s.openComputed)
		}
		checkLocations(t, s, map[string][]geo.Area{"wards": stockton})
	})
	t.Run("index of the old layer file", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, locIndexName), stale, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := OpenMem(dir, MemOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.openComputed == 0 {
			t.Error("the areas of the replaced layer were taken from an index computed against the old one")
		}
		checkLocations(t, s, map[string][]geo.Area{"wards": stockton})
	})
	t.Run("damaged index", func(t *testing.T) {
		b := append([]byte(nil), stale...)
		b[len(b)/2] ^= 0xFF
		if err := os.WriteFile(filepath.Join(dir, locIndexName), b, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := OpenMem(dir, MemOptions{})
		if err != nil {
			t.Fatalf("a damaged location index must not stop the store opening: %v", err)
		}
		defer s.Close()
		checkLocations(t, s, map[string][]geo.Area{"wards": stockton})
	})
}

// BenchmarkRestartMillionVertexLayer opens the 35 Cleveland months with one
// layer whose single ring has a million vertices round Stockton (issue 9:
// such a layer made every restart take 26 s, each location tested against
// the whole ring): the layer's index is rebuilt, the areas are read from the
// location index.
func BenchmarkRestartMillionVertexLayer(b *testing.B) {
	parts, _ := cleveland(b)
	const n = 1_000_000
	ring := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		t := 2 * math.Pi * float64(i) / n
		rad := 0.1 * (1 + 0.3*math.Sin(7*t) + 0.1*math.Sin(131*t) + 0.02*math.Sin(5003*t))
		ring = append(ring, orb.Point{-1.3 + rad*math.Cos(t), 54.55 + rad*math.Sin(t)})
	}
	ring = append(ring, ring[0])
	dir := filepath.Join(b.TempDir(), "store")
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := s.PutLayer(ctx, "big", []geo.Area{{Code: "big", Name: "Big", Geometry: orb.MultiPolygon{{ring}}}}, LayerMeta{}); err != nil {
		b.Fatal(err)
	}
	if err := s.Replace(ctx, parts); err != nil {
		b.Fatal(err)
	}
	s.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, err := OpenMem(dir, MemOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if s.openComputed != 0 {
			b.Fatalf("the restart computed %d cells and areas", s.openComputed)
		}
		s.Close()
	}
}
