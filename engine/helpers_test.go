package engine

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

var (
	clevelandOnce  sync.Once
	clevelandParts []*data.Partition
	clevelandErr   error
)

// cleveland reads the 35 real Cleveland months once per test binary.
func cleveland(tb testing.TB) []*data.Partition {
	tb.Helper()
	dir := fixture.Path(tb, fixture.Cleveland)
	clevelandOnce.Do(func() {
		clevelandParts, _, clevelandErr = data.ReadIncidents(context.Background(), []string{dir}, data.ReadOptions{})
	})
	if clevelandErr != nil {
		tb.Fatal(clevelandErr)
	}
	return clevelandParts
}

// stocktonWards reads the 27 Stockton 2023 wards with their Census 2021
// populations.
func stocktonWards(tb testing.TB) []geo.Area {
	tb.Helper()
	areas, _, err := data.ReadAreaFiles([]string{fixture.Path(tb, fixture.StocktonWards)}, geo.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	pop, err := data.ReadPopulation(fixture.Path(tb, fixture.StocktonWardPopulation), "WD23CD", "population_census2021_bestfit_lsoa_sum")
	if err != nil {
		tb.Fatal(err)
	}
	if missing := data.ApplyPopulation(areas, pop); len(missing) > 0 {
		tb.Fatalf("no population for wards %v", missing)
	}
	return areas
}

// clevelandWards reads the 82 2013 wards of the four Cleveland authorities.
func clevelandWards(tb testing.TB) []geo.Area {
	tb.Helper()
	var paths []string
	for _, la := range fixture.Authorities {
		paths = append(paths, fixture.Path(tb, fixture.Wards2013(la)))
	}
	areas, _, err := data.ReadAreaFiles(paths, geo.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return areas
}

// realStore opens a store in a temporary directory holding every Cleveland
// month and the layers "wards" (Stockton 2023) and, with all, "cleveland"
// (2013 wards of the four authorities).
func realStore(tb testing.TB, all bool) *data.MemStore {
	tb.Helper()
	parts := cleveland(tb)
	s, err := data.OpenMem(tb.TempDir(), data.MemOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := s.PutLayer(ctx, "wards", stocktonWards(tb), data.LayerMeta{Source: "stockton_wards_2023.geojson"}); err != nil {
		tb.Fatal(err)
	}
	if all {
		if err := s.PutLayer(ctx, "cleveland", clevelandWards(tb), data.LayerMeta{Source: "wards_2013"}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := s.Replace(ctx, parts); err != nil {
		tb.Fatal(err)
	}
	return s
}

func newEngine(tb testing.TB, s data.Store, opts Options) *Engine {
	tb.Helper()
	e, err := New(s, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func month(tb testing.TB, s string) data.Month {
	tb.Helper()
	m, err := data.ParseMonth(s)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// rawRow is one row of a police.uk file read straight from the CSV.
type rawRow struct {
	month    string
	lon, lat float64
	located  bool
	typ      string
	location string // police.uk's description, "On or near ..."
}

var (
	rawOnce sync.Once
	rawRows []rawRow
	rawErr  error
)

// raw reads every row of the Cleveland files with encoding/csv, independently
// of package data's readers.
func raw(tb testing.TB) []rawRow {
	tb.Helper()
	dir := fixture.Path(tb, fixture.Cleveland)
	rawOnce.Do(func() {
		files, err := filepath.Glob(filepath.Join(dir, "*-street.csv.gz"))
		if err == nil && len(files) != 35 {
			err = fmt.Errorf("%d police.uk files in %s, want 35", len(files), dir)
		}
		if err != nil {
			rawErr = err
			return
		}
		for _, f := range files {
			fh, err := os.Open(f)
			if err != nil {
				rawErr = err
				return
			}
			zr, err := gzip.NewReader(fh)
			if err != nil {
				rawErr = err
				return
			}
			r := csv.NewReader(zr)
			if _, err := r.Read(); err != nil { // header
				rawErr = err
				return
			}
			for {
				rec, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					rawErr = err
					return
				}
				row := rawRow{month: rec[1], typ: rec[9], location: rec[6]}
				lon, e1 := strconv.ParseFloat(rec[4], 64)
				lat, e2 := strconv.ParseFloat(rec[5], 64)
				if e1 == nil && e2 == nil {
					row.lon, row.lat, row.located = lon, lat, true
				}
				rawRows = append(rawRows, row)
			}
			fh.Close()
		}
	})
	if rawErr != nil {
		tb.Fatal(rawErr)
	}
	return rawRows
}

var (
	isCrime      = fixture.IsCrime
	crimes       = fixture.Crimes
	crimesAndASB = fixture.CrimesAndASB
)

// rawWards reads the Stockton ward polygons straight from the GeoJSON:
// code -> name and rings.
type rawWard struct {
	code, name string
	polys      [][][][2]float64 // polygons of rings of lon/lat
}

func readRawWards(tb testing.TB) []rawWard {
	tb.Helper()
	b := fixture.Read(tb, fixture.StocktonWards)
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
			Geometry   struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		tb.Fatal(err)
	}
	var out []rawWard
	for _, f := range fc.Features {
		w := rawWard{code: f.Properties["WD23CD"].(string), name: f.Properties["WD23NM"].(string)}
		switch f.Geometry.Type {
		case "Polygon":
			var p [][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				tb.Fatal(err)
			}
			w.polys = [][][][2]float64{p}
		case "MultiPolygon":
			if err := json.Unmarshal(f.Geometry.Coordinates, &w.polys); err != nil {
				tb.Fatal(err)
			}
		default:
			tb.Fatalf("ward %s: geometry %s", w.code, f.Geometry.Type)
		}
		out = append(out, w)
	}
	return out
}

// contains is a plain even-odd ray-casting test, written here independently
// of package geo (which uses an H3 cover and orb/planar).
func (w rawWard) contains(lon, lat float64) bool {
	in := false
	for _, poly := range w.polys {
		for _, ring := range poly {
			for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
				xi, yi := ring[i][0], ring[i][1]
				xj, yj := ring[j][0], ring[j][1]
				if (yi > lat) != (yj > lat) && lon < (xj-xi)*(lat-yi)/(yj-yi)+xi {
					in = !in
				}
			}
		}
	}
	return in
}

// wardCounts counts raw rows by ward code, month and type with ray casting.
// A point in two wards (none is expected) goes to the first in file order,
// as the store's boundary rule does.
type wardKey struct{ code, month, typ string }

var (
	wardOnce   sync.Once
	wardCounts map[wardKey]int64
)

func rawWardCounts(tb testing.TB) map[wardKey]int64 {
	tb.Helper()
	rows := raw(tb)
	wards := readRawWards(tb)
	wardOnce.Do(func() {
		wardCounts = map[wardKey]int64{}
		type pt struct{ lon, lat float64 }
		where := map[pt]string{} // police.uk points repeat: cache
		for _, r := range rows {
			if !r.located {
				continue
			}
			p := pt{r.lon, r.lat}
			code, ok := where[p]
			if !ok {
				for _, w := range wards {
					if w.contains(r.lon, r.lat) {
						code = w.code
						break
					}
				}
				where[p] = code
			}
			if code != "" {
				wardCounts[wardKey{code, r.month, r.typ}]++
			}
		}
	})
	return wardCounts
}

// sumRaw adds up raw counts of a ward over months from..to (inclusive,
// "YYYY-MM") for the types accepted by keep (nil: all).
func sumRaw(counts map[wardKey]int64, code string, from, to data.Month, keep func(string) bool) int64 {
	var n int64
	for k, c := range counts {
		if k.code != code || (keep != nil && !keep(k.typ)) {
			continue
		}
		m, err := data.ParseMonth(k.month)
		if err != nil || m < from || m > to {
			continue
		}
		n += c
	}
	return n
}
