package data

import (
	"crypto/sha256"
	"fmt"
)

// A Crime ID names one crime: police.uk never repeats one within a month.
// The same ID twice in one police.uk file is a copied row (an export run
// twice into one file, or a file built to expand to millions of rows); the
// same IDs in two files are two copies of one month (police.uk republishes
// months, and a download saved twice becomes
// "2025-11-cleveland-street (1).csv"). A force's own crime reference may
// repeat (a row per offence), so within a force export repeats are kept,
// and two files are copies only when most of their IDs are shared.

// idKey is a fixed-size key for a Crime ID: police.uk's 64 hex digits
// decoded, any other ID hashed, so the IDs of a month cost 32 bytes each
// and keep no row's text alive.
func idKey(id string) [32]byte {
	if k, ok, _ := decodeHexID(id); ok {
		return k
	}
	return sha256.Sum256([]byte("other:" + id))
}

// dupReason is the reason given for a repeated Crime ID.
const dupReason = "duplicate: an earlier row of this file has the same Crime ID for this month"

// firstID passes a row whose Crime ID (if any) no earlier row of the same
// force and month in this file had, and rejects a repeat; with ids nil it
// passes every row.
func firstID(ids map[partKey]map[[32]byte]int, k partKey, file string, in *Incident, line int) (Problem, bool) {
	if ids == nil || in.ID == "" {
		return Problem{}, true
	}
	m := ids[k]
	if m == nil {
		m = make(map[[32]byte]int)
		ids[k] = m
	}
	key := idKey(in.ID)
	if first, ok := m[key]; ok {
		return Problem{File: file, Line: line, Field: "crime ID", Value: in.ID, Reason: fmt.Sprintf("%s (line %d)", dupReason, first)}, false
	}
	m[key] = line
	return Problem{}, true
}

// keepOne handles a second file holding partition k: when b (from the file
// rep.Files[file]) shares at least half the Crime IDs of the smaller of it
// and the partition already read, the two are copies of one month, and only
// the one with more rows is kept (the first on a tie), with a warning naming
// both files. It reports whether it did; a month split across files (a force
// export by crime type, say) is for the caller to merge, with a warning when
// they share some IDs.
func keepOne(rep *Report, k partKey, parts map[partKey]*builder, from map[partKey]int, b *builder, file int) bool {
	into := parts[k]
	common, na, nb := commonIDs(into.p, b.p)
	if common == 0 {
		return false
	}
	if 2*common < min(na, nb) {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s %s is in two files, %s and %s, with %d Crime IDs in common of %d and %d: taken as two parts of the month and both kept",
			k.force, k.month, rep.Files[from[k]].File, rep.Files[file].File, common, na, nb))
		return false
	}
	keep, drop, dropped := from[k], file, b.p
	if b.p.Len() > into.p.Len() {
		keep, drop, dropped = file, from[k], into.p
		parts[k], from[k] = b, file
	}
	n, unlocated := dropped.Len(), 0
	for _, li := range dropped.Loc {
		if dropped.Locations[li].Cell == 0 {
			unlocated++
		}
	}
	rep.Stored -= n
	rep.NoLocation -= unlocated
	rep.Duplicates += n
	mr := rep.Months[k.month.String()]
	mr.Rows -= n
	mr.NoLocation -= unlocated
	rep.Months[k.month.String()] = mr
	fr := &rep.Files[drop]
	fr.Stored -= n
	fr.NoLocation -= unlocated
	fr.Duplicates += n
	rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s %s is in two files, %s and %s (%d Crime IDs in common): kept the copy in %s (%d rows), passed over the one in %s (%d rows)",
		k.force, k.month, rep.Files[min(keep, drop)].File, rep.Files[max(keep, drop)].File, common, rep.Files[keep].File, parts[k].p.Len(), fr.File, n))
	return true
}

// commonIDs counts b's Crime IDs that a also has, and the IDs of each.
func commonIDs(a, b *Partition) (common, na, nb int) {
	keys := func(p *Partition, fn func([32]byte)) {
		var zero [32]byte
		for i := 0; i < p.Len(); i++ {
			if id, ok := p.OtherIDs[uint32(i)]; ok {
				fn(idKey(id))
				continue
			}
			if k := [32]byte(p.IDs[i*32 : i*32+32]); k != zero {
				fn(k)
			}
		}
	}
	have := make(map[[32]byte]bool, a.Len())
	keys(a, func(k [32]byte) { have[k] = true; na++ })
	keys(b, func(k [32]byte) {
		nb++
		if have[k] {
			common++
		}
	})
	return common, na, nb
}
