package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/data/storetest"
)

// testURL is the test database: HOTSPOTS_TEST_DATABASE_URL, which
// ci-setup.sh prints. Without it the tests skip, or fail under CI.
func testURL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv("HOTSPOTS_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("HOTSPOTS_TEST_DATABASE_URL is not set under CI: run `eval \"$(data/postgres/ci-setup.sh)\"` first")
		}
		tb.Skip("HOTSPOTS_TEST_DATABASE_URL is not set; `eval \"$(data/postgres/ci-setup.sh)\"` starts a throwaway server")
	}
	return url
}

var schemaSeq atomic.Int64

// newSchema names a schema of its own for one store, dropped when the test
// ends, and returns it with an admin connection to the test database.
func newSchema(tb testing.TB) (string, *pgx.Conn) {
	tb.Helper()
	url := testURL(tb)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	// PostGIS in public, so no test schema owns it
	if _, err := admin.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public`); err != nil {
		tb.Fatal(err)
	}
	schema := fmt.Sprintf("hotspots_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, schemaSeq.Add(1))
	tb.Cleanup(func() {
		if _, err := admin.Exec(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil {
			tb.Errorf("dropping %s: %v", schema, err)
		}
		admin.Close(ctx)
	})
	return schema, admin
}

// openTest opens a Store in a new schema.
func openTest(tb testing.TB, opts Options) (*Store, *pgx.Conn) {
	tb.Helper()
	schema, admin := newSchema(tb)
	opts.Schema = schema
	s, err := Open(context.Background(), testURL(tb), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() }) // runs before the schema is dropped
	return s, admin
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) data.Store {
		s, _ := openTest(t, Options{})
		return s
	})
}

// TestSameAsMemory loads the Cleveland data into both stores and compares
// every answer.
func TestSameAsMemory(t *testing.T) {
	pg, _ := openTest(t, Options{})
	mem, err := data.OpenMem(t.TempDir(), data.MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	storetest.Load(t, mem)
	storetest.Load(t, pg)
	storetest.Compare(t, mem, pg)
}

func TestMigrations(t *testing.T) {
	schema, admin := newSchema(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ { // the second Open finds the schema current
		s, err := Open(ctx, testURL(t), Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	var n int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM `+schema+`.schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != SchemaVersion() || n == 0 {
		t.Errorf("%d migrations recorded, want %d", n, SchemaVersion())
	}
	if _, err := admin.Exec(ctx, `INSERT INTO `+schema+`.schema_migrations (version, name) VALUES (999, '0999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, testURL(t), Options{Schema: schema})
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "999") {
		t.Errorf("Open of a newer schema: %v, want ErrNewerSchema naming version 999", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	_, err := Open(ctx, "postgres://user:s3cret@127.0.0.1:notaport/db", Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("bad URL: %v (the message must not show the password)", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = Open(cctx, "postgres://user:s3cret@127.0.0.1:1/db?connect_timeout=2", Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "cannot connect") {
		t.Errorf("unreachable server: %v", err)
	}
}

// TestConnectionLostDuringReplace kills the import's connection part way
// through: nothing of the import is stored, the error says so, and the
// store carries on.
func TestConnectionLostDuringReplace(t *testing.T) {
	s, admin := openTest(t, Options{})
	ctx := context.Background()
	parts := storetest.Cleveland(t)
	if err := s.Replace(ctx, parts[:2]); err != nil {
		t.Fatal(err)
	}
	before, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"locations", "deleted", "copied", "commit"} {
		t.Run(step, func(t *testing.T) {
			s.hook = func(at string, pid uint32) {
				if at == step {
					if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
						t.Error(err)
					}
				}
			}
			defer func() { s.hook = nil }()
			err := s.Replace(ctx, parts[:6])
			if err == nil || !strings.Contains(err.Error(), "was rolled back, nothing of it is stored") {
				t.Fatalf("Replace with its connection killed: %v", err)
			}
			after, err := s.Summary(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after.Incidents != before.Incidents || after.Partitions != 2 || after.Version != before.Version {
				t.Errorf("after a failed import: %d incidents in %d partitions (version %d), was %d in 2 (version %d)",
					after.Incidents, after.Partitions, after.Version, before.Incidents, before.Version)
			}
		})
	}
	if err := s.Replace(ctx, parts[:6]); err != nil {
		t.Fatalf("Replace after the failures: %v", err)
	}
	sum, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for _, p := range parts[:6] {
		want += int64(p.Len())
	}
	if sum.Incidents != want {
		t.Errorf("%d incidents, want %d", sum.Incidents, want)
	}
}

// TestCancelStopsQuery cancels a long aggregate part way: the call returns
// soon with the context's error, and the server stops the query.
func TestCancelStopsQuery(t *testing.T) {
	s, admin := openTest(t, Options{})
	storetest.Load(t, s)
	ctx := context.Background()
	q := data.Query{By: data.GroupBy{CellRes: 12, Layer: storetest.LSOAs, Month: true, Type: true}}
	start := time.Now()
	if _, err := s.Aggregate(ctx, q); err != nil {
		t.Fatal(err)
	}
	full := time.Since(start)
	cctx, cancel := context.WithTimeout(ctx, full/10)
	defer cancel()
	start = time.Now()
	_, err := s.Aggregate(cctx, q)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Aggregate past its deadline: %v", err)
	}
	if took > full/2 {
		t.Errorf("cancelled Aggregate took %v, the whole query %v", took, full)
	}
	// the server is not still running it
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT l.cell_12%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cancelled query is still running on the server")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := s.Aggregate(ctx, data.Query{}); err != nil {
		t.Errorf("Aggregate after a cancelled one: %v", err)
	}
}

// TestVersionAcrossProcesses: a change made through one Store shows in
// another's Version once its recheck interval has passed.
func TestVersionAcrossProcesses(t *testing.T) {
	schema, _ := newSchema(t)
	ctx := context.Background()
	var now atomic.Int64
	now.Store(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	a, err := Open(ctx, testURL(t), Options{Schema: schema, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, testURL(t), Options{Schema: schema, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	v := b.Version()
	if err := a.PutLayer(ctx, storetest.Wards, storetest.WardAreas(t), data.LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	if a.Version() <= v {
		t.Errorf("the writer's version %d did not move from %d", a.Version(), v)
	}
	if b.Version() != v {
		t.Errorf("the other store re-read its version within the recheck interval")
	}
	now.Add(int64(2 * time.Second))
	if b.Version() != a.Version() {
		t.Errorf("the other store's version is %d after the recheck interval, want %d", b.Version(), a.Version())
	}
	if _, _, err := b.Layer(ctx, storetest.Wards); err != nil {
		t.Errorf("the other store does not see the layer: %v", err)
	}
}

// BenchmarkImportCOPY imports the 35 Cleveland months (already parsed) into
// a store holding the wards and LSOA layers: locations, areas of new
// locations, and 269,438 incidents by COPY, in one transaction.
func BenchmarkImportCOPY(b *testing.B) {
	parts := storetest.Cleveland(b)
	wards, lsoas := storetest.WardAreas(b), storetest.LSOAAreas(b)
	rows := 0
	for _, p := range parts {
		rows += p.Len()
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, _ := openTest(b, Options{})
		if err := s.PutLayer(ctx, storetest.Wards, wards, data.LayerMeta{}); err != nil {
			b.Fatal(err)
		}
		if err := s.PutLayer(ctx, storetest.LSOAs, lsoas, data.LayerMeta{}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.Replace(ctx, parts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReimportMonth replaces one month already stored: the monthly
// police.uk re-publication.
func BenchmarkReimportMonth(b *testing.B) {
	s, _ := openTest(b, Options{})
	storetest.Load(b, s)
	parts := storetest.Cleveland(b)
	last := parts[len(parts)-1]
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Replace(ctx, []*data.Partition{last}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(last.Len())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// loaded is a store holding the Cleveland fixture, for the query
// benchmarks.
func loaded(b *testing.B) *Store {
	s, _ := openTest(b, Options{})
	storetest.Load(b, s)
	if _, err := s.pool.Exec(context.Background(), `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkAggregateWardsYear counts a year of all Cleveland incidents by
// Stockton 2023 ward and crime type, as the memory store's benchmark of the
// same name: the query under a ward ranking.
func BenchmarkAggregateWardsYear(b *testing.B) {
	s := loaded(b)
	q := data.Query{From: data.MonthOf(2024, 12), To: data.MonthOf(2025, 11), By: data.GroupBy{Layer: storetest.Wards, Type: true}}
	benchAggregate(b, s, q)
}

// BenchmarkAggregateCellsMonth counts 35 months by resolution-9 cell and
// month (the Gi* grid input).
func BenchmarkAggregateCellsMonth(b *testing.B) {
	s := loaded(b)
	benchAggregate(b, s, data.Query{By: data.GroupBy{CellRes: 9, Month: true}})
}

func benchAggregate(b *testing.B, s *Store, q data.Query) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Aggregate(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
}

// BenchmarkScaleRanking asks a store loaded at national scale for what a
// ranking of every area over 12 months asks (the 12 months and the 12 before
// them, by area, month and crime type, crimes without anti-social behaviour,
// police.uk), from the roll-ups and, for comparison, from the incident
// tables. It runs on a schema of the test database that `hotspotd import
// --store ... --store-schema NAME` has filled (see README "At national
// scale"), named by HOTSPOTS_SCALE_SCHEMA, with the layer named by
// HOTSPOTS_SCALE_LAYER (default "areas"); it skips without them.
func BenchmarkScaleRanking(b *testing.B) {
	schema := os.Getenv("HOTSPOTS_SCALE_SCHEMA")
	if schema == "" {
		b.Skip("HOTSPOTS_SCALE_SCHEMA is not set: import the scalegen data set into a schema of the test database and name it")
	}
	layer := os.Getenv("HOTSPOTS_SCALE_LAYER")
	if layer == "" {
		layer = "areas"
	}
	ctx := context.Background()
	s, err := Open(ctx, testURL(b), Options{Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sum, err := s.Summary(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if len(sum.Months) == 0 {
		b.Fatalf("schema %s holds no incidents", schema)
	}
	last := sum.Months[len(sum.Months)-1]
	var types []string
	for _, tc := range sum.Types {
		if tc.Type != "Anti-social behaviour" {
			types = append(types, tc.Type)
		}
	}
	q := data.Query{From: last - 23, To: last, Types: types, Sources: []string{data.PoliceUK},
		By: data.GroupBy{Layer: layer, Month: true, Type: true}}
	for _, c := range []struct {
		name      string
		noRollups bool
	}{{"rollups", false}, {"incidents", true}} {
		b.Run(c.name, func(b *testing.B) {
			s.noRollups = c.noRollups
			defer func() { s.noRollups = false }()
			var rows []data.Row
			b.ReportAllocs()
			for b.Loop() {
				if rows, err = s.Aggregate(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
			b.ReportMetric(float64(len(rows)), "rows")
		})
	}
}
