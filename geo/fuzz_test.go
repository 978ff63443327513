package geo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// FuzzReadAreas feeds arbitrary bytes to ReadAreas, seeded with every
// GeoJSON fixture in testdata. ReadAreas must never panic; what it accepts
// must be usable: closed rings of at least four valid lon/lat points, and a
// layer NewLayer can build (or refuse with an error) and Locate can query.
func FuzzReadAreas(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.geojson"))
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds in testdata/*.geojson")
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		areas, notes, err := ReadAreas("fuzz.geojson", data, ReadOptions{})
		if err != nil {
			if areas != nil || notes != nil {
				t.Errorf("error %q came with %d areas and %d notes", err, len(areas), len(notes))
			}
			if !strings.HasPrefix(err.Error(), "geo: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			return
		}
		if len(areas) == 0 {
			t.Fatal("no error and no areas")
		}
		checkRings(t, areas)
		seen := map[string]bool{}
		for _, a := range areas {
			if a.Code == "" || a.Name == "" {
				t.Errorf("area with empty code %q or name %q", a.Code, a.Name)
			}
			if seen[a.Code] {
				t.Errorf("code %q accepted twice", a.Code)
			}
			seen[a.Code] = true
		}

		l, err := NewLayer("fuzz", areas)
		if err != nil {
			return
		}
		// Querying must not panic either: a vertex, the bounds' corners
		// and centre, and a point outside.
		b := l.Bound()
		for _, p := range []orb.Point{
			areas[0].Geometry[0][0][0],
			b.Min, b.Max, b.Center(),
			{b.Max[0] + 1, b.Max[1] + 1},
		} {
			if i := l.Locate(p); i < -1 || i >= len(areas) {
				t.Errorf("Locate(%v) = %d, out of range", p, i)
			}
		}
	})
}
