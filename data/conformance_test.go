package data_test

import (
	"testing"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/data/storetest"
)

// TestMemStoreConformance runs the Store conformance suite against the
// memory store.
func TestMemStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) data.Store {
		s, err := data.OpenMem(t.TempDir(), data.MemOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
