package data

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Tests of what an import refuses or passes over whole (issue 9, items 3, 5
// and 9), on a real police.uk month: Cleveland 2025-11, 7,371 rows, as
// bundled in data/sample (byte for byte as published).

const novRows = 7371 // data rows of 2025-11-cleveland-street.csv (wc -l less the header)

// november returns the real 2025-11 Cleveland file's lines (header first).
func november(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open(filepath.Join("sample", "policeuk", "cleveland", "2025-11-cleveland-street.csv.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) != novRows+1 {
		tb.Fatalf("the bundled 2025-11 file has %d lines, want %d", len(lines), novRows+1)
	}
	return lines
}

// withQuote puts a `"` at the start of the Location field (the 7th) of the
// given 1-based data rows.
func withQuote(lines []string, rows ...int) string {
	out := append([]string(nil), lines...)
	for _, r := range rows {
		f := strings.SplitN(out[r], ",", 7)
		f[6] = `"` + f[6]
		out[r] = strings.Join(f, ",")
	}
	return strings.Join(out, "")
}

// A stray quote at row 101 (line 102) makes the rest of the month one field.
// The file is refused whole, naming line 102, and the stored month stays.
func TestStrayQuoteRefusesTheFileAndKeepsTheMonth(t *testing.T) {
	lines := november(t)
	for _, tc := range []struct {
		name string
		body string
	}{
		// the rest of the month is 1.4 MB: stopped while streaming
		{"never closes, whole month", withQuote(lines, 101)},
		// 500 rows: the CSV reader reaches the end of the file in the field
		{"never closes, short file", withQuote(lines[:501], 101)},
		// a second stray quote closes the field 49 rows on
		{"closed by another stray quote", withQuote(lines, 101, 150)},
		{"gzip", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			name := "2025-11-cleveland-street.csv"
			body := []byte(tc.body)
			if tc.name == "gzip" {
				name += ".gz"
				body = gz(t, []byte(withQuote(lines, 101)))
			}
			path := writeFile(t, dir, name, body)
			s := openTemp(t)
			ctx := context.Background()
			good := writeFile(t, dir, "good/2025-11-cleveland-street.csv", []byte(strings.Join(lines, "")))
			parts, _, err := read(t, good)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Replace(ctx, parts); err != nil {
				t.Fatal(err)
			}
			_, rep, err := read(t, path)
			var fe *FileError
			if !errors.Is(err, ErrRunawayRow) || !errors.As(err, &fe) || fe.Line != 102 || fe.File != path {
				t.Fatalf("got %v (report %+v), want the file refused at line 102", err, rep)
			}
			if msg := err.Error(); !strings.Contains(msg, "line 102") || !strings.Contains(msg, `stray "`) {
				t.Errorf("message %q", msg)
			}
			if sum, _ := s.Summary(ctx); sum.Incidents != novRows {
				t.Errorf("the store holds %d, want the %d stored before", sum.Incidents, novRows)
			}
		})
	}
	// the fault the reader had: with no check, 100 rows were stored
	t.Run("a quote that closes on its own line is one bad row", func(t *testing.T) {
		f := strings.SplitN(lines[101], ",", 8)
		f[6] = `"On or near "X"` // bare quotes inside a quoted field: ErrQuote on line 102 only
		l := append([]string(nil), lines...)
		l[101] = strings.Join(f, ",")
		_, rep, err := read(t, writeFile(t, t.TempDir(), "x.csv", []byte(strings.Join(l, ""))))
		if err != nil || rep.Stored != novRows-1 || rep.Rejected != 1 || rep.Problems[0].Line != 102 {
			t.Fatalf("%v %+v", err, rep)
		}
	})
}

// A small compressed file holding one enormous line (a decompression bomb)
// is refused within about 1 MB of reading, in zip and in gzip.
func TestDecompressionBombStopsEarly(t *testing.T) {
	const size = 64 << 20 // one line of 64 MB, compressing to 64 KB
	line := func(w io.Writer) {
		io.WriteString(w, PoliceUKHeader+"\n")
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for i := 0; i < size>>20; i++ {
			w.Write(chunk)
		}
	}
	dir := t.TempDir()
	var zbuf, gbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	ze, _ := zw.Create("2025-11/2025-11-cleveland-street.csv")
	line(ze)
	zw.Close()
	gw, _ := gzip.NewWriterLevel(&gbuf, gzip.BestCompression)
	line(gw)
	gw.Close()
	for _, path := range []string{writeFile(t, dir, "bomb.zip", zbuf.Bytes()), writeFile(t, dir, "bomb.csv.gz", gbuf.Bytes())} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, _, err := read(t, path)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrRunawayRow) || !strings.Contains(err.Error(), "more than 1 MB") || !strings.Contains(err.Error(), "line 2") {
				t.Fatalf("got %v", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
				t.Errorf("allocated %d MB reading a %d KB file", alloc>>20, len(zbuf.Bytes())>>10)
			}
		})
	}
}

// A file past the uncompressed limit is refused with the limit named.
func TestFileTooLargeUncompressed(t *testing.T) {
	lines := november(t)
	body := gz(t, []byte(strings.Join(lines, ""))) // 1.5 MB uncompressed
	path := writeFile(t, t.TempDir(), "x.csv.gz", body)
	_, _, err := ReadIncidents(context.Background(), []string{path}, ReadOptions{MaxFileBytes: 1 << 20})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "larger than 1 MB uncompressed") {
		t.Fatalf("got %v", err)
	}
	size := int64(len(strings.Join(lines, "")))
	for _, max := range []int64{size, 2 << 20} {
		if _, rep, err := ReadIncidents(context.Background(), []string{path}, ReadOptions{MaxFileBytes: max}); err != nil || rep.Stored != novRows {
			t.Fatalf("limit %d, file %d bytes: %v", max, size, err)
		}
	}
	if _, _, err := ReadIncidents(context.Background(), []string{path}, ReadOptions{MaxFileBytes: size - 1}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("one byte over: %v", err)
	}
}

// One row repeated: every repeat of a Crime ID in a month is rejected, so a
// small file expanding to hundreds of thousands of copies of one crime is
// refused as unusable (the attack used 3 million; make reliability runs it).
func TestRepeatedCrimeIDsRejected(t *testing.T) {
	lines := november(t)
	t.Run("one crime 100,000 times", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString(lines[0])
		for i := 0; i < 100000; i++ {
			b.WriteString(lines[1]) // a Drugs crime with a Crime ID
		}
		_, rep, err := read(t, writeFile(t, t.TempDir(), "x.csv.gz", gz(t, b.Bytes())))
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "99999 of 100000 rows are unusable, mostly crime ID: duplicate") {
			t.Fatalf("got %v %+v", err, rep)
		}
	})
	t.Run("a force's crime reference may repeat", func(t *testing.T) {
		body := "Crime reference,Month,Crime type,Longitude,Latitude\n" + strings.Repeat("CR/1234/25,2025-11,Burglary,-1.31,54.56\n", 3)
		_, rep, err := ReadIncidents(context.Background(), []string{writeFile(t, t.TempDir(), "force.csv", []byte(body))}, ReadOptions{Source: "test-rms"})
		if err != nil || rep.Stored != 3 || rep.Rejected != 0 {
			t.Fatalf("%v %+v", err, rep)
		}
	})
	t.Run("a few repeats are rejected rows", func(t *testing.T) {
		l := append(append([]string(nil), lines...), lines[1], lines[1])
		_, rep, err := read(t, writeFile(t, t.TempDir(), "x.csv", []byte(strings.Join(l, ""))))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Stored != novRows || rep.Rejected != 2 || rep.Problems[0].Field != "crime ID" || !strings.HasSuffix(rep.Problems[0].Reason, "(line 2)") {
			t.Fatalf("%+v", rep)
		}
	})
}

// The same month twice in one import (a download saved twice, two zip
// entries): one copy is kept, with a warning naming both files. A month
// split across files with no Crime ID in common is merged.
func TestSameMonthTwiceKeptOnce(t *testing.T) {
	lines := november(t)
	whole := []byte(strings.Join(lines, ""))
	plus := append(append([]byte(nil), whole...), []byte(strings.Replace(lines[1], "89a15cee", "00000000", 1))...) // one more crime
	zipOf := func(entries map[string][]byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, n := range []string{"2025-11/2025-11-cleveland-street.csv", "copy/2025-11/2025-11-cleveland-street.csv"} {
			if b, ok := entries[n]; ok {
				w, _ := zw.Create(n)
				w.Write(b)
			}
		}
		zw.Close()
		return buf.Bytes()
	}
	for _, tc := range []struct {
		name       string
		files      map[string][]byte
		stored     int
		duplicates int
		kept       string // the file named as kept, "" for no warning
	}{
		{"a download saved twice", map[string][]byte{"2025-11-cleveland-street.csv": whole, "2025-11-cleveland-street (1).csv": whole}, novRows, novRows, "2025-11-cleveland-street (1).csv"},
		{"the later copy has one more crime", map[string][]byte{"2025-11-cleveland-street.csv": whole, "2025-11-cleveland-street (1).csv": plus}, novRows + 1, novRows, "2025-11-cleveland-street (1).csv"},
		{"two zip entries", map[string][]byte{"download.zip": zipOf(map[string][]byte{"2025-11/2025-11-cleveland-street.csv": whole, "copy/2025-11/2025-11-cleveland-street.csv": whole})}, novRows, novRows, "download.zip:2025-11/2025-11-cleveland-street.csv"},
		{"a month split in two", map[string][]byte{"a.csv": []byte(strings.Join(lines[:3001], "")), "b.csv": []byte(lines[0] + strings.Join(lines[3001:], ""))}, novRows, 0, ""},
		// ten rows in both halves: not copies (10 IDs in common of about 3,000), both kept, said
		{"two parts sharing a few rows", map[string][]byte{"a.csv": []byte(strings.Join(lines[:3001], "")), "b.csv": []byte(lines[0] + strings.Join(lines[2991:], ""))}, novRows + 10, 0, "both kept"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, b := range tc.files {
				writeFile(t, dir, n, b)
			}
			parts, rep, err := read(t, dir)
			if err != nil {
				t.Fatal(err)
			}
			// The streamed import into a store keeps the same rows (its
			// second file reads the first file's month back from disk).
			s, err := OpenMem(t.TempDir(), MemOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			irep, err := Import(context.Background(), s, []string{dir}, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sum, _ := s.Summary(context.Background()); sum.Incidents != int64(tc.stored) || irep.Stored != rep.Stored || irep.Duplicates != rep.Duplicates || !slices.Equal(irep.Warnings, rep.Warnings) {
				t.Errorf("streamed import stored %d (report %d, duplicates %d, warnings %v); read alone %d (duplicates %d, warnings %v)",
					sum.Incidents, irep.Stored, irep.Duplicates, irep.Warnings, tc.stored, rep.Duplicates, rep.Warnings)
			}
			if len(parts) != 1 || parts[0].Len() != tc.stored || rep.Stored != tc.stored || rep.Duplicates != tc.duplicates ||
				rep.Months["2025-11"].Rows != tc.stored || rep.RowsRead != rep.Stored+rep.Rejected+rep.Duplicates {
				t.Fatalf("stored %d (report %d, month %d), duplicates %d, read %d; want %d and %d",
					parts[0].Len(), rep.Stored, rep.Months["2025-11"].Rows, rep.Duplicates, rep.RowsRead, tc.stored, tc.duplicates)
			}
			if tc.kept == "" {
				if len(rep.Warnings) != 0 {
					t.Errorf("warnings %v", rep.Warnings)
				}
				return
			}
			if len(rep.Warnings) != 1 {
				t.Fatalf("warnings %v", rep.Warnings)
			}
			w := rep.Warnings[0]
			for _, f := range rep.Files {
				if !strings.Contains(w, f.File) {
					t.Errorf("warning %q does not name %s", w, f.File)
				}
			}
			if tc.kept == "both kept" {
				if !strings.HasSuffix(w, "taken as two parts of the month and both kept") {
					t.Errorf("warning %q", w)
				}
				return
			}
			if want := fmt.Sprintf("kept the copy in %s", filepath.Join(dir, tc.kept)); !strings.Contains(w, want) {
				t.Errorf("warning %q, want %q", w, want)
			}
		})
	}
}
