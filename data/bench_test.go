package data

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// threeLayers reads the three layers the import benchmark assigns points
// to: Stockton 2023 wards, 2013 wards and 2011 LSOAs of four authorities.
func threeLayers(tb testing.TB) map[string][]geo.Area {
	tb.Helper()
	out := map[string][]geo.Area{}
	var files13, files11 []string
	for _, la := range fixture.Authorities {
		files13 = append(files13, fixture.Path(tb, fixture.Wards2013(la)))
		files11 = append(files11, fixture.Path(tb, fixture.LSOAs2011(la)))
	}
	for name, files := range map[string][]string{
		"wards":      {fixture.Path(tb, fixture.StocktonWards)},
		"wards-2013": files13,
		"lsoa-2011":  files11,
	} {
		a, _, err := ReadAreaFiles(files, geo.ReadOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = a
	}
	return out
}

// BenchmarkImportCleveland is the whole import of the 35 real months into a
// store with three area layers, as hotspotd import does it (Import,
// streamed): parse, validate, H3, areas, persist (fsync).
func BenchmarkImportCleveland(b *testing.B) {
	dir := plainCleveland(b)
	layers := threeLayers(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ddir := b.TempDir()
		s, err := OpenMem(ddir, MemOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for name, a := range layers {
			if err := s.PutLayer(ctx, name, a, LayerMeta{}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		rep, err := Import(ctx, s, []string{dir}, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rows = rep.RowsRead
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// storedCleveland writes the 35 months and three layers to a data
// directory once, for the restart and memory benchmarks.
func storedCleveland(b *testing.B) string {
	b.Helper()
	parts, _ := cleveland(b)
	dir := filepath.Join(b.TempDir(), "store")
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for name, a := range threeLayers(b) {
		if err := s.PutLayer(ctx, name, a, LayerMeta{}); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Replace(ctx, parts); err != nil {
		b.Fatal(err)
	}
	s.Close()
	return dir
}

// BenchmarkRestart opens a data directory holding the 35 months and three
// layers: read, check and decode every file, rebuild the area indexes and
// assign every location.
func BenchmarkRestart(b *testing.B) {
	dir := storedCleveland(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := OpenMem(dir, MemOptions{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkMemoryPerIncident measures the steady-state heap of a loaded
// store: live heap after GC with the store open, minus the live heap before,
// divided by the incidents held.
func BenchmarkMemoryPerIncident(b *testing.B) {
	dir := storedCleveland(b)
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, err := OpenMem(dir, MemOptions{})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		sum, _ := s.Summary(context.Background())
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(sum.Incidents), "bytes/incident")
		runtime.KeepAlive(s)
		s.Close()
	}
}

// BenchmarkAggregateWardsYear counts a year of all Cleveland incidents by
// Stockton 2023 ward and crime type: the query under a ward ranking.
func BenchmarkAggregateWardsYear(b *testing.B) {
	dir := storedCleveland(b)
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	q := Query{From: MonthOf(2024, 12), To: MonthOf(2025, 11), By: GroupBy{Layer: "wards", Type: true}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Aggregate(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
}

var _ = os.Getenv
