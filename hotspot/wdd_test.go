package hotspot

import (
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// readVectors reads a CSV of test vectors from testdata/evaluation as header-keyed rows.
func readVectors(tb testing.TB, name string) []map[string]string {
	tb.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "evaluation", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// num parses a vector's number; blank is 0.
func num(tb testing.TB, s string) float64 {
	tb.Helper()
	if s == "" {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// checkRounded compares got with a figure the source printed rounded: the tolerance is half a
// unit in its last digit.
func checkRounded(tb testing.TB, what string, got float64, want string) {
	tb.Helper()
	if want == "" {
		return
	}
	tol := 0.5
	if i := strings.IndexByte(want, '.'); i >= 0 {
		tol = 0.5 * math.Pow(10, -float64(len(want)-i-1))
	}
	if w := num(tb, want); math.Abs(got-w) > tol*(1+1e-9) {
		tb.Errorf("%s = %.10g, want %s (to within %g)", what, got, want, tol)
	}
}

func TestWDDVectors(t *testing.T) {
	for _, v := range readVectors(t, "wdd.csv") {
		t.Run(v["name"], func(t *testing.T) {
			c := DesignCounts{
				T0: num(t, v["T0"]), T1: num(t, v["T1"]), C0: num(t, v["C0"]), C1: num(t, v["C1"]),
				D0: num(t, v["D0"]), D1: num(t, v["D1"]), Cd0: num(t, v["Cd0"]), Cd1: num(t, v["Cd1"]),
			}
			w := DesignWeights{Before: num(t, v["t0"]), After: num(t, v["t1"]),
				T: num(t, v["aT"]), C: num(t, v["aC"]), D: num(t, v["aD"]), Cd: num(t, v["aCd"])}
			r, err := WDD(c, w, num(t, v["alpha"]))
			if err != nil {
				t.Fatal(err)
			}
			checkRounded(t, "local", r.Local, v["local"])
			checkRounded(t, "displacement", r.Displacement, v["displacement"])
			checkRounded(t, "WDD", r.WDD, v["wdd"])
			checkRounded(t, "Var", r.Var, v["var"])
			checkRounded(t, "SE", r.SE, v["se"])
			checkRounded(t, "Z", r.Z, v["z"])
			checkRounded(t, "CI low", r.Low, v["ci_low"])
			checkRounded(t, "CI high", r.High, v["ci_high"])
		})
	}
}

func TestWDDTimeWeightSE(t *testing.T) {
	// The vector gives the SE as sqrt(115) exactly.
	r, err := WDD(DesignCounts{C0: 100, C1: 50, T0: 80, T1: 20}, DesignWeights{Before: 2, After: 1}, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.SE-math.Sqrt(115)) > 1e-12 {
		t.Errorf("SE = %v, want sqrt(115) = %v", r.SE, math.Sqrt(115))
	}
}

func TestWDDHarmVector(t *testing.T) {
	var parts []HarmPart
	for _, v := range readVectors(t, "wdd_harm.csv") {
		parts = append(parts, HarmPart{Weight: num(t, v["weight"]), Counts: DesignCounts{
			C0: num(t, v["C0"]), C1: num(t, v["C1"]), T0: num(t, v["T0"]), T1: num(t, v["T1"])}})
	}
	want := readVectors(t, "wdd_harm_expected.csv")[0]
	r, err := WDDHarm(parts, num(t, want["alpha"]))
	if err != nil {
		t.Fatal(err)
	}
	checkRounded(t, "WDD", r.WDD, want["wdd"])
	checkRounded(t, "SE", r.SE, want["se"])
	checkRounded(t, "Z", r.Z, want["z"])
	checkRounded(t, "CI low", r.Low, want["ci_low"])
	checkRounded(t, "CI high", r.High, want["ci_high"])
}

func TestWDQVector(t *testing.T) {
	for _, v := range readVectors(t, "wdq.csv") {
		t.Run(v["name"], func(t *testing.T) {
			r, err := WDQ(num(t, v["Ra"]), num(t, v["Rb"]), num(t, v["Ba"]), num(t, v["Bb"]), num(t, v["Ca"]), num(t, v["Cb"]))
			if err != nil {
				t.Fatal(err)
			}
			checkRounded(t, "SM", r.SM, v["sm"])
			checkRounded(t, "BD", r.BD, v["bd"])
			checkRounded(t, "WDQ", r.WDQ, v["wdq"])
			checkRounded(t, "TNE", r.TNE, v["tne"])
			if got := r.Reading.String(); got != v["reading"] {
				t.Errorf("reading %q, want %q", got, v["reading"])
			}
		})
	}
}

// TestWDQReadings checks each band of Bowers & Johnson's reading on counts chosen by hand:
// control 100 before and after, target 50 -> 25 (SM = -0.25), buffer 50 -> Ba.
func TestWDQReadings(t *testing.T) {
	tests := []struct {
		name string
		ba   float64 // buffer after; BD = (ba - 50)/100, WDQ = BD / -0.25
		want WDQReading
		wdq  float64
	}{
		{"buffer fell more than the target", 10, DiffusionLarger, 1.6},
		{"buffer fell as much as the target: WDQ 1", 25, SomeDiffusion, 1},
		{"buffer fell a little", 45, SomeDiffusion, 0.2},
		{"buffer unchanged", 50, NoDisplacement, 0},
		{"buffer rose a little", 55, SomeDisplacement, -0.2},
		{"buffer rose as much as the target fell: WDQ -1", 75, SomeDisplacement, -1},
		{"buffer rose more than the target fell", 90, DisplacementLarger, -1.6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := WDQ(25, 50, tt.ba, 50, 100, 100)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(r.WDQ-tt.wdq) > 1e-12 || r.Reading != tt.want {
				t.Errorf("WDQ %v (%v), want %v (%v)", r.WDQ, r.Reading, tt.wdq, tt.want)
			}
		})
	}
	// The target did worse than control: not read, whatever the buffer did.
	r, err := WDQ(60, 50, 10, 50, 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	if r.Reading != NotRead || r.WDQ != 0 {
		t.Errorf("SM > 0: WDQ %v (%v), want 0 (not read)", r.WDQ, r.Reading)
	}
}

func TestWDDRefusesBadInput(t *testing.T) {
	if _, err := WDD(DesignCounts{T0: -1}, DesignWeights{}, 0.05); !errors.Is(err, ErrWDDInput) {
		t.Errorf("negative count: %v", err)
	}
	if _, err := WDD(DesignCounts{T0: math.NaN()}, DesignWeights{}, 0.05); !errors.Is(err, ErrWDDInput) {
		t.Errorf("NaN count: %v", err)
	}
	if _, err := WDD(DesignCounts{}, DesignWeights{T: -2}, 0.05); !errors.Is(err, ErrWDDInput) {
		t.Errorf("negative area: %v", err)
	}
	if _, err := WDD(DesignCounts{}, DesignWeights{}, 1.5); !errors.Is(err, ErrWDDInput) {
		t.Errorf("alpha 1.5: %v", err)
	}
	if _, err := WDQ(1, 1, 1, 1, 0, 5); !errors.Is(err, ErrWDDInput) {
		t.Errorf("control after 0: %v", err)
	}
	// Every count zero: no evidence either way, Z 0 and p 1 (not NaN).
	r, err := WDD(DesignCounts{}, DesignWeights{}, 0.05)
	if err != nil || r.Z != 0 || r.P != 1 {
		t.Errorf("all zero: %+v, %v", r, err)
	}
}

func TestSmallCounts(t *testing.T) {
	big := DesignCounts{T0: 10, T1: 10, C0: 300, C1: 300}
	if big.SmallCounts(10) {
		t.Error("no buffer, every count >= 10: flagged")
	}
	if c := (DesignCounts{T0: 10, T1: 9, C0: 300, C1: 300}); !c.SmallCounts(10) {
		t.Error("T1 = 9 not flagged")
	}
	withBuffer := big
	withBuffer.D0, withBuffer.D1, withBuffer.Cd0, withBuffer.Cd1 = 12, 3, 200, 200
	if !withBuffer.SmallCounts(10) {
		t.Error("D1 = 3 not flagged")
	}
}

func TestNormalQuantile(t *testing.T) {
	for _, tt := range []struct{ p, z float64 }{{0.975, 1.959963984540054}, {0.5, 0}, {0.95, 1.6448536269514722}} {
		if got := NormalQuantile(tt.p); math.Abs(got-tt.z) > 1e-12 {
			t.Errorf("NormalQuantile(%v) = %v, want %v", tt.p, got, tt.z)
		}
	}
}

func BenchmarkWDD(b *testing.B) {
	b.ReportAllocs()
	c := DesignCounts{C0: 308, C1: 318, T0: 207, T1: 110, Cd0: 150, Cd1: 140, D0: 178, D1: 157}
	for b.Loop() {
		if _, err := WDD(c, DesignWeights{}, 0.05); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWDDScaledControl: a control ten times the target's size, weighted by C0/T0 = 10 so that
// it stands for the target. By hand: expected T1 = T0 * C1/C0 = 100 * 1100/1000 = 110, so the
// local WDD is 80 - 110 = -30; Var = 100 + 80 + (1000 + 1100)/10^2 = 201.
func TestWDDScaledControl(t *testing.T) {
	r, err := WDD(DesignCounts{T0: 100, T1: 80, C0: 1000, C1: 1100}, DesignWeights{C: 10}, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Local+30) > 1e-12 || math.Abs(r.Var-201) > 1e-12 {
		t.Errorf("local %v var %v, want -30 and 201", r.Local, r.Var)
	}
}
