package data

import (
	"encoding/hex"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

// PoliceUK is the source of police.uk street-level files, and of partitions
// stored before sources existed.
const PoliceUK = "police.uk"

// NoMinute marks an incident whose time within the month is unknown (all
// police.uk rows: they carry the month only).
const NoMinute = 0xFFFF

// Location is a distinct place incidents are recorded at. police.uk snaps
// every crime to one of a fixed set of anonymous map points, so many
// incidents share a Location.
type Location struct {
	// Point is orb.Point{lon, lat} in WGS84 degrees; NaN when the record had
	// no coordinates (Cell is then 0).
	Point    orb.Point
	Cell     geo.Cell // BaseRes cell
	Name     string   // police.uk "Location", such as "On or near Park/Open Space"
	LSOACode string
	LSOAName string
}

// Located reports whether the location has coordinates.
func (l *Location) Located() bool { return l.Cell != 0 }

// Incident is one record, as readers produce it and exports give it back.
type Incident struct {
	ID string // police.uk Crime ID (blank for anti-social behaviour)
	// Source is where the record came from: PoliceUK, or the name given to
	// a force export at import ("cleveland-rms").
	Source string
	Month  Month
	// Minute is the committed-from time in minutes since the start of the
	// month, read on the UK clock (local time: an hour repeated when the
	// clocks go back is one clock reading); -1 when unknown.
	Minute int
	// Span is the committed-to time in clock minutes after Minute; 0 when
	// the record has none (the time is then taken as exact).
	Span        int
	Force       string
	FallsWithin string
	Location
	Type    string
	Outcome string
	Context string
}

// Partition is every incident of one force and month, columnar. It is the
// unit of storage and of replacement: importing a month replaces its
// partition whole. Strings are interned in Strs; the columns hold indices.
type Partition struct {
	Source string // PoliceUK or an import's --source name; "" reads as PoliceUK
	Force  string
	Month  Month

	Strs      []string
	Locations []PartLocation

	Loc         []uint32 // index into Locations
	Type        []uint32 // index into Strs
	Outcome     []uint32 // index into Strs
	FallsWithin []uint32 // index into Strs
	Context     []uint32 // index into Strs
	Minute      []uint16 // minutes since month start, NoMinute when unknown
	// IDs holds 32 bytes per incident: a police.uk Crime ID (64 hex digits)
	// decoded, all zero for none. Other IDs are kept whole in OtherIDs.
	IDs      []byte
	OtherIDs map[uint32]string
	// Span is each incident's committed-to time in clock minutes after its
	// Minute, 0 for none; nil when no incident has one (police.uk).
	Span []uint32
}

// SourceName is the partition's source, PoliceUK when unset.
func (p *Partition) SourceName() string {
	if p.Source == "" {
		return PoliceUK
	}
	return p.Source
}

// PartLocation is a Location with its strings interned in the partition.
type PartLocation struct {
	Lon, Lat                 float64
	Cell                     geo.Cell
	Name, LSOACode, LSOAName uint32
}

// Len is the number of incidents.
func (p *Partition) Len() int { return len(p.Loc) }

// ID returns incident i's Crime ID, "" when it has none.
func (p *Partition) ID(i int) string {
	if s, ok := p.OtherIDs[uint32(i)]; ok {
		return s
	}
	return hexID(p.IDs[i*32 : i*32+32])
}

func hexID(b []byte) string {
	for _, x := range b {
		if x != 0 {
			return hex.EncodeToString(b)
		}
	}
	return ""
}

// Location returns the location of incident i.
func (p *Partition) Location(i int) Location {
	pl := &p.Locations[p.Loc[i]]
	return Location{Point: orb.Point{pl.Lon, pl.Lat}, Cell: pl.Cell,
		Name: p.Strs[pl.Name], LSOACode: p.Strs[pl.LSOACode], LSOAName: p.Strs[pl.LSOAName]}
}

// Incident returns incident i whole.
func (p *Partition) Incident(i int) Incident {
	m := -1
	if p.Minute[i] != NoMinute {
		m = int(p.Minute[i])
	}
	sp := 0
	if p.Span != nil {
		sp = int(p.Span[i])
	}
	return Incident{
		ID: p.ID(i), Source: p.SourceName(), Month: p.Month, Minute: m, Span: sp, Force: p.Force,
		FallsWithin: p.Strs[p.FallsWithin[i]], Location: p.Location(i),
		Type: p.Strs[p.Type[i]], Outcome: p.Strs[p.Outcome[i]], Context: p.Strs[p.Context[i]],
	}
}

// partKey names a partition.
type partKey struct {
	source string
	force  string
	month  Month
}

// builder accumulates one partition.
type builder struct {
	p    *Partition
	strs map[string]uint32
	locs map[locKey]uint32
	// others are the IDs kept whole, in row order, their text in
	// otherText, until part() moves them into p.OtherIDs: a force export's
	// references are all "other", and one map made at its final size costs
	// far less than one grown a row at a time. The text is copied: a field
	// read from a CSV is part of its whole record's text, which would
	// otherwise stay in memory with the store.
	others    []otherID
	otherText []byte
}

type otherID struct{ row, off, n uint32 }

// part returns the partition built so far, every ID in place.
func (b *builder) part() *Partition {
	if len(b.others) > 0 {
		if b.p.OtherIDs == nil {
			b.p.OtherIDs = make(map[uint32]string, len(b.others))
		}
		text := string(b.otherText) // one allocation for all of them
		for _, o := range b.others {
			b.p.OtherIDs[o.row] = text[o.off : o.off+o.n]
		}
		b.others, b.otherText = b.others[:0], b.otherText[:0]
	}
	return b.p
}

type locKey struct {
	lon, lat                 float64
	name, lsoaCode, lsoaName uint32
}

func newBuilder(source, force string, month Month) *builder {
	b := &builder{
		p:    &Partition{Source: source, Force: force, Month: month},
		strs: make(map[string]uint32),
		locs: make(map[locKey]uint32),
	}
	b.p.Strs, b.strs[""] = append(b.p.Strs, ""), 0 // index 0 is the empty string
	return b
}

func (b *builder) str(s string) uint32 {
	if s == "" {
		return 0 // interned first by newBuilder
	}
	if i, ok := b.strs[s]; ok {
		return i
	}
	i := uint32(len(b.p.Strs))
	s = strings.Clone(s) // not the whole record's text (see others)
	b.p.Strs = append(b.p.Strs, s)
	b.strs[s] = i
	return i
}

// add appends one incident. cellOf indexes new locations (nil: none).
func (b *builder) add(in *Incident, cellOf func(orb.Point) geo.Cell) {
	p := b.p
	k := locKey{lon: in.Point[0], lat: in.Point[1], name: b.str(in.Name), lsoaCode: b.str(in.LSOACode), lsoaName: b.str(in.LSOAName)}
	if math.IsNaN(k.lon) {
		k.lon, k.lat = 0, 0 // NaN is not equal to itself: key no-location rows by 0,0 plus Cell 0
	}
	li, ok := b.locs[k]
	if !ok {
		li = uint32(len(p.Locations))
		pl := PartLocation{Lon: in.Point[0], Lat: in.Point[1], Name: k.name, LSOACode: k.lsoaCode, LSOAName: k.lsoaName}
		if !math.IsNaN(in.Point[0]) && cellOf != nil {
			pl.Cell = cellOf(in.Point)
		}
		p.Locations = append(p.Locations, pl)
		b.locs[k] = li
	}
	i := uint32(len(p.Loc))
	p.Loc = append(p.Loc, li)
	p.Type = append(p.Type, b.str(in.Type))
	p.Outcome = append(p.Outcome, b.str(in.Outcome))
	p.FallsWithin = append(p.FallsWithin, b.str(in.FallsWithin))
	p.Context = append(p.Context, b.str(in.Context))
	if in.Minute >= 0 && in.Minute < NoMinute {
		p.Minute = append(p.Minute, uint16(in.Minute))
	} else {
		p.Minute = append(p.Minute, NoMinute)
	}
	switch {
	case in.Span > 0 && in.Span <= math.MaxUint32:
		if p.Span == nil {
			p.Span = make([]uint32, i, cap(p.Loc))
		}
		p.Span = append(p.Span, uint32(in.Span))
	case p.Span != nil:
		p.Span = append(p.Span, 0)
	}
	// A police.uk Crime ID is kept as its 32 bytes only when they give the
	// ID back exactly: lower-case hex, not all zero.
	id, ok, lower := decodeHexID(in.ID)
	if !ok || !lower || id == [32]byte{} {
		id = [32]byte{}
		if in.ID != "" {
			b.other(i, in.ID)
		}
	}
	p.IDs = append(p.IDs, id[:]...)
}

// decodeHexID decodes a 64-hex-digit ID (police.uk's Crime ID) without
// allocating: ok when s is 64 hex digits, lower when none is upper case.
func decodeHexID(s string) (id [32]byte, ok, lower bool) {
	if len(s) != 64 {
		return id, false, false
	}
	var digits [64]byte // a copy on the stack: hex.Decode takes bytes
	copy(digits[:], s)
	if _, err := hex.Decode(id[:], digits[:]); err != nil {
		return [32]byte{}, false, false
	}
	for _, c := range digits {
		if c >= 'A' && c <= 'F' {
			return id, true, false
		}
	}
	return id, true, true
}

func (b *builder) other(i uint32, id string) {
	b.others = append(b.others, otherID{i, uint32(len(b.otherText)), uint32(len(id))})
	b.otherText = append(b.otherText, id...)
}
