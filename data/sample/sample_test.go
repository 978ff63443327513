package sample

import (
	"encoding/csv"
	"io/fs"
	"strconv"
	"strings"
	"testing"
)

func readCSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	b, err := fs.ReadFile(FS(), path)
	if err != nil {
		tb.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return recs
}

// TestAuthorityPopulations checks the authorities' populations against a
// second sum of the LSOA table, by the authority name each LSOA's name
// starts with ("Stockton-on-Tees 001A"), and the vector's figures in
// strategy.md (92,348; 143,909; 136,529; 196,589).
func TestAuthorityPopulations(t *testing.T) {
	sums := map[string]int{}
	counts := map[string]int{}
	for _, r := range readCSV(t, "population/tees_lsoa21_population_census2021.csv")[1:] {
		name := r[0][:strings.LastIndexByte(r[0], ' ')]
		n, err := strconv.Atoi(r[2])
		if err != nil {
			t.Fatal(err)
		}
		sums[name] += n
		counts[name]++
	}
	want := map[string]int{"Hartlepool": 92348, "Middlesbrough": 143909, "Redcar and Cleveland": 136529, "Stockton-on-Tees": 196589}
	var path string
	for _, l := range Layers {
		if l.Name == "authorities" {
			path = l.Population
		}
	}
	rows := readCSV(t, path)[1:]
	if len(rows) != len(want) {
		t.Fatalf("%d authorities with a population, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		pop, _ := strconv.Atoi(r[2])
		n, _ := strconv.Atoi(r[3])
		if pop != sums[r[1]] || pop != want[r[1]] || n != counts[r[1]] {
			t.Errorf("%s %s: population %d from %d LSOAs; the LSOAs sum to %d from %d, the vector has %d", r[0], r[1], pop, n, sums[r[1]], counts[r[1]], want[r[1]])
		}
	}
}
