package data

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"math"
	"slices"

	"github.com/stockton-csp/hotspots/geo"
)

// Partition files: a self-contained binary image of one Partition, written
// once and never changed, checked by a CRC-32C trailer.
//
//	"HSPT" | format u16 | 0 u16
//	source str (format 2 on) | force str | month i32
//	nstrs u32 | strs (uvarint length + bytes)
//	nlocs u32 | locs (lon f64, lat f64, cell u64, name u32, lsoa code u32, lsoa name u32)
//	nrows u32 | loc u32*n | type u32*n | outcome u32*n | falls u32*n | context u32*n | minute u16*n | ids 32*n
//	nother u32 | (row u32, str)*
//	nspan u32 (0 or nrows) | span u32*nspan   (format 2 on)
//	crc32c u32 of all the bytes before it
//
// Little endian throughout. Format 3 (written from manifest format 3 on)
// refers to the store's location table (loctable.go) instead of holding the
// partition's own locations and strings:
//
//	"HSPT" | 3 u16 | 0 u16
//	source str | force str | month i32
//	ntypes u32 | types str*                      the partition's crime types
//	nrows u32 | loc u32*n (store location ids) | type u16*n (into types)
//	outcome u32*n | falls u32*n (store string ids) | minute u16*n | ids 32*n
//	nother u32 | (row u32, str)* | ncontext u32 | (row u32, str)*
//	nspan u32 (0 or nrows) | span u32*nspan
//	crc32c u32 of all the bytes before it
const (
	partMagic  = "HSPT"
	partFormat = 3
)

// Format history: 1 had no source (read as police.uk) and no spans; 2 held
// the partition's own locations and strings (read by readPartition and
// absorbed as before); 3 refers to the store's location table.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type binWriter struct {
	w   *bufio.Writer
	crc uint32
	buf [binary.MaxVarintLen64]byte
	err error
	// scratch holds a string's bytes for the CRC: converting each string
	// anew allocated once per string, a million times for a force
	// export's references.
	scratch []byte
}

func (b *binWriter) write(p []byte) {
	if b.err != nil {
		return
	}
	b.crc = crc32.Update(b.crc, castagnoli, p)
	_, b.err = b.w.Write(p)
}

func (b *binWriter) u16(v uint16) { binary.LittleEndian.PutUint16(b.buf[:], v); b.write(b.buf[:2]) }
func (b *binWriter) u32(v uint32) { binary.LittleEndian.PutUint32(b.buf[:], v); b.write(b.buf[:4]) }
func (b *binWriter) u64(v uint64) { binary.LittleEndian.PutUint64(b.buf[:], v); b.write(b.buf[:8]) }
func (b *binWriter) str(s string) {
	n := binary.PutUvarint(b.buf[:], uint64(len(s)))
	b.write(b.buf[:n])
	b.scratch = append(b.scratch[:0], s...)
	b.write(b.scratch)
}

// finish ends the file with the checksum of everything written (not
// itself counted) and flushes it; it returns the first error of the file.
func (b *binWriter) finish() error {
	binary.LittleEndian.PutUint32(b.buf[:], b.crc)
	if b.err == nil {
		_, b.err = b.w.Write(b.buf[:4])
	}
	if b.err == nil {
		b.err = b.w.Flush()
	}
	return b.err
}

func (b *binWriter) u32s(xs []uint32) {
	buf := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(buf[4*i:], x)
	}
	b.write(buf)
}

// writePartition writes p in partition file format 2, which holds its own
// locations and strings (the stores write format 3, writeMemPart; this one
// makes the older files that tests read).
func writePartition(w io.Writer, p *Partition) error {
	b := &binWriter{w: bufio.NewWriterSize(w, 1<<16)}
	b.write([]byte(partMagic))
	b.u16(2)
	b.u16(0)
	b.str(p.SourceName())
	b.str(p.Force)
	b.u32(uint32(int32(p.Month)))
	b.u32(uint32(len(p.Strs)))
	for _, s := range p.Strs {
		b.str(s)
	}
	b.u32(uint32(len(p.Locations)))
	for _, l := range p.Locations {
		b.u64(math.Float64bits(l.Lon))
		b.u64(math.Float64bits(l.Lat))
		b.u64(uint64(l.Cell))
		b.u32(l.Name)
		b.u32(l.LSOACode)
		b.u32(l.LSOAName)
	}
	n := p.Len()
	b.u32(uint32(n))
	b.u32s(p.Loc)
	b.u32s(p.Type)
	b.u32s(p.Outcome)
	b.u32s(p.FallsWithin)
	b.u32s(p.Context)
	mb := make([]byte, 2*n)
	for i, m := range p.Minute {
		binary.LittleEndian.PutUint16(mb[2*i:], m)
	}
	b.write(mb)
	b.write(p.IDs)
	b.u32(uint32(len(p.OtherIDs)))
	for _, k := range sortedKeys(p.OtherIDs) {
		b.u32(k)
		b.str(p.OtherIDs[k])
	}
	b.u32(uint32(len(p.Span)))
	b.u32s(p.Span)
	return b.finish()
}

func sortedKeys(m map[uint32]string) []uint32 {
	// slices.Sorted, not an insertion sort: a force export's references
	// are all "other" IDs, 40,000 and more in a partition
	return slices.Sorted(maps.Keys(m))
}

// errShort is a partition image that ends early.
var errShort = errors.New("file ends early")

type binReader struct {
	b   []byte
	off int
	err error
}

func (r *binReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || r.off+n > len(r.b) {
		r.err = errShort
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *binReader) u16() uint16 {
	if p := r.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}
func (r *binReader) u32() uint32 {
	if p := r.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}
func (r *binReader) u64() uint64 {
	if p := r.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}
func (r *binReader) str() string {
	if r.err != nil {
		return ""
	}
	n, k := binary.Uvarint(r.b[r.off:])
	if k <= 0 {
		r.err = errShort
		return ""
	}
	r.off += k
	return string(r.take(int(n)))
}
func (r *binReader) u32s(n int) []uint32 {
	p := r.take(4 * n)
	if p == nil {
		return nil
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(p[4*i:])
	}
	return out
}

// readPartition decodes a partition image, checking its checksum and format.
func readPartition(b []byte) (*Partition, error) {
	if len(b) < 12 || string(b[:4]) != partMagic {
		return nil, fmt.Errorf("%w: not a hotspots partition file", ErrCorrupt)
	}
	body, tail := b[:len(b)-4], b[len(b)-4:]
	if v := binary.LittleEndian.Uint16(b[4:6]); v > partFormat {
		return nil, fmt.Errorf("%w (partition format %d; this version reads format %d): upgrade hotspots", ErrNewerFormat, v, partFormat)
	}
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(tail) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	format := binary.LittleEndian.Uint16(b[4:6])
	if format >= 3 {
		return nil, errStoreIDs
	}
	r := &binReader{b: body, off: 8}
	p := &Partition{Source: PoliceUK}
	if format >= 2 {
		p.Source = r.str()
	}
	p.Force = r.str()
	p.Month = Month(int32(r.u32()))
	ns := int(r.u32())
	if ns > len(body) {
		return nil, fmt.Errorf("%w: bad string count", ErrCorrupt)
	}
	p.Strs = make([]string, ns)
	for i := range p.Strs {
		p.Strs[i] = r.str()
	}
	nl := int(r.u32())
	if nl*44 > len(body) {
		return nil, fmt.Errorf("%w: bad location count", ErrCorrupt)
	}
	p.Locations = make([]PartLocation, nl)
	for i := range p.Locations {
		l := &p.Locations[i]
		l.Lon = math.Float64frombits(r.u64())
		l.Lat = math.Float64frombits(r.u64())
		l.Cell = geo.Cell(r.u64())
		l.Name, l.LSOACode, l.LSOAName = r.u32(), r.u32(), r.u32()
	}
	n := int(r.u32())
	if n*54 > len(body) {
		return nil, fmt.Errorf("%w: bad row count", ErrCorrupt)
	}
	p.Loc = r.u32s(n)
	p.Type = r.u32s(n)
	p.Outcome = r.u32s(n)
	p.FallsWithin = r.u32s(n)
	p.Context = r.u32s(n)
	if mb := r.take(2 * n); mb != nil {
		p.Minute = make([]uint16, n)
		for i := range p.Minute {
			p.Minute[i] = binary.LittleEndian.Uint16(mb[2*i:])
		}
	}
	if ids := r.take(32 * n); ids != nil {
		p.IDs = append([]byte(nil), ids...)
	}
	no := int(r.u32())
	for i := 0; i < no && r.err == nil; i++ {
		if p.OtherIDs == nil {
			p.OtherIDs = map[uint32]string{}
		}
		k := r.u32()
		p.OtherIDs[k] = r.str()
	}
	if format >= 2 {
		switch nsp := int(r.u32()); {
		case r.err != nil:
		case nsp == n:
			p.Span = r.u32s(n)
		case nsp != 0:
			return nil, fmt.Errorf("%w: bad span count", ErrCorrupt)
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, r.err)
	}
	// indices must point inside their tables
	for _, x := range p.Loc {
		if int(x) >= nl {
			return nil, fmt.Errorf("%w: location index out of range", ErrCorrupt)
		}
	}
	for _, col := range [][]uint32{p.Type, p.Outcome, p.FallsWithin, p.Context} {
		for _, x := range col {
			if int(x) >= ns {
				return nil, fmt.Errorf("%w: string index out of range", ErrCorrupt)
			}
		}
	}
	for _, l := range p.Locations {
		if int(l.Name) >= ns || int(l.LSOACode) >= ns || int(l.LSOAName) >= ns {
			return nil, fmt.Errorf("%w: string index out of range", ErrCorrupt)
		}
	}
	return p, nil
}

// errStoreIDs is a partition file of format 3, which only a store holding
// its location table can read (decodeMemPart).
var errStoreIDs = errors.New("data: the partition refers to the store's location table")

// partFileFormat is the format number of a partition file's image.
func partFileFormat(b []byte) int {
	if len(b) < 6 {
		return 0
	}
	return int(binary.LittleEndian.Uint16(b[4:6]))
}

// writeMemPart writes a stored partition in format 3; typeNames are the
// crime types of mp.types, in order.
func writeMemPart(w io.Writer, mp *memPart, typeNames []string) error {
	b := &binWriter{w: bufio.NewWriterSize(w, 1<<16)}
	b.write([]byte(partMagic))
	b.u16(3)
	b.u16(0)
	b.str(mp.source)
	b.str(mp.force)
	b.u32(uint32(int32(mp.month)))
	b.u32(uint32(len(typeNames)))
	local := make(map[uint16]uint16, len(mp.types))
	for i, t := range mp.types {
		local[t] = uint16(i)
		b.str(typeNames[i])
	}
	n := len(mp.loc)
	b.u32(uint32(n))
	b.u32s(mp.loc)
	tb := make([]byte, 2*n)
	for i, t := range mp.typ {
		binary.LittleEndian.PutUint16(tb[2*i:], local[t])
	}
	b.write(tb)
	b.u32s(mp.outcome)
	b.u32s(mp.falls)
	for i, m := range mp.minute {
		binary.LittleEndian.PutUint16(tb[2*i:], m)
	}
	b.write(tb)
	b.write(mp.ids)
	for _, m := range []map[uint32]string{mp.other, mp.context} {
		b.u32(uint32(len(m)))
		for _, k := range sortedKeys(m) {
			b.u32(k)
			b.str(m[k])
		}
	}
	b.u32(uint32(len(mp.span)))
	b.u32s(mp.span)
	return b.finish()
}

// decodeMemPart decodes a partition image of format 3 into a stored
// partition, checking its checksum and that its ids lie inside a location
// table of nlocs locations and nnames strings. The crime types are the
// partition's own (mp.types indexes them, and mp.typ holds indices into
// mp.types) until the caller maps them to the store's.
func decodeMemPart(b []byte, nlocs, nnames int) (*memPart, []string, error) {
	if len(b) < 12 || string(b[:4]) != partMagic {
		return nil, nil, fmt.Errorf("%w: not a hotspots partition file", ErrCorrupt)
	}
	if v := partFileFormat(b); v > partFormat {
		return nil, nil, fmt.Errorf("%w (partition format %d; this version reads format %d): upgrade hotspots", ErrNewerFormat, v, partFormat)
	}
	body, tail := b[:len(b)-4], b[len(b)-4:]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(tail) {
		return nil, nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	r := &binReader{b: body, off: 8}
	mp := &memPart{source: r.str(), force: r.str(), month: Month(int32(r.u32())), rolled: &rollups{}}
	nt := int(r.u32())
	if nt > len(body) || nt > math.MaxUint16 {
		return nil, nil, fmt.Errorf("%w: bad type count", ErrCorrupt)
	}
	types := make([]string, nt)
	for i := range types {
		types[i] = r.str()
	}
	n := int(r.u32())
	if n*48 > len(body) {
		return nil, nil, fmt.Errorf("%w: bad row count", ErrCorrupt)
	}
	mp.loc = r.u32s(n)
	if tb := r.take(2 * n); tb != nil {
		mp.typ = make([]uint16, n)
		for i := range mp.typ {
			mp.typ[i] = binary.LittleEndian.Uint16(tb[2*i:])
		}
	}
	mp.outcome = r.u32s(n)
	mp.falls = r.u32s(n)
	if mb := r.take(2 * n); mb != nil {
		mp.minute = make([]uint16, n)
		for i := range mp.minute {
			mp.minute[i] = binary.LittleEndian.Uint16(mb[2*i:])
		}
	}
	if ids := r.take(32 * n); ids != nil {
		mp.ids = append([]byte(nil), ids...)
	}
	for _, m := range []*map[uint32]string{&mp.other, &mp.context} {
		k := int(r.u32())
		for i := 0; i < k && r.err == nil; i++ {
			if *m == nil {
				*m = make(map[uint32]string, k)
			}
			row := r.u32()
			(*m)[row] = r.str()
		}
	}
	switch nsp := int(r.u32()); {
	case r.err != nil:
	case nsp == n:
		mp.span = r.u32s(n)
	case nsp != 0:
		return nil, nil, fmt.Errorf("%w: bad span count", ErrCorrupt)
	}
	if r.err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrCorrupt, r.err)
	}
	if r.off != len(body) {
		return nil, nil, fmt.Errorf("%w: trailing bytes", ErrCorrupt)
	}
	for _, x := range mp.loc {
		if int(x) >= nlocs {
			return nil, nil, fmt.Errorf("%w: location id out of range of the location table", ErrCorrupt)
		}
	}
	for _, col := range [][]uint32{mp.outcome, mp.falls} {
		for _, x := range col {
			if int(x) >= nnames {
				return nil, nil, fmt.Errorf("%w: string id out of range of the location table", ErrCorrupt)
			}
		}
	}
	seen := make([]bool, nt)
	for _, t := range mp.typ {
		if int(t) >= nt {
			return nil, nil, fmt.Errorf("%w: crime type index out of range", ErrCorrupt)
		}
		if !seen[t] {
			seen[t] = true
			mp.types = append(mp.types, t)
		}
	}
	return mp, types, nil
}
