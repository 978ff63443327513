package data

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodRows = `89a15cee092a2e19b263fafad0a8e6ac8fa336b22e2b145a118651dbff9072c3,2025-11,Cleveland Police,Cleveland Police,-1.311583,54.472215,On or near Park/Open Space,E01027617,Hambleton 003D,Drugs,Awaiting court outcome,
,2025-11,Cleveland Police,Cleveland Police,-1.237805,54.711196,On or near King Oswy Shops,E01011954,Hartlepool 001A,Anti-social behaviour,,
`

func writeFile(tb testing.TB, dir, name string, body []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, body, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func gz(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func half(b []byte) []byte { return b[:len(b)/2] }

func read(tb testing.TB, paths ...string) ([]*Partition, *Report, error) {
	tb.Helper()
	return ReadIncidents(context.Background(), paths, ReadOptions{})
}

func TestReadPoliceUKForms(t *testing.T) {
	dir := t.TempDir()
	csvBody := []byte(PoliceUKHeader + "\n" + goodRows)
	crlf := []byte(strings.ReplaceAll(string(csvBody), "\n", "\r\n"))
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, name := range []string{"2025-11/2025-11-cleveland-street.csv", "2025-11/2025-11-cleveland-outcomes.csv"} {
		f, _ := zw.Create(name)
		if strings.Contains(name, "outcomes") {
			f.Write([]byte("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type\n"))
		} else {
			f.Write(crlf)
		}
	}
	zw.Close()
	cases := []struct {
		name string
		path string
	}{
		{"csv LF", writeFile(t, dir, "a/lf.csv", csvBody)},
		{"csv CRLF", writeFile(t, dir, "b/crlf.csv", crlf)},
		{"csv.gz", writeFile(t, dir, "c/x.csv.gz", gz(t, csvBody))},
		{"police.uk zip with an outcomes file", writeFile(t, dir, "d/download.zip", zbuf.Bytes())},
		{"folder tree", filepath.Join(dir, "c")},
		{"byte-order mark", writeFile(t, dir, "e/bom.csv", append([]byte("\ufeff"), csvBody...))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parts, rep, err := read(t, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if rep.RowsRead != 2 || rep.Stored != 2 || rep.Rejected != 0 || len(parts) != 1 {
				t.Fatalf("read %d stored %d rejected %d parts %d; want 2 2 0 1", rep.RowsRead, rep.Stored, rep.Rejected, len(parts))
			}
			p := parts[0]
			if p.Force != "Cleveland Police" || p.Month.String() != "2025-11" {
				t.Errorf("partition %s %s", p.Force, p.Month)
			}
			in := p.Incident(0)
			if in.ID != "89a15cee092a2e19b263fafad0a8e6ac8fa336b22e2b145a118651dbff9072c3" || in.Type != "Drugs" || in.Outcome != "Awaiting court outcome" ||
				in.Point[0] != -1.311583 || in.Point[1] != 54.472215 || in.Name != "On or near Park/Open Space" || in.LSOACode != "E01027617" || in.Minute != -1 {
				t.Errorf("first incident %+v", in)
			}
			if asb := p.Incident(1); asb.ID != "" || asb.Type != "Anti-social behaviour" || asb.Outcome != "" {
				t.Errorf("ASB row %+v", asb)
			}
		})
	}
	t.Run("outcomes file skipped and said so", func(t *testing.T) {
		_, rep, err := read(t, filepath.Join(dir, "d/download.zip"))
		if err != nil {
			t.Fatal(err)
		}
		var skipped []string
		for _, f := range rep.Files {
			if f.Skipped != "" {
				skipped = append(skipped, f.File+": "+f.Skipped)
			}
		}
		if len(skipped) != 1 || !strings.Contains(skipped[0], "outcomes") {
			t.Errorf("skipped %v", skipped)
		}
	})
}

func TestReadNoCoordinatesKeptAndCounted(t *testing.T) {
	dir := t.TempDir()
	body := PoliceUKHeader + "\n" + goodRows + "abc,2025-11,Cleveland Police,Cleveland Police,,,No Location,,,Burglary,Under investigation,\n"
	parts, rep, err := read(t, writeFile(t, dir, "x.csv", []byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stored != 3 || rep.NoLocation != 1 || rep.Files[0].NoLocation != 1 || rep.Months["2025-11"].NoLocation != 1 {
		t.Fatalf("stored %d, no location %d (file %d)", rep.Stored, rep.NoLocation, rep.Files[0].NoLocation)
	}
	in := parts[0].Incident(2)
	if !math.IsNaN(in.Point[0]) || in.Cell != 0 || in.Type != "Burglary" || in.ID != "abc" {
		t.Errorf("unlocated incident %+v", in)
	}
}

func TestReadBadInput(t *testing.T) {
	dir := t.TempDir()
	row := func(lon, lat, typ string) string {
		return ",2025-11,Cleveland Police,Cleveland Police," + lon + "," + lat + ",On or near X,E01,Name," + typ + ",,\n"
	}
	many := func(bad string) string {
		// one bad row among enough good ones that the file is not refused
		return PoliceUKHeader + "\n" + strings.Repeat(row("-1.3", "54.5", "Burglary"), 5) + bad
	}
	cases := []struct {
		name      string
		file      string
		body      []byte
		wantErr   []string // whole-import error text
		wantProb  []string // rejected-row problem text
		wantField string
		wantLine  int
	}{
		{name: "missing header column", file: "h.csv",
			body:    []byte("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Last outcome category,Context\n" + goodRows),
			wantErr: []string{"h.csv line 1", `missing column "Crime type"`}},
		{name: "non-numeric longitude", file: "n.csv", body: []byte(many(row("abc", "54.5", "Burglary"))),
			wantProb: []string{`"abc" is not a number`}, wantField: "longitude", wantLine: 7},
		{name: "latitude out of range", file: "r.csv", body: []byte(many(row("-1.3", "95.2", "Burglary"))),
			wantProb: []string{"latitude 95.2 is out of range"}, wantField: "latitude", wantLine: 7},
		{name: "longitude out of range", file: "r2.csv", body: []byte(many(row("-190", "54.5", "Burglary"))),
			wantProb: []string{"longitude -190 is out of range"}, wantField: "longitude", wantLine: 7},
		{name: "lat and lon swapped", file: "s.csv", body: []byte(many(row("54.57", "-1.31", "Burglary"))),
			wantProb: []string{"look swapped"}, wantField: "longitude", wantLine: 7},
		{name: "bad month", file: "m.csv", body: []byte(many(",2025-13,Cleveland Police,Cleveland Police,-1.3,54.5,X,E01,N,Burglary,,\n")),
			wantProb: []string{`"2025-13" is not a month`}, wantField: "month", wantLine: 7},
		{name: "empty crime type", file: "t.csv", body: []byte(many(row("-1.3", "54.5", ""))),
			wantProb: []string{"crime type is empty"}, wantField: "crime type", wantLine: 7},
		{name: "truncated gzip", file: "t.csv.gz", body: half(gz(t, []byte(PoliceUKHeader+"\n"+strings.Repeat(row("-1.3", "54.5", "Burglary"), 2000)))),
			wantErr: []string{"t.csv.gz", "truncated or damaged"}},
		{name: "empty file", file: "e.csv", body: nil, wantErr: []string{"e.csv", "file is empty"}},
		{name: "empty gzip file", file: "e.csv.gz", body: nil, wantErr: []string{"e.csv.gz", "file is empty"}},
		{name: "header only", file: "ho.csv", body: []byte(PoliceUKHeader + "\n"), wantErr: []string{"ho.csv", "no rows"}},
		{name: "mostly unusable file refused whole", file: "mu.csv",
			body:    []byte(PoliceUKHeader + "\n" + row("-1.3", "54.5", "Burglary") + strings.Repeat(row("x", "54.5", "Burglary"), 3)),
			wantErr: []string{"mu.csv", "refused", "3 of 4 rows are unusable", "longitude"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.file, tc.body)
			var rejects bytes.Buffer
			parts, rep, err := ReadIncidents(context.Background(), []string{p}, ReadOptions{Rejects: &rejects})
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error; want %q", tc.wantErr)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				if parts != nil {
					t.Errorf("partitions returned with the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep.Rejected != 1 || rep.Stored != 5 || len(rep.Problems) != 1 {
				t.Fatalf("rejected %d stored %d problems %v", rep.Rejected, rep.Stored, rep.Problems)
			}
			pr := rep.Problems[0]
			if pr.Field != tc.wantField || pr.Line != tc.wantLine || !strings.HasSuffix(pr.File, tc.file) {
				t.Errorf("problem at %s line %d field %q; want line %d field %q", pr.File, pr.Line, pr.Field, tc.wantLine, tc.wantField)
			}
			for _, w := range tc.wantProb {
				if !strings.Contains(pr.String(), w) {
					t.Errorf("problem %q lacks %q", pr, w)
				}
			}
			if !strings.Contains(rejects.String(), tc.file) || strings.Count(rejects.String(), "\n") != 2 {
				t.Errorf("rejects file:\n%s", rejects.String())
			}
		})
	}
}

func TestReadUnknownCrimeTypeKeptAndReportedOnce(t *testing.T) {
	dir := t.TempDir()
	body := PoliceUKHeader + "\n" + goodRows +
		",2025-11,Cleveland Police,Cleveland Police,-1.3,54.5,X,E01,N,Fly-tipping,,\n" +
		",2025-11,Cleveland Police,Cleveland Police,-1.3,54.5,X,E01,N,Fly-tipping,,\n"
	parts, rep, err := read(t, writeFile(t, dir, "u.csv", []byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stored != 4 || rep.Rejected != 0 {
		t.Fatalf("stored %d rejected %d", rep.Stored, rep.Rejected)
	}
	if got := rep.Files[0].UnknownType; len(got) != 1 || got["Fly-tipping"] != 2 {
		t.Errorf("unknown types %v; want Fly-tipping reported once with its 2 rows", got)
	}
	if parts[0].Incident(3).Type != "Fly-tipping" {
		t.Errorf("type not kept")
	}
}

func TestReadGenericCSV(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, body string
		opts       ReadOptions
		month      string
		minute     int
		lon, lat   float64
		tol        float64
	}{
		{name: "R-style header with dots", body: "Month,Crime.type,Longitude,Latitude\n2025-11,Burglary,-1.31,54.56\n",
			month: "2025-11", minute: -1, lon: -1.31, lat: 54.56},
		{name: "date and time to the minute, day first", body: "Date,Time,Offence,Longitude,Latitude\n03/11/2025,14:25,Robbery,-1.31,54.56\n",
			month: "2025-11", minute: 2*1440 + 14*60 + 25, lon: -1.31, lat: 54.56},
		{name: "ISO date-time", body: "occurred,crime_type,lon,lat\n2025-11-30T23:59:00,Robbery,-1.31,54.56\n",
			month: "2025-11", minute: 29*1440 + 23*60 + 59, lon: -1.31, lat: 54.56},
		{name: "date only keeps the day", body: "Date,Crime type,Longitude,Latitude\n2025-11-05,Robbery,-1.31,54.56\n",
			month: "2025-11", minute: DayOnly(5), lon: -1.31, lat: 54.56},
		// Easting/northing of a point whose WGS84 position is computed by the
		// same Helmert method; the check is that the columns are found and
		// converted, to within a metre or so.
		{name: "easting and northing", body: "Month,Crime type,Easting,Northing\n2025-11,Burglary,444800,518900\n",
			month: "2025-11", minute: -1, lon: -1.3094, lat: 54.5653, tol: 0.01},
		{name: "explicit mapping", body: "when,what,x_coord,y_coord\n2025-10,Arson,-1.2,54.6\n",
			opts:  ReadOptions{Mapping: Mapping{Month: "when", Type: "what", Lon: "x_coord", Lat: "y_coord"}, Force: "Test Force"},
			month: "2025-10", minute: -1, lon: -1.2, lat: 54.6},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, filepath.Join(string(rune('a'+i)), "g.csv"), []byte(tc.body))
			tc.opts.Source = "test-export"
			parts, rep, err := ReadIncidents(context.Background(), []string{p}, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Stored != 1 || rep.Files[0].Format != "csv" {
				t.Fatalf("stored %d format %s", rep.Stored, rep.Files[0].Format)
			}
			in := parts[0].Incident(0)
			tol := tc.tol
			if tol == 0 {
				tol = 1e-12
			}
			if in.Month.String() != tc.month || in.Minute != tc.minute || math.Abs(in.Point[0]-tc.lon) > tol || math.Abs(in.Point[1]-tc.lat) > tol {
				t.Errorf("got month %s minute %d point %v; want %s %d %v,%v", in.Month, in.Minute, in.Point, tc.month, tc.minute, tc.lon, tc.lat)
			}
			if in.Source != "test-export" {
				t.Errorf("source %q", in.Source)
			}
			if tc.opts.Force != "" && in.Force != tc.opts.Force {
				t.Errorf("force %q", in.Force)
			}
		})
	}
	t.Run("no source named", func(t *testing.T) {
		p := writeFile(t, dir, "y/g.csv", []byte(cases[0].body))
		_, _, err := ReadIncidents(context.Background(), []string{p}, ReadOptions{})
		if !errors.Is(err, ErrNoSource) {
			t.Errorf("err %v, want ErrNoSource", err)
		}
	})
	t.Run("mapping names a missing column", func(t *testing.T) {
		p := writeFile(t, dir, "z/g.csv", []byte("Month,Crime type,Longitude,Latitude\n2025-11,Burglary,-1.31,54.56\n"))
		_, _, err := ReadIncidents(context.Background(), []string{p}, ReadOptions{Mapping: Mapping{Type: "Offence"}, Source: "test-export"})
		if err == nil || !strings.Contains(err.Error(), `"Offence"`) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("no such file", func(t *testing.T) {
		_, _, err := ReadIncidents(context.Background(), []string{filepath.Join(dir, "nope.csv")}, ReadOptions{})
		var fe *FileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "no such file") {
			t.Errorf("err %v", err)
		}
	})
}

func TestMonthParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{{"2025-11", "2025-11", true}, {"2025-11-01", "2025-11", true}, {"2025-1", "", false}, {"2025-00", "", false}, {"abcd-ef", "", false}, {"", "", false}} {
		m, err := ParseMonth(tc.in)
		if (err == nil) != tc.ok || (tc.ok && m.String() != tc.want) {
			t.Errorf("ParseMonth(%q) = %v, %v", tc.in, m, err)
		}
	}
	if MonthOf(2024, 2).Days() != 29 || MonthOf(2025, 2).Days() != 28 || MonthOf(2025, 11).Days() != 30 {
		t.Error("days in month")
	}
}
