package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// The roll-ups (migration 0004) count each partition's incidents by area of
// each layer and by H3 cell at each resolution of rollup_resolutions, per
// month, source, force and crime type. They are written in the transaction
// that changes what they count, and Aggregate reads them instead of the
// incidents whenever they give the answer exactly (rollupSource).

// rollupResolutions reads the resolutions cell_month_type holds.
func rollupResolutions(ctx context.Context, q querier) ([]int, error) {
	rows, _ := q.Query(ctx, `SELECT res FROM rollup_resolutions ORDER BY res`)
	res, err := pgx.CollectRows(rows, pgx.RowTo[int16])
	if err != nil {
		return nil, fmt.Errorf("postgres: reading the roll-up resolutions: %w", err)
	}
	out := make([]int, len(res))
	for i, r := range res {
		out[i] = int(r)
	}
	return out, nil
}

// rolledUp reports whether cell_month_type holds resolution res.
func (s *Store) rolledUp(res int) bool { return slices.Contains(s.rollRes, res) }

// partitionKeys are the (force, month, source) of parts as arrays for unnest.
func partitionKeys(parts []*data.Partition) (forces []string, months []time.Time, sources []string) {
	for _, p := range parts {
		forces, months, sources = append(forces, p.Force), append(months, monthDate(p.Month)), append(sources, p.SourceName())
	}
	return forces, months, sources
}

// deleteRollups removes the roll-up rows of the partitions parts replace.
func deleteRollups(ctx context.Context, tx pgx.Tx, parts []*data.Partition) error {
	forces, months, sources := partitionKeys(parts)
	for _, table := range []string{"area_month_type", "cell_month_type"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` c USING unnest($1::text[], $2::date[], $3::text[]) AS r(force, month, source)
			WHERE c.month = r.month AND c.source = r.source AND c.force = r.force`, forces, months, sources); err != nil {
			return fmt.Errorf("deleting the replaced counts from %s: %w", table, err)
		}
	}
	return nil
}

// places are the areas of an import's distinct locations in every layer;
// their cells are in stagedLocations.rollCells.
type places struct {
	layers []int32   // layer ids
	area   [][]int32 // per layer, per distinct location: area ord, -1 for none
}

// placesOf reads the area of each distinct location of an import in each
// layer, after the import's new locations and their areas are stored. It
// reads each layer's whole assignment, by location id: a cost in proportion
// to the places of the country, a few hundred thousand rows, with no join
// for the planner to get wrong.
func placesOf(ctx context.Context, tx pgx.Tx, locs *stagedLocations, layers []*cachedLayer) (*places, error) {
	pl := &places{}
	var maxID int32
	for _, dl := range locs.distinct {
		maxID = max(maxID, dl.id)
	}
	byID := make([]int32, maxID+1)
	for _, cl := range layers {
		for i := range byID {
			byID[i] = -1
		}
		rows, _ := tx.Query(ctx, `SELECT location_id, area_ord FROM location_areas WHERE layer_id = $1 AND location_id <= $2`, cl.id, maxID)
		var id, ord int32
		if _, err := pgx.ForEachRow(rows, []any{&id, &ord}, func() error {
			byID[id] = ord
			return nil
		}); err != nil {
			return nil, fmt.Errorf("reading the areas of locations: %w", err)
		}
		a := make([]int32, len(locs.distinct))
		for d, dl := range locs.distinct {
			a[d] = -1
			if dl.located {
				a[d] = byID[dl.id]
			}
		}
		pl.layers, pl.area = append(pl.layers, cl.id), append(pl.area, a)
	}
	return pl, nil
}

// rollupRow is one row of a roll-up: part is the partition's index, key the
// cell or the area ord, kind the resolution or the layer id.
type rollupRow struct {
	kind int32
	key  int64
	part int32
	typ  string
	n    int32
}

// writeRollups counts the partitions' incidents by cell and by area and
// copies the counts into the roll-ups. Counting in Go, where the rows
// already are, spares the database a second pass over them.
func (s *Store) writeRollups(ctx context.Context, tx pgx.Tx, parts []*data.Partition, locs *stagedLocations, pl *places) error {
	var cellRows, areaRows []rollupRow
	type typed struct {
		key int64
		typ string
	}
	for pi, p := range parts {
		// per (partition location, type string index)
		byLoc := make(map[uint64]int32, len(p.Locations))
		for i, l := range p.Loc {
			byLoc[uint64(l)<<32|uint64(p.Type[i])]++
		}
		perRes := make([]map[typed]int32, len(s.rollRes))
		for i := range perRes {
			perRes[i] = map[typed]int32{}
		}
		perLayer := make([]map[typed]int32, len(pl.layers))
		for i := range perLayer {
			perLayer[i] = map[typed]int32{}
		}
		slot := locs.slot[pi]
		for k, n := range byLoc {
			d := slot[k>>32]
			typ := p.Strs[uint32(k)]
			if cells := locs.rollCells[d]; cells != nil {
				for i, c := range cells {
					perRes[i][typed{c, typ}] += n
				}
			}
			for i := range pl.layers {
				if a := pl.area[i][d]; a >= 0 {
					perLayer[i][typed{int64(a), typ}] += n
				}
			}
		}
		for i, m := range perRes {
			for k, n := range m {
				cellRows = append(cellRows, rollupRow{kind: int32(s.rollRes[i]), key: k.key, part: int32(pi), typ: k.typ, n: n})
			}
		}
		for i, m := range perLayer {
			for k, n := range m {
				areaRows = append(areaRows, rollupRow{kind: pl.layers[i], key: k.key, part: int32(pi), typ: k.typ, n: n})
			}
		}
	}
	// in primary key order, which the index takes fastest: by kind, key,
	// then month and type (areas) or type and month (cells)
	byKey := func(typeFirst bool) func(a, b rollupRow) int {
		return func(a, b rollupRow) int {
			if c := cmp.Compare(a.kind, b.kind); c != 0 {
				return c
			}
			if c := cmp.Compare(a.key, b.key); c != 0 {
				return c
			}
			pa, pb := parts[a.part], parts[b.part]
			m, t := cmp.Compare(pa.Month, pb.Month), cmp.Compare(a.typ, b.typ)
			if typeFirst {
				m, t = t, m
			}
			if m != 0 {
				return m
			}
			if t != 0 {
				return t
			}
			if c := cmp.Compare(pa.SourceName(), pb.SourceName()); c != 0 {
				return c
			}
			return cmp.Compare(pa.Force, pb.Force)
		}
	}
	slices.SortFunc(cellRows, byKey(true))
	slices.SortFunc(areaRows, byKey(false))
	cols := []string{"month", "source", "force", "type", "incidents"}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"cell_month_type"}, append([]string{"res", "cell"}, cols...),
		&rollupRows{parts: parts, rows: cellRows, i: -1, row: make([]any, 7), cell: true}); err != nil {
		return fmt.Errorf("storing the counts by cell: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"area_month_type"}, append([]string{"layer_id", "area_ord"}, cols...),
		&rollupRows{parts: parts, rows: areaRows, i: -1, row: make([]any, 7)}); err != nil {
		return fmt.Errorf("storing the counts by area: %w", err)
	}
	return nil
}

// rollupRows feeds roll-up rows to COPY.
type rollupRows struct {
	parts []*data.Partition
	rows  []rollupRow
	i     int
	row   []any
	cell  bool // cell_month_type: kind is a resolution, key a cell
}

func (r *rollupRows) Next() bool {
	r.i++
	return r.i < len(r.rows)
}

func (r *rollupRows) Values() ([]any, error) {
	x := &r.rows[r.i]
	p := r.parts[x.part]
	if r.cell {
		r.row[0], r.row[1] = int16(x.kind), x.key
	} else {
		r.row[0], r.row[1] = x.kind, int32(x.key)
	}
	r.row[2], r.row[3], r.row[4], r.row[5], r.row[6] = monthDate(p.Month), p.SourceName(), p.Force, x.typ, x.n
	return r.row, nil
}

func (r *rollupRows) Err() error { return nil }

// rollupLayer counts every stored incident by area of a layer just stored,
// whose locations are already assigned.
func rollupLayer(ctx context.Context, tx pgx.Tx, id int32) error {
	if _, err := tx.Exec(ctx, `INSERT INTO area_month_type (layer_id, area_ord, month, source, force, type, incidents)
		SELECT la.layer_id, la.area_ord, i.month, i.source, i.force, i.type, count(*)
		FROM incidents i JOIN location_areas la ON la.location_id = i.location_id AND la.layer_id = $1
		GROUP BY 1, 2, 3, 4, 5, 6`, id); err != nil {
		return fmt.Errorf("counting incidents by area: %w", err)
	}
	return nil
}

// rollupSource is the roll-up that answers q exactly, or "" for none (the
// incidents answer it):
//
//   - force_month_types for counts by month and type alone: it counts every
//     incident of a partition, located or not, as Aggregate does without
//     cells or areas;
//   - area_month_type for counts in one layer's areas (a Layer filter, a
//     grouping by Layer, or both naming the same layer), with no cells;
//   - cell_month_type for counts by cell at a rolled-up resolution, with no
//     layer.
//
// Time-of-day filters and cell selections need each incident's time or
// location: no roll-up keeps them.
func (s *Store) rollupSource(q data.Query) string {
	if s.noRollups || q.Times != nil || len(q.Cells) > 0 {
		return ""
	}
	layer := q.Layer
	if q.By.Layer != "" {
		if layer != "" && layer != q.By.Layer {
			return ""
		}
		layer = q.By.Layer
	}
	switch {
	case layer != "" && q.By.CellRes == 0:
		return "area_month_type"
	case layer == "" && q.By.CellRes == 0:
		return "force_month_types"
	case layer == "" && s.rolledUp(q.By.CellRes):
		return "cell_month_type"
	}
	return ""
}

// resolveRollup translates q for the roll-up table, as resolve does for the
// incidents; counts are the sum of the table's.
func (s *Store) resolveRollup(ctx context.Context, tx pgx.Tx, q data.Query, table string) (*plan, error) {
	p := &plan{from: table + " r", count: "sum(r.incidents)"}
	p.filters(q, "r")
	switch table {
	case "area_month_type":
		name := q.Layer
		if name == "" {
			name = q.By.Layer
		}
		id, err := s.layerID(ctx, tx, name)
		if err != nil {
			return nil, err
		}
		p.where = append(p.where, "r.layer_id = "+p.arg(id))
		if q.Layer != "" && len(q.Areas) > 0 {
			ords, err := areaOrds(ctx, tx, id, q.Layer, q.Areas)
			if err != nil {
				return nil, err
			}
			p.where = append(p.where, "r.area_ord = ANY("+p.arg(ords)+")")
		}
		if q.By.Layer != "" {
			if p.codes, err = layerCodes(ctx, tx, id); err != nil {
				return nil, err
			}
			p.cols = append(p.cols, "r.area_ord")
		}
	case "cell_month_type":
		p.where = append(p.where, "r.res = "+p.arg(int16(q.By.CellRes)))
		p.cols = append(p.cols, "r.cell")
	}
	if q.By.Month {
		p.cols = append(p.cols, "r.month")
	}
	if q.By.Type {
		p.cols = append(p.cols, "r.type")
	}
	return p, nil
}

// checkCellRes refuses a grouping resolution outside the indexed ones.
func checkCellRes(res int) error {
	if res < geo.MinRes || res > geo.BaseRes {
		return fmt.Errorf("%w: H3 resolution %d is outside %d..%d", data.ErrBadQuery, res, geo.MinRes, geo.BaseRes)
	}
	return nil
}
