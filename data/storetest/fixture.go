package storetest

import (
	"context"
	"encoding/hex"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// The layers Load stores.
const (
	Wards = "wards"     // Stockton-on-Tees 2023 wards with Census 2021 population
	LSOAs = "lsoa-2011" // 2011 LSOAs of the four Cleveland authorities
)

// Imported is the import time Load gives its layers: whole seconds, so every
// store keeps it exactly.
var Imported = time.Date(2025, 12, 1, 9, 30, 0, 0, time.UTC)

var (
	clevelandOnce  sync.Once
	clevelandParts []*data.Partition
	clevelandErr   error
)

// Cleveland reads the 35 real Cleveland months (269,438 incidents) once per
// test binary. The partitions are shared: do not change them.
func Cleveland(tb testing.TB) []*data.Partition {
	tb.Helper()
	dir := fixture.Path(tb, fixture.Cleveland)
	clevelandOnce.Do(func() {
		clevelandParts, _, clevelandErr = data.ReadIncidents(context.Background(), []string{dir}, data.ReadOptions{})
	})
	if clevelandErr != nil {
		tb.Fatal(clevelandErr)
	}
	return clevelandParts
}

// WardAreas reads the 27 Stockton 2023 wards with their Census 2021
// population (best-fit LSOA sums).
func WardAreas(tb testing.TB) []geo.Area {
	tb.Helper()
	areas, _, err := data.ReadAreaFiles([]string{fixture.Path(tb, fixture.StocktonWards)}, geo.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	pop, err := data.ReadPopulation(fixture.Path(tb, fixture.StocktonWardPopulation), "", "")
	if err != nil {
		tb.Fatal(err)
	}
	if missing := data.ApplyPopulation(areas, pop); len(missing) > 0 {
		tb.Fatalf("no population for wards %v", missing)
	}
	return areas
}

// LSOAAreas reads the 2011 LSOAs of Hartlepool, Middlesbrough, Redcar and
// Cleveland, and Stockton-on-Tees (no population).
func LSOAAreas(tb testing.TB) []geo.Area {
	tb.Helper()
	var files []string
	for _, la := range fixture.Authorities {
		files = append(files, fixture.Path(tb, fixture.LSOAs2011(la)))
	}
	areas, _, err := data.ReadAreaFiles(files, geo.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return areas
}

// Metas are the LayerMeta Load stores with each layer.
var Metas = map[string]data.LayerMeta{
	Wards: {Source: "stockton_wards_2023.geojson", Imported: Imported, Population: "stockton_ward2023_population_census2021_bestfit.csv"},
	LSOAs: {Source: "lsoa_2011/E0600000{1,2,3,4}.geojson", Imported: Imported},
}

// Load stores the fixture in s: the wards and LSOA layers, then the 35
// Cleveland months in one Replace.
func Load(tb testing.TB, s data.Store) {
	tb.Helper()
	ctx := context.Background()
	if err := s.PutLayer(ctx, Wards, WardAreas(tb), Metas[Wards]); err != nil {
		tb.Fatal(err)
	}
	if err := s.PutLayer(ctx, LSOAs, LSOAAreas(tb), Metas[LSOAs]); err != nil {
		tb.Fatal(err)
	}
	if err := s.Replace(ctx, Cleveland(tb)); err != nil {
		tb.Fatal(err)
	}
}

// build makes a partition of the given incidents (their Force and Month are
// the partition's), as a reader would: strings interned with "" first,
// locations shared, 64-hex-digit IDs packed and others kept whole.
func build(force string, month data.Month, ins []data.Incident) *data.Partition {
	return buildFrom("", force, month, ins)
}

// buildFrom is build for a partition of a source; incidents' Span is kept.
func buildFrom(source, force string, month data.Month, ins []data.Incident) *data.Partition {
	p := &data.Partition{Source: source, Force: force, Month: month}
	strs := map[string]uint32{}
	str := func(s string) uint32 {
		if i, ok := strs[s]; ok {
			return i
		}
		i := uint32(len(p.Strs))
		p.Strs = append(p.Strs, s)
		strs[s] = i
		return i
	}
	str("")
	type locKey struct {
		lon, lat         float64
		name, code, lsoa uint32
	}
	locs := map[locKey]uint32{}
	for i, in := range ins {
		k := locKey{in.Point[0], in.Point[1], str(in.Name), str(in.LSOACode), str(in.LSOAName)}
		if math.IsNaN(k.lon) {
			k.lon, k.lat = 0, 0
		}
		li, ok := locs[k]
		if !ok {
			li = uint32(len(p.Locations))
			pl := data.PartLocation{Lon: in.Point[0], Lat: in.Point[1], Name: k.name, LSOACode: k.code, LSOAName: k.lsoa}
			if c, err := geo.CellOf(in.Point); err == nil {
				pl.Cell = c
			}
			p.Locations = append(p.Locations, pl)
			locs[k] = li
		}
		p.Loc = append(p.Loc, li)
		p.Type = append(p.Type, str(in.Type))
		p.Outcome = append(p.Outcome, str(in.Outcome))
		p.FallsWithin = append(p.FallsWithin, str(in.FallsWithin))
		p.Context = append(p.Context, str(in.Context))
		if in.Minute >= 0 {
			p.Minute = append(p.Minute, uint16(in.Minute))
		} else {
			p.Minute = append(p.Minute, data.NoMinute)
		}
		var id [32]byte
		if b, err := hex.DecodeString(in.ID); err == nil && len(b) == 32 && hex.EncodeToString(b) == in.ID {
			copy(id[:], b)
		} else if in.ID != "" {
			if p.OtherIDs == nil {
				p.OtherIDs = map[uint32]string{}
			}
			p.OtherIDs[uint32(i)] = in.ID
		}
		p.IDs = append(p.IDs, id[:]...)
		if in.Span > 0 {
			if p.Span == nil {
				p.Span = make([]uint32, i)
			}
			p.Span = append(p.Span, uint32(in.Span))
		} else if p.Span != nil {
			p.Span = append(p.Span, 0)
		}
	}
	return p
}

// head returns a partition holding the first n incidents of p.
func head(p *data.Partition, n int) *data.Partition {
	q := *p
	q.Loc, q.Type, q.Outcome, q.FallsWithin, q.Context = p.Loc[:n], p.Type[:n], p.Outcome[:n], p.FallsWithin[:n], p.Context[:n]
	q.Minute, q.IDs = p.Minute[:n], p.IDs[:32*n]
	q.OtherIDs = nil
	for i, id := range p.OtherIDs {
		if int(i) < n {
			if q.OtherIDs == nil {
				q.OtherIDs = map[uint32]string{}
			}
			q.OtherIDs[i] = id
		}
	}
	return &q
}

// rayCast is a plain even-odd ray-casting test, written here independently
// of geo (which uses a bucket grid and orb/planar).
func rayCast(mp orb.MultiPolygon, p orb.Point) bool {
	in := false
	for _, poly := range mp {
		for _, ring := range poly {
			for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
				xi, yi := ring[i][0], ring[i][1]
				xj, yj := ring[j][0], ring[j][1]
				if (yi > p[1]) != (yj > p[1]) && p[0] < (xj-xi)*(p[1]-yi)/(yj-yi)+xi {
					in = !in
				}
			}
		}
	}
	return in
}
