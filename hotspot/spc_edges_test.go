package hotspot

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// Two points are the shortest baseline: 3 and 5 have mean 4, one moving
// range of 2, limits 4 +/- 2.66 x 2 = 9.32 and -1.32 (by hand).
func TestXmRTwoPointBaseline(t *testing.T) {
	x, err := NewXmR([]float64{3, 5})
	if err != nil {
		t.Fatalf("a two-point baseline refused: %v", err)
	}
	if x.Mean != 4 || x.MeanMovingRange != 2 || math.Abs(x.Upper-9.32) > 1e-12 || math.Abs(x.Lower+1.32) > 1e-12 || x.BaselinePoints != 2 {
		t.Errorf("%+v, want mean 4, moving range 2, limits -1.32..9.32, 2 points", x)
	}
	// The error names the point as a person counts: the second.
	if _, err := NewXmR([]float64{3, math.NaN(), 4}); err == nil || !strings.Contains(err.Error(), "point 2 ") {
		t.Errorf("NaN second point: %v, want it named as point 2", err)
	}
}

// Two-of-three windows on the chart of TestXmRRules (mean 10, two thirds of
// the way to the upper limit 14): a signal from the first point, and
// overlapping windows merged into one signal.
func TestXmRTwoOfThreeRuns(t *testing.T) {
	x := XmR{Mean: 10, MeanMovingRange: 6 / 2.66, Upper: 16, Lower: 4}
	for _, c := range []struct {
		name   string
		series []float64
		want   []Signal
	}{
		{"from the first point", []float64{15, 15, 10}, []Signal{{TwoOfThree, Up, 0, 1}}},
		// beyond at 0, 1, 3, 4: windows 0-2, 1-3 and 2-4 all hold two and
		// overlap, so one signal over 0..4
		{"overlapping windows merge", []float64{15, 15, 10, 15, 15}, []Signal{{TwoOfThree, Up, 0, 4}}},
		// beyond at 0, 1 and 5, 6: windows 0-2 and 4-6 do not touch
		{"separate runs stay apart", []float64{15, 15, 10, 10, 10, 15, 15}, []Signal{{TwoOfThree, Up, 0, 1}, {TwoOfThree, Up, 5, 6}}},
		{"below from the first point", []float64{5, 5, 10}, []Signal{{TwoOfThree, Down, 0, 1}}},
		// two thirds of the way is 14 and 6 exactly: a point on the line is
		// not beyond it
		{"on the upper two-thirds line", []float64{14, 14, 10}, nil},
		{"on the lower two-thirds line", []float64{6, 6, 10}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := x.Signals(c.series); !reflect.DeepEqual(got, c.want) {
				t.Errorf("signals %+v, want %+v", got, c.want)
			}
		})
	}
}
