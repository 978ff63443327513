package tiles_test

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/tiles"
)

// FuzzParseTile: any z/x/y either is refused with ErrBadTile or parses to a
// valid tile whose numbers are the ones given.
func FuzzParseTile(f *testing.F) {
	fh, err := os.Open("testdata/tile_paths.txt")
	if err != nil {
		f.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if line := sc.Text(); !strings.HasPrefix(line, "#") {
			p := strings.SplitN(line, "/", 3)
			for len(p) < 3 {
				p = append(p, "")
			}
			f.Add(p[0], p[1], p[2])
		}
	}
	f.Fuzz(func(t *testing.T, z, x, y string) {
		tile, err := tiles.ParseTile(z, x, y)
		if err != nil {
			if !errors.Is(err, tiles.ErrBadTile) {
				t.Fatalf("ParseTile(%q, %q, %q): %v, not ErrBadTile", z, x, y, err)
			}
			return
		}
		if tile.Valid() != nil {
			t.Fatalf("ParseTile(%q, %q, %q) = invalid %v", z, x, y, tile)
		}
		for _, c := range []struct {
			s string
			n int
		}{{z, tile.Z}, {x, tile.X}, {y, tile.Y}} {
			if n, err := strconv.Atoi(c.s); err != nil || n != c.n {
				t.Fatalf("ParseTile(%q, %q, %q) = %v", z, x, y, tile)
			}
		}
	})
}
