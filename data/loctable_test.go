package data

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// storeParts are the 35 Cleveland months from police.uk and the synthetic
// force export (its own source: committed-to spans, references that are
// not Crime IDs, context), so every column of a partition is exercised.
func storeParts(t *testing.T) []*Partition {
	t.Helper()
	parts, _ := cleveland(t)
	fx, _, err := ReadIncidents(context.Background(), []string{fixture.Path(t, fixture.ForceExport)}, ReadOptions{Source: "cleveland-rms", Force: "Cleveland Police"})
	if err != nil {
		t.Fatal(err)
	}
	return append(slices.Clip(parts), fx...)
}

// records lists every incident of s whole (every field), sorted: two stores
// hold the same incidents exactly when their records are equal.
func records(t *testing.T, s *MemStore) []string {
	t.Helper()
	var out []string
	var b []byte
	err := s.Incidents(context.Background(), Query{}, func(in *Incident) error {
		b = b[:0]
		for _, f := range []string{in.ID, in.Source, in.Month.String(), in.Force, in.FallsWithin, in.Name, in.LSOACode, in.LSOAName, in.Type, in.Outcome, in.Context} {
			b = append(append(b, f...), '|')
		}
		for _, v := range []uint64{uint64(in.Minute), uint64(in.Span), math.Float64bits(in.Point[0]), math.Float64bits(in.Point[1]), uint64(in.Cell)} {
			b = strconv.AppendUint(append(b, '|'), v, 16)
		}
		out = append(out, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// sameAnswers compares a store with the reference: counts by cell at every
// resolution and by area of each layer, month and type, and every record.
func sameAnswers(t *testing.T, what string, got, want *MemStore, layers []string) {
	t.Helper()
	a, b := answers(t, got, layers), answers(t, want, layers)
	for i := range b {
		if len(b[i]) == 0 || !slices.Equal(a[i], b[i]) {
			t.Errorf("%s: query %d gives %d rows, the reference %d, and they differ", what, i, len(a[i]), len(b[i]))
		}
	}
	ra, rb := records(t, got), records(t, want)
	if len(rb) == 0 || !slices.Equal(ra, rb) {
		t.Errorf("%s: %d records, the reference %d, and they differ", what, len(ra), len(rb))
	}
}

// reference is a store built from scratch in memory from the partitions the
// readers made (every location matched and indexed as it is absorbed),
// never reopened.
func reference(t *testing.T, parts []*Partition, layers map[string][]geo.Area) *MemStore {
	t.Helper()
	ctx := context.Background()
	s, err := OpenMem(filepath.Join(t.TempDir(), "reference"), MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for name, areas := range layers {
		if err := s.PutLayer(ctx, name, areas, LayerMeta{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Replace(ctx, parts); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRestartFromLocationTable: a store reopened from its location table
// and partitions of format 3 answers exactly as the store built from
// scratch, without matching any location (its name and location maps are
// not even built), and keeps the same table at a second restart.
func TestRestartFromLocationTable(t *testing.T) {
	parts := storeParts(t)
	all := threeLayers(t)
	layers := map[string][]geo.Area{"wards": all["wards"], "wards-2013": all["wards-2013"]}
	names := []string{"wards", "wards-2013"}
	ref := reference(t, parts, layers)

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
	// two imports, so the table has two segments
	if err := s.Replace(ctx, parts[:10]); err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, parts[10:]); err != nil {
		t.Fatal(err)
	}
	s.Close()

	for round := range 2 {
		r, err := OpenMem(dir, MemOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.man.Locations) != 2 {
			t.Errorf("restart %d: the manifest names %d location table segments, want 2", round, len(r.man.Locations))
		}
		if r.indexed || len(r.locIdx) != 0 {
			t.Errorf("restart %d: the location map was built (%d entries): the restart matched locations instead of reading the table", round, len(r.locIdx))
		}
		if len(r.locs) != len(ref.locs) || len(r.names) != len(ref.names) {
			t.Errorf("restart %d: %d locations and %d strings, the reference %d and %d", round, len(r.locs), len(r.names), len(ref.locs), len(ref.names))
		}
		if round == 0 {
			checkLocations(t, r, layers)
		}
		sameAnswers(t, fmt.Sprintf("restart %d", round), r, ref, names)
		r.Close()
	}

	// A change after a restart matches its locations against the table
	// read: re-importing a month adds no location.
	r, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := len(r.locs)
	if err := r.Replace(ctx, parts[34:35]); err != nil {
		t.Fatal(err)
	}
	if len(r.locs) != before {
		t.Errorf("re-importing a month after a restart added %d locations; it should have found them all in the table", len(r.locs)-before)
	}
	if len(r.man.Locations) != 2 {
		t.Errorf("a change adding no location wrote a segment: %d segments", len(r.man.Locations))
	}
	sameAnswers(t, "re-import after a restart", r, ref, names)
	r.Close()
}

// TestOlderStoreRead: a data folder of manifest format 2 (partitions holding
// their own locations and strings, no location table) opens with the same
// answers; its next change writes manifest format 3 and a location table
// of every location, after which restarts read the old partitions and the
// new one together, still with the same answers, and the table does not
// grow from one restart to the next.
func TestOlderStoreRead(t *testing.T) {
	parts := storeParts(t)
	layers := map[string][]geo.Area{"wards": threeLayers(t)["wards"]}
	ref := reference(t, parts, layers)
	ctx := context.Background()

	dir := filepath.Join(t.TempDir(), "store")
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutLayer(ctx, "wards", layers["wards"], LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	man := s.man
	s.Close()
	// the files a version before the location table wrote
	man.Format, man.Generation = 2, 2
	if err := os.MkdirAll(filepath.Join(dir, "partitions"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		rel := filepath.Join("partitions", fmt.Sprintf("00000002-%s%s-%s.hsp", sourceSlug(p.SourceName()), slug(p.Force), p.Month))
		var buf bytes.Buffer
		if err := writePartition(&buf, p); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		man.Partitions = append(man.Partitions, manPart{Source: p.Source, Force: p.Force, Month: p.Month, File: rel, Rows: p.Len()})
	}
	b, _ := json.Marshal(man)
	if err := os.WriteFile(filepath.Join(dir, manifestName), b, 0o644); err != nil {
		t.Fatal(err)
	}

	old, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatalf("a store of manifest format 2 did not open: %v", err)
	}
	sameAnswers(t, "format 2", old, ref, []string{"wards"})
	// the next change writes format 3 and the whole table
	if err := old.Replace(ctx, parts[34:35]); err != nil {
		t.Fatal(err)
	}
	old.Close()
	mb, _ := os.ReadFile(filepath.Join(dir, manifestName))
	var m manifest
	if err := json.Unmarshal(mb, &m); err != nil || m.Format != manifestFormat || len(m.Locations) != 1 {
		t.Fatalf("after a change the manifest is format %d with %d location table segments (err %v)", m.Format, len(m.Locations), err)
	}
	formats := map[int]int{}
	for _, mp := range m.Partitions {
		b, err := os.ReadFile(filepath.Join(dir, mp.File))
		if err != nil {
			t.Fatal(err)
		}
		formats[partFileFormat(b)]++
	}
	if formats[2] != len(parts)-1 || formats[3] != 1 {
		t.Errorf("partition files by format %v, want %d of format 2 and 1 of format 3", formats, len(parts)-1)
	}

	var nlocs int
	for round := range 2 {
		r, err := OpenMem(dir, MemOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sameAnswers(t, fmt.Sprintf("mixed formats, restart %d", round), r, ref, []string{"wards"})
		if round == 0 {
			checkLocations(t, r, layers)
			nlocs = len(r.locs)
		} else if len(r.locs) != nlocs {
			t.Errorf("the second restart holds %d locations, the first %d: old partitions' locations were added again", len(r.locs), nlocs)
		}
		r.Close()
	}
}
