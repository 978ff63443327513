package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

func TestPlaceName(t *testing.T) {
	for _, c := range []struct {
		in      string
		name    string
		generic bool
	}{
		{"On or near Regent Street", "Regent Street", false},
		{"On or near Parking Area", "Parking Area", true},
		{"On or near Sports/Recreation Area", "Sports/Recreation Area", true},
		{"On or near ", "", false},
		{"", "", false},
		{"  Yarm Lane, Stockton ", "Yarm Lane, Stockton", false},
	} {
		t.Run(c.in, func(t *testing.T) {
			name, generic := PlaceName(c.in)
			if name != c.name || generic != c.generic {
				t.Errorf("PlaceName(%q) = %q, %v; want %q, %v", c.in, name, generic, c.name, c.generic)
			}
		})
	}
}

// TestPlaces checks the streets against a hand count of the police.uk
// rows: "High Street" is at 16 map points across Cleveland, two of them
// (in Skelton, 246 m apart) one street, the others kilometres apart: 15
// places. "Regent Street" is at 2 points, Hartlepool's (4 incidents) and
// Stockton's (1,032).
func TestPlaces(t *testing.T) {
	e := newEngine(t, realStore(t, false), Options{})
	ps, err := e.Places(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var high, regent []Place
	for _, p := range ps.Places {
		switch p.Name {
		case "High Street":
			high = append(high, p)
		case "Regent Street":
			regent = append(regent, p)
		}
	}
	if len(high) != 15 {
		t.Errorf("%d places named High Street, want 15", len(high))
	}
	points := 0
	var skelton *Place
	for i, p := range high {
		points += p.Points
		if p.Points == 2 {
			skelton = &high[i]
		}
	}
	if points != 16 {
		t.Errorf("High Street places hold %d map points, want 16", points)
	}
	if skelton == nil || skelton.Count != 15 || skelton.Point != (orb.Point{-0.964413, 54.539608}) {
		t.Errorf("the two-point High Street: %+v; want 15 incidents labelled at the busier point (-0.964413, 54.539608)", skelton)
	}
	// west to east: Stockton's, then Hartlepool's
	if len(regent) != 2 || regent[0].Count != 1032 || regent[0].Point != (orb.Point{-1.313972, 54.565497}) || regent[1].Count != 4 {
		t.Errorf("Regent Street: %+v; want Stockton's 1,032 at (-1.313972, 54.565497), then Hartlepool's 4", regent)
	}
	// every named location of the raw rows is in a place of its name
	names := map[string]bool{}
	for _, p := range ps.Places {
		names[p.Name] = true
	}
	for _, r := range raw(t) {
		if n := strings.TrimPrefix(r.location, "On or near "); r.located && n != "" && !names[n] {
			t.Fatalf("location %q is in no place", r.location)
		}
	}
}

// TestCellStreets names cells by a second count: the raw rows' names
// tallied by the cell of their point.
func TestCellStreets(t *testing.T) {
	e := newEngine(t, realStore(t, false), Options{})
	for _, res := range []int{9, 11} {
		got, err := e.CellStreets(context.Background(), res)
		if err != nil {
			t.Fatal(err)
		}
		type key struct {
			cell geo.Cell
			name string
		}
		named := map[key]int64{}
		generic := map[key]int64{}
		for _, r := range raw(t) {
			n := strings.TrimPrefix(r.location, "On or near ")
			if !r.located || n == "" {
				continue
			}
			c, err := geo.CellAt(orb.Point{r.lon, r.lat}, res)
			if err != nil {
				t.Fatal(err)
			}
			if genericPlaces[n] {
				generic[key{c, n}]++
			} else {
				named[key{c, n}]++
			}
		}
		want := map[geo.Cell]string{}
		best := map[geo.Cell]int64{}
		pick := func(m map[key]int64, only func(geo.Cell) bool) {
			for k, n := range m {
				if !only(k.cell) {
					continue
				}
				if b, ok := best[k.cell]; !ok || n > b || (n == b && k.name < want[k.cell]) {
					best[k.cell], want[k.cell] = n, k.name
				}
			}
		}
		pick(named, func(geo.Cell) bool { return true })
		hasNamed := map[geo.Cell]bool{}
		for c := range want {
			hasNamed[c] = true
		}
		pick(generic, func(c geo.Cell) bool { return !hasNamed[c] })
		if len(got) != len(want) {
			t.Errorf("res %d: %d cells named, want %d", res, len(got), len(want))
		}
		for c, n := range want {
			if got[c] != n {
				t.Errorf("res %d: cell %s named %q, want %q", res, c, got[c], n)
			}
		}
		// Regent Street's point is the busiest of its cell
		c, _ := geo.CellAt(orb.Point{-1.313972, 54.565497}, res)
		if s, _ := e.StreetOfCell(context.Background(), c); s != "Regent Street" {
			t.Errorf("res %d: the cell of Regent Street's point is named %q", res, s)
		}
	}
	if _, err := e.CellStreets(context.Background(), 13); !errors.Is(err, ErrBadQuery) {
		t.Errorf("resolution 13: %v, want ErrBadQuery", err)
	}
}

func TestSearch(t *testing.T) {
	e := newEngine(t, realStore(t, false), Options{})
	ctx := context.Background()
	regentWard := ""
	for _, w := range readRawWards(t) {
		if w.contains(-1.313972, 54.565497) {
			regentWard = w.name
		}
	}
	for _, c := range []struct {
		name, text string
		check      func(t *testing.T, rs []SearchResult)
	}{
		{"ward by name", "town centre", func(t *testing.T, rs []SearchResult) {
			if len(rs) == 0 || rs[0].Kind != FoundArea || rs[0].Label != "Stockton Town Centre" || rs[0].Code != "E05014882" || rs[0].Layer != "wards" {
				t.Errorf("first result %+v; want the ward Stockton Town Centre (E05014882)", first(rs))
			}
		}},
		{"ward by code", "e05014882", func(t *testing.T, rs []SearchResult) {
			if len(rs) != 1 || rs[0].Label != "Stockton Town Centre" {
				t.Errorf("got %+v", rs)
			}
		}},
		{"street", "regent st", func(t *testing.T, rs []SearchResult) {
			if len(rs) < 2 || rs[0].Kind != FoundStreet || rs[0].Label != "Regent Street" || rs[0].Point != (orb.Point{-1.313972, 54.565497}) {
				t.Fatalf("got %+v; want Stockton's Regent Street (the busier) first", rs)
			}
			if rs[0].Detail != "in "+regentWard || regentWard == "" {
				t.Errorf("detail %q, want in %q", rs[0].Detail, regentWard)
			}
			if rs[1].Label != "Regent Street" || rs[1].Detail != "street or place" {
				t.Errorf("second %+v; want Hartlepool's Regent Street, outside the Stockton wards", rs[1])
			}
		}},
		{"generic places are not found", "parking area", func(t *testing.T, rs []SearchResult) {
			if len(rs) != 0 {
				t.Errorf("got %+v", rs)
			}
		}},
		{"cell", "89194655b9bffff", func(t *testing.T, rs []SearchResult) {
			c, _ := geo.ParseCell("89194655b9bffff")
			if len(rs) != 1 || rs[0].Kind != FoundCell || rs[0].Cell != "89194655b9bffff" || rs[0].Point != c.Center() {
				t.Errorf("got %+v", rs)
			}
		}},
		{"lat,lon", "54.5655, -1.3140", func(t *testing.T, rs []SearchResult) {
			if len(rs) != 1 || rs[0].Kind != FoundPoint || rs[0].Point != (orb.Point{-1.3140, 54.5655}) || rs[0].Detail != "latitude, longitude in "+regentWard {
				t.Errorf("got %+v", rs)
			}
		}},
		{"lon,lat when the first cannot be a latitude", "151.2093 -33.8688", func(t *testing.T, rs []SearchResult) {
			if len(rs) != 1 || rs[0].Point != (orb.Point{151.2093, -33.8688}) || rs[0].Detail != "latitude, longitude" {
				t.Errorf("got %+v", rs)
			}
		}},
		{"nothing", "zzzz", func(t *testing.T, rs []SearchResult) {
			if len(rs) != 0 {
				t.Errorf("got %+v", rs)
			}
		}},
		{"empty", "  ", func(t *testing.T, rs []SearchResult) {
			if rs == nil || len(rs) != 0 {
				t.Errorf("got %#v, want an empty list", rs)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs, err := e.Search(ctx, SearchQuery{Text: c.text})
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, rs)
		})
	}
	rs, err := e.Search(ctx, SearchQuery{Text: "road", Limit: 3})
	if err != nil || len(rs) != 3 {
		t.Errorf("limit 3: %d results, %v", len(rs), err)
	}
}

func first(rs []SearchResult) any {
	if len(rs) == 0 {
		return nil
	}
	return rs[0]
}

// BenchmarkSearch is the search box's cost per keystroke once the places
// are cached: every area of every layer and every place matched.
func BenchmarkSearch(b *testing.B) {
	e := newEngine(b, realStore(b, false), Options{})
	ctx := context.Background()
	if _, err := e.Search(ctx, SearchQuery{Text: "regent"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Search(ctx, SearchQuery{Text: "stock"}); err != nil {
			b.Fatal(err)
		}
	}
}

// plainStore hides every method of a store but data.Store's, such as
// data.LocationCounter.
type plainStore struct{ data.Store }

// TestCellStreetsFromLocationCounts: the streets named from the store's
// counts by location equal those named from its incidents read one by one
// (a store that does not count by location), at every resolution, on the
// police.uk months and on the synthetic force export with its times.
func TestCellStreetsFromLocationCounts(t *testing.T) {
	ctx := context.Background()
	s := realStore(t, false)
	for _, src := range []struct {
		name  string
		times *data.TimeFilter
	}{{"", nil}} {
		fast := newEngine(t, s, Options{}).Source(src.name).WithTimes(src.times)
		slow := newEngine(t, plainStore{s}, Options{}).Source(src.name).WithTimes(src.times)
		for res := 5; res <= 12; res++ {
			got, err := fast.CellStreets(ctx, res)
			if err != nil {
				t.Fatal(err)
			}
			want, err := slow.CellStreets(ctx, res)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(got) == 0 {
				t.Fatalf("res %d: %d cells named, from the incidents %d", res, len(got), len(want))
			}
			for c, n := range want {
				if got[c] != n {
					t.Errorf("res %d: cell %s named %q, from the incidents %q", res, c, got[c], n)
				}
			}
		}
	}
}
