package hotspot_test

import (
	"fmt"

	"github.com/stockton-csp/hotspots/hotspot"
)

// Robbery in the four Cleveland authorities, 2024-12..2025-11: counts and
// Census 2021 residents (the strategy.md vector).
func ExampleNewFunnel() {
	names := []string{"Hartlepool", "Middlesbrough", "Redcar and Cleveland", "Stockton-on-Tees"}
	f, err := hotspot.NewFunnel([]hotspot.FunnelArea{{Count: 195, Population: 92348}, {Count: 497, Population: 143909},
		{Count: 206, Population: 136529}, {Count: 307, Population: 196589}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("group rate %.4f per 1,000\n", f.GroupRate)
	for i, p := range f.Points {
		fmt.Printf("%s: %.4f, 99.8%% limits %.4f..%.4f, %s\n", names[i], p.Rate, p.Lower998, p.Upper998, p.Reading.Words())
	}
	// Output:
	// group rate 2.1164 per 1,000
	// Hartlepool: 2.1116, 99.8% limits 1.6485..2.5842, normal for the group
	// Middlesbrough: 3.4536, 99.8% limits 1.7416..2.4911, higher than normal for the group
	// Redcar and Cleveland: 1.5088, 99.8% limits 1.7316..2.5011, lower than normal for the group
	// Stockton-on-Tees: 1.5616, 99.8% limits 1.7957..2.4370, lower than normal for the group
}

func ExampleXmR_Signals() {
	monthly := []float64{20, 22, 19, 21, 20, 23, 19, 21, 20, 22, 21, 20, 31, 24, 25, 26, 27, 28, 29}
	// the first year is the baseline: mean 248/12, moving ranges summing
	// to 22 over 11 steps, so limits 20.67 +/- 2.66 x 2
	x, err := hotspot.NewXmR(monthly[:12])
	if err != nil {
		panic(err)
	}
	fmt.Printf("mean %.2f, limits %.2f..%.2f\n", x.Mean, x.Lower, x.Upper)
	for _, s := range x.Signals(monthly) {
		fmt.Printf("%s %s: points %d..%d\n", s.Kind, s.Direction, s.Start, s.End)
	}
	// Output:
	// mean 20.67, limits 15.35..25.99
	// outside up: points 12..12
	// outside up: points 15..15
	// outside up: points 16..16
	// outside up: points 17..17
	// outside up: points 18..18
	// shift up: points 12..18
	// trend up: points 13..18
	// two-of-three up: points 12..18
}
