package engine

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

//go:embed places/not_patrol_targets.txt
var defaultPlacesFile []byte

// SetAside is a list of police.uk location names whose crimes are set aside when placing patrol
// zones (police stations, hospitals, prisons): see places/not_patrol_targets.txt.
type SetAside struct {
	names map[string]string // lower case -> as written
}

// ParseSetAside reads a places file: one location name a line (without "On or near "), '#'
// comments, blank lines ignored.
func ParseSetAside(r io.Reader) (*SetAside, error) {
	p := &SetAside{names: map[string]string{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(line) > 200 {
			return nil, fmt.Errorf("engine: places file line %d is longer than a location name (200 characters)", n)
		}
		p.names[placeKey(line)] = line
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("engine: reading the places file: %w", err)
	}
	return p, nil
}

// DefaultSetAside is the list shipped in places/not_patrol_targets.txt.
func DefaultSetAside() *SetAside {
	p, err := ParseSetAside(bytes.NewReader(defaultPlacesFile))
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return p
}

// Match reports whether a police.uk location name ("On or near Police Station") is one of the
// places, and returns the name as the list writes it.
func (p *SetAside) Match(location string) (string, bool) {
	if p == nil || len(p.names) == 0 {
		return "", false
	}
	n, ok := p.names[placeKey(location)]
	return n, ok
}

// placeKey is a location name in lower case without police.uk's "On or near ".
func placeKey(s string) string {
	return strings.TrimSpace(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "on or near "))
}

// Len is the number of places listed.
func (p *SetAside) Len() int {
	if p == nil {
		return 0
	}
	return len(p.names)
}

// asideCounts are the crimes at set-aside places in a period, per study cell.
type asideCounts struct {
	count  map[int32]float64 // study cell index -> crimes
	harm   map[int32]float64
	cells  map[geo.Cell]int64
	places map[string]int64
	total  int64
}

// setAside counts the crimes of the period at the places, per study cell of g.
func (e *Engine) setAside(ctx context.Context, pq *prepared) (*asideCounts, error) {
	a := &asideCounts{count: map[int32]float64{}, harm: map[int32]float64{}, cells: map[geo.Cell]int64{}, places: map[string]int64{}}
	if e.places.Len() == 0 {
		return a, nil
	}
	g := pq.g
	type hit struct {
		i     int32
		place string
		ok    bool
	}
	seen := map[data.Location]hit{}
	err := e.store.Incidents(ctx, data.Query{From: pq.p.From, To: pq.p.To, Types: pq.types}, func(in *data.Incident) error {
		if in.Cell == 0 {
			return nil
		}
		h, done := seen[in.Location]
		if !done {
			if place, ok := e.places.Match(in.Name); ok {
				if c, err := geo.CellAt(in.Point, g.res); err == nil {
					if i, in := g.index[c]; in {
						h = hit{i: i, place: place, ok: true}
					}
				}
			}
			seen[in.Location] = h
		}
		if !h.ok {
			return nil
		}
		a.count[h.i]++
		a.harm[h.i] += e.harm.Of(in.Type, 1, e.includePG)
		if !g.inside(int(h.i)) {
			return nil // left out of Gi* beyond the edge too, but not the study area's
		}
		a.cells[g.cells[h.i]]++
		a.places[h.place]++
		a.total++
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: counting crimes at places that are not patrol targets: %w", err)
	}
	return a, nil
}

// hotspotsWithout redoes a hot spot map's Gi* with the set-aside crimes taken out of each
// cell's values.
func (e *Engine) hotspotsWithout(ctx context.Context, pq *prepared, hs *Hotspots, a *asideCounts) (*Hotspots, error) {
	v, err := e.values(ctx, pq.g, pq.p, pq.types)
	if err != nil {
		return nil, err
	}
	for i, n := range a.count {
		v.count[i] = max(0, v.count[i]-n)
		v.harm[i] = max(0, v.harm[i]-a.harm[i])
	}
	x := v.count
	if pq.m == Harm {
		x = v.harm
	}
	cells, err := hotCells(pq.g, v, x)
	if err != nil {
		return nil, fmt.Errorf("engine: hot spots without the set-aside places: %w", err)
	}
	out := *hs
	out.Cells = cells
	return &out, nil
}
