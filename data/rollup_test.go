package data

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb/planar"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// TestAggregateByAreaFromRollups: counts by area (as rankings ask them,
// answered from the partitions' roll-ups) equal a count of the raw incidents
// placed in the wards by orb's planar test, with and without month, type and
// area filters, asked twice (the second from kept roll-ups), and again after
// the layer is replaced under the same name (its roll-ups must not be reused).
func TestAggregateByAreaFromRollups(t *testing.T) {
	parts, _ := cleveland(t)
	s, err := OpenMem(t.TempDir(), MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	wards, _, err := ReadAreaFiles([]string{fixture.Path(t, fixture.StocktonWards)}, geo.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, parts[len(parts)-3:]); err != nil { // 2025-09..2025-11
		t.Fatal(err)
	}
	from, to := parts[len(parts)-3].Month, parts[len(parts)-1].Month

	// by hand: each incident in the first ward (layer order) whose polygons hold it
	expect := func(areas []geo.Area, q Query) map[string]int64 {
		want := map[string]int64{}
		err := s.Incidents(ctx, Query{From: q.From, To: q.To, Types: q.Types}, func(in *Incident) error {
			if !in.Located() {
				return nil
			}
			for _, a := range areas {
				if a.Geometry.Bound().Contains(in.Point) && planar.MultiPolygonContains(a.Geometry, in.Point) {
					m := Month(0)
					if q.By.Month {
						m = in.Month
					}
					want[fmt.Sprintf("%s|%s|%s", a.Code, m, in.Type)]++
					break
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return want
	}
	check := func(name string, areas []geo.Area, q Query, keep func(code string) bool) {
		t.Helper()
		want := expect(areas, q)
		for round := range 2 {
			rows, err := s.Aggregate(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, r := range rows {
				got[fmt.Sprintf("%s|%s|%s", r.Area, r.Month, r.Type)] += r.Count
			}
			n := 0
			for k, w := range want {
				if code, _, _ := strings.Cut(k, "|"); keep != nil && !keep(code) {
					continue
				}
				n++
				if got[k] != w {
					t.Errorf("%s, round %d: %s counts %d, want %d", name, round, k, got[k], w)
				}
			}
			if len(got) != n {
				t.Errorf("%s, round %d: %d groups, want %d", name, round, len(got), n)
			}
		}
	}

	if err := s.PutLayer(ctx, "wards", wards, LayerMeta{Source: "stockton"}); err != nil {
		t.Fatal(err)
	}
	check("by area, month and type", wards, Query{From: from, To: to, By: GroupBy{Layer: "wards", Month: true, Type: true}}, nil)
	check("by area and type, one month, two types", wards, Query{From: to, To: to, Types: []string{"Burglary", "Shoplifting"},
		By: GroupBy{Layer: "wards", Type: true}}, nil)
	pick := map[string]bool{wards[3].Code: true, wards[10].Code: true}
	check("two wards", wards, Query{From: from, To: to, Layer: "wards", Areas: []string{wards[3].Code, wards[10].Code},
		By: GroupBy{Layer: "wards", Type: true}}, func(c string) bool { return pick[c] })

	// the same name, other areas in another order
	other := []geo.Area{wards[5], wards[2], wards[20], wards[0]}
	if err := s.PutLayer(ctx, "wards", other, LayerMeta{Source: "four wards"}); err != nil {
		t.Fatal(err)
	}
	check("after the layer is replaced", other, Query{From: from, To: to, By: GroupBy{Layer: "wards", Month: true, Type: true}}, nil)
}

// TestAggregateByCellAfterNewLocations: the numbering of cells kept per
// resolution is made again when an import adds locations, so a count by
// cell after it equals each incident's point placed in its cell by H3
// (geo.CellAt) by hand, new cells included.
func TestAggregateByCellAfterNewLocations(t *testing.T) {
	parts, _ := cleveland(t)
	s, err := OpenMem(t.TempDir(), MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i, p := range []*Partition{parts[0], parts[len(parts)-1]} {
		if err := s.Replace(ctx, []*Partition{p}); err != nil {
			t.Fatal(err)
		}
		for _, res := range []int{7, 9} {
			want := map[geo.Cell]int64{}
			err := s.Incidents(ctx, Query{}, func(in *Incident) error {
				if in.Located() {
					c, err := geo.CellAt(in.Point, res)
					if err != nil {
						return err
					}
					want[c]++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := s.Aggregate(ctx, Query{By: GroupBy{CellRes: res}})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(want) {
				t.Errorf("import %d, res %d: %d cells, want %d", i+1, res, len(rows), len(want))
			}
			for _, r := range rows {
				if r.Count != want[r.Cell] {
					t.Errorf("import %d, res %d: cell %s counts %d, want %d", i+1, res, r.Cell, r.Count, want[r.Cell])
				}
			}
		}
	}
}
