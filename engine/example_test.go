package engine_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
)

// openExample loads testdata/example (three months of made-up police.uk
// rows in two square areas, North and South) into a store in a temporary
// directory.
func openExample() (*engine.Engine, func()) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "engine-example")
	if err != nil {
		log.Fatal(err)
	}
	s, err := data.OpenMem(dir, data.MemOptions{})
	if err != nil {
		log.Fatal(err)
	}
	areas, _, err := data.ReadAreaFiles([]string{"testdata/example/areas.geojson"}, geo.ReadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.PutLayer(ctx, "example", areas, data.LayerMeta{Source: "areas.geojson"}); err != nil {
		log.Fatal(err)
	}
	parts, _, err := data.ReadIncidents(ctx, []string{"testdata/example"}, data.ReadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Replace(ctx, parts); err != nil {
		log.Fatal(err)
	}
	e, err := engine.New(s, engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	return e, func() { s.Close(); os.RemoveAll(dir) }
}

func ExampleEngine_Ranking() {
	e, done := openExample()
	defer done()
	nov := data.MonthOf(2025, 11)
	r, err := e.Ranking(context.Background(), engine.RankingQuery{Layer: "example", From: nov, To: nov})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s, compared with %s\n", r.Period.From, r.PreviousPeriod.From)
	// With no type filter a ranking counts crime: October's three
	// anti-social behaviour incidents are not crimes, so both areas are new.
	for _, a := range r.Areas {
		pct := "new"
		if a.Change.Pct != nil {
			pct = fmt.Sprintf("%+.0f%%", *a.Change.Pct)
		}
		fmt.Printf("%d %-5s %2d crimes (%.0f%%), %+.0f on the month before (%s)\n",
			a.Rank, a.Name, a.Count, a.Share, a.Change.Diff, pct)
	}
	// Output:
	// 2025-11, compared with 2025-10
	// 1 North  9 crimes (82%), +9 on the month before (new)
	// 2 South  2 crimes (18%), +2 on the month before (new)
}

func ExampleEngine_Profile() {
	e, done := openExample()
	defer done()
	p, err := e.Profile(context.Background(), "example", "S1", data.MonthOf(2025, 11))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s, %s: %s\n", p.Name, p.Month, p.Periods[0].Label)
	for _, row := range p.Rows {
		c := row.Cells[0]
		if c.Current == 0 && c.VsPrevious.Diff == 0 {
			continue
		}
		pct := "new"
		if c.VsPrevious.Pct != nil {
			pct = fmt.Sprintf("%+.1f%%", *c.VsPrevious.Pct)
		}
		fmt.Printf("%-8s %-23s %d  %+.0f  %s\n", row.Kind, row.Label, c.Current, c.VsPrevious.Diff, pct)
	}
	// Output:
	// South, 2025-11: Selected Month
	// group    Victim Based Crime      1  +1  new
	// subgroup Theft Offences          1  +1  new
	// type     Burglary                1  +1  new
	// group    Unknown                 1  +1  new
	// total    Total                   2  +2  new
	// type     Anti-social behaviour   3  +2  +200.0%
	// total    Total crimes and ASB incidents 5  +4  +400.0%
}
