// Command scalegen makes a national-sized synthetic data set from the bundled
// Cleveland data, so that the figures of `make bench-scale` can be measured
// on any machine without downloads.
//
// Each copy is the 35 real Cleveland months (269,438 rows, 2023-01..2025-11)
// moved by a whole offset of longitude and latitude to a place of its own and
// reported by a force of its own ("Synthetic Force 07"), with every Crime ID
// made unique; crime types, outcomes, months and location names are kept, so
// the copies have Cleveland's real patterns of crime. The area layer is the
// 82 2013 wards of the four Cleveland authorities moved the same way, codes
// prefixed with the copy ("S07-E05001518"). 75 copies are 20.2 million rows
// and 6,150 areas; 104 are 28 million rows and 8,528 areas.
//
//	scalegen --out .scale-data --copies 75
//
// writes OUT/incidents/YYYY-MM/YYYY-MM-synthetic-NN-street.csv (police.uk's
// own format and names, plain CSV as police.uk ships it) and
// OUT/areas.geojson. SYNTHETIC: the places are not where the crimes were.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/data/sample"
)

// Offsets between copies: Cleveland's points span about 0.66° of longitude
// and 0.28° of latitude.
const (
	columns   = 10
	stepLon   = 0.7
	stepLat   = 0.3
	firstCopy = 1 // copy numbers start at 1
)

func main() {
	out := flag.String("out", ".scale-data", "folder to write into")
	copies := flag.Int("copies", 75, "copies of Cleveland: 75 make 20.2 million rows and 6,150 areas")
	areaCopies := flag.Int("area-copies", 0, "copies of the wards, when more than --copies (104: 8,528 areas, those past --copies holding no incidents); default --copies")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: scalegen [--out DIR] [--copies N]\n\nMakes a national-sized SYNTHETIC data set from the bundled Cleveland data.")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *copies < 1 || *copies > 999 {
		fmt.Fprintln(os.Stderr, "scalegen: --copies must be 1..999")
		os.Exit(2)
	}
	if *areaCopies == 0 {
		*areaCopies = *copies
	}
	if *areaCopies < *copies || *areaCopies > 999 {
		fmt.Fprintln(os.Stderr, "scalegen: --area-copies must be --copies..999")
		os.Exit(2)
	}
	rows, err := GenerateAreas(*out, *copies, *areaCopies)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scalegen:", err)
		os.Exit(1)
	}
	fmt.Printf("scalegen: %d rows of %d copies and %d areas in %s\n", rows, *copies, 82**areaCopies, *out)
}

// offset is copy c's move in degrees (copy 1 stays where Cleveland is).
func offset(c int) (dlon, dlat float64) {
	i := c - firstCopy
	return -stepLon * float64(i%columns), -stepLat * float64(i/columns)
}

func forceName(c int) string { return fmt.Sprintf("Synthetic Force %02d", c) }

// Generate writes the data set of copies copies under out and returns the
// rows written.
func Generate(out string, copies int) (int64, error) { return GenerateAreas(out, copies, copies) }

// GenerateAreas is Generate with the wards of areaCopies copies (at least
// copies): the layer of a national ranking (8,528 areas at 104) over fewer
// incidents.
func GenerateAreas(out string, copies, areaCopies int) (int64, error) {
	files := sample.FS()
	months, err := fs.Glob(files, path.Join(sample.Incidents, "cleveland", "*-street.csv.gz"))
	if err != nil || len(months) == 0 {
		return 0, fmt.Errorf("no bundled months: %v", err)
	}
	if err := writeAreas(files, filepath.Join(out, "areas.geojson"), areaCopies); err != nil {
		return 0, err
	}
	var total int64
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for _, m := range months {
		recs, err := readMonth(files, m)
		if err != nil {
			return 0, err
		}
		month := strings.SplitN(path.Base(m), "-cleveland", 2)[0]
		dir := filepath.Join(out, "incidents", month)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, err
		}
		for c := firstCopy; c < firstCopy+copies; c++ {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				n, err := writeCopy(filepath.Join(dir, fmt.Sprintf("%s-synthetic-%02d-street.csv", month, c)), recs, c)
				mu.Lock()
				total += n
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	return total, firstErr
}

func readMonth(files fs.FS, name string) ([][]string, error) {
	f, err := files.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	recs, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return recs, nil
}

// writeCopy writes recs (header first) as copy c: moved, reported by the
// copy's force, Crime IDs made unique by the copy's number.
func writeCopy(name string, recs [][]string, c int) (int64, error) {
	f, err := os.Create(name)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	dlon, dlat := offset(c)
	force := forceName(c)
	prefix := fmt.Sprintf("%04x", c)
	var n int64
	row := make([]string, 0, 12)
	for i, r := range recs {
		if i == 0 {
			if err := w.Write(r); err != nil {
				return 0, err
			}
			continue
		}
		row = append(row[:0], r...)
		if id := row[0]; len(id) >= 4 {
			row[0] = prefix + id[4:]
		}
		row[2], row[3] = force, force
		if lon, err := strconv.ParseFloat(row[4], 64); err == nil {
			row[4] = strconv.FormatFloat(lon+dlon, 'f', 6, 64)
		}
		if lat, err := strconv.ParseFloat(row[5], 64); err == nil {
			row[5] = strconv.FormatFloat(lat+dlat, 'f', 6, 64)
		}
		if err := w.Write(row); err != nil {
			return 0, err
		}
		n++
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	return n, f.Close()
}

// writeAreas writes the 2013 wards moved to every copy's place.
func writeAreas(files fs.FS, name string, copies int) error {
	var wards []*geojson.Feature
	for _, la := range []string{"E06000001", "E06000002", "E06000003", "E06000004"} {
		f, err := files.Open(path.Join("boundaries", "wards_2013", la+".geojson.gz"))
		if err != nil {
			return err
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return err
		}
		b, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			return err
		}
		fc, err := geojson.UnmarshalFeatureCollection(b)
		if err != nil {
			return fmt.Errorf("%s: %w", la, err)
		}
		wards = append(wards, fc.Features...)
	}
	out := geojson.NewFeatureCollection()
	for c := firstCopy; c < firstCopy+copies; c++ {
		dlon, dlat := offset(c)
		for _, w := range wards {
			g := orb.Clone(w.Geometry)
			moveAll(g, dlon, dlat)
			f := geojson.NewFeature(g)
			f.Properties = geojson.Properties{
				"code": fmt.Sprintf("S%02d-%v", c, w.Properties["WD13CD"]),
				"name": fmt.Sprintf("%v (%s)", w.Properties["WD13NM"], forceName(c)),
			}
			out.Append(f)
		}
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o644)
}

// moveAll moves every point of g by (dlon, dlat) in place.
func moveAll(g orb.Geometry, dlon, dlat float64) {
	move := func(ps []orb.Point) {
		for i := range ps {
			ps[i][0] += dlon
			ps[i][1] += dlat
		}
	}
	switch g := g.(type) {
	case orb.Polygon:
		for _, r := range g {
			move(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				move(r)
			}
		}
	}
}
