package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// Summary describes what is stored, from one snapshot. It reads the
// per-partition counts kept at import, not the incidents.
func (s *Store) Summary(ctx context.Context) (data.Summary, error) {
	sum := data.Summary{Months: []data.Month{}, Forces: []string{}, Types: []data.TypeCount{}, Layers: []string{}}
	if err := s.checkOpen(); err != nil {
		return sum, err
	}
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		var v int64
		if err := tx.QueryRow(ctx, `SELECT version FROM store_state`).Scan(&v); err != nil {
			return err
		}
		sum.Version = uint64(v)
		if err := tx.QueryRow(ctx, `SELECT count(*), coalesce(sum(incidents), 0), coalesce(sum(unlocated), 0) FROM force_months`).
			Scan(&sum.Partitions, &sum.Incidents, &sum.Unlocated); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT DISTINCT month FROM force_months ORDER BY month`)
		months, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
		if err != nil {
			return err
		}
		for _, m := range months {
			sum.Months = append(sum.Months, dateMonth(m))
		}
		rows, _ = tx.Query(ctx, `SELECT DISTINCT force FROM force_months ORDER BY force`)
		if sum.Forces, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, `SELECT type, sum(incidents) FROM force_month_types GROUP BY type HAVING sum(incidents) > 0 ORDER BY type`)
		if sum.Types, err = pgx.CollectRows(rows, pgx.RowToStructByPos[data.TypeCount]); err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, `SELECT name FROM layers ORDER BY name`)
		if sum.Layers, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		return s.sources(ctx, tx, &sum)
	})
	if err != nil {
		return data.Summary{}, fmt.Errorf("postgres: summary: %w", err)
	}
	s.setVersion(sum.Version)
	return sum, nil
}

// snapshot runs fn in a read-only transaction that sees one snapshot.
func (s *Store) snapshot(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read-only
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// plan is a query translated to SQL.
type plan struct {
	args  []any
	where []string
	from  string
	count string   // the count's expression
	cols  []string // group columns, in Row order
	codes []string // area codes of the grouping layer, by ord
}

func (p *plan) arg(v any) string {
	p.args = append(p.args, v)
	return "$" + strconv.Itoa(len(p.args))
}

// filters adds q's month, type, force and source filters on the columns of
// table alias t, which incidents and every roll-up share.
func (p *plan) filters(q data.Query, t string) {
	if q.From != 0 {
		p.where = append(p.where, t+".month >= "+p.arg(monthDate(q.From)))
	}
	if q.To != 0 {
		p.where = append(p.where, t+".month <= "+p.arg(monthDate(q.To)))
	}
	if len(q.Types) > 0 {
		p.where = append(p.where, t+".type = ANY("+p.arg(q.Types)+")")
	}
	if len(q.Forces) > 0 {
		p.where = append(p.where, t+".force = ANY("+p.arg(q.Forces)+")")
	}
	if len(q.Sources) > 0 {
		p.where = append(p.where, t+".source = ANY("+p.arg(q.Sources)+")")
	}
}

// planQuery checks q and translates it to SQL over the roll-up that answers it
// exactly (rollupSource) or, when rollups is false or none does, over the
// incidents, reading layers through tx.
func (s *Store) planQuery(ctx context.Context, tx pgx.Tx, q data.Query, rollups bool) (*plan, error) {
	if q.From != 0 && q.To != 0 && q.From > q.To {
		return nil, fmt.Errorf("%w: from %s is after to %s", data.ErrBadQuery, q.From, q.To)
	}
	if rollups {
		if table := s.rollupSource(q); table != "" {
			return s.resolveRollup(ctx, tx, q, table)
		}
	}
	return s.resolve(ctx, tx, q)
}

// resolve translates q for the incidents; the checks and their order are
// the memory store's.
func (s *Store) resolve(ctx context.Context, tx pgx.Tx, q data.Query) (*plan, error) {
	p := &plan{from: "incidents i", count: "count(*)"}
	p.filters(q, "i")
	if f := q.Times; f != nil {
		// the hour of the week (Monday 00:00 = 0) of the committed-from clock
		// time: the month's first weekday plus whole days, and the hour
		p.where = append(p.where, "i.minute < 44640",
			"((extract(isodow from i.month)::int - 1 + i.minute / 1440) % 7) * 24 + (i.minute % 1440) / 60 = ANY("+p.arg(f.HourList())+")")
		if f.MaxSpan > 0 {
			p.where = append(p.where, "coalesce(i.span, 0) <= "+p.arg(int32(f.MaxSpan)))
		}
	}
	if q.Layer != "" {
		id, err := s.layerID(ctx, tx, q.Layer)
		if err != nil {
			return nil, err
		}
		in := "i.location_id IN (SELECT location_id FROM location_areas WHERE layer_id = " + p.arg(id)
		if len(q.Areas) > 0 {
			want, err := areaOrds(ctx, tx, id, q.Layer, q.Areas)
			if err != nil {
				return nil, err
			}
			in += " AND area_ord = ANY(" + p.arg(want) + ")"
		}
		p.where = append(p.where, in+")")
	}
	if len(q.Cells) > 0 {
		res, err := data.CellFilter(q.Cells)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(q.Cells))
		for i, c := range q.Cells {
			ids[i] = int64(c)
		}
		p.where = append(p.where, "i.location_id IN (SELECT id FROM locations WHERE cell_"+strconv.Itoa(res)+" = ANY("+p.arg(ids)+"))")
	}
	g := q.By
	if g.CellRes > 0 {
		if err := checkCellRes(g.CellRes); err != nil {
			return nil, err
		}
		p.from += " JOIN locations l ON l.id = i.location_id"
		p.where = append(p.where, "l.cell IS NOT NULL")
		// the cell holding the point at that resolution (not the parent of
		// its finer cell: H3 does not nest)
		p.cols = append(p.cols, "l.cell_"+strconv.Itoa(g.CellRes))
	}
	if g.Layer != "" {
		id, err := s.layerID(ctx, tx, g.Layer)
		if err != nil {
			return nil, err
		}
		if p.codes, err = layerCodes(ctx, tx, id); err != nil {
			return nil, err
		}
		p.from += " JOIN location_areas ga ON ga.location_id = i.location_id AND ga.layer_id = " + p.arg(id)
		p.cols = append(p.cols, "ga.area_ord")
	}
	if g.Month {
		p.cols = append(p.cols, "i.month")
	}
	if g.Type {
		p.cols = append(p.cols, "i.type")
	}
	return p, nil
}

// areaOrds finds the ords of areas (codes) of layer id, named name.
func areaOrds(ctx context.Context, tx pgx.Tx, id int32, name string, areas []string) ([]int32, error) {
	rows, _ := tx.Query(ctx, `SELECT code, ord FROM areas WHERE layer_id = $1 AND code = ANY($2)`, id, areas)
	ords := map[string]int32{}
	var code string
	var ord int32
	if _, err := pgx.ForEachRow(rows, []any{&code, &ord}, func() error { ords[code] = ord; return nil }); err != nil {
		return nil, err
	}
	want := make([]int32, 0, len(areas))
	for _, c := range areas {
		o, ok := ords[c]
		if !ok {
			return nil, fmt.Errorf("%w: %q is not an area of layer %s", data.ErrNoArea, c, name)
		}
		want = append(want, o)
	}
	return want, nil
}

// layerCodes lists the area codes of layer id by ord.
func layerCodes(ctx context.Context, tx pgx.Tx, id int32) ([]string, error) {
	rows, _ := tx.Query(ctx, `SELECT code FROM areas WHERE layer_id = $1 ORDER BY ord`, id)
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (p *plan) whereSQL() string {
	if len(p.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(p.where, " AND ")
}

// layerID finds a layer by name.
func (s *Store) layerID(ctx context.Context, q querier, name string) (int32, error) {
	var id int32
	err := q.QueryRow(ctx, `SELECT id FROM layers WHERE name = $1`, name).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, s.noLayer(ctx, q, name)
	}
	return id, err
}

// Aggregate counts incidents matching q, grouped as q.By asks, in one SQL
// GROUP BY. Rows come sorted by cell, area (layer order), month and type,
// zero counts left out, as from the memory store.
func (s *Store) Aggregate(ctx context.Context, q data.Query) ([]data.Row, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	var out []data.Row
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		p, err := s.planQuery(ctx, tx, q, true)
		if err != nil {
			return err
		}
		sql := "SELECT " + strings.Join(append(append([]string(nil), p.cols...), "coalesce("+p.count+", 0)"), ", ") + " FROM " + p.from + p.whereSQL()
		if len(p.cols) > 0 {
			nums := make([]string, len(p.cols))
			for i := range nums {
				nums[i] = strconv.Itoa(i + 1)
			}
			sql += " GROUP BY " + strings.Join(nums, ", ") + " ORDER BY " + strings.Join(nums, ", ")
		}
		rows, err := tx.Query(ctx, sql, p.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			cell  int64
			ord   int32
			month time.Time
			typ   string
			n     int64
		)
		var dest []any
		if q.By.CellRes > 0 {
			dest = append(dest, &cell)
		}
		if q.By.Layer != "" {
			dest = append(dest, &ord)
		}
		if q.By.Month {
			dest = append(dest, &month)
		}
		if q.By.Type {
			dest = append(dest, &typ)
		}
		dest = append(dest, &n)
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			if n == 0 {
				continue
			}
			r := data.Row{Count: n, Cell: geo.Cell(uint64(cell)), Type: typ}
			if q.By.Layer != "" {
				r.Area = p.codes[ord]
			}
			if q.By.Month {
				r.Month = dateMonth(month)
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, queryErr("aggregate", err)
	}
	return out, nil
}

// queryErr passes the store's own errors (and the context's) through as
// they are, and prefixes the database's.
func queryErr(op string, err error) error {
	for _, e := range []error{data.ErrBadQuery, data.ErrNoLayer, data.ErrNoArea, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return err
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// Incidents calls fn for each incident matching q (q.By is ignored), in month
// then force order and each partition's own order, stopping at the first
// error fn returns, which it returns as is.
func (s *Store) Incidents(ctx context.Context, q data.Query, fn func(*data.Incident) error) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	q.By = data.GroupBy{}
	var fnErr error
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		p, err := s.planQuery(ctx, tx, q, false)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT i.month, i.force, i.crime_id, i.minute, i.type, i.outcome, i.falls_within, i.context,
				l.lon, l.lat, l.cell, l.name, l.lsoa_code, l.lsoa_name, i.source, i.span
			FROM `+p.from+` JOIN locations l ON l.id = i.location_id`+p.whereSQL()+`
			ORDER BY i.month, i.source, i.force, i.seq`, p.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			in     data.Incident
			month  time.Time
			id     *string
			minute *int32
			cell   *int64
			span   *int32
		)
		dest := []any{&month, &in.Force, &id, &minute, &in.Type, &in.Outcome, &in.FallsWithin, &in.Context,
			&in.Point[0], &in.Point[1], &cell, &in.Name, &in.LSOACode, &in.LSOAName, &in.Source, &span}
		for n := 0; rows.Next(); n++ {
			if n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			in.Month = dateMonth(month)
			in.ID, in.Minute, in.Cell, in.Span = "", -1, 0, 0
			if span != nil {
				in.Span = int(*span)
			}
			if id != nil {
				in.ID = *id
			}
			if minute != nil {
				in.Minute = int(*minute)
			}
			if cell != nil {
				in.Cell = geo.Cell(uint64(*cell))
			} else {
				in.Point[0], in.Point[1] = math.NaN(), math.NaN()
			}
			if err := fn(&in); err != nil {
				fnErr = err
				return err
			}
		}
		return rows.Err()
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return queryErr("incidents", err)
	}
	return nil
}

// sources fills in sum.Sources from the per-partition counts.
func (s *Store) sources(ctx context.Context, tx pgx.Tx, sum *data.Summary) error {
	sum.Sources = []data.SourceInfo{}
	idx := map[string]int{}
	rows, _ := tx.Query(ctx, `SELECT source, sum(incidents), bool_or(has_times), array_agg(DISTINCT month ORDER BY month), array_agg(DISTINCT force ORDER BY force)
		FROM force_months GROUP BY source ORDER BY source`)
	var (
		si     data.SourceInfo
		months []time.Time
	)
	if _, err := pgx.ForEachRow(rows, []any{&si.Name, &si.Incidents, &si.HasTimes, &months, &si.Forces}, func() error {
		si.Months, si.Types = make([]data.Month, len(months)), []data.TypeCount{}
		for i, m := range months {
			si.Months[i] = dateMonth(m)
		}
		idx[si.Name] = len(sum.Sources)
		sum.Sources = append(sum.Sources, si)
		return nil
	}); err != nil {
		return err
	}
	rows, _ = tx.Query(ctx, `SELECT source, type, sum(incidents) FROM force_month_types GROUP BY source, type HAVING sum(incidents) > 0 ORDER BY source, type`)
	var (
		src string
		tc  data.TypeCount
	)
	_, err := pgx.ForEachRow(rows, []any{&src, &tc.Type, &tc.Count}, func() error {
		if i, ok := idx[src]; ok {
			sum.Sources[i].Types = append(sum.Sources[i].Types, tc)
		}
		return nil
	})
	return err
}
