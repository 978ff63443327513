package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// querier is what a pool and a transaction share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// PutLayer stores an area layer, replacing one of the same name, and assigns
// every stored location to its area, in one transaction.
func (s *Store) PutLayer(ctx context.Context, name string, areas []geo.Area, meta data.LayerMeta) error {
	if err := data.ValidLayerName(name); err != nil {
		return err
	}
	layer, err := geo.NewLayer(name, areas)
	if err != nil {
		return err
	}
	if meta.Imported.IsZero() {
		meta.Imported = s.now().UTC()
	}
	if err := s.checkOpen(); err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: storing layer %s: %w", name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	id, v, err := putLayerTx(ctx, tx, layer, meta)
	if err != nil {
		return fmt.Errorf("postgres: storing layer %s (nothing was changed): %w", name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: storing layer %s: %w", name, err)
	}
	s.setVersion(v)
	s.mu.Lock()
	s.layers[name] = &cachedLayer{id: id, layer: layer}
	s.mu.Unlock()
	s.analyzeAreas(ctx)
	return nil
}

// analyzeAreas refreshes the planner's statistics of location_areas after a
// layer changes: a query planned on the old figures (a layer just added
// looks empty until autovacuum gets round to it) can pick a nested loop that
// scans every incident once per location and runs for minutes. Best effort:
// the change is already committed.
func (s *Store) analyzeAreas(ctx context.Context) {
	if _, err := s.pool.Exec(ctx, `ANALYZE location_areas, area_month_type`); err != nil {
		s.log.Warn("postgres: refreshing statistics of location_areas", "err", err)
	}
}

func putLayerTx(ctx context.Context, tx pgx.Tx, layer *geo.Layer, meta data.LayerMeta) (int32, uint64, error) {
	v, err := bump(ctx, tx)
	if err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, `WITH gone AS (DELETE FROM layers WHERE name = $1 RETURNING id),
		assigned AS (DELETE FROM location_areas WHERE layer_id IN (SELECT id FROM gone))
		DELETE FROM area_month_type WHERE layer_id IN (SELECT id FROM gone)`, layer.Name); err != nil {
		return 0, 0, err
	}
	var id int32
	if err := tx.QueryRow(ctx, `INSERT INTO layers (name, source, imported, population, version) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		layer.Name, meta.Source, meta.Imported, meta.Population, int64(v)).Scan(&id); err != nil {
		return 0, 0, err
	}
	rows := make([][]any, len(layer.Areas))
	for i := range layer.Areas {
		a := &layer.Areas[i]
		g, err := ewkb.Marshal(a.Geometry, 4326)
		if err != nil {
			return 0, 0, fmt.Errorf("area %s: %w", a.Code, err)
		}
		var pop any
		if a.HasPopulation {
			pop = a.Population
		}
		rows[i] = []any{id, int32(i), a.Code, a.Name, pop, a.Bound.Min[0], a.Bound.Min[1], a.Bound.Max[0], a.Bound.Max[1], g}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"areas"},
		[]string{"layer_id", "ord", "code", "name", "population", "west", "south", "east", "north", "geom"}, pgx.CopyFromRows(rows)); err != nil {
		return 0, 0, fmt.Errorf("copying areas: %w", err)
	}
	// assign every located location
	lr, err := tx.Query(ctx, `SELECT id, lon, lat FROM locations WHERE cell IS NOT NULL`)
	if err != nil {
		return 0, 0, err
	}
	var assigned [][]any
	for lr.Next() {
		var lid int32
		var p orb.Point
		if err := lr.Scan(&lid, &p[0], &p[1]); err != nil {
			lr.Close()
			return 0, 0, err
		}
		if a := layer.Locate(p); a >= 0 {
			assigned = append(assigned, []any{id, lid, int32(a)})
		}
	}
	if err := lr.Err(); err != nil {
		return 0, 0, err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"location_areas"}, []string{"layer_id", "location_id", "area_ord"}, pgx.CopyFromRows(assigned)); err != nil {
		return 0, 0, fmt.Errorf("assigning locations: %w", err)
	}
	if err := rollupLayer(ctx, tx, id); err != nil {
		return 0, 0, err
	}
	return id, v, nil
}

// DeleteLayer removes a layer and its assignments.
func (s *Store) DeleteLayer(ctx context.Context, name string) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: deleting layer %s: %w", name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	v, err := bump(ctx, tx)
	if err != nil {
		return fmt.Errorf("postgres: deleting layer %s: %w", name, err)
	}
	var id int32
	err = tx.QueryRow(ctx, `DELETE FROM layers WHERE name = $1 RETURNING id`, name).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %q", data.ErrNoLayer, name)
	}
	if err != nil {
		return fmt.Errorf("postgres: deleting layer %s: %w", name, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM location_areas WHERE layer_id = $1`, id); err != nil {
		return fmt.Errorf("postgres: deleting layer %s: %w", name, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM area_month_type WHERE layer_id = $1`, id); err != nil {
		return fmt.Errorf("postgres: deleting layer %s: %w", name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: deleting layer %s: %w", name, err)
	}
	s.setVersion(v)
	s.mu.Lock()
	delete(s.layers, name)
	s.mu.Unlock()
	s.analyzeAreas(ctx)
	return nil
}

// Layer returns a stored layer with its index. The built layer is cached
// until the layer is replaced.
func (s *Store) Layer(ctx context.Context, name string) (*geo.Layer, data.LayerMeta, error) {
	if err := s.checkOpen(); err != nil {
		return nil, data.LayerMeta{}, err
	}
	var id int32
	var meta data.LayerMeta
	err := s.pool.QueryRow(ctx, `SELECT id, source, imported, population FROM layers WHERE name = $1`, name).
		Scan(&id, &meta.Source, &meta.Imported, &meta.Population)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, data.LayerMeta{}, s.noLayer(ctx, s.pool, name)
	}
	if err != nil {
		return nil, data.LayerMeta{}, fmt.Errorf("postgres: reading layer %s: %w", name, err)
	}
	meta.Imported = meta.Imported.UTC()
	l, err := s.layer(ctx, s.pool, id, name)
	if err != nil {
		return nil, data.LayerMeta{}, err
	}
	return l, meta, nil
}

// layer returns layer id, from the cache or built from the database.
func (s *Store) layer(ctx context.Context, q querier, id int32, name string) (*geo.Layer, error) {
	s.mu.Lock()
	cl := s.layers[name]
	s.mu.Unlock()
	if cl != nil && cl.id == id {
		return cl.layer, nil
	}
	rows, err := q.Query(ctx, `SELECT code, name, population, west, south, east, north, ST_AsBinary(geom)
		FROM areas WHERE layer_id = $1 ORDER BY ord`, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: reading layer %s: %w", name, err)
	}
	var areas []geo.Area
	for rows.Next() {
		var a geo.Area
		var pop *float64
		var b []byte
		if err := rows.Scan(&a.Code, &a.Name, &pop, &a.Bound.Min[0], &a.Bound.Min[1], &a.Bound.Max[0], &a.Bound.Max[1], &b); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: reading layer %s: %w", name, err)
		}
		if pop != nil {
			a.Population, a.HasPopulation = *pop, true
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: reading layer %s, area %s: %w", name, a.Code, err)
		}
		switch g := g.(type) {
		case orb.MultiPolygon:
			a.Geometry = g
		case orb.Polygon:
			a.Geometry = orb.MultiPolygon{g}
		default:
			rows.Close()
			return nil, fmt.Errorf("postgres: reading layer %s: area %s is a %s, not a polygon", name, a.Code, g.GeoJSONType())
		}
		areas = append(areas, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: reading layer %s: %w", name, err)
	}
	l, err := geo.NewLayer(name, areas)
	if err != nil {
		return nil, fmt.Errorf("postgres: reading layer %s: %w", name, err)
	}
	s.mu.Lock()
	s.layers[name] = &cachedLayer{id: id, layer: l}
	s.mu.Unlock()
	return l, nil
}

// allLayers returns every stored layer, built.
func (s *Store) allLayers(ctx context.Context, q querier) ([]*cachedLayer, error) {
	rows, err := q.Query(ctx, `SELECT id, name FROM layers ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("reading layers: %w", err)
	}
	type ref struct {
		id   int32
		name string
	}
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.id, &r.name); err != nil {
			rows.Close()
			return nil, err
		}
		refs = append(refs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*cachedLayer, len(refs))
	for i, r := range refs {
		l, err := s.layer(ctx, q, r.id, r.name)
		if err != nil {
			return nil, err
		}
		out[i] = &cachedLayer{id: r.id, layer: l}
	}
	return out, nil
}

// noLayer is the error for an unknown layer, listing the stored ones as the
// memory store does.
func (s *Store) noLayer(ctx context.Context, q querier, name string) error {
	var names []string
	rows, err := q.Query(ctx, `SELECT name FROM layers ORDER BY name`)
	if err == nil {
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil || len(names) == 0 {
		return fmt.Errorf("%w %q: no layers are loaded; add one with `hotspotd areas import`", data.ErrNoLayer, name)
	}
	return fmt.Errorf("%w %q; the layers are: %v", data.ErrNoLayer, name, names)
}

// Layers lists the layers in name order.
func (s *Store) Layers(ctx context.Context) ([]data.LayerInfo, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT l.name, l.source, l.imported, l.population,
			count(*), count(a.population), min(a.west), min(a.south), max(a.east), max(a.north)
		FROM layers l JOIN areas a ON a.layer_id = l.id
		GROUP BY l.id ORDER BY l.name`)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing layers: %w", err)
	}
	out := []data.LayerInfo{}
	for rows.Next() {
		var li data.LayerInfo
		var imported time.Time
		if err := rows.Scan(&li.Name, &li.Meta.Source, &imported, &li.Meta.Population,
			&li.Areas, &li.WithPop, &li.Bound[0], &li.Bound[1], &li.Bound[2], &li.Bound[3]); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: listing layers: %w", err)
		}
		li.Meta.Imported = imported.UTC()
		out = append(out, li)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: listing layers: %w", err)
	}
	return out, nil
}
