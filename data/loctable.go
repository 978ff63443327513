package data

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

// The store's location table on disk (manifest format 3 on): the store-wide
// list of distinct locations and of free-text strings (location names,
// LSOAs, outcomes, "Falls within"), kept as segments, one per change that
// added any, named in the manifest in order. Partition files of format 3
// refer to locations and strings by their ids in this table, so a restart
// reads the table once and each partition's columns as they are, instead of
// matching every partition's own locations and strings to the store's (a
// hash look-up per location and partition, most of a restart at 20 million
// rows).
//
//	"HSLT" | format u16 | 0 u16
//	first name id u32 | nnames u32 | names (uvarint length + bytes)*
//	first location id u32 | nlocs u32
//	lon f64*n | lat f64*n | name u32*n | lsoa code u32*n | lsoa name u32*n
//	cells u64*8n                      location by location, resolutions MinRes..BaseRes (0: no coordinates)
//	crc32c u32 of all the bytes before it
//
// A segment is written (fsync) before the manifest that names it, like a
// partition file, so the rename commits it with the partitions that use it.
// The table only grows, as the store's dictionaries do in memory: a month
// replaced by itself adds nothing, and locations no longer used by any
// month stay (police.uk reuses its map points month after month).
const (
	locTableMagic  = "HSLT"
	locTableFormat = 1
)

// manLocs names one segment of the location table in the manifest: the
// locations and strings it adds, from the ids the segments before it end at.
type manLocs struct {
	File      string `json:"file"`
	FirstLoc  int    `json:"first_location"`
	Locs      int    `json:"locations"`
	FirstName int    `json:"first_name"`
	Names     int    `json:"names"`
}

// writeLocSegment writes the locations and names from the given ids to the
// end of the store's tables; caller holds writeMu, so they do not change.
func (s *MemStore) writeLocSegment(gen int64, firstLoc, firstName int) (manLocs, error) {
	s.mu.RLock()
	locs, names := s.locs[firstLoc:], s.names[firstName:]
	s.mu.RUnlock()
	rel := filepath.Join("locations", fmt.Sprintf("%08d.hsl", gen))
	ml := manLocs{File: rel, FirstLoc: firstLoc, Locs: len(locs), FirstName: firstName, Names: len(names)}
	return ml, s.writeFile(rel, func(w io.Writer) error { return encodeLocSegment(w, firstLoc, locs, firstName, names) })
}

func encodeLocSegment(w io.Writer, firstLoc int, locs []memLoc, firstName int, names []string) error {
	b := &binWriter{w: bufio.NewWriterSize(w, 1<<20)}
	b.write([]byte(locTableMagic))
	b.u16(locTableFormat)
	b.u16(0)
	b.u32(uint32(firstName))
	b.u32(uint32(len(names)))
	for _, n := range names {
		b.str(n)
	}
	b.u32(uint32(firstLoc))
	b.u32(uint32(len(locs)))
	buf := make([]byte, 0, 64<<10)
	put := func(f func(l *memLoc)) {
		for i := range locs {
			f(&locs[i])
			if len(buf) > cap(buf)-64 {
				b.write(buf)
				buf = buf[:0]
			}
		}
		b.write(buf)
		buf = buf[:0]
	}
	put(func(l *memLoc) { buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(l.pt[0])) })
	put(func(l *memLoc) { buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(l.pt[1])) })
	put(func(l *memLoc) { buf = binary.LittleEndian.AppendUint32(buf, l.name) })
	put(func(l *memLoc) { buf = binary.LittleEndian.AppendUint32(buf, l.lsoaCode) })
	put(func(l *memLoc) { buf = binary.LittleEndian.AppendUint32(buf, l.lsoaName) })
	put(func(l *memLoc) {
		for _, c := range l.cells {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(c))
		}
	})
	return b.finish()
}

// loadLocSegment reads one segment of the location table and appends it to
// the store's tables; the segments before it are loaded.
func (s *MemStore) loadLocSegment(ml manLocs) error {
	path := filepath.Join(s.dir, ml.File)
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: the location table %s is missing (%v); restore the data directory from a backup, or import the data again into an empty one", ErrCorrupt, path, err)
	}
	if err := s.decodeLocSegment(b, ml); err != nil {
		if errors.Is(err, ErrNewerFormat) {
			return fmt.Errorf("location table %s: %w", path, err)
		}
		return fmt.Errorf("%w: the location table %s: %v; restore the data directory from a backup, or import the data again into an empty one", ErrCorrupt, path, err)
	}
	return nil
}

func (s *MemStore) decodeLocSegment(b []byte, ml manLocs) error {
	if len(b) < 12 || string(b[:4]) != locTableMagic {
		return errors.New("not a hotspots location table")
	}
	if v := binary.LittleEndian.Uint16(b[4:6]); v > locTableFormat {
		return fmt.Errorf("%w (location table format %d; this version reads format %d): upgrade hotspots", ErrNewerFormat, v, locTableFormat)
	}
	body, tail := b[:len(b)-4], b[len(b)-4:]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(tail) {
		return errors.New("checksum mismatch")
	}
	r := &binReader{b: body, off: 8}
	firstName, nn := int(r.u32()), int(r.u32())
	if r.err != nil || firstName != len(s.names) || firstName != ml.FirstName || nn != ml.Names || nn > len(body) {
		return fmt.Errorf("it does not follow the segments before it (strings from %d, %d of them)", firstName, nn)
	}
	names := make([]string, nn)
	for i := range names {
		names[i] = r.str()
	}
	firstLoc, n := int(r.u32()), int(r.u32())
	if r.err != nil || firstLoc != len(s.locs) || firstLoc != ml.FirstLoc || n != ml.Locs || n*(8*2+4*3+8*len(geo.Cells{})) > len(body) {
		return fmt.Errorf("it does not follow the segments before it (locations from %d, %d of them)", firstLoc, n)
	}
	lons, lats := r.take(8*n), r.take(8*n)
	nm, lc, ln := r.take(4*n), r.take(4*n), r.take(4*n)
	cells := r.take(8 * len(geo.Cells{}) * n)
	if r.err != nil {
		return r.err
	}
	if r.off != len(body) {
		return errors.New("trailing bytes")
	}
	nnames := uint32(len(s.names) + nn)
	locs := make([]memLoc, n)
	for i := range locs {
		l := &locs[i]
		l.pt = orb.Point{math.Float64frombits(binary.LittleEndian.Uint64(lons[8*i:])), math.Float64frombits(binary.LittleEndian.Uint64(lats[8*i:]))}
		l.name, l.lsoaCode, l.lsoaName = binary.LittleEndian.Uint32(nm[4*i:]), binary.LittleEndian.Uint32(lc[4*i:]), binary.LittleEndian.Uint32(ln[4*i:])
		if l.name >= nnames || l.lsoaCode >= nnames || l.lsoaName >= nnames {
			return errors.New("string id out of range")
		}
		for k := range l.cells {
			l.cells[k] = geo.Cell(binary.LittleEndian.Uint64(cells[8*(i*len(geo.Cells{})+k):]))
		}
		l.cell = l.cells[geo.BaseRes-geo.MinRes]
	}
	s.names = append(s.names, names...)
	s.locs = append(s.locs, locs...)
	return nil
}
