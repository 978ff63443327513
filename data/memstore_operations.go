package data

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Operations are kept one JSON file each, operations/G-id.json, named by the manifest and
// committed with it like layers: a crash leaves the old list or the new one.
type manOperation struct {
	ID   string `json:"id"`
	File string `json:"file"`
}

// CreateOperation stores a new operation.
func (s *MemStore) CreateOperation(ctx context.Context, op Operation) (Operation, error) {
	op, err := op.prepare(s.now())
	if err != nil {
		return Operation{}, err
	}
	b, err := json.MarshalIndent(op, "", " ")
	if err != nil {
		return Operation{}, fmt.Errorf("data: encoding operation %s: %w", op.ID, err)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.checkOpen(); err != nil {
		return Operation{}, err
	}
	s.mu.RLock()
	_, exists := s.ops[op.ID]
	s.mu.RUnlock()
	if exists {
		return Operation{}, OperationExists(op.ID)
	}
	next := s.man.clone()
	next.Generation++
	rel := filepath.Join("operations", fmt.Sprintf("%08d-%s.json", next.Generation, op.ID))
	if err := s.writeFile(rel, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return Operation{}, err
	}
	next.Operations = append(next.Operations, manOperation{ID: op.ID, File: rel})
	if err := ctx.Err(); err != nil {
		return Operation{}, err
	}
	if err := s.commit(next); err != nil {
		return Operation{}, err
	}
	s.mu.Lock()
	s.ops[op.ID] = op
	s.man = next
	s.version.Store(uint64(next.Generation))
	s.mu.Unlock()
	s.collect()
	return op, nil
}

// Operation returns a stored operation.
func (s *MemStore) Operation(ctx context.Context, id string) (Operation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return Operation{}, ErrStoreClosed
	}
	op, ok := s.ops[id]
	if !ok {
		return Operation{}, NoOperation(id)
	}
	return op, nil
}

// Operations lists the stored operations by Start, then ID.
func (s *MemStore) Operations(ctx context.Context) ([]Operation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrStoreClosed
	}
	out := make([]Operation, 0, len(s.ops))
	for _, op := range s.ops {
		out = append(out, op)
	}
	SortOperations(out)
	return out, nil
}

// SortOperations puts operations in the order Store.Operations gives: by Start, then ID.
func SortOperations(ops []Operation) {
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Start != ops[j].Start {
			return ops[i].Start < ops[j].Start
		}
		return ops[i].ID < ops[j].ID
	})
}

// DeleteOperation removes an operation.
func (s *MemStore) DeleteOperation(ctx context.Context, id string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.checkOpen(); err != nil {
		return err
	}
	next := s.man.clone()
	i := -1
	for j, o := range next.Operations {
		if o.ID == id {
			i = j
		}
	}
	if i < 0 {
		return NoOperation(id)
	}
	next.Operations = append(next.Operations[:i], next.Operations[i+1:]...)
	next.Generation++
	if err := s.commit(next); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.ops, id)
	s.man = next
	s.version.Store(uint64(next.Generation))
	s.mu.Unlock()
	s.collect()
	return nil
}

// loadOperations reads the operation files the manifest names.
func (s *MemStore) loadOperations(mos []manOperation) error {
	for _, mo := range mos {
		path := filepath.Join(s.dir, mo.File)
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("%w: operation file %s is missing (%v); restore the data directory from a backup", ErrCorrupt, path, err)
		}
		var op Operation
		if err := json.Unmarshal(b, &op); err != nil {
			return fmt.Errorf("%w: operation file %s: %v; restore the data directory from a backup", ErrCorrupt, path, err)
		}
		if op.ID != mo.ID {
			return fmt.Errorf("%w: operation file %s holds %q, the manifest says %q", ErrCorrupt, path, op.ID, mo.ID)
		}
		s.ops[op.ID] = op.normal()
	}
	return nil
}
