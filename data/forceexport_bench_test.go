package data

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// forceExport1M writes a force export of 1,000,032 rows: the synthetic
// export's 41,631 records repeated 24 times with fresh references, plus its
// own header, as one CSV.
func forceExport1M(b *testing.B) (string, int) {
	b.Helper()
	lines := firstLines(b, forceExport, 50000)
	p := filepath.Join(b.TempDir(), "export-1m.csv")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, lines[0])
	n := 0
	for rep := 0; n < 1_000_000; rep++ {
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "R%d-%s\n", rep, l)
			n++
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return p, n
}

// BenchmarkImportForceExport1M imports a million-row force export end to
// end as hotspotd import does it (Import): parse, Home Office
// classification, committed-from/to, H3, persist with fsync.
func BenchmarkImportForceExport1M(b *testing.B) {
	p, n := forceExport1M(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := OpenMem(b.TempDir(), MemOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := Import(ctx, s, []string{p}, ReadOptions{Source: "rms", Force: "Cleveland Police"})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Stored != n {
			b.Fatalf("stored %d of %d", rep.Stored, n)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkForceExportHeap is the live heap a store holds just after
// importing the million-row force export, per incident: what an import
// leaves in memory besides the store's own columns (a row's text kept
// alive by a field taken from it shows here).
func BenchmarkForceExportHeap(b *testing.B) {
	p, n := forceExport1M(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, err := OpenMem(b.TempDir(), MemOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Import(ctx, s, []string{p}, ReadOptions{Source: "rms", Force: "Cleveland Police"}); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "bytes/incident")
		runtime.KeepAlive(s)
		s.Close()
	}
}
