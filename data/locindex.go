package data

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

// The location index, locations.idx in the data directory: every distinct
// point's H3 cell at each resolution and its area in each layer, so that a
// restart reads them instead of computing them (H3 at eight resolutions and
// a point-in-polygon test per layer for every location took most of an 18 s
// restart at 20 million rows).
//
//	"HSLI" | format u16 | 0 u16
//	nlayers u32 | (layer name str, layer file str)*
//	npoints u32 | lon f64*n | lat f64*n        ascending by lon, then lat
//	cells u64*8n                               point by point, resolutions MinRes..BaseRes
//	area i32*n per layer, in the header's order (-1: in no area)
//	crc32c u32 of all the bytes before it
//
// Cells are a function of the point alone, and an area of the point and the
// layer's file (written once, named by generation), so the index is right
// for every point and layer file it names whatever partitions are stored: it
// is not part of a commit. A point it lacks, or a layer whose current file
// it does not name (replaced, or added since), is computed at open, and the
// index is rewritten. It is written through a temporary file and a rename,
// without fsync: after a crash it is whole, missing, or fails its checksum,
// and is then recomputed.
const (
	locIndexName   = "locations.idx"
	locIndexMagic  = "HSLI"
	locIndexFormat = 1
)

// locIndex is a read location index.
type locIndex struct {
	pts    []orb.Point
	cells  []geo.Cells
	layers map[string]locIndexLayer
}

type locIndexLayer struct {
	file string
	area []int32
}

func comparePoints(a, b orb.Point) int {
	if c := cmp.Compare(a[0], b[0]); c != 0 {
		return c
	}
	return cmp.Compare(a[1], b[1])
}

// find returns p's position in the index, or -1.
func (x *locIndex) find(p orb.Point) int {
	if x == nil {
		return -1
	}
	i, ok := slices.BinarySearchFunc(x.pts, p, comparePoints)
	if !ok {
		return -1
	}
	return i
}

// readLocIndex reads the data directory's location index: nil and no error
// when there is none.
func readLocIndex(dir string) (*locIndex, error) {
	b, err := os.ReadFile(filepath.Join(dir, locIndexName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(b) < 12 || string(b[:4]) != locIndexMagic {
		return nil, errors.New("not a location index")
	}
	if v := binary.LittleEndian.Uint16(b[4:6]); v != locIndexFormat {
		return nil, fmt.Errorf("location index format %d, this version reads %d", v, locIndexFormat)
	}
	body, tail := b[:len(b)-4], b[len(b)-4:]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(tail) {
		return nil, errors.New("checksum mismatch")
	}
	r := &binReader{b: body, off: 8}
	nl := int(r.u32())
	if nl > len(body) {
		return nil, errors.New("bad layer count")
	}
	names := make([]string, nl)
	files := make([]string, nl)
	for i := range names {
		names[i], files[i] = r.str(), r.str()
	}
	n := int(r.u32())
	if r.err != nil || n < 0 || n*(16+8*len(geo.Cells{})+4*nl) > len(body) {
		return nil, errors.New("bad point count")
	}
	x := &locIndex{pts: make([]orb.Point, n), cells: make([]geo.Cells, n), layers: make(map[string]locIndexLayer, nl)}
	lons, lats := r.take(8*n), r.take(8*n)
	cells := r.take(8 * len(geo.Cells{}) * n)
	if r.err != nil {
		return nil, r.err
	}
	for i := range x.pts {
		x.pts[i] = orb.Point{math.Float64frombits(binary.LittleEndian.Uint64(lons[8*i:])), math.Float64frombits(binary.LittleEndian.Uint64(lats[8*i:]))}
		if i > 0 && comparePoints(x.pts[i-1], x.pts[i]) >= 0 {
			return nil, errors.New("points out of order")
		}
		for k := range x.cells[i] {
			x.cells[i][k] = geo.Cell(binary.LittleEndian.Uint64(cells[8*(i*len(geo.Cells{})+k):]))
		}
	}
	for li := range names {
		col := r.u32s(n)
		if r.err != nil {
			return nil, r.err
		}
		area := make([]int32, n)
		for i, v := range col {
			area[i] = int32(v)
		}
		x.layers[names[li]] = locIndexLayer{file: files[li], area: area}
	}
	if r.off != len(body) {
		return nil, errors.New("trailing bytes")
	}
	return x, nil
}

// writeLocIndex writes the location index of every located point and every
// layer. Caller holds writeMu (so locations and layers do not change) or is
// loading.
func (s *MemStore) writeLocIndex() error {
	ids := make([]uint32, 0, len(s.locs))
	for i := range s.locs {
		if s.locs[i].cell != 0 {
			ids = append(ids, uint32(i))
		}
	}
	slices.SortFunc(ids, func(a, b uint32) int { return comparePoints(s.locs[a].pt, s.locs[b].pt) })
	ids = slices.CompactFunc(ids, func(a, b uint32) bool { return s.locs[a].pt == s.locs[b].pt })
	names := make([]string, 0, len(s.layers))
	for name := range s.layers {
		names = append(names, name)
	}
	sort.Strings(names)

	return s.replaceFile(locIndexName, false, func(w io.Writer) error {
		bw := &binWriter{w: bufio.NewWriterSize(w, 1<<20)}
		bw.write([]byte(locIndexMagic))
		bw.u16(locIndexFormat)
		bw.u16(0)
		bw.u32(uint32(len(names)))
		for _, name := range names {
			bw.str(name)
			bw.str(s.layers[name].file)
		}
		bw.u32(uint32(len(ids)))
		buf := make([]byte, 0, 8*len(geo.Cells{})*1024)
		flush := func(force bool) {
			if len(buf) >= cap(buf)-8*len(geo.Cells{}) || force && len(buf) > 0 {
				bw.write(buf)
				buf = buf[:0]
			}
		}
		for k := range 2 {
			for _, id := range ids {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(s.locs[id].pt[k]))
				flush(false)
			}
		}
		for _, id := range ids {
			for _, c := range s.locs[id].cells {
				buf = binary.LittleEndian.AppendUint64(buf, uint64(c))
			}
			flush(false)
		}
		for _, name := range names {
			area := s.layers[name].area
			for _, id := range ids {
				buf = binary.LittleEndian.AppendUint32(buf, uint32(area[id]))
				flush(false)
			}
		}
		flush(true)
		return bw.finish()
	})
}

// saveLocIndex rewrites the location index after a change, logging (not
// returning) a failure: the index only saves work at the next open.
func (s *MemStore) saveLocIndex() {
	if err := s.writeLocIndex(); err != nil {
		s.log.Warn("could not save the location index; the next start will recompute cells and areas", "err", err)
	}
}
