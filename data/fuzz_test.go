package data

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

// FuzzReadIncidents feeds arbitrary bytes to the CSV reader as a file: it
// must never panic, and whatever it stores must be well formed.
func FuzzReadIncidents(f *testing.F) {
	f.Add([]byte(PoliceUKHeader + "\n" + goodRows))
	f.Add([]byte("Month,Crime.type,Longitude,Latitude\n2025-11,Burglary,-1.31,54.56\n"))
	f.Add([]byte("Date,Time,Offence,Easting,Northing\n03/11/2025,14:25,Robbery,444800,518900\n"))
	f.Add([]byte(PoliceUKHeader + "\n\"unterminated,2025-11\n"))
	f.Add(fixture.Read(f, fixture.ClevelandMonth("2023-01"))[:4096])
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "force_export_synthetic", "bad_rows.csv")); err == nil {
		f.Add(b)
	}
	if lines := firstLines(f, forceExport, 20); len(lines) > 0 {
		f.Add([]byte(strings.Join(lines, "\n") + "\n"))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body []byte) {
		p := filepath.Join(dir, "f.csv")
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Skip()
		}
		parts, rep, err := ReadIncidents(context.Background(), []string{p}, ReadOptions{Source: "fuzz-export"})
		if err != nil {
			return
		}
		n := 0
		for _, part := range parts {
			n += part.Len()
			for i := 0; i < part.Len(); i++ {
				in := part.Incident(i)
				if in.Type == "" || in.Month == 0 || in.Span < 0 {
					t.Fatalf("incident without type or month: %+v", in)
				}
				if !math.IsNaN(in.Point[0]) && (in.Point[0] < -180 || in.Point[0] > 180 || in.Point[1] < -90 || in.Point[1] > 90) {
					t.Fatalf("stored an impossible point %v", in.Point)
				}
			}
		}
		if n != rep.Stored || rep.Stored+rep.Rejected != rep.RowsRead {
			t.Fatalf("stored %d (partitions hold %d), rejected %d, read %d", rep.Stored, n, rep.Rejected, rep.RowsRead)
		}
	})
}
