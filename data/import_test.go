package data

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

// TestImportStreamedSameAsReplace: the streamed import of the 35 Cleveland
// months stores exactly what reading them whole and replacing does, and
// reopens to the same.
func TestImportStreamedSameAsReplace(t *testing.T) {
	ctx := context.Background()
	parts, _ := cleveland(t)
	whole, err := OpenMem(t.TempDir(), MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	if err := whole.Replace(ctx, parts); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	streamed, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(ctx, streamed, []string{fixture.Path(t, fixture.Cleveland)}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 269,438 rows: the independent tally of the 35 files (testdata).
	if rep.Stored != 269438 || rep.Partitions != 35 {
		t.Fatalf("stored %d rows in %d partitions, want 269,438 in 35", rep.Stored, rep.Partitions)
	}
	check := func(t *testing.T, s *MemStore) {
		a, b := snap(t, s), snap(t, whole)
		if !sameData(a, b) {
			t.Fatalf("streamed import holds %d incidents in %d months, the whole one %d in %d", a.Incidents, a.Months, b.Incidents, b.Months)
		}
		x, y := answers(t, s, nil), answers(t, whole, nil)
		for i := range x {
			if len(x[i]) == 0 || !slices.Equal(x[i], y[i]) {
				t.Errorf("counts by cell at resolution %d differ", i+5)
			}
		}
	}
	check(t, streamed)
	streamed.Close()
	reopened, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	check(t, reopened)
}

// TestImportRefusedLeavesStoreAsItWas: a file refused after other months
// were already streamed to disk leaves the store, on disk and in memory, as
// it was, with none of the streamed files left behind.
func TestImportRefusedLeavesStoreAsItWas(t *testing.T) {
	ctx := context.Background()
	parts, _ := cleveland(t)
	dir := t.TempDir()
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Replace(ctx, parts[:3]); err != nil {
		t.Fatal(err)
	}
	before := snap(t, s)
	files := func() []string {
		es, _ := os.ReadDir(filepath.Join(dir, "partitions"))
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	had := files()

	// Every bundled month, then (last in name order) a month with a stray
	// quote at row 101: refused whole.
	in := t.TempDir()
	src := fixture.Path(t, fixture.Cleveland)
	es, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if strings.HasSuffix(e.Name(), ".csv.gz") {
			writeFile(t, in, strings.TrimSuffix(e.Name(), ".gz"), fixture.Read(t, fixture.Cleveland+"/"+e.Name()))
		}
	}
	writeFile(t, in, "zz-2025-12-cleveland-street.csv", []byte(strings.ReplaceAll(withQuote(november(t), 101), "2025-11", "2025-12")))
	_, err = Import(ctx, s, []string{in}, ReadOptions{})
	if !errors.Is(err, ErrRunawayRow) {
		t.Fatalf("import: %v, want the runaway row refused", err)
	}
	if after := snap(t, s); !sameData(after, before) {
		t.Errorf("after the refused import the store holds %d incidents in %d months, before %d in %d", after.Incidents, after.Months, before.Incidents, before.Months)
	}
	if got := files(); !slices.Equal(got, had) {
		t.Errorf("partition files after the refused import: %v, before: %v", got, had)
	}
	s.Close()
	s2, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if after := snap(t, s2); !sameData(after, before) {
		t.Errorf("reopened after the refused import: %d incidents in %d months, before %d in %d", after.Incidents, after.Months, before.Incidents, before.Months)
	}
}
