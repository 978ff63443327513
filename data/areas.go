package data

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/stockton-csp/hotspots/geo"
)

// ReadAreaFiles reads one layer's areas from GeoJSON files (.geojson, .json,
// or either gzip-compressed), in order; several files make one layer (such as
// the wards of four authorities). Notes say what was repaired.
func ReadAreaFiles(paths []string, opts geo.ReadOptions) ([]geo.Area, []string, error) {
	var areas []geo.Area
	var notes []string
	seen := map[string]string{}
	for _, p := range paths {
		b, err := readMaybeGzip(p)
		if err != nil {
			return nil, nil, &FileError{File: p, Err: err}
		}
		as, ns, err := geo.ReadAreas(p, b, opts)
		if err != nil {
			return nil, nil, err
		}
		for _, a := range as {
			if prev, dup := seen[a.Code]; dup {
				return nil, nil, fmt.Errorf("data: area code %s is in both %s and %s", a.Code, prev, p)
			}
			seen[a.Code] = p
		}
		areas = append(areas, as...)
		notes = append(notes, ns...)
	}
	if len(areas) == 0 {
		return nil, nil, errors.New("data: no area files given")
	}
	return areas, notes, nil
}

func readMaybeGzip(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, friendlyOSError(err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(strings.ToLower(p), ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("not a readable gzip file (%v)", err)
		}
		defer zr.Close()
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, readErr(err)
	}
	if len(b) == 0 {
		return nil, errors.New("file is empty (0 bytes)")
	}
	return b, nil
}

// ReadPopulation reads a CSV of area code and population. The code column
// is the one named codeCol, else a header ending in "CD" or called "code";
// the population column is popCol, else the first whose header contains
// "population", "residents" or is "pop".
func ReadPopulation(path, codeCol, popCol string) (map[string]float64, error) {
	b, err := readMaybeGzip(path)
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff")))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, &FileError{File: path, Line: 1, Err: err}
	}
	ci, pi := -1, -1
	for i, h := range header {
		n := strings.ToLower(strings.TrimSpace(h))
		switch {
		case codeCol != "" && strings.EqualFold(h, codeCol):
			ci = i
		case popCol != "" && strings.EqualFold(h, popCol):
			pi = i
		case codeCol == "" && ci < 0 && (strings.HasSuffix(h, "CD") || n == "code" || n == "area_code"):
			ci = i
		case popCol == "" && pi < 0 && (strings.Contains(n, "population") || strings.Contains(n, "residents") || n == "pop"):
			pi = i
		}
	}
	if ci < 0 || pi < 0 {
		return nil, &FileError{File: path, Line: 1, Err: fmt.Errorf("cannot find the area code and population columns in %q; name them with --code-col and --pop-col", strings.Join(header, ","))}
	}
	out := map[string]float64{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &FileError{File: path, Line: line, Err: err}
		}
		if ci >= len(rec) || pi >= len(rec) {
			return nil, &FileError{File: path, Line: line, Err: errors.New("row is missing fields")}
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(rec[pi]), ",", ""), 64)
		if err != nil || v < 0 {
			return nil, &FileError{File: path, Line: line, Err: fmt.Errorf("field %q: %q is not a population", header[pi], rec[pi])}
		}
		out[strings.TrimSpace(rec[ci])] = v
	}
	return out, nil
}

// ApplyPopulation sets each area's population from pop, returning the codes
// of areas it had no figure for.
func ApplyPopulation(areas []geo.Area, pop map[string]float64) (missing []string) {
	for i := range areas {
		if v, ok := pop[areas[i].Code]; ok {
			areas[i].Population, areas[i].HasPopulation = v, true
		} else {
			missing = append(missing, areas[i].Code)
		}
	}
	return missing
}
