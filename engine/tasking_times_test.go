package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// TestTaskingPeakTimes gives a force export with times: a cluster of
// robberies on Friday nights at 22:xx must come out as the zone's peak day
// and hour, with a dose naming them; the zone is not "month only".
func TestTaskingPeakTimes(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("Date,Time,Crime type,Longitude,Latitude\n")
	// Fridays of November 2025: 7, 14, 21, 28
	for i := 0; i < 120; i++ {
		day := []int{7, 14, 21, 28}[i%4]
		fmt.Fprintf(&b, "%02d/11/2025,22:%02d,Robbery,-1.3110,54.5640\n", day, i%60)
	}
	// a thin scatter elsewhere so the cells vary
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "%02d/11/2025,10:00,Other theft,%.4f,%.4f\n", 1+i%27, -1.335+0.0012*float64(i%20), 54.545+0.001*float64(i/20))
	}
	p := filepath.Join(dir, "export.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	parts, _, err := data.ReadIncidents(context.Background(), []string{p}, data.ReadOptions{Force: "Test Police", Source: "test-export"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.OpenMem(filepath.Join(dir, "store"), data.MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	square := geo.Area{Code: "SQ", Name: "Test square", Geometry: orb.MultiPolygon{{{{-1.36, 54.53}, {-1.28, 54.53}, {-1.28, 54.59}, {-1.36, 54.59}, {-1.36, 54.53}}}}}
	ctx := context.Background()
	if err := s.PutLayer(ctx, "square", []geo.Area{square}, data.LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, parts); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, s, Options{})
	tk, err := e.Tasking(ctx, TaskingQuery{Layer: "square"})
	if err != nil {
		t.Fatal(err)
	}
	if tk.MonthOnly || len(tk.Zones) == 0 {
		t.Fatalf("month only %v, %d zones", tk.MonthOnly, len(tk.Zones))
	}
	z := tk.Zones[0]
	if z.Peak.MonthOnly || len(z.Peak.Days) == 0 || z.Peak.Days[0] != "Friday" || len(z.Peak.Hours) == 0 || z.Peak.Hours[0] != 22 {
		t.Errorf("peak %+v; want Friday and 22:00 first", z.Peak)
	}
	// 120 robberies at 22:xx on the four Fridays: the stated peak is Friday
	// from 22:00, and the heat table holds them
	if c := z.Peak.Claim; !c.Claimed || !strings.HasPrefix(c.Text, "Fri 22:00-") || z.Peak.Week[4][22] != 120 {
		t.Errorf("stated peak %+v, Friday 22:00 holds %v; want Fri 22:00 claimed from 120", c, z.Peak.Week[4][22])
	}
	if !strings.Contains(z.Dose.Advice, "22:00") || !strings.Contains(z.Dose.Advice, "Friday") || strings.Contains(z.Dose.Advice, "month only") {
		t.Errorf("dose %q", z.Dose.Advice)
	}
	if !slices.ContainsFunc(z.ByType, func(f TypeFigures) bool { return f.Type == "Robbery" && f.Count == 120 }) {
		t.Errorf("zone types %+v", z.ByType)
	}
}
