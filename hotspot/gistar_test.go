package hotspot

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

// The reference vectors (testdata/gistar, see its README).
const (
	pysalCSV    = fixture.GiStarPySAL
	stocktonCSV = fixture.GiStarStockton
)

// giStarCase is one reference vector: values, neighbour lists as indices, expected z.
type giStarCase struct {
	x          []float64
	neighbours [][]int32
	want       []float64
}

// loadGiStarCSV reads a vector from testdata/gistar: the first column is the
// cell's key (PySAL id or H3 index), "value" or "count" its value, "neighbours" the
// space-separated keys of its neighbours (self excluded) and "gistar_z" the expected z.
func loadGiStarCSV(tb testing.TB, path string) giStarCase {
	tb.Helper()
	recs, err := csv.NewReader(bytes.NewReader(fixture.Read(tb, path))).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	valueCol, ok := col["value"]
	if !ok {
		valueCol = col["count"]
	}
	rows := recs[1:]
	index := make(map[string]int32, len(rows))
	for i, r := range rows {
		index[r[0]] = int32(i)
	}
	var c giStarCase
	for _, r := range rows {
		v, err := strconv.ParseFloat(r[valueCol], 64)
		if err != nil {
			tb.Fatalf("%s: value %q: %v", path, r[valueCol], err)
		}
		want, err := strconv.ParseFloat(r[col["gistar_z"]], 64)
		if err != nil {
			tb.Fatalf("%s: gistar_z %q: %v", path, r[col["gistar_z"]], err)
		}
		var nb []int32
		for _, key := range strings.Fields(r[col["neighbours"]]) {
			j, ok := index[key]
			if !ok {
				tb.Fatalf("%s: cell %s lists unknown neighbour %s", path, r[0], key)
			}
			nb = append(nb, j)
		}
		c.x = append(c.x, v)
		c.neighbours = append(c.neighbours, nb)
		c.want = append(c.want, want)
	}
	return c
}

func TestGiStarReference(t *testing.T) {
	tests := []struct {
		name string
		path string
		n    int
		// tol: the PySAL file prints z to 8 decimals (its README: "to 1e-8"), so a rounding
		// error up to 5e-9 is in the file itself; the spdep file prints 12 decimals.
		tol float64
	}{
		{"pysal 6 point", pysalCSV, 6, 1e-8},
		{"stockton res9 k1 (R spdep)", stocktonCSV, 2238, 1e-9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadGiStarCSV(t, tt.path)
			if len(c.x) != tt.n {
				t.Fatalf("vector has %d cells, want %d", len(c.x), tt.n)
			}
			got, err := GiStar(c.x, c.neighbours)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i := range got {
				d := math.Abs(got[i] - c.want[i])
				worst = max(worst, d)
				if d > tt.tol {
					t.Errorf("cell %d: z = %.12f, want %.12f (|diff| %.2g > %g)", i, got[i], c.want[i], d, tt.tol)
				}
			}
			t.Logf("largest |diff| %.3g over %d cells", worst, len(got))
		})
	}
}

func TestGiStarErrors(t *testing.T) {
	x := []float64{1, 2, 3}
	tests := []struct {
		name       string
		x          []float64
		neighbours [][]int32
		is         error // nil: any error
		msg        string
	}{
		{"zero variance", []float64{4, 4, 4}, [][]int32{{1}, {0, 2}, {1}}, ErrZeroVariance, ""},
		{"neighbour out of range", x, [][]int32{{1}, {0, 3}, {1}}, ErrNeighbours,
			"hotspot: bad neighbour list: cell 1 lists neighbour 3, outside 0..2"},
		{"negative neighbour", x, [][]int32{{-1}, {0}, {1}}, ErrNeighbours, ""},
		{"self listed", x, [][]int32{{0}, {0}, {1}}, ErrNeighbours, ""},
		{"duplicate", x, [][]int32{{1, 1}, {0}, {1}}, ErrNeighbours,
			"hotspot: bad neighbour list: cell 0 lists neighbour 1 twice"},
		{"too few lists", x, [][]int32{{1}, {0}}, ErrNeighbours, ""},
		{"one value", []float64{1}, [][]int32{{}}, nil, ""},
		{"NaN value", []float64{1, math.NaN(), 2}, [][]int32{{}, {}, {}}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z, err := GiStar(tt.x, tt.neighbours)
			if err == nil {
				t.Fatalf("GiStar = %v, want an error", z)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %q", err, tt.is)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("error %q, want %q", err, tt.msg)
			}
		})
	}
}

// A cell whose neighbourhood is every cell has z = 0, not NaN.
func TestGiStarWholeMapNeighbourhood(t *testing.T) {
	z, err := GiStar([]float64{1, 2, 6}, [][]int32{{1, 2}, {0}, {0}})
	if err != nil {
		t.Fatal(err)
	}
	if z[0] != 0 {
		t.Errorf("z[0] = %v, want 0", z[0])
	}
	for i, v := range z {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("z[%d] = %v", i, v)
		}
	}
}

// analytics.md: the 6-point example's two-sided p values, printed to 6 decimals.
var pysalP = []float64{0.162331, 0.772445, 0.515273, 0.772445, 0.217009, 0.042945}

func TestPValueAndBinsPysal(t *testing.T) {
	c := loadGiStarCSV(t, pysalCSV)
	z, err := GiStar(c.x, c.neighbours)
	if err != nil {
		t.Fatal(err)
	}
	p := make([]float64, len(z))
	for i, v := range z {
		p[i] = PValue(v)
		if d := math.Abs(p[i] - pysalP[i]); d > 5e-7 { // 6 printed decimals
			t.Errorf("p[%d] = %.7f, want %.6f", i, p[i], pysalP[i])
		}
	}
	tests := []struct {
		name string
		got  []int
		want []int
	}{
		{"plain", BinsPlain(z), []int{0, 0, 0, 0, 0, 2}},
		{"FDR", BinsFDR(z, p), []int{0, 0, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("bins %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestPValue(t *testing.T) {
	tests := []struct {
		z, want float64
	}{
		{0, 1},
		{Z95, 0.05},
		{-Z95, 0.05},
		{Z99, 0.01},
		{Z90, 0.10},
	}
	for _, tt := range tests {
		if got := PValue(tt.z); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("PValue(%v) = %.15f, want %v (tolerance 1e-12)", tt.z, got, tt.want)
		}
	}
}

func TestBin(t *testing.T) {
	tests := []struct {
		z    float64
		want int
	}{
		{0, 0},
		{1.6448, 0},
		{Z90, 0}, // on the line: lower bin
		{1.645, 1},
		{-1.7, -1},
		{1.96, 2}, // 1.96 > 1.959963984540
		{-2.0, -2},
		{2.576, 3}, // 3 with the exact 2.5758293; ArcGIS's rounded 2.58 would give 2
		{-5, -3},
		{math.NaN(), 0},
	}
	for _, tt := range tests {
		if got := Bin(tt.z); got != tt.want {
			t.Errorf("Bin(%v) = %d, want %d", tt.z, got, tt.want)
		}
	}
}

func TestFDRReject(t *testing.T) {
	// analytics.md: rejects 6 at 0.10, 2 at 0.05, 1 at 0.01. The vector is sorted, so the
	// rejected ones are the first k. Several sit exactly on the line k/n*alpha.
	p := []float64{.001, .008, .039, .041, .042, .060, .074, .205, .212, .216}
	tests := []struct {
		alpha float64
		n     int
	}{
		{0.10, 6},
		{0.05, 2},
		{0.01, 1},
		{0.001, 0},
		{0, 0},
	}
	for _, tt := range tests {
		t.Run(strconv.FormatFloat(tt.alpha, 'g', -1, 64), func(t *testing.T) {
			got := FDRReject(p, tt.alpha)
			for i, r := range got {
				if r != (i < tt.n) {
					t.Errorf("alpha %v: reject = %v, want the first %d", tt.alpha, got, tt.n)
					break
				}
			}
		})
	}
	t.Run("order kept", func(t *testing.T) {
		shuffled := []float64{.216, .060, .001, .074, .008, .041}
		// n = 6 at alpha 0.05: lines .0083 .0167 .025 .033 .042 .05; sorted .001 .008 .041
		// .060 ...: rank 2 (.008 <= .0167) is the largest under its line.
		want := []bool{false, false, true, false, true, false}
		if got := FDRReject(shuffled, 0.05); !slices.Equal(got, want) {
			t.Errorf("reject = %v, want %v", got, want)
		}
	})
	t.Run("NaN never rejected", func(t *testing.T) {
		got := FDRReject([]float64{math.NaN(), 0.0001}, 0.05)
		if want := []bool{false, true}; !slices.Equal(got, want) {
			t.Errorf("reject = %v, want %v", got, want)
		}
	})
	// A location with no p value (NaN) is still one of the n tests: BH's
	// lines are k/n x alpha with n counting every location. Here n = 4
	// gives lines .0125 and .025, which .02 and .04 both miss; counting
	// only the two finite p values (lines .025, .05) would reject both.
	t.Run("NaN counts in n", func(t *testing.T) {
		p := []float64{0.02, math.NaN(), 0.04, math.NaN()}
		if got, want := FDRReject(p, 0.05), []bool{false, false, false, false}; !slices.Equal(got, want) {
			t.Errorf("reject = %v, want %v", got, want)
		}
		if got, want := BinsFDR([]float64{2.3, 0, 2.05, 0}, p), []int{1, 0, 1, 0}; !slices.Equal(got, want) {
			// at 0.10 the lines are .025 and .05: both rejected, bin 1
			t.Errorf("bins = %v, want %v", got, want)
		}
	})
}

func TestBinsFDR(t *testing.T) {
	// p from the FDR vector; BH rejects ranks 1 / 1-2 / 1-6 at 0.01 / 0.05 / 0.10.
	p := []float64{.001, .008, .039, .041, .042, .060, .074, .205, .212, .216}
	z := []float64{5, -4, 2, -2, 2, 1.9, 1.8, 1.3, -1.2, 0}
	want := []int{3, -2, 1, -1, 1, 1, 0, 0, 0, 0}
	if got := BinsFDR(z, p); !slices.Equal(got, want) {
		t.Errorf("BinsFDR = %v, want %v", got, want)
	}
}

func BenchmarkGiStarStockton(b *testing.B) {
	c := loadGiStarCSV(b, stocktonCSV)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := GiStar(c.x, c.neighbours); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBinsFDRStockton(b *testing.B) {
	c := loadGiStarCSV(b, stocktonCSV)
	z, err := GiStar(c.x, c.neighbours)
	if err != nil {
		b.Fatal(err)
	}
	p := make([]float64, len(z))
	for i, v := range z {
		p[i] = PValue(v)
	}
	b.ReportAllocs()
	for b.Loop() {
		BinsFDR(z, p)
	}
}
