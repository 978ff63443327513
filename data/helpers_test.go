package data

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// shared returns a path inside ../shared, the project's real data set. It
// is on every developer machine and in CI; a test needing it fails under CI
// when it is missing and skips elsewhere.
func shared(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join("..", "..", "shared", rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("shared data missing under CI: %v", err)
		}
		tb.Skipf("shared data not here: %v", err)
	}
	return p
}

var (
	clevelandOnce  sync.Once
	clevelandParts []*Partition
	clevelandRep   *Report
	clevelandErr   error
)

// cleveland reads the 35 real Cleveland months once per test binary.
func cleveland(tb testing.TB) ([]*Partition, *Report) {
	tb.Helper()
	dir := shared(tb, "data/policeuk/cleveland")
	clevelandOnce.Do(func() {
		clevelandParts, clevelandRep, clevelandErr = ReadIncidents(context.Background(), []string{dir}, ReadOptions{})
	})
	if clevelandErr != nil {
		tb.Fatal(clevelandErr)
	}
	return clevelandParts, clevelandRep
}
