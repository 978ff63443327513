package disclosure

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
)

// benchHotspots is a study grid of about Stockton's size at resolution 9
// (2,611 cells: a disk of 29 steps), counts drawn as crime is, mostly 0..4.
func benchHotspots(b *testing.B) *engine.Hotspots {
	b.Helper()
	c, err := geo.CellAt(orb.Point{-1.3115, 54.5655}, 9)
	if err != nil {
		b.Fatal(err)
	}
	disk, err := c.Disk(29)
	if err != nil {
		b.Fatal(err)
	}
	slices.Sort(disk)
	r := rand.New(rand.NewPCG(1, 2))
	h := &engine.Hotspots{Layer: "wards", Res: 9, K: 1, Measure: engine.Count}
	for _, d := range disk {
		h.Cells = append(h.Cells, engine.HotCell{Cell: d, Count: int64(r.ExpFloat64() * 4)})
	}
	return h
}

// BenchmarkViewHotspots is the work a viewer's hot spot answer of a
// restricted source adds: banding and Gi* again on the banded counts.
func BenchmarkViewHotspots(b *testing.B) {
	h := benchHotspots(b)
	v := New(Options{}).View("cleveland-rms", false)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Hotspots(h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkViewRanking is the same for a ranking of the 27 Stockton wards.
func BenchmarkViewRanking(b *testing.B) {
	rk := &engine.Ranking{Measure: engine.Count}
	for i := range 27 {
		rk.Areas = append(rk.Areas, engine.AreaRank{Code: string(rune('A' + i)), Name: string(rune('A' + i)), Count: int64(i * 7 % 23)})
	}
	v := New(Options{}).View("cleveland-rms", false)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Ranking(rk); err != nil {
			b.Fatal(err)
		}
	}
}
