package web

import (
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

// An independent count of the bundled police.uk rows inside the Stockton
// wards: every row read straight from the CSV files with encoding/csv, and
// placed by a plain even-odd ray-casting test on the ward polygons read
// straight from the GeoJSON, so that no reader, index or point-in-polygon
// code of ours is in it. The incident exports honour their layer, so this,
// not the force-wide tally, is what they must give.

type rawKey struct{ month, typ string }

var (
	rawWardOnce   sync.Once
	rawWardCounts map[rawKey]int
	rawWardErr    error
)

// rawInWards is the number of rows of month ("YYYY-MM") and crime type (""
// for any) whose point lies in a Stockton ward.
func rawInWards(tb testing.TB, month, typ string) int {
	tb.Helper()
	dir := fixture.Path(tb, fixture.Cleveland)
	wardsFile := fixture.Read(tb, fixture.StocktonWards)
	rawWardOnce.Do(func() { rawWardCounts, rawWardErr = countRawInWards(dir, wardsFile) })
	if rawWardErr != nil {
		tb.Fatal(rawWardErr)
	}
	n := 0
	for k, c := range rawWardCounts {
		// no type: crime, as an unfiltered query counts it (ASB left out)
		if k.month == month && ((typ == "" && fixture.IsCrime(k.typ)) || k.typ == typ) {
			n += c
		}
	}
	return n
}

func countRawInWards(dir string, wardsJSON []byte) (map[rawKey]int, error) {
	var fc struct {
		Features []struct {
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(wardsJSON, &fc); err != nil {
		return nil, err
	}
	var wards [][][][][2]float64 // ward, polygon, ring, point
	for _, f := range fc.Features {
		var polys [][][][2]float64
		if f.Geometry.Type == "Polygon" {
			var p [][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				return nil, err
			}
			polys = [][][][2]float64{p}
		} else if err := json.Unmarshal(f.Geometry.Coordinates, &polys); err != nil {
			return nil, err
		}
		wards = append(wards, polys)
	}
	inside := func(lon, lat float64) bool {
		for _, polys := range wards {
			in := false
			for _, poly := range polys {
				for _, ring := range poly {
					for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
						xi, yi, xj, yj := ring[i][0], ring[i][1], ring[j][0], ring[j][1]
						if (yi > lat) != (yj > lat) && lon < (xj-xi)*(lat-yi)/(yj-yi)+xi {
							in = !in
						}
					}
				}
			}
			if in {
				return true
			}
		}
		return false
	}
	files, err := filepath.Glob(filepath.Join(dir, "*-street.csv.gz"))
	if err != nil {
		return nil, err
	}
	counts := map[rawKey]int{}
	seen := map[[2]float64]bool{}
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		zr, err := gzip.NewReader(fh)
		if err != nil {
			return nil, err
		}
		r := csv.NewReader(zr)
		if _, err := r.Read(); err != nil {
			return nil, err
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			lon, e1 := strconv.ParseFloat(rec[4], 64)
			lat, e2 := strconv.ParseFloat(rec[5], 64)
			if e1 != nil || e2 != nil {
				continue
			}
			p := [2]float64{lon, lat}
			in, ok := seen[p]
			if !ok {
				in = inside(lon, lat)
				seen[p] = in
			}
			if in {
				counts[rawKey{rec[1], rec[9]}]++
			}
		}
		fh.Close()
	}
	if len(files) != 35 {
		return nil, io.ErrUnexpectedEOF
	}
	return counts, nil
}
