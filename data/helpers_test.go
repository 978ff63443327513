package data

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

var (
	clevelandOnce  sync.Once
	clevelandParts []*Partition
	clevelandRep   *Report
	clevelandErr   error
)

// cleveland reads the 35 real Cleveland months once per test binary.
func cleveland(tb testing.TB) ([]*Partition, *Report) {
	tb.Helper()
	dir := fixture.Path(tb, fixture.Cleveland)
	clevelandOnce.Do(func() {
		clevelandParts, clevelandRep, clevelandErr = ReadIncidents(context.Background(), []string{dir}, ReadOptions{})
	})
	if clevelandErr != nil {
		tb.Fatal(clevelandErr)
	}
	return clevelandParts, clevelandRep
}

// plainCleveland writes the 35 bundled months decompressed into a temporary
// folder, as police.uk ships them (plain CSV), so that benchmarks measure the
// import of the files users download, not gunzip.
func plainCleveland(tb testing.TB) string {
	tb.Helper()
	src := fixture.Path(tb, fixture.Cleveland)
	dir := tb.TempDir()
	names, err := os.ReadDir(src)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range names {
		if !strings.HasSuffix(e.Name(), ".csv.gz") {
			continue
		}
		b := fixture.Read(tb, fixture.Cleveland+"/"+e.Name())
		if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(e.Name(), ".gz")), b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}
