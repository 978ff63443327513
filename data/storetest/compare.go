package storetest

import (
	"testing"

	"github.com/stockton-csp/hotspots/data"
)

// Queries are the queries Compare asks both stores: every shape unfiltered
// and under each filter of Filters.
func Queries(tb testing.TB) []data.Query {
	tb.Helper()
	var out []data.Query
	for _, by := range Shapes() {
		out = append(out, data.Query{By: by})
	}
	for _, q := range Filters(tb) {
		for _, by := range []data.GroupBy{{}, {Month: true, Type: true}, {CellRes: 11, Layer: Wards, Month: true}, {Layer: LSOAs, Type: true}} {
			q.By = by
			out = append(out, q)
		}
	}
	return out
}

// Compare checks that stores a and b, holding the same data (as Load leaves
// them), give identical answers: summaries (but for the version), layers,
// every query of Queries row for row, and the incidents of a few filters
// field for field.
func Compare(t *testing.T, a, b data.Store) {
	t.Helper()
	t.Run("Summary", func(t *testing.T) {
		sa, err := a.Summary(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := b.Summary(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sa.Version, sb.Version = 0, 0
		if !sameSummary(sa, sb) {
			t.Errorf("summaries differ:\n%+v\n%+v", sa, sb)
		}
	})
	t.Run("Layers", func(t *testing.T) {
		la, err := a.Layers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		lb, err := b.Layers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(la) != len(lb) {
			t.Fatalf("%d layers and %d", len(la), len(lb))
		}
		for i := range la {
			x, y := la[i], lb[i]
			if x.Name != y.Name || x.Areas != y.Areas || x.WithPop != y.WithPop || x.Bound != y.Bound || !SameMeta(x.Meta, y.Meta) {
				t.Errorf("layer %d:\n%+v\n%+v", i, x, y)
			}
			ga, ma, err := a.Layer(ctx, x.Name)
			if err != nil {
				t.Fatal(err)
			}
			gb, mb, err := b.Layer(ctx, x.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !SameMeta(ma, mb) {
				t.Errorf("layer %s meta: %+v and %+v", x.Name, ma, mb)
			}
			if err := SameAreas(gb.Areas, ga.Areas); err != nil {
				t.Errorf("layer %s: %v", x.Name, err)
			}
		}
	})
	t.Run("Aggregate", func(t *testing.T) {
		for _, q := range Queries(t) {
			ra, err := a.Aggregate(ctx, q)
			if err != nil {
				t.Errorf("%s: %v", Describe(q), err)
				continue
			}
			rb, err := b.Aggregate(ctx, q)
			if err != nil {
				t.Errorf("%s: %v", Describe(q), err)
				continue
			}
			if d := DiffRows(rb, ra); d != "" {
				t.Errorf("%s: %s", Describe(q), d)
			}
		}
	})
	t.Run("Incidents", func(t *testing.T) {
		for name, q := range Filters(t) {
			ia, ib := collect(t, a, q), collect(t, b, q)
			if len(ia) != len(ib) {
				t.Errorf("%s: %d incidents and %d", name, len(ia), len(ib))
				continue
			}
			for i := range ia {
				if !SameIncident(ia[i], ib[i]) {
					t.Errorf("%s: incident %d:\n%+v\n%+v", name, i, ia[i], ib[i])
					break
				}
			}
		}
	})
}

func sameSummary(a, b data.Summary) bool {
	if a.Incidents != b.Incidents || a.Unlocated != b.Unlocated || a.Partitions != b.Partitions ||
		len(a.Months) != len(b.Months) || len(a.Forces) != len(b.Forces) || len(a.Types) != len(b.Types) || len(a.Layers) != len(b.Layers) {
		return false
	}
	for i := range a.Months {
		if a.Months[i] != b.Months[i] {
			return false
		}
	}
	for i := range a.Forces {
		if a.Forces[i] != b.Forces[i] {
			return false
		}
	}
	for i := range a.Types {
		if a.Types[i] != b.Types[i] {
			return false
		}
	}
	for i := range a.Layers {
		if a.Layers[i] != b.Layers[i] {
			return false
		}
	}
	return true
}
