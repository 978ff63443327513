package storetest

import (
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
)

// testSources stores police.uk and a force export of the same force and
// month side by side: each is replaced on its own, queries choose between
// them, and the summary lists both with their months, types and times.
func testSources(t *testing.T, s data.Store) {
	m := data.MonthOf(2025, 10)
	here := Location(orb.Point{-1.3167, 54.5686})
	pol := []data.Incident{
		{ID: "P1", Minute: -1, Type: "Burglary", Location: here},
		{ID: "P2", Minute: -1, Type: "Burglary", Location: here},
		{ID: "P3", Minute: -1, Type: "Anti-social behaviour", Location: here},
	}
	// 01:30 on 26 October 2025, the night the clocks went back: one record
	rms := []data.Incident{
		{ID: "CL/1", Minute: 25*1440 + 90, Span: 0, Type: "Residential burglary", Location: here},
		{ID: "CL/2", Minute: 3*1440 + 21*60, Span: 360, Type: "Violence with injury", Location: here},
	}
	const rmsName = "cleveland-rms"
	if err := s.Replace(ctx, []*data.Partition{build("Cleveland Police", m, pol), buildFrom(rmsName, "Cleveland Police", m, rms)}); err != nil {
		t.Fatal(err)
	}
	count := func(sources ...string) int64 {
		t.Helper()
		return total(t, s, data.Query{Sources: sources})
	}
	if a, b, all := count(data.PoliceUK), count(rmsName), count(); a != 3 || b != 2 || all != 5 {
		t.Fatalf("police.uk %d, %s %d, both %d; want 3, 2, 5", a, rmsName, b, all)
	}
	// time filters, by hand: CL/1 is Sunday 26 October 01:30 (Saturday
	// night), CL/2 Saturday 4 October 21:00 with a 6-hour window; police.uk
	// rows have no time and never pass
	nte := data.NightTimeEconomy(0)
	monday, _ := data.NewTimeFilter([]int{0}, 0, 24, 0)
	for _, tc := range []struct {
		name string
		q    data.Query
		want int64
	}{
		{"night-time economy", data.Query{Times: nte}, 2},
		{"night-time economy, windows up to 5 hours", data.Query{Times: data.NightTimeEconomy(300)}, 1},
		{"Mondays", data.Query{Times: monday}, 0},
		{"police.uk at night", data.Query{Times: nte, Sources: []string{data.PoliceUK}}, 0},
	} {
		if n := total(t, s, tc.q); n != tc.want {
			t.Errorf("%s: %d incidents, want %d", tc.name, n, tc.want)
		}
		var n int64
		if err := s.Incidents(ctx, tc.q, func(*data.Incident) error { n++; return nil }); err != nil || n != tc.want {
			t.Errorf("%s: Incidents gave %d (%v), want %d", tc.name, n, err, tc.want)
		}
	}
	got := collect(t, s, data.Query{Sources: []string{rmsName}})
	for i, in := range rms {
		in.Source, in.Force, in.Month = rmsName, "Cleveland Police", m
		if i >= len(got) || !SameIncident(got[i], in) {
			t.Errorf("%s incident %d:\n got %+v\nwant %+v", rmsName, i, got, in)
		}
	}
	sum, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantSrc := fmt.Sprintf("[{%s 2 [%s] [Cleveland Police] [{Residential burglary 1} {Violence with injury 1}] true} {police.uk 3 [%s] [Cleveland Police] [{Anti-social behaviour 1} {Burglary 2}] false}]", rmsName, m, m)
	if g := fmt.Sprint(sum.Sources); g != wantSrc {
		t.Errorf("summary sources\n got %s\nwant %s", g, wantSrc)
	}
	if sum.DefaultSource() != data.PoliceUK {
		t.Errorf("default source %q, want police.uk", sum.DefaultSource())
	}
	// replacing the export's month leaves police.uk's alone, and the reverse
	if err := s.Replace(ctx, []*data.Partition{buildFrom(rmsName, "Cleveland Police", m, rms[:1])}); err != nil {
		t.Fatal(err)
	}
	if a, b := count(data.PoliceUK), count(rmsName); a != 3 || b != 1 {
		t.Errorf("after replacing %s: police.uk %d, %s %d; want 3, 1", rmsName, a, rmsName, b)
	}
	if err := s.Replace(ctx, []*data.Partition{build("Cleveland Police", m, pol[:2])}); err != nil {
		t.Fatal(err)
	}
	if a, b := count(data.PoliceUK), count(rmsName); a != 2 || b != 1 {
		t.Errorf("after replacing police.uk: police.uk %d, %s %d; want 2, 1", a, rmsName, b)
	}
	rows, err := s.Aggregate(ctx, data.Query{Sources: []string{rmsName}, By: data.GroupBy{Type: true}})
	if err != nil {
		t.Fatal(err)
	}
	if d := DiffRows(rows, []data.Row{{Type: "Residential burglary", Count: 1}}); d != "" {
		t.Errorf("%s by type: %s", rmsName, d)
	}
}
