package data_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/data/storetest"
)

// TestOperationsPersist: an operation survives closing and reopening the data folder, and so
// does its deletion.
func TestOperationsPersist(t *testing.T) {
	dir := t.TempDir()
	s, err := data.OpenMem(dir, data.MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateOperation(context.Background(), storetest.SampleOperation(t, "Op A", data.MonthOf(2025, 6)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateOperation(context.Background(), storetest.SampleOperation(t, "Op B", data.MonthOf(2025, 7)))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = data.OpenMem(dir, data.MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Operation(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := storetest.SameOperation(got, a); err != nil {
		t.Errorf("after reopening: %v", err)
	}
	if err := s.DeleteOperation(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = data.OpenMem(dir, data.MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ops, err := s.Operations(context.Background())
	if err != nil || len(ops) != 1 || ops[0].ID != b.ID {
		t.Fatalf("after deleting and reopening: %v, %v", ops, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "operations", "*"))
	if len(files) != 1 {
		t.Errorf("operation files left: %v, want only B's", files)
	}
}
