package tiles_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/tiles"
)

// BenchmarkPostGISCells compares this package with PostGIS serving the same
// tiles: the z14 cells (H3 resolution 11 hexagons of the default period,
// with the same properties) loaded into a table in EPSG:3857 with a GiST
// index, each tile made by ST_AsMVT(ST_AsMVTGeom(...)) with the same extent
// and buffer, as pg_tileserv and Martin do. Both are timed tile by tile in
// the same run over the same tiles; it reports both medians and their
// ratio (and the means, which over a set of tiles weigh the busy ones that
// the median passes over). PostGIS is timed twice: the query's round trip through pgx over
// loopback (what a Go tile server on PostGIS pays) and the server's own
// execution time (EXPLAIN ANALYZE), so the network is not held against it.
//
// It needs HOTSPOTS_TEST_DATABASE_URL, a PostgreSQL database with PostGIS
// where it may create and drop the table tiles_bench_cells; without it the
// benchmark skips (and fails when CI is set). pgx is imported here, in a
// benchmark, and nowhere else outside data/postgres.
//
//	HOTSPOTS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:54341/tiles_bench \
//	  go test ./tiles -run '^$' -bench BenchmarkPostGISCells -benchtime 2000x
func BenchmarkPostGISCells(b *testing.B) {
	dsn := os.Getenv("HOTSPOTS_TEST_DATABASE_URL")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			b.Fatal("HOTSPOTS_TEST_DATABASE_URL is required under CI")
		}
		b.Skip("HOTSPOTS_TEST_DATABASE_URL not set: no PostGIS to compare with")
	}
	ctx := context.Background()
	e, r := newRenderer(b, tiles.Options{})
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := loadPostGISCells(ctx, conn, e); err != nil {
		b.Fatal(err)
	}
	defer conn.Exec(ctx, "DROP TABLE IF EXISTS tiles_bench_cells")

	const query = `WITH bounds AS (SELECT ST_TileEnvelope($1, $2, $3) AS geom),
 mvt AS (
	SELECT ST_AsMVTGeom(c.geom, bounds.geom, 4096, 64, true) AS geom,
	       c.id, c.count, c.harm, c.cost, c.z, c.bin, c.top_type, c.cell
	FROM tiles_bench_cells c, bounds
	WHERE c.geom && ST_Expand(bounds.geom, (ST_XMax(bounds.geom) - ST_XMin(bounds.geom)) * 64 / 4096)
 )
 SELECT ST_AsMVT(mvt, 'cells', 4096, 'geom', 'id') FROM mvt`
	for _, c := range []struct {
		name  string
		tiles []tiles.Tile
	}{
		{"town-centre", []tiles.Tile{tileAt(stocktonTownCentre, 14)}},
		{"stockton-z14", stocktonTiles(b, r, 14)},
	} {
		b.Run(c.name, func(b *testing.B) {
			q := tiles.Query{Set: tiles.Cells}
			ours, theirs := 0, 0
			for _, t := range c.tiles { // warm both, and check they draw the same
				mine, err := r.Render(ctx, t, q)
				if err != nil {
					b.Fatal(err)
				}
				var pg []byte
				if err := conn.QueryRow(ctx, query, t.Z, t.X, t.Y).Scan(&pg); err != nil {
					b.Fatal(err)
				}
				ours += features(b, mine)
				theirs += features(b, pg)
			}
			if math.Abs(float64(ours-theirs)) > 0.02*float64(ours)+1 {
				b.Fatalf("the tiles differ: %d hexagons here, %d from PostGIS", ours, theirs)
			}
			var tOurs, tTrip, tExec []time.Duration
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				t := c.tiles[i%len(c.tiles)]
				i++
				start := time.Now()
				if _, err := r.Render(ctx, t, q); err != nil {
					b.Fatal(err)
				}
				tOurs = append(tOurs, time.Since(start))
				start = time.Now()
				var pg []byte
				if err := conn.QueryRow(ctx, query, t.Z, t.X, t.Y).Scan(&pg); err != nil {
					b.Fatal(err)
				}
				tTrip = append(tTrip, time.Since(start))
				if i%10 == 0 { // EXPLAIN ANALYZE costs a little itself: sample it
					var plan string
					if err := conn.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+query, t.Z, t.X, t.Y).Scan(&plan); err != nil {
						b.Fatal(err)
					}
					var p []struct {
						Execution float64 `json:"Execution Time"`
					}
					if err := json.Unmarshal([]byte(plan), &p); err != nil || len(p) != 1 {
						b.Fatalf("plan %s: %v", plan, err)
					}
					tExec = append(tExec, time.Duration(p[0].Execution*float64(time.Millisecond)))
				}
			}
			b.StopTimer()
			mo, mt, me := median(tOurs), median(tTrip), median(tExec)
			b.ReportMetric(us(mo), "ours-median-µs")
			b.ReportMetric(us(mt), "postgis-roundtrip-median-µs")
			b.ReportMetric(us(me), "postgis-exec-median-µs")
			b.ReportMetric(us(mt)/us(mo), "roundtrip/ours")
			b.ReportMetric(us(me)/us(mo), "exec/ours")
			b.ReportMetric(us(mean(tOurs)), "ours-mean-µs")
			b.ReportMetric(us(mean(tTrip)), "postgis-roundtrip-mean-µs")
			b.ReportMetric(us(mean(tExec)), "postgis-exec-mean-µs")
			b.ReportMetric(float64(ours)/float64(len(c.tiles)), "hexagons/tile")
		})
	}
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func features(tb testing.TB, b []byte) int {
	tb.Helper()
	if len(b) == 0 {
		return 0
	}
	d, err := decodeTile(b)
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, l := range d.layers {
		n += len(l.features)
	}
	return n
}

// loadPostGISCells fills tiles_bench_cells with the cells the z14 tiles
// draw: every resolution 11 cell of the default period, its figures and
// Gi* statistics, and its outline in EPSG:3857.
func loadPostGISCells(ctx context.Context, conn *pgx.Conn, e *engine.Engine) error {
	res := tiles.CellRes(14)
	figs, err := e.CellFigures(ctx, engine.CellQuery{Res: res})
	if err != nil {
		return err
	}
	h, err := e.Hotspots(ctx, engine.HotspotQuery{Layer: "wards", Res: res})
	if err != nil {
		return err
	}
	stat := map[uint64]engine.HotCell{}
	for _, c := range h.Cells {
		stat[uint64(c.Cell)] = c
	}
	for _, sql := range []string{
		"CREATE EXTENSION IF NOT EXISTS postgis",
		"DROP TABLE IF EXISTS tiles_bench_cells",
		`CREATE TABLE tiles_bench_cells (id bigint PRIMARY KEY, count bigint, harm float8, cost float8,
			z float8, bin int, top_type text, cell text, wkt text, geom geometry(Polygon, 3857))`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
	}
	rows := make([][]any, 0, len(figs.Cells))
	for _, f := range figs.Cells {
		var pts []string
		for _, p := range f.Cell.Boundary() {
			pts = append(pts, fmt.Sprintf("%.9f %.9f", p[0], p[1]))
		}
		var z *float64
		var bin *int32
		if s, ok := stat[uint64(f.Cell)]; ok {
			zz, bb := s.Z, int32(s.Bin)
			z, bin = &zz, &bb
		}
		// ids above 2^63 do not fit bigint; H3 cell indexes do not go there
		rows = append(rows, []any{int64(f.Cell), f.Count, f.Harm, f.Cost, z, bin, f.TopType, f.Cell.String(),
			"POLYGON((" + strings.Join(pts, ",") + "))"})
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"tiles_bench_cells"},
		[]string{"id", "count", "harm", "cost", "z", "bin", "top_type", "cell", "wkt"}, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	for _, sql := range []string{
		"UPDATE tiles_bench_cells SET geom = ST_Transform(ST_GeomFromText(wkt, 4326), 3857), wkt = NULL",
		"CREATE INDEX ON tiles_bench_cells USING gist (geom)",
		"VACUUM ANALYZE tiles_bench_cells",
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
	}
	return nil
}
