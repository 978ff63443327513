package hotspot_test

import (
	"fmt"

	"github.com/stockton-csp/hotspots/hotspot"
)

// PySAL's six-point example: binary distance-band neighbours, self excluded.
func ExampleGiStar() {
	values := []float64{2, 3, 3.2, 5, 8, 7}
	neighbours := [][]int32{{1, 3}, {0, 3, 4}, {4}, {0, 1, 4}, {1, 2, 3, 5}, {4}}
	z, err := hotspot.GiStar(values, neighbours)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, v := range z {
		fmt.Printf("cell %d: z %+.4f  p %.4f  bin %d\n", i, v, hotspot.PValue(v), hotspot.Bin(v))
	}
	// Output:
	// cell 0: z -1.3973  p 0.1623  bin 0
	// cell 1: z -0.2892  p 0.7724  bin 0
	// cell 2: z +0.6506  p 0.5153  bin 0
	// cell 3: z -0.2892  p 0.7724  bin 0
	// cell 4: z +1.2345  p 0.2170  bin 0
	// cell 5: z +2.0242  p 0.0429  bin 2
}

func ExampleFDRReject() {
	p := []float64{.001, .008, .039, .041, .042, .060, .074, .205, .212, .216}
	for _, alpha := range []float64{0.10, 0.05, 0.01} {
		fmt.Println(alpha, hotspot.FDRReject(p, alpha))
	}
	// Output:
	// 0.1 [true true true true true true false false false false]
	// 0.05 [true true false false false false false false false false]
	// 0.01 [true false false false false false false false false false]
}

func ExampleMannKendallTest() {
	monthly := []float64{1, 3, 2, 5, 4, 6, 8, 7, 9, 10}
	m, err := hotspot.MannKendallTest(monthly)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("S %.0f  Var %.0f  Z %.6f  p %.6f  direction %+d\n", m.S, m.Var, m.Z, m.P, m.Direction(0.05))
	// Output:
	// S 39  Var 125  Z 3.398823  p 0.000677  direction +1
}

func ExamplePAICurve() {
	cells := []hotspot.Prediction{
		{Obs: 6, Pred: 8, Area: 1},
		{Obs: 7, Pred: 4, Area: 1},
		{Obs: 3, Pred: 4, Area: 1},
		{Obs: 2, Pred: 2, Area: 1},
		{Obs: 1, Pred: 1, Area: 1},
		{Obs: 0, Pred: 0, Area: 1},
	}
	pai, pei := hotspot.PAICurve(cells)
	for k := range pai {
		fmt.Printf("top %d: PAI %.4f  PEI %.4f\n", k+1, pai[k], pei[k])
	}
	// Output:
	// top 1: PAI 1.8947  PEI 0.8571
	// top 2: PAI 1.4211  PEI 0.6923
	// top 3: PAI 1.6842  PEI 1.0000
	// top 4: PAI 1.4211  PEI 1.0000
	// top 5: PAI 1.2000  PEI 1.0000
	// top 6: PAI 1.0000  PEI 1.0000
}

// Wheeler & Ratcliffe's worked example: target, control, buffer and buffer control, before and
// after.
func ExampleWDD() {
	c := hotspot.DesignCounts{T0: 207, T1: 110, C0: 308, C1: 318, D0: 178, D1: 157, Cd0: 150, Cd1: 140}
	r, err := hotspot.WDD(c, hotspot.DesignWeights{}, 0.05)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("WDD %.0f (local %.0f, displacement %.0f), SE %.3f, Z %.2f, 95%% CI %.0f to %.0f\n",
		r.WDD, r.Local, r.Displacement, r.SE, r.Z, r.Low, r.High)
	q, _ := hotspot.WDQ(c.T1, c.T0, c.D1, c.D0, c.C1, c.C0)
	fmt.Printf("WDQ %.3f: %v\n", q.WDQ, q.Reading)
	// Output:
	// WDD -118 (local -107, displacement -11), SE 39.598, Z -2.98, 95% CI -196 to -40
	// WDQ 0.258: some diffusion of benefits
}
