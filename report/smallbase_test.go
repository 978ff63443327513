package report

import (
	"testing"

	"github.com/stockton-csp/hotspots/hotspot"
)

// TestChangeTextSmallBase: the printed sheet's percentage change carries
// its base when that was under 10 (2 to 5 is +150%, which reads as a surge).
func TestChangeTextSmallBase(t *testing.T) {
	pct := func(v float64) *float64 { return &v }
	tests := []struct {
		name string
		c    *hotspot.Change
		want string
	}{
		{"a base of 4", &hotspot.Change{Previous: 4, Diff: 6, Pct: pct(150)}, "+150% (from 4)"},
		{"a base of 9", &hotspot.Change{Previous: 9, Diff: -3, Pct: pct(-33.3)}, "-33% (from 9)"},
		{"a base of 10", &hotspot.Change{Previous: 10, Diff: 5, Pct: pct(50)}, "+50%"},
		{"a base of 40", &hotspot.Change{Previous: 40, Diff: 6, Pct: pct(15)}, "+15%"},
		{"from nothing", &hotspot.Change{Previous: 0, Diff: 3, New: true}, "new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := changeText(tt.c); got != tt.want {
				t.Errorf("changeText = %q, want %q", got, tt.want)
			}
		})
	}
}
