package hotspot

import (
	"encoding/json"
	"math"
	"testing"
)

func TestCompare(t *testing.T) {
	pct := func(v float64) *float64 { return &v }
	tests := []struct {
		name              string
		current, previous float64
		diff              float64
		pct               *float64 // nil: no percentage
		new               bool
	}{
		// Rows from the Stockton Town Centre table: 67 vs 49 (Diff 18, 36.7%), 39 vs 41
		// (-2, -4.9%).
		{"rise", 67, 49, 18, pct(18.0 / 49 * 100), false},
		{"fall", 39, 41, -2, pct(-2.0 / 41 * 100), false},
		{"to zero", 0, 1, -1, pct(-100), false},
		{"same", 5, 5, 0, pct(0), false},
		{"zero to zero", 0, 0, 0, pct(0), false},
		{"rise from zero is new", 3, 0, 3, nil, true},
		{"fall from zero is not new", -2, 0, -2, nil, false},
		{"from a negative base, a rise is positive", -1, -4, 3, pct(75), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(tt.current, tt.previous)
			if c.Current != tt.current || c.Previous != tt.previous || c.Diff != tt.diff || c.New != tt.new {
				t.Errorf("Compare = %+v, want diff %v new %v", c, tt.diff, tt.new)
			}
			switch {
			case tt.pct == nil && c.Pct != nil:
				t.Errorf("Pct = %v, want nil", *c.Pct)
			case tt.pct != nil && c.Pct == nil:
				t.Errorf("Pct = nil, want %v", *tt.pct)
			case tt.pct != nil && math.Abs(*c.Pct-*tt.pct) > 1e-12:
				t.Errorf("Pct = %v, want %v (tolerance 1e-12)", *c.Pct, *tt.pct)
			}
		})
	}
}

func TestChangeJSON(t *testing.T) {
	tests := []struct {
		name string
		c    Change
		want string
	}{
		{"new", Compare(2, 0), `{"current":2,"previous":0,"diff":2,"pct":null,"new":true}`},
		{"percent", Compare(15, 10), `{"current":15,"previous":10,"diff":5,"pct":50,"new":false}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.c)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("JSON %s, want %s", b, tt.want)
			}
		})
	}
}
