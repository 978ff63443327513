package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func rows(n int64) *int64 { return &n }

// TestLogRotatesAndReadsBack writes enough entries to rotate the file
// several times, then reads them all back in order, and filtered.
func TestLogRotatesAndReadsBack(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{MaxSizeMB: 1})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	const n = 12000 // about 300 bytes each: 3.6 MB, three rotations
	who := []string{"Neighbourhood team", "Analyst CURV", ""}
	for i := range n {
		e := Entry{Time: t0.Add(time.Duration(i) * time.Second), Who: who[i%3], Role: "analyst", From: "10.1.2.3",
			Action: "export", Method: "GET", Endpoint: "/api/v1/export/incidents.csv",
			Filters: map[string]string{"from": "2025-01", "to": "2025-11", "types": "Burglary,Robbery", "note": fmt.Sprintf("%0100d", i)},
			Status:  200, Rows: rows(int64(i))}
		if err := l.Record(e); err != nil {
			t.Fatal(err)
		}
		if i == n/2 {
			// lumberjack names a rotated file by the millisecond: keep two
			// rotations apart
			time.Sleep(2 * time.Millisecond)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rotated, _ := filepath.Glob(filepath.Join(dir, "audit-*.jsonl"))
	if len(rotated) < 3 {
		t.Errorf("%d rotated files after about 3.6 MB at 1 MB each; want 3", len(rotated))
	}
	for _, p := range append(rotated, filepath.Join(dir, FileName)) {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 1<<20 {
			t.Errorf("%s is %d bytes, over the 1 MB limit", p, st.Size())
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s may be read by others: %v", p, st.Mode().Perm())
		}
	}
	var got int64
	err = Read(dir, Filter{}, func(e Entry) error {
		if e.Rows == nil || *e.Rows != got {
			t.Fatalf("entry %d reads back as %+v", got, e)
		}
		got++
		return nil
	})
	if err != nil || got != n {
		t.Fatalf("read back %d of %d entries: %v", got, n, err)
	}
	// filtered: the Analyst CURV entries (i%3 == 1) from i = 6000 on
	count := 0
	err = Read(dir, Filter{Since: t0.Add(6000 * time.Second), Who: "analyst curv", Action: "export"}, func(e Entry) error {
		count++
		return nil
	})
	if want := (n - 6000) / 3; err != nil || count != want {
		t.Errorf("filtered: %d entries, want %d (%v)", count, want, err)
	}
	if err := Read(t.TempDir(), Filter{}, func(Entry) error { return nil }); err == nil {
		t.Error("reading a folder with no log did not fail")
	}
}

// BenchmarkRecord is the cost the access log adds to an export.
func BenchmarkRecord(b *testing.B) {
	l, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	e := Entry{Time: time.Now(), Who: "Analyst CURV", Role: "analyst", From: "10.1.2.3", Action: "incidents", Method: "GET",
		Endpoint: "/api/v1/export/incidents.csv", Filters: map[string]string{"from": "2025-01", "to": "2025-11"}, Status: 200, Rows: rows(7371)}
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Record(e); err != nil {
			b.Fatal(err)
		}
	}
}
