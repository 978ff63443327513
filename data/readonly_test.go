package data

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

// TestReadOnlyFolder: a data folder this process may not write opens for
// reading, and every change is refused with ErrReadOnly (issue 9, item
// 11). File permissions do not bind root, so the test needs another user.
func TestReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may write a read-only folder; run the test as another user")
	}
	dir := t.TempDir()
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sq := orb.MultiPolygon{{{{-1.32, 54.56}, {-1.30, 54.56}, {-1.30, 54.58}, {-1.32, 54.58}, {-1.32, 54.56}}}}
	area := []geo.Area{{Code: "E0", Name: "Square", Geometry: sq, Bound: sq.Bound()}}
	ctx := context.Background()
	if err := s.PutLayer(ctx, "wards", area, LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })

	ro, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatalf("opening a read-only folder: %v", err)
	}
	defer ro.Close()
	ls, err := ro.Layers(ctx)
	if err != nil || len(ls) != 1 {
		t.Fatalf("layers of the read-only store: %v %v", ls, err)
	}
	for name, err := range map[string]error{
		"put layer":    ro.PutLayer(ctx, "beats", area, LayerMeta{}),
		"delete layer": ro.DeleteLayer(ctx, "wards"),
		"replace":      ro.Replace(ctx, []*Partition{{}}),
	} {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s: %v; want ErrReadOnly", name, err)
		}
	}
}
