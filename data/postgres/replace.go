package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// Replace stores partitions, each replacing the stored partition of the same
// (force, month), in one transaction: readers see all of them or none, and a
// failure part way (a lost connection included) stores nothing. Of several
// partitions of one (force, month), the last is kept.
//
// The old rows are deleted and the new ones copied straight into the month
// tables in the same transaction: until it commits, readers see the old rows
// (MVCC), so the transaction is the staging area and each row is written
// once. Locations go through a temporary staging table, so each distinct
// place is stored once and its id found by a join.
func (s *Store) Replace(ctx context.Context, parts []*data.Partition) error {
	if len(parts) == 0 {
		return data.ErrNothingToAdd
	}
	if err := s.checkOpen(); err != nil {
		return err
	}
	parts = lastOfEach(parts)
	if err := s.ensureMonths(ctx, parts); err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: starting the import: %w", err)
	}
	v, err := s.replaceTx(ctx, tx, parts)
	if err != nil {
		tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // the error that matters is err
		return fmt.Errorf("postgres: import of %s failed and was rolled back, nothing of it is stored: %w", describe(parts), err)
	}
	if err := tx.Commit(ctx); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) || errors.Is(err, pgx.ErrTxCommitRollback) || pgconn.SafeToRetry(err) {
			// the server refused the commit, or never got it
			return fmt.Errorf("postgres: import of %s failed at the commit and was rolled back, nothing of it is stored: %w", describe(parts), err)
		}
		return fmt.Errorf("postgres: committing the import of %s: %w (the connection was lost during the commit, so it may or may not be stored: import it again, replacing a month is idempotent)", describe(parts), err)
	}
	s.setVersion(v)
	s.analyzeRollups(ctx)
	return nil
}

// analyzeRollups refreshes the planner's statistics of the roll-ups after
// an import, so that the next ranking is planned on the new figures rather
// than on whatever autovacuum last saw. Best effort: the import is
// committed.
func (s *Store) analyzeRollups(ctx context.Context) {
	if _, err := s.pool.Exec(ctx, `ANALYZE area_month_type, cell_month_type`); err != nil {
		s.log.Warn("postgres: refreshing statistics of the roll-ups", "err", err)
	}
}

// lastOfEach drops partitions a later one of the same (source, force,
// month) replaces.
func lastOfEach(parts []*data.Partition) []*data.Partition {
	type key struct {
		source, force string
		month         data.Month
	}
	last := map[key]int{}
	for i, p := range parts {
		last[key{p.SourceName(), p.Force, p.Month}] = i
	}
	if len(last) == len(parts) {
		return parts
	}
	out := make([]*data.Partition, 0, len(last))
	for i, p := range parts {
		if last[key{p.SourceName(), p.Force, p.Month}] == i {
			out = append(out, p)
		}
	}
	return out
}

// describe names the partitions of an import for messages.
func describe(parts []*data.Partition) string {
	if len(parts) == 1 {
		return fmt.Sprintf("%s %s", parts[0].Force, parts[0].Month)
	}
	lo, hi := parts[0].Month, parts[0].Month
	for _, p := range parts {
		lo, hi = min(lo, p.Month), max(hi, p.Month)
	}
	return fmt.Sprintf("%d partitions (%s to %s)", len(parts), lo, hi)
}

// step tells a test's hook where a Replace has got to.
func (s *Store) step(step string, tx pgx.Tx) {
	if s.hook != nil {
		s.hook(step, tx.Conn().PgConn().PID())
	}
}

func (s *Store) replaceTx(ctx context.Context, tx pgx.Tx, parts []*data.Partition) (uint64, error) {
	v, err := bump(ctx, tx)
	if err != nil {
		return 0, err
	}
	s.step("begun", tx)
	layers, err := s.allLayers(ctx, tx)
	if err != nil {
		return 0, err
	}
	locs, err := stageLocations(ctx, tx, parts, s.rollRes)
	if err != nil {
		return 0, err
	}
	s.step("locations", tx)
	// areas of the locations new to the store, in every layer
	for _, cl := range layers {
		var rows [][]any
		for _, nl := range locs.added {
			if a := cl.layer.Locate(nl.pt); a >= 0 {
				rows = append(rows, []any{cl.id, nl.id, int32(a)})
			}
		}
		if len(rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"location_areas"}, []string{"layer_id", "location_id", "area_ord"}, pgx.CopyFromRows(rows)); err != nil {
			return 0, fmt.Errorf("storing areas of new locations: %w", err)
		}
	}
	s.step("areas", tx)
	// out with the old
	forces := make([]string, len(parts))
	sources := make([]string, len(parts))
	months := make([]time.Time, len(parts))
	for i, p := range parts {
		forces[i], sources[i], months[i] = p.Force, p.SourceName(), monthDate(p.Month)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM incidents i USING unnest($1::text[], $2::date[], $3::text[]) AS r(force, month, source)
		WHERE i.month = r.month AND i.force = r.force AND i.source = r.source`, forces, months, sources); err != nil {
		return 0, fmt.Errorf("deleting the replaced incidents: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM force_months f USING unnest($1::text[], $2::date[], $3::text[]) AS r(force, month, source)
		WHERE f.month = r.month AND f.force = r.force AND f.source = r.source`, forces, months, sources); err != nil {
		return 0, fmt.Errorf("deleting the replaced partitions: %w", err)
	}
	if err := deleteRollups(ctx, tx, parts); err != nil {
		return 0, err
	}
	s.step("deleted", tx)
	// in with the new, straight into each month's table (10% faster than
	// routing through the parent)
	for i, p := range parts {
		src := &incidentRows{p: p, month: monthDate(p.Month), locs: locs, slot: locs.slot[i], i: -1, row: make([]any, len(incidentCols))}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{monthTable(p.Month)}, incidentCols, src)
		if err != nil {
			return 0, fmt.Errorf("copying %s %s: %w", p.Force, p.Month, err)
		}
		if n != int64(p.Len()) {
			return 0, fmt.Errorf("copying %s %s: %d of %d rows stored", p.Force, p.Month, n, p.Len())
		}
	}
	s.step("copied", tx)
	pl, err := placesOf(ctx, tx, locs, layers)
	if err != nil {
		return 0, err
	}
	if err := s.writeRollups(ctx, tx, parts, locs, pl); err != nil {
		return 0, err
	}
	s.step("rolled up", tx)
	if err := recordPartitions(ctx, tx, parts, locs, v, s.now().UTC()); err != nil {
		return 0, err
	}
	s.step("commit", tx)
	return v, nil
}

// recordPartitions stores what Summary reports of each partition.
func recordPartitions(ctx context.Context, tx pgx.Tx, parts []*data.Partition, locs *stagedLocations, v uint64, stored time.Time) error {
	var (
		forces, tForces, tTypes []string
		sources, tSources       []string
		months, tMonths         []time.Time
		rows, unlocated, counts []int32
		hasTimes                []bool
	)
	for i, p := range parts {
		month := monthDate(p.Month)
		types := map[string]int32{}
		var nowhere int32
		for j, l := range p.Loc {
			if !locs.located(i, l) {
				nowhere++
			}
			types[p.Strs[p.Type[j]]]++
		}
		timed := false
		for _, m := range p.Minute {
			if data.HasTime(int(m)) {
				timed = true
				break
			}
		}
		forces, months, sources = append(forces, p.Force), append(months, month), append(sources, p.SourceName())
		rows, unlocated, hasTimes = append(rows, int32(p.Len())), append(unlocated, nowhere), append(hasTimes, timed)
		for t, n := range types {
			tForces, tMonths, tTypes, counts = append(tForces, p.Force), append(tMonths, month), append(tTypes, t), append(counts, n)
			tSources = append(tSources, p.SourceName())
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO force_months (force, month, incidents, unlocated, version, stored, source, has_times)
		SELECT force, month, incidents, unlocated, $5, $6, source, has_times
		FROM unnest($1::text[], $2::date[], $3::integer[], $4::integer[], $7::text[], $8::boolean[]) AS r(force, month, incidents, unlocated, source, has_times)`,
		forces, months, rows, unlocated, int64(v), stored, sources, hasTimes); err != nil {
		return fmt.Errorf("recording the partitions: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO force_month_types (force, month, type, incidents, source)
		SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::integer[], $5::text[])`,
		tForces, tMonths, tTypes, counts, tSources); err != nil {
		return fmt.Errorf("recording the partitions: %w", err)
	}
	return nil
}

// matchLocation joins stage_locations s to the stored location l it is.
const matchLocation = `l.lon = s.lon AND l.lat = s.lat AND l.name = s.name AND l.lsoa_code = s.lsoa_code AND l.lsoa_name = s.lsoa_name`

// locKey names a distinct location, as the locations table's unique key
// does: NaN equal to NaN and -0 to 0, as PostgreSQL compares float8.
type locKey struct {
	lon, lat            uint64
	name, code, lsoaNam string
}

func floatKey(f float64) uint64 {
	switch {
	case math.IsNaN(f):
		return math.Float64bits(math.NaN())
	case f == 0:
		return 0
	}
	return math.Float64bits(f)
}

// distinctLoc is one distinct location of an import, at its first
// appearance.
type distinctLoc struct {
	part, idx int
	id        int32
	located   bool
	pt        orb.Point
	cell      geo.Cell
	cells     geo.Cells
}

// stagedLocations maps an import's partition locations to stored ones.
type stagedLocations struct {
	distinct []distinctLoc
	slot     [][]int32      // per partition and partition location: index into distinct
	added    []*distinctLoc // located locations new to the store
	// rollCells holds each located distinct location's cells at the
	// roll-up resolutions (Store.rollRes), nil for one not located
	rollCells [][]int64
}

func (l *stagedLocations) located(part int, loc uint32) bool {
	return l.distinct[l.slot[part][loc]].located
}

// stageLocations stores the partitions' locations not yet stored, and finds
// every one's id and its cells at the roll-up resolutions rollRes. Distinct places are found in Go (a few thousand among the
// hundred thousand locations of 35 months), staged, and matched against the
// table; the new ones are indexed (geo.CellsOf) and copied in.
func stageLocations(ctx context.Context, tx pgx.Tx, parts []*data.Partition, rollRes []int) (*stagedLocations, error) {
	sl := &stagedLocations{slot: make([][]int32, len(parts))}
	seen := map[locKey]int32{}
	for i, p := range parts {
		sl.slot[i] = make([]int32, len(p.Locations))
		for j := range p.Locations {
			pl := &p.Locations[j]
			k := locKey{floatKey(pl.Lon), floatKey(pl.Lat), p.Strs[pl.Name], p.Strs[pl.LSOACode], p.Strs[pl.LSOAName]}
			if math.IsNaN(pl.Lon) || math.IsNaN(pl.Lat) {
				k.lon, k.lat = floatKey(math.NaN()), floatKey(math.NaN())
			}
			d, ok := seen[k]
			if !ok {
				d = int32(len(sl.distinct))
				sl.distinct = append(sl.distinct, distinctLoc{part: i, idx: j, pt: orb.Point{pl.Lon, pl.Lat}, cell: pl.Cell})
				seen[k] = d
			}
			sl.slot[i][j] = d
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE stage_locations (
		d integer, lon double precision, lat double precision,
		name text COLLATE "C", lsoa_code text COLLATE "C", lsoa_name text COLLATE "C") ON COMMIT DROP`); err != nil {
		return nil, fmt.Errorf("staging locations: %w", err)
	}
	src := &locationRows{parts: parts, locs: sl.distinct, i: -1, row: make([]any, 6)}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stage_locations"}, []string{"d", "lon", "lat", "name", "lsoa_code", "lsoa_name"}, src); err != nil {
		return nil, fmt.Errorf("staging locations: %w", err)
	}
	// autovacuum never sees a temporary table: without figures the planner
	// may join it to locations by nested loops, for minutes at scale
	if _, err := tx.Exec(ctx, `ANALYZE stage_locations`); err != nil {
		return nil, fmt.Errorf("staging locations: %w", err)
	}
	rows, _ := tx.Query(ctx, `SELECT d FROM stage_locations s WHERE NOT EXISTS (SELECT FROM locations l WHERE `+matchLocation+`) ORDER BY d`)
	fresh, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, fmt.Errorf("finding new locations: %w", err)
	}
	for _, d := range fresh {
		dl := &sl.distinct[d]
		if dl.cell != 0 {
			if dl.cells, err = geo.CellsOf(dl.pt); err != nil {
				return nil, fmt.Errorf("indexing location %v: %w", dl.pt, err)
			}
		}
	}
	cols := []string{"lon", "lat", "name", "lsoa_code", "lsoa_name", "cell", "geom"}
	for r := geo.MinRes; r <= geo.BaseRes; r++ {
		cols = append(cols, "cell_"+strconv.Itoa(r))
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"locations"}, cols, &newLocRows{parts: parts, locs: sl.distinct, fresh: fresh, i: -1, row: make([]any, len(cols))}); err != nil {
		return nil, fmt.Errorf("storing new locations: %w", err)
	}
	// with each location's cells at the roll-up resolutions
	cellCols := ""
	for _, r := range rollRes {
		cellCols += ", coalesce(l.cell_" + strconv.Itoa(r) + ", 0)"
	}
	rows, _ = tx.Query(ctx, `SELECT s.d, l.id, l.cell IS NOT NULL`+cellCols+` FROM stage_locations s JOIN locations l ON `+matchLocation)
	var d, id int32
	var located bool
	cells := make([]int64, len(rollRes))
	dest := []any{&d, &id, &located}
	for i := range cells {
		dest = append(dest, &cells[i])
	}
	sl.rollCells = make([][]int64, len(sl.distinct))
	found := 0
	if _, err := pgx.ForEachRow(rows, dest, func() error {
		sl.distinct[d].id, sl.distinct[d].located = id, located
		if located && len(cells) > 0 {
			sl.rollCells[d] = slices.Clone(cells)
		}
		found++
		return nil
	}); err != nil {
		return nil, fmt.Errorf("finding locations: %w", err)
	}
	if found != len(sl.distinct) {
		return nil, fmt.Errorf("finding locations: %d of %d found", found, len(sl.distinct))
	}
	for _, d := range fresh {
		if dl := &sl.distinct[d]; dl.located {
			sl.added = append(sl.added, dl)
		}
	}
	return sl, nil
}

// locationRows feeds the distinct locations to COPY.
type locationRows struct {
	parts []*data.Partition
	locs  []distinctLoc
	i     int
	row   []any
}

func (r *locationRows) Next() bool {
	r.i++
	return r.i < len(r.locs)
}

func (r *locationRows) Values() ([]any, error) {
	dl := &r.locs[r.i]
	p := r.parts[dl.part]
	pl := &p.Locations[dl.idx]
	lon, lat := lonLat(pl)
	r.row[0], r.row[1], r.row[2] = int32(r.i), lon, lat
	r.row[3], r.row[4], r.row[5] = p.Strs[pl.Name], p.Strs[pl.LSOACode], p.Strs[pl.LSOAName]
	return r.row, nil
}

func (r *locationRows) Err() error { return nil }

// lonLat is a location's coordinates as stored: both NaN when either is.
func lonLat(pl *data.PartLocation) (float64, float64) {
	if math.IsNaN(pl.Lon) || math.IsNaN(pl.Lat) {
		return math.NaN(), math.NaN()
	}
	return pl.Lon, pl.Lat
}

// newLocRows feeds the locations new to the store to COPY.
type newLocRows struct {
	parts []*data.Partition
	locs  []distinctLoc
	fresh []int32
	i     int
	row   []any
}

func (r *newLocRows) Next() bool {
	r.i++
	return r.i < len(r.fresh)
}

func (r *newLocRows) Values() ([]any, error) {
	dl := &r.locs[r.fresh[r.i]]
	p := r.parts[dl.part]
	pl := &p.Locations[dl.idx]
	lon, lat := lonLat(pl)
	r.row[0], r.row[1], r.row[2], r.row[3], r.row[4] = lon, lat, p.Strs[pl.Name], p.Strs[pl.LSOACode], p.Strs[pl.LSOAName]
	if dl.cell == 0 {
		for i := 5; i < len(r.row); i++ {
			r.row[i] = nil
		}
		return r.row, nil
	}
	g, err := ewkb.Marshal(dl.pt, 4326)
	if err != nil {
		return nil, err
	}
	r.row[5], r.row[6] = int64(dl.cell), g
	for i, c := range dl.cells {
		r.row[7+i] = int64(c)
	}
	return r.row, nil
}

func (r *newLocRows) Err() error { return nil }

var incidentCols = []string{"month", "force", "seq", "crime_id", "minute", "type", "outcome", "falls_within", "context", "location_id", "source", "span"}

// incidentRows feeds a partition's incidents to COPY.
type incidentRows struct {
	p     *data.Partition
	month time.Time
	locs  *stagedLocations
	slot  []int32 // the partition's locations in locs.distinct
	i     int
	row   []any
}

func (r *incidentRows) Next() bool {
	r.i++
	return r.i < r.p.Len()
}

func (r *incidentRows) Values() ([]any, error) {
	p, i := r.p, r.i
	var id, minute any
	if v := p.ID(i); v != "" {
		id = v
	}
	if m := p.Minute[i]; m != data.NoMinute {
		minute = int32(m)
	}
	r.row[0], r.row[1], r.row[2], r.row[3], r.row[4] = r.month, p.Force, int32(i), id, minute
	r.row[5], r.row[6], r.row[7], r.row[8] = p.Strs[p.Type[i]], p.Strs[p.Outcome[i]], p.Strs[p.FallsWithin[i]], p.Strs[p.Context[i]]
	r.row[9] = r.locs.distinct[r.slot[p.Loc[i]]].id
	r.row[10], r.row[11] = p.SourceName(), nil
	if p.Span != nil && p.Span[i] > 0 {
		r.row[11] = int32(p.Span[i])
	}
	return r.row, nil
}

func (r *incidentRows) Err() error { return nil }

// monthTable names the table of a month's incidents.
func monthTable(m data.Month) string { return fmt.Sprintf("incidents_%04d_%02d", m.Year(), m.Num()) }

// ensureMonths creates the month tables the partitions need, in a short
// transaction of their own before the import's: creating a partition locks
// the parent table, which must not wait on (or hold up readers during) a
// long import.
func (s *Store) ensureMonths(ctx context.Context, parts []*data.Partition) error {
	s.mu.Lock()
	var need []data.Month
	for _, p := range parts {
		if !s.months[p.Month] {
			need = append(need, p.Month)
		}
	}
	s.mu.Unlock()
	if len(need) == 0 {
		return nil
	}
	var sql strings.Builder
	for _, m := range need {
		if m < data.MonthOf(1, 1) || m >= data.MonthOf(9999, 12) {
			return fmt.Errorf("postgres: month %s is outside the years 1 to 9999", m)
		}
		name := pgx.Identifier{monthTable(m)}.Sanitize()
		fmt.Fprintf(&sql, "CREATE TABLE IF NOT EXISTS %s PARTITION OF incidents FOR VALUES FROM ('%s') TO ('%s');\n",
			name, monthDate(m).Format(time.DateOnly), monthDate(m+1).Format(time.DateOnly))
	}
	// one round trip, one implicit transaction
	_, err := s.pool.Exec(ctx, sql.String())
	if err != nil && ctx.Err() == nil {
		// another process may have created one at the same moment
		_, err = s.pool.Exec(ctx, sql.String())
	}
	if err != nil {
		return fmt.Errorf("postgres: creating the month tables: %w", err)
	}
	s.mu.Lock()
	for _, m := range need {
		s.months[m] = true
	}
	s.mu.Unlock()
	return nil
}
