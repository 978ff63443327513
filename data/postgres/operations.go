package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// CreateOperation stores a new operation and its zones in one transaction.
func (s *Store) CreateOperation(ctx context.Context, op data.Operation) (data.Operation, error) {
	op, err := data.PrepareOperation(op, s.now())
	if err != nil {
		return data.Operation{}, err
	}
	if err := s.checkOpen(); err != nil {
		return data.Operation{}, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return data.Operation{}, fmt.Errorf("postgres: storing operation %s: %w", op.ID, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	v, err := bump(ctx, tx)
	if err != nil {
		return data.Operation{}, fmt.Errorf("postgres: storing operation %s: %w", op.ID, err)
	}
	var end any
	if op.End != 0 {
		end = monthDate(op.End)
	}
	_, err = tx.Exec(ctx, `INSERT INTO operations (id, name, start_month, end_month, crime_types, notes, layer, res, previous, dropped, created, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		op.ID, op.Name, monthDate(op.Start), end, op.Types, op.Notes, op.Layer, int32(op.Res), op.Previous, op.Dropped, op.Created, int64(v))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
		return data.Operation{}, data.OperationExists(op.ID)
	}
	if err != nil {
		return data.Operation{}, fmt.Errorf("postgres: storing operation %s: %w", op.ID, err)
	}
	rows := make([][]any, len(op.Zones))
	for i, z := range op.Zones {
		g, err := ewkb.Marshal(z.Geometry, 4326)
		if err != nil {
			return data.Operation{}, fmt.Errorf("postgres: operation %s zone %s: %w", op.ID, z.ID, err)
		}
		cells := make([]int64, len(z.Cells))
		for j, c := range z.Cells {
			cells[j] = int64(c)
		}
		rows[i] = []any{op.ID, int32(i), z.ID, z.Label, z.Status, z.Owner, cells, g}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"operation_zones"},
		[]string{"operation_id", "ord", "zone_id", "label", "status", "owner", "cells", "geom"}, pgx.CopyFromRows(rows)); err != nil {
		return data.Operation{}, fmt.Errorf("postgres: storing the zones of operation %s (nothing was stored): %w", op.ID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return data.Operation{}, fmt.Errorf("postgres: storing operation %s: %w", op.ID, err)
	}
	s.setVersion(v)
	return op, nil
}

// Operation returns a stored operation.
func (s *Store) Operation(ctx context.Context, id string) (data.Operation, error) {
	ops, err := s.operations(ctx, id)
	if err != nil {
		return data.Operation{}, err
	}
	if len(ops) == 0 {
		return data.Operation{}, data.NoOperation(id)
	}
	return ops[0], nil
}

// Operations lists the stored operations by start, then ID.
func (s *Store) Operations(ctx context.Context) ([]data.Operation, error) {
	return s.operations(ctx, "")
}

// operations reads one operation (id) or all (id "") in one snapshot.
func (s *Store) operations(ctx context.Context, id string) ([]data.Operation, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	var out []data.Operation
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name, start_month, end_month, crime_types, notes, layer, res, previous, dropped, created
			FROM operations WHERE $1 = '' OR id = $1 ORDER BY start_month, id`, id)
		if err != nil {
			return err
		}
		index := map[string]int{}
		for rows.Next() {
			var op data.Operation
			var start time.Time
			var end *time.Time
			var res int32
			if err := rows.Scan(&op.ID, &op.Name, &start, &end, &op.Types, &op.Notes, &op.Layer, &res, &op.Previous, &op.Dropped, &op.Created); err != nil {
				rows.Close()
				return err
			}
			op.Start, op.Res, op.Created = dateMonth(start), int(res), op.Created.UTC()
			if end != nil {
				op.End = dateMonth(*end)
			}
			index[op.ID] = len(out)
			out = append(out, op)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		zr, err := tx.Query(ctx, `SELECT operation_id, zone_id, label, status, owner, cells, ST_AsBinary(geom)
			FROM operation_zones WHERE $1 = '' OR operation_id = $1 ORDER BY operation_id, ord`, id)
		if err != nil {
			return err
		}
		defer zr.Close()
		for zr.Next() {
			var opID string
			var z data.OperationZone
			var cells []int64
			var b []byte
			if err := zr.Scan(&opID, &z.ID, &z.Label, &z.Status, &z.Owner, &cells, &b); err != nil {
				return err
			}
			g, err := wkb.Unmarshal(b)
			if err != nil {
				return fmt.Errorf("operation %s zone %s: %w", opID, z.ID, err)
			}
			switch g := g.(type) {
			case orb.MultiPolygon:
				z.Geometry = g
			case orb.Polygon:
				z.Geometry = orb.MultiPolygon{g}
			default:
				return fmt.Errorf("operation %s zone %s: the stored geometry is a %T, not a polygon", opID, z.ID, g)
			}
			z.Cells = make([]geo.Cell, len(cells))
			for j, c := range cells {
				z.Cells[j] = geo.Cell(c)
			}
			i, ok := index[opID]
			if !ok {
				continue // created after the first query's snapshot: not possible in one snapshot
			}
			out[i].Zones = append(out[i].Zones, z)
		}
		return zr.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: reading operations: %w", err)
	}
	for i := range out {
		out[i] = data.NormalOperation(out[i])
	}
	if out == nil {
		out = []data.Operation{}
	}
	return out, nil
}

// DeleteOperation removes an operation and its zones.
func (s *Store) DeleteOperation(ctx context.Context, id string) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: deleting operation %s: %w", id, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	v, err := bump(ctx, tx)
	if err != nil {
		return fmt.Errorf("postgres: deleting operation %s: %w", id, err)
	}
	tag, err := tx.Exec(ctx, `DELETE FROM operations WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: deleting operation %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return data.NoOperation(id)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: deleting operation %s: %w", id, err)
	}
	s.setVersion(v)
	return nil
}
