package hotspot

import "testing"

// TestBinLabel: ArcGIS's Gi_Bin legend (reference/analytics.md: +-3 / +-2 /
// +-1 at 99 / 95 / 90 %), anything else not significant.
func TestBinLabel(t *testing.T) {
	for bin, want := range map[int]string{
		3: "Hot spot, 99% confidence", 2: "Hot spot, 95% confidence", 1: "Hot spot, 90% confidence",
		0:  "Not significant",
		-1: "Cold spot, 90% confidence", -2: "Cold spot, 95% confidence", -3: "Cold spot, 99% confidence",
		4: "Not significant", -4: "Not significant",
	} {
		if got := BinLabel(bin); got != want {
			t.Errorf("BinLabel(%d) = %q, want %q", bin, got, want)
		}
	}
}

// TestDirectionWord: Mann-Kendall's direction in the sheets' words.
func TestDirectionWord(t *testing.T) {
	for d, want := range map[int]string{1: "rising", -1: "falling", 0: "no clear trend"} {
		if got := DirectionWord(d); got != want {
			t.Errorf("DirectionWord(%d) = %q, want %q", d, got, want)
		}
	}
}
