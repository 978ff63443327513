package data

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
)

// TestClevelandMatchesReferenceTally imports the 35 real months and checks
// counts by month and crime type against the independent tally in
// ../shared/data/reference.
func TestClevelandMatchesReferenceTally(t *testing.T) {
	parts, rep := cleveland(t)
	if rep.RowsRead != 269438 || rep.Stored != 269438 || rep.Rejected != 0 {
		t.Fatalf("rows read %d, stored %d, rejected %d; want 269438, 269438, 0", rep.RowsRead, rep.Stored, rep.Rejected)
	}
	if len(parts) != 35 {
		t.Fatalf("%d partitions, want 35", len(parts))
	}
	s, err := OpenMem(t.TempDir(), MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Replace(ctx, parts); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Aggregate(ctx, Query{By: GroupBy{Month: true, Type: true}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range rows {
		got[r.Month.String()+"|"+r.Type] = r.Count
	}
	want := readTally(t, shared(t, "data/reference/cleveland_monthly_counts_by_type.csv"))
	if len(want) != 490 {
		t.Fatalf("tally has %d rows, want 490", len(want))
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: stored %d, tally %d", k, got[k], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d month/type groups stored, tally has %d", len(got), len(want))
	}
}

func readTally(tb testing.TB, path string) map[string]int64 {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range recs[1:] {
		n, err := strconv.ParseInt(r[2], 10, 64)
		if err != nil {
			tb.Fatal(err)
		}
		out[r[0][:7]+"|"+r[1]] = n
	}
	return out
}

// rayCast is a plain even-odd ray-casting test, written here independently
// of the code under test (which uses an H3 cover and orb/planar).
func rayCast(mp orb.MultiPolygon, lon, lat float64) bool {
	in := false
	for _, poly := range mp {
		for _, ring := range poly {
			for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
				xi, yi := ring[i][0], ring[i][1]
				xj, yj := ring[j][0], ring[j][1]
				if (yi > lat) != (yj > lat) && lon < (xj-xi)*(lat-yi)/(yj-yi)+xi {
					in = !in
				}
			}
		}
	}
	return in
}

// TestStocktonWardCountsMatchRayCasting counts each Stockton ward's incidents
// per month by brute-force ray casting over the raw points and compares the
// store's area aggregation.
func TestStocktonWardCountsMatchRayCasting(t *testing.T) {
	parts, _ := cleveland(t)
	wards := stocktonWards(t)
	s, err := OpenMem(t.TempDir(), MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.PutLayer(ctx, "wards", wards, LayerMeta{Source: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, parts); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	multi := 0
	for _, p := range parts {
		for i := 0; i < p.Len(); i++ {
			l := p.Locations[p.Loc[i]]
			hits := 0
			for _, w := range wards {
				if rayCast(w.Geometry, l.Lon, l.Lat) {
					if hits == 0 {
						want[fmt.Sprint(p.Month, "|", w.Code)]++
					}
					hits++
				}
			}
			if hits > 1 {
				multi++
			}
		}
	}
	if multi > 0 {
		t.Fatalf("%d points fall in two wards by ray casting: the boundary file overlaps", multi)
	}
	rows, err := s.Aggregate(ctx, Query{By: GroupBy{Layer: "wards", Month: true}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	var total int64
	for _, r := range rows {
		got[fmt.Sprint(r.Month, "|", r.Area)] = r.Count
		total += r.Count
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("ward-month %s: store %d, ray casting %d", k, got[k], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("store has %d ward-months, ray casting %d", len(got), len(want))
	}
	if total < 70000 {
		t.Errorf("only %d incidents in Stockton wards over 35 months; expected about 30 percent of Cleveland's (Stockton has a third of its residents)", total)
	}
	t.Logf("%d incidents in Stockton wards", total)
}
