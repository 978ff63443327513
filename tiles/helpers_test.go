package tiles_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/data/sample"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/tiles"
)

var (
	sampleOnce  sync.Once
	sampleDir   string
	sampleStore *data.MemStore
	sampleErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sampleStore != nil {
		sampleStore.Close()
	}
	if sampleDir != "" {
		os.RemoveAll(sampleDir)
	}
	os.Exit(code)
}

// stockton returns a store holding the bundled sample (35 Cleveland months,
// the Stockton wards and the other bundled layers), loaded once per test
// binary and shared: do not change it.
func stockton(tb testing.TB) *data.MemStore {
	tb.Helper()
	sampleOnce.Do(func() { sampleStore, sampleErr = loadSample() })
	if sampleErr != nil {
		tb.Fatal(sampleErr)
	}
	return sampleStore
}

func loadSample() (*data.MemStore, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "tiles-test-")
	if err != nil {
		return nil, err
	}
	sampleDir = dir
	src := filepath.Join(dir, "sample")
	if err := os.Mkdir(src, 0o755); err != nil {
		return nil, err
	}
	if err := sample.Extract(src); err != nil {
		return nil, err
	}
	s, err := data.OpenMem(filepath.Join(dir, "store"), data.MemOptions{})
	if err != nil {
		return nil, err
	}
	for _, l := range sample.Layers {
		paths := make([]string, len(l.Files))
		for i, f := range l.Files {
			paths[i] = filepath.Join(src, filepath.FromSlash(f))
		}
		areas, _, err := data.ReadAreaFiles(paths, geo.ReadOptions{})
		if err != nil {
			return nil, err
		}
		if l.Population != "" {
			pop, err := data.ReadPopulation(filepath.Join(src, filepath.FromSlash(l.Population)), "", "")
			if err != nil {
				return nil, err
			}
			data.ApplyPopulation(areas, pop)
		}
		if err := s.PutLayer(ctx, l.Name, areas, data.LayerMeta{Source: l.Description}); err != nil {
			return nil, err
		}
	}
	parts, _, err := data.ReadIncidents(ctx, []string{filepath.Join(src, sample.Incidents)}, data.ReadOptions{})
	if err != nil {
		return nil, err
	}
	return s, s.Replace(ctx, parts)
}

// newRenderer returns an engine and renderer over the sample.
func newRenderer(tb testing.TB, opts tiles.Options) (*engine.Engine, *tiles.Renderer) {
	tb.Helper()
	s := stockton(tb)
	e, err := engine.New(s, engine.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	r, err := tiles.New(e, s, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return e, r
}

// stocktonTownCentre is a point in Stockton High Street.
var stocktonTownCentre = orb.Point{-1.3115, 54.5655}

// tileAt returns the tile of zoom z holding p.
func tileAt(p orb.Point, z int) tiles.Tile {
	n := float64(uint64(1) << z)
	lat := p[1] * math.Pi / 180
	x := (p[0] + 180) / 360 * n
	y := (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2 * n
	return tiles.Tile{Z: z, X: int(x), Y: int(y)}
}

// tileBound is the tile's extent in degrees, without buffer.
func tileBound(t tiles.Tile) orb.Bound {
	n := float64(uint64(1) << t.Z)
	lon := func(x float64) float64 { return x/n*360 - 180 }
	lat := func(y float64) float64 { return math.Atan(math.Sinh(math.Pi*(1-2*y/n))) * 180 / math.Pi }
	return orb.Bound{Min: orb.Point{lon(float64(t.X)), lat(float64(t.Y + 1))}, Max: orb.Point{lon(float64(t.X + 1)), lat(float64(t.Y))}}
}

func render(tb testing.TB, r *tiles.Renderer, t tiles.Tile, q tiles.Query) *decoded {
	tb.Helper()
	b, err := r.Render(context.Background(), t, q)
	if err != nil {
		tb.Fatalf("render %s %s: %v", q.Set, t, err)
	}
	d, err := decodeTile(b)
	if err != nil {
		tb.Fatalf("decode %s %s: %v", q.Set, t, err)
	}
	return d
}

// The decoder below reads MVT protobuf with nothing but the specification,
// sharing no code with the package's encoder, so a test of a decoded tile
// checks the bytes rather than the encoder's idea of them.

type decoded struct {
	layers []decodedLayer
}

type decodedLayer struct {
	name     string
	version  uint64
	extent   uint64
	features []decodedFeature
}

type decodedFeature struct {
	id    uint64
	hasID bool
	typ   uint64
	props map[string]any
	// rings of a polygon (implicitly closed) or the points of a point
	// feature as one ring; tile coordinates.
	rings [][][2]int64
}

type pbuf struct {
	b []byte
}

func (p *pbuf) varint() (uint64, error) {
	v, n := binary.Uvarint(p.b)
	if n <= 0 {
		return 0, fmt.Errorf("bad varint")
	}
	p.b = p.b[n:]
	return v, nil
}

// next reads a field: its number, wire type, and the value (varint or
// fixed) or the bytes (length-delimited).
func (p *pbuf) next() (field, wire uint64, v uint64, raw []byte, err error) {
	k, err := p.varint()
	if err != nil {
		return
	}
	field, wire = k>>3, k&7
	switch wire {
	case 0:
		v, err = p.varint()
	case 1:
		if len(p.b) < 8 {
			return 0, 0, 0, nil, fmt.Errorf("short fixed64")
		}
		v = binary.LittleEndian.Uint64(p.b)
		p.b = p.b[8:]
	case 5:
		if len(p.b) < 4 {
			return 0, 0, 0, nil, fmt.Errorf("short fixed32")
		}
		v = uint64(binary.LittleEndian.Uint32(p.b))
		p.b = p.b[4:]
	case 2:
		var n uint64
		if n, err = p.varint(); err != nil {
			return
		}
		if n > uint64(len(p.b)) {
			return 0, 0, 0, nil, fmt.Errorf("length %d past the end", n)
		}
		raw = p.b[:n]
		p.b = p.b[n:]
	default:
		err = fmt.Errorf("wire type %d", wire)
	}
	return
}

func packed(b []byte) ([]uint64, error) {
	p := &pbuf{b}
	var out []uint64
	for len(p.b) > 0 {
		v, err := p.varint()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func decodeTile(b []byte) (*decoded, error) {
	d := &decoded{}
	p := &pbuf{b}
	for len(p.b) > 0 {
		f, _, _, raw, err := p.next()
		if err != nil {
			return nil, err
		}
		if f != 3 {
			continue
		}
		l, err := decodeLayer(raw)
		if err != nil {
			return nil, err
		}
		d.layers = append(d.layers, *l)
	}
	return d, nil
}

func decodeLayer(b []byte) (*decodedLayer, error) {
	l := &decodedLayer{extent: 4096, version: 1}
	var keys []string
	var vals []any
	var feats [][]byte
	p := &pbuf{b}
	for len(p.b) > 0 {
		f, _, v, raw, err := p.next()
		if err != nil {
			return nil, err
		}
		switch f {
		case 15:
			l.version = v
		case 1:
			l.name = string(raw)
		case 2:
			feats = append(feats, raw)
		case 3:
			keys = append(keys, string(raw))
		case 4:
			val, err := decodeValue(raw)
			if err != nil {
				return nil, err
			}
			vals = append(vals, val)
		case 5:
			l.extent = v
		}
	}
	for _, fb := range feats {
		df := decodedFeature{props: map[string]any{}}
		var tags, geom []uint64
		p := &pbuf{fb}
		for len(p.b) > 0 {
			f, _, v, raw, err := p.next()
			if err != nil {
				return nil, err
			}
			switch f {
			case 1:
				df.id, df.hasID = v, true
			case 2:
				if tags, err = packed(raw); err != nil {
					return nil, err
				}
			case 3:
				df.typ = v
			case 4:
				if geom, err = packed(raw); err != nil {
					return nil, err
				}
			}
		}
		if len(tags)%2 != 0 {
			return nil, fmt.Errorf("odd tag count")
		}
		for i := 0; i < len(tags); i += 2 {
			if tags[i] >= uint64(len(keys)) || tags[i+1] >= uint64(len(vals)) {
				return nil, fmt.Errorf("tag index out of range")
			}
			if _, dup := df.props[keys[tags[i]]]; dup {
				return nil, fmt.Errorf("key %q twice in one feature", keys[tags[i]])
			}
			df.props[keys[tags[i]]] = vals[tags[i+1]]
		}
		rings, err := decodeGeometry(geom, df.typ)
		if err != nil {
			return nil, err
		}
		df.rings = rings
		l.features = append(l.features, df)
	}
	return l, nil
}

func decodeValue(b []byte) (any, error) {
	p := &pbuf{b}
	var out any
	for len(p.b) > 0 {
		f, _, v, raw, err := p.next()
		if err != nil {
			return nil, err
		}
		switch f {
		case 1:
			out = string(raw)
		case 2:
			out = float64(math.Float32frombits(uint32(v)))
		case 3:
			out = math.Float64frombits(v)
		case 4:
			out = int64(v)
		case 5:
			out = v
		case 6:
			out = int64(v>>1) ^ -int64(v&1)
		case 7:
			out = v != 0
		}
	}
	return out, nil
}

func decodeGeometry(g []uint64, typ uint64) ([][][2]int64, error) {
	var rings [][][2]int64
	var cur [][2]int64
	var x, y int64
	zz := func(v uint64) int64 { return int64(v>>1) ^ -int64(v&1) }
	for i := 0; i < len(g); {
		cmd, n := g[i]&7, g[i]>>3
		i++
		switch cmd {
		case 1, 2:
			if cmd == 1 && typ == 3 {
				if cur != nil {
					return nil, fmt.Errorf("MoveTo before ClosePath")
				}
				if n != 1 {
					return nil, fmt.Errorf("polygon MoveTo of %d points", n)
				}
			}
			if cmd == 1 && typ != 1 && cur != nil {
				rings = append(rings, cur)
				cur = nil
			}
			if i+int(2*n) > len(g) {
				return nil, fmt.Errorf("geometry ends inside a command")
			}
			for k := uint64(0); k < n; k++ {
				x += zz(g[i])
				y += zz(g[i+1])
				i += 2
				cur = append(cur, [2]int64{x, y})
			}
		case 7:
			if typ != 3 || cur == nil {
				return nil, fmt.Errorf("ClosePath outside a polygon ring")
			}
			rings = append(rings, cur)
			cur = nil
		default:
			return nil, fmt.Errorf("command %d", cmd)
		}
	}
	if cur != nil {
		if typ == 3 {
			return nil, fmt.Errorf("polygon ring not closed")
		}
		rings = append(rings, cur)
	}
	return rings, nil
}

// area2 is twice a ring's surveyor's-formula area in tile coordinates:
// positive for a ring clockwise on screen (y down), an exterior ring in MVT.
func area2(r [][2]int64) int64 {
	var a int64
	prev := r[len(r)-1]
	for _, q := range r {
		a += prev[0]*q[1] - q[0]*prev[1]
		prev = q
	}
	return a
}

func (d *decoded) layer(tb testing.TB, name string) *decodedLayer {
	tb.Helper()
	if len(d.layers) != 1 || d.layers[0].name != name {
		names := []string{}
		for _, l := range d.layers {
			names = append(names, l.name)
		}
		tb.Fatalf("tile layers %v, want only %q", names, name)
	}
	return &d.layers[0]
}
