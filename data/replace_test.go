package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

// Tests that a refused or failed Replace changes nothing, on disk or in
// memory, and that a store always reopens (issue 9, items 2 and 6).

// synth builds a partition of n incidents at one located point; typ and
// outcome give incident i's crime type and outcome.
func synth(force string, month Month, n int, typ, outcome func(i int) string) *Partition {
	b := newBuilder(PoliceUK, force, month)
	cellOf := func(p orb.Point) geo.Cell {
		c, err := geo.CellOf(p)
		if err != nil {
			panic(err)
		}
		return c
	}
	for i := 0; i < n; i++ {
		in := Incident{Month: month, Force: force, FallsWithin: force, Minute: -1,
			Location: Location{Point: [2]float64{-1.3183, 54.5645}, Name: "On or near High Street"},
			Type:     typ(i), Outcome: outcome(i)}
		b.add(&in, cellOf)
	}
	return b.part()
}

func fixed(s string) func(int) string { return func(int) string { return s } }

// storeFiles lists the files under dir (relative), lock excepted.
func storeFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() != "lock" {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func reopen(tb testing.TB, s *MemStore) *MemStore {
	tb.Helper()
	dir := s.Dir()
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
	s2, err := OpenMem(dir, MemOptions{})
	if err != nil {
		tb.Fatalf("the store does not reopen: %v", err)
	}
	tb.Cleanup(func() { s2.Close() })
	return s2
}

func openTemp(tb testing.TB) *MemStore {
	tb.Helper()
	s, err := OpenMem(tb.TempDir(), MemOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// The attack: an import with more than 65,535 distinct outcomes. Outcomes
// are free text with no ceiling: the import is stored whole and the store
// reopens with every outcome.
func TestManyOutcomesStoredAndReopen(t *testing.T) {
	const n = 70000
	s := openTemp(t)
	ctx := context.Background()
	p := synth("Cleveland Police", mustMonth("2025-11"), n, fixed("Burglary"), func(i int) string { return fmt.Sprintf("outcome %05d", i) })
	if err := s.Replace(ctx, []*Partition{p}); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ {
		st := s
		if round == 1 {
			st = reopen(t, s)
		}
		seen := map[string]bool{}
		err := st.Incidents(ctx, Query{}, func(in *Incident) error {
			seen[in.Outcome] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != n || !seen["outcome 00000"] || !seen["outcome 69999"] {
			t.Fatalf("%d distinct outcomes read back, want %d", len(seen), n)
		}
	}
}

// More crime types than MaxCrimeTypes (and more than the 65,535 ids of the
// old shared table) are refused before anything is written: the version,
// the files and the data stay as they were, and the store reopens.
func TestTooManyCrimeTypesRefusedBeforeCommit(t *testing.T) {
	for _, n := range []int{MaxCrimeTypes + 1, 70000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := openTemp(t)
			ctx := context.Background()
			keep := synth("Cleveland Police", mustMonth("2025-10"), 3, fixed("Burglary"), fixed(""))
			if err := s.Replace(ctx, []*Partition{keep}); err != nil {
				t.Fatal(err)
			}
			before, files := snap(t, s), storeFiles(t, s.Dir())
			bad := synth("Cleveland Police", mustMonth("2025-11"), n, func(i int) string { return fmt.Sprintf("type %05d", i) }, fixed(""))
			err := s.Replace(ctx, []*Partition{bad})
			if !errors.Is(err, ErrTooManyTypes) {
				t.Fatalf("got %v, want ErrTooManyTypes", err)
			}
			if !strings.Contains(err.Error(), "--type-col") {
				t.Errorf("the message does not say what to do: %v", err)
			}
			if got := snap(t, s); !sameData(got, before) || got.Version != before.Version {
				t.Errorf("memory changed: %+v, was %+v", got, before)
			}
			if got := storeFiles(t, s.Dir()); !equalStrings(got, files) {
				t.Errorf("files changed: %v, were %v", got, files)
			}
			if got := snap(t, reopen(t, s)); !sameData(got, before) {
				t.Errorf("reopened: %+v, want %+v", got, before)
			}
		})
	}
}

// The store's count is of what it would hold: 4,000 types in 2025-10 and
// 2,000 others in 2025-11 are too many together; replacing 2025-10 itself
// with those 2,000 is not.
func TestCrimeTypeLimitCountsTheStoreAfterTheImport(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	a := synth("F", mustMonth("2025-10"), 4000, func(i int) string { return fmt.Sprintf("a%d", i) }, fixed(""))
	b := func(m string) *Partition {
		return synth("F", mustMonth(m), 2000, func(i int) string { return fmt.Sprintf("b%d", i) }, fixed(""))
	}
	if err := s.Replace(ctx, []*Partition{a}); err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, []*Partition{b("2025-11")}); !errors.Is(err, ErrTooManyTypes) {
		t.Fatalf("6,000 types stored: %v", err)
	}
	if err := s.Replace(ctx, []*Partition{b("2025-10")}); err != nil {
		t.Fatalf("replacing the month that held 4,000 types: %v", err)
	}
}

// A server that keeps replacing a month with new type names fills the
// 65,535 ids of its append-only type table; it rebuilds the table from what
// is live instead of failing, and answers stay right.
func TestTypeTableRebuiltWhenFull(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	m := mustMonth("2025-11")
	other := synth("F", mustMonth("2025-10"), 2, fixed("Burglary"), fixed(""))
	if err := s.Replace(ctx, []*Partition{other}); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 15; round++ { // 15 x 5,000 = 75,000 names
		p := synth("F", m, MaxCrimeTypes-1, func(i int) string { return fmt.Sprintf("r%d-%d", round, i) }, fixed(""))
		if err := s.Replace(ctx, []*Partition{p}); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	for pass := 0; pass < 2; pass++ {
		st := s
		if pass == 1 {
			st = reopen(t, s)
		}
		rows, err := st.Aggregate(ctx, Query{By: GroupBy{Month: true, Type: true}})
		if err != nil {
			t.Fatal(err)
		}
		byMonth := map[string]int{}
		for _, r := range rows {
			if r.Month == m && !strings.HasPrefix(r.Type, "r14-") || r.Month != m && r.Type != "Burglary" || r.Count != 1 && r.Type != "Burglary" {
				t.Fatalf("row %+v", r)
			}
			byMonth[r.Month.String()]++
		}
		if byMonth["2025-11"] != MaxCrimeTypes-1 || byMonth["2025-10"] != 1 {
			t.Fatalf("types by month %v", byMonth)
		}
	}
}

// enospc fails every write once budget bytes have been written, as a disk
// that fills up does.
type enospc struct {
	w      io.Writer
	rel    string
	budget *atomic.Int64
}

func (e enospc) Write(p []byte) (int, error) {
	if e.budget.Add(-int64(len(p))) < 0 {
		return 0, &os.PathError{Op: "write", Path: e.rel, Err: syscall.ENOSPC}
	}
	return e.w.Write(p)
}

// The disk fills while an import writes its files, or at the manifest:
// the error names the data directory's disk, every file the import wrote is
// removed, reads go on, and the next import works once there is space.
func TestDiskFullRemovesOrphansAndKeepsServing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		budget int64  // bytes the disk takes
		only   string // fail only files with this prefix
	}{
		{"while writing the partitions", 300_000, "partitions"},
		{"at the manifest", 0, manifestName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t)
			ctx := context.Background()
			keep := synth("F", mustMonth("2025-01"), 10, fixed("Burglary"), fixed(""))
			if err := s.Replace(ctx, []*Partition{keep}); err != nil {
				t.Fatal(err)
			}
			before, files := snap(t, s), storeFiles(t, s.Dir())
			var budget atomic.Int64
			budget.Store(tc.budget)
			s.writeFault = func(rel string, w io.Writer) io.Writer {
				if !strings.HasPrefix(rel, tc.only) {
					return w
				}
				return enospc{w: w, rel: rel, budget: &budget}
			}
			var parts []*Partition
			for m := 2; m <= 12; m++ { // 11 months of 5,000 rows: about 1.3 MB of files
				parts = append(parts, synth("F", mustMonth(fmt.Sprintf("2025-%02d", m)), 5000, fixed("Robbery"), func(i int) string { return fmt.Sprint(i) }))
			}
			err := s.Replace(ctx, parts)
			var full *DiskFullError
			if !errors.As(err, &full) || !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) || full.Dir != s.Dir() {
				t.Fatalf("got %v, want a DiskFullError for %s", err, s.Dir())
			}
			if want := "the disk holding " + s.Dir() + " is full"; !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not say %q", err, want)
			}
			if got := storeFiles(t, s.Dir()); !equalStrings(got, files) {
				t.Errorf("files left behind: %v, were %v", got, files)
			}
			if got := snap(t, s); !sameData(got, before) || got.Version != before.Version {
				t.Errorf("memory changed: %+v, was %+v", got, before)
			}
			s.writeFault = nil // space is back
			if err := s.Replace(ctx, parts); err != nil {
				t.Fatalf("the next import: %v", err)
			}
			if got := snap(t, reopen(t, s)); got.Incidents != 10+11*5000 {
				t.Errorf("reopened with %d incidents, want %d", got.Incidents, 10+11*5000)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// mustMonth parses "YYYY-MM" or panics.
func mustMonth(s string) Month {
	m, err := ParseMonth(s)
	if err != nil {
		panic(err)
	}
	return m
}
