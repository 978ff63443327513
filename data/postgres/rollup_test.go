package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/data/storetest"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// rollupDiff counts the rows by which each roll-up differs from the same
// counts made afresh from the incident tables with SQL GROUP BY (a second
// method: the store writes the roll-ups from Go), and the roll-ups' rows.
func rollupDiff(tb testing.TB, s *Store) (areaDiff, cellDiff, areaRows, cellRows int64) {
	tb.Helper()
	ctx := context.Background()
	// incidents by location first (fewer rows), then by area or cell
	const byLoc = `WITH loc AS MATERIALIZED (SELECT location_id, month, source, force, type, count(*)::integer AS n
		FROM incidents GROUP BY 1, 2, 3, 4, 5), `
	const areas = `fresh AS MATERIALIZED (SELECT la.layer_id, la.area_ord, i.month, i.source, i.force, i.type, sum(i.n)::integer
		FROM loc i JOIN location_areas la ON la.location_id = i.location_id
		GROUP BY 1, 2, 3, 4, 5, 6),
		roll AS MATERIALIZED (SELECT layer_id, area_ord, month, source, force, type, incidents FROM area_month_type)`
	const cells = `fresh AS MATERIALIZED (SELECT r.res, CASE r.res WHEN 5 THEN l.cell_5 WHEN 6 THEN l.cell_6 WHEN 7 THEN l.cell_7
			WHEN 8 THEN l.cell_8 WHEN 9 THEN l.cell_9 WHEN 10 THEN l.cell_10 WHEN 11 THEN l.cell_11 ELSE l.cell_12 END,
			i.month, i.source, i.force, i.type, sum(i.n)::integer
		FROM loc i JOIN locations l ON l.id = i.location_id CROSS JOIN rollup_resolutions r
		WHERE l.cell IS NOT NULL
		GROUP BY 1, 2, 3, 4, 5, 6),
		roll AS MATERIALIZED (SELECT res, cell, month, source, force, type, incidents FROM cell_month_type)`
	diff := func(tables string) string {
		return byLoc + tables + ` SELECT (SELECT count(*) FROM ((TABLE roll EXCEPT ALL TABLE fresh) UNION ALL (TABLE fresh EXCEPT ALL TABLE roll)) d), (SELECT count(*) FROM roll)`
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	// the set differences hash or sort a few hundred thousand rows: in
	// memory, not in temporary files
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '256MB'`); err != nil {
		tb.Fatal(err)
	}
	if err := tx.QueryRow(ctx, diff(areas)).Scan(&areaDiff, &areaRows); err != nil {
		tb.Fatal(err)
	}
	if err := tx.QueryRow(ctx, diff(cells)).Scan(&cellDiff, &cellRows); err != nil {
		tb.Fatal(err)
	}
	return areaDiff, cellDiff, areaRows, cellRows
}

// checkRollups fails tb unless both roll-ups equal the incident tables and
// hold at least minArea and minCell rows (so an empty store passes only
// when it should).
func checkRollups(tb testing.TB, s *Store, when string, minArea, minCell int64) (areaRows, cellRows int64) {
	tb.Helper()
	ad, cd, ar, cr := rollupDiff(tb, s)
	if ad != 0 || cd != 0 || ar < minArea || cr < minCell {
		tb.Errorf("%s: area roll-up %d rows, %d differ from the incidents; cell roll-up %d rows, %d differ (want at least %d and %d rows, none differing)",
			when, ar, ad, cr, cd, minArea, minCell)
	}
	return ar, cr
}

// countRollups counts the rows of the roll-ups.
func countRollups(tb testing.TB, s *Store) (areaRows, cellRows int64) {
	tb.Helper()
	if err := s.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM area_month_type), (SELECT count(*) FROM cell_month_type)`).Scan(&areaRows, &cellRows); err != nil {
		tb.Fatal(err)
	}
	return areaRows, cellRows
}

// shorten is p's first n incidents, as a re-published month with fewer rows.
func shorten(p *data.Partition, n int) *data.Partition {
	q := *p
	q.Loc, q.Type, q.Outcome, q.FallsWithin, q.Context = p.Loc[:n], p.Type[:n], p.Outcome[:n], p.FallsWithin[:n], p.Context[:n]
	q.Minute, q.IDs, q.OtherIDs = p.Minute[:n], p.IDs[:32*n], nil
	return &q
}

// TestRollupsFollowChanges checks the roll-ups against the incident tables
// after every kind of change: the first import, re-imports of months (the
// same, shorter, a new force and source), layers replaced, added and
// deleted, and imports whose connection is killed part way. (Each check
// takes seconds, so changes are grouped between checks.)
func TestRollupsFollowChanges(t *testing.T) {
	s, admin := openTest(t, Options{})
	ctx := context.Background()
	if got := s.rollRes; len(got) != 5 || got[0] != 5 || got[4] != 9 {
		t.Fatalf("roll-up resolutions %v, want 5..9", got)
	}
	checkRollups(t, s, "empty store", 0, 0)
	storetest.Load(t, s)
	// Cleveland's 35 months make 235,048 cell rows at resolutions 5..9
	// (3,106 + 8,703 + 26,024 + 67,213 + 130,002, counted with psql by
	// GROUP BY on the incident tables before the roll-ups existed)
	if _, cellRows := checkRollups(t, s, "after the import", 1, 235048); cellRows != 235048 {
		t.Errorf("cell roll-up holds %d rows, want 235,048", cellRows)
	}

	// in one Replace: two months re-imported unchanged, two shortened (one
	// to nothing), a second force and a new source in a month already stored
	parts := storetest.Cleveland(t)
	extra := shorten(parts[7], 500)
	extra.Force = "Durham Constabulary"
	other := shorten(parts[7], 300)
	other.Source = "cleveland-rms"
	if err := s.Replace(ctx, []*data.Partition{parts[2], parts[3], shorten(parts[5], 50), shorten(parts[6], 0), extra, other}); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, s, "after re-importing months", 1, 1)
	// layers: replaced by other areas, added, deleted
	lads, _, err := data.ReadAreaFiles([]string{fixture.Path(t, fixture.TeesValleyAuthorities)}, geo.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutLayer(ctx, storetest.Wards, lads, data.LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutLayer(ctx, "lads", lads, data.LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteLayer(ctx, storetest.Wards); err != nil {
		t.Fatal(err)
	}
	before, beforeCells := checkRollups(t, s, "after replacing, adding and deleting layers", 1, 1)

	// imports killed part way leave both roll-ups whole
	for _, step := range []string{"deleted", "rolled up"} {
		s.hook = func(at string, pid uint32) {
			if at == step {
				if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
					t.Error(err)
				}
			}
		}
		err := s.Replace(ctx, []*data.Partition{shorten(parts[9], 10), parts[34]})
		s.hook = nil
		if err == nil || !strings.Contains(err.Error(), "was rolled back, nothing of it is stored") {
			t.Fatalf("Replace killed at %q: %v", step, err)
		}
		if a, c := countRollups(t, s); a != before || c != beforeCells {
			t.Errorf("killed at %q: roll-ups hold %d and %d rows, were %d and %d", step, a, c, before, beforeCells)
		}
	}
	checkRollups(t, s, "after the killed imports", 1, 1)
}
