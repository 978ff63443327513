package data

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

// Tests of reading one file in parallel chunks: cut anywhere the splitter
// may cut, a file gives exactly what encoding/csv gives reading it whole,
// and an import gives the same partitions, report, rejected rows and errors
// as reading the file as one chunk.

// csvRecords parses data with encoding/csv, as the reader sets it up, and
// lists each record (its first line and fields) or error (with its lines),
// numbering lines from base+1.
func csvRecords(data []byte, base int) []string {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	var out []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			out = append(out, fmt.Sprintf("error lines %d-%d: %v", pe.StartLine+base, pe.Line+base, pe.Err))
			continue
		}
		if err != nil {
			return append(out, "read error: "+err.Error())
		}
		line, _ := cr.FieldPos(0)
		out = append(out, fmt.Sprintf("line %d: %q", line+base, rec))
	}
}

// chunked cuts data with the splitter at chunk size size and parses each
// chunk on its own.
func chunked(tb testing.TB, data []byte, size int) (out []string, cuts []int) {
	tb.Helper()
	sp := newSplitter(&guard{r: bytes.NewReader(data), maxBytes: 1 << 30}, newChunkPool())
	off := 0
	for {
		c, line, err := sp.next(size)
		if err == io.EOF {
			return out, cuts
		}
		if err != nil {
			tb.Fatal(err)
		}
		if len(c) == 0 {
			tb.Fatalf("size %d: an empty chunk at byte %d", size, off)
		}
		off += len(c)
		cuts = append(cuts, off)
		out = append(out, csvRecords(append([]byte(nil), c...), line-1)...)
	}
}

// quotedNewlines is a force export whose Location fields hold line breaks,
// doubled quotes, commas and a CRLF, a quote error mid-file, a bare quote,
// and blank lines: a cut anywhere inside any of them would change a record.
const quotedNewlines = "Occurrence Ref,Offence Subgroup,Committed From,Latitude,Longitude,Location\r\n" +
	"Q1,Shoplifting,03/11/2025 10:00,54.5645,-1.3183,\"On or near\nHigh Street\"\n" +
	"Q2,Shoplifting,03/11/2025 11:00,54.5645,-1.3183,\"Flat 2, \"\"The Square\"\"\r\nStockton\"\r\n" +
	"\n" +
	"Q3,Criminal damage,04/11/2025 12:00,54.5650,-1.3190,\"\n\n,\n\"\n" +
	"Q4,Criminal damage,04/11/2025 13:00,54.5650,-1.3190,\"closed\"then text, \"and \"\"more\n" +
	"Q5,Shoplifting,05/11/2025 14:00,54.5645,-1.3183,a \"bare\" quote\n" +
	"Q6,Shoplifting,05/11/2025 15:00,54.5645,-1.3183,\"\"\n" +
	"\r\n" +
	"Q7,Shoplifting,05/11/2025 16:00,54.5645,-1.3183,\"ends\nwithout a line break\""

func TestSplitterCutsOnlyBetweenRecords(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	inputs := map[string][]byte{
		"quoted newlines":         []byte(quotedNewlines),
		"quote never closes":      []byte("a,b\n1,\"2\n3,4\n5,6\n"),
		"quote closes on the end": []byte("a,b\n1,\"2\n\"\n"),
		"lone CR after a quote":   []byte("a,b\n1,\"2\"\r3\n4,5\n"),
		"only blank lines":        []byte("\n\r\n\n"),
		"no line break at all":    []byte(`"a,b`),
	}
	// and random text of the characters that matter
	const alphabet = "ab,,\"\"\"\n\n\r"
	for i := range 300 {
		b := make([]byte, 1+rnd.IntN(40))
		for j := range b {
			b[j] = alphabet[rnd.IntN(len(alphabet))]
		}
		inputs[fmt.Sprintf("random %d", i)] = b
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			want := csvRecords(data, 0)
			for size := 1; size <= len(data)+1; size++ {
				got, cuts := chunked(t, data, size)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("chunk size %d, cut at %v:\n got %q\nwant %q\ninput %q", size, cuts, got, want, data)
				}
			}
		})
	}
}

// readAll reads paths as an import does, chunks cut at size, and returns
// everything it gives: partitions, report, rejected rows and error.
func readAll(tb testing.TB, paths []string, opts ReadOptions, size int) ([]*Partition, *Report, string, error) {
	tb.Helper()
	var rejects bytes.Buffer
	opts.Rejects = &rejects
	opts.chunkBytes = size
	parts, rep, err := ReadIncidents(context.Background(), paths, opts)
	return parts, rep, rejects.String(), err
}

// sameRead checks that reading paths in chunks of each size gives exactly
// what reading them as one chunk gives.
func sameRead(t *testing.T, paths []string, opts ReadOptions, sizes []int) {
	t.Helper()
	wantParts, wantRep, wantRejects, wantErr := readAll(t, paths, opts, 1<<30)
	for _, size := range sizes {
		parts, rep, rejects, err := readAll(t, paths, opts, size)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("chunk size %d: error %v, want %v", size, err, wantErr)
		}
		var fe, wfe *FileError
		if errors.As(err, &fe) != errors.As(wantErr, &wfe) || (fe != nil && (fe.Line != wfe.Line || fe.File != wfe.File)) {
			t.Fatalf("chunk size %d: error %#v, want %#v", size, fe, wfe)
		}
		if !reflect.DeepEqual(rep, wantRep) {
			t.Fatalf("chunk size %d: report\n%+v\nwant\n%+v", size, rep, wantRep)
		}
		if rejects != wantRejects {
			t.Fatalf("chunk size %d: rejected rows\n%s\nwant\n%s", size, rejects, wantRejects)
		}
		if len(parts) != len(wantParts) {
			t.Fatalf("chunk size %d: %d partitions, want %d", size, len(parts), len(wantParts))
		}
		for i := range parts {
			if !reflect.DeepEqual(parts[i], wantParts[i]) {
				t.Fatalf("chunk size %d: partition %s %s differs", size, parts[i].Force, parts[i].Month)
			}
		}
	}
}

func TestParallelReadSameAsWhole(t *testing.T) {
	rms := ReadOptions{Source: "rms", Force: "Cleveland Police"}
	t.Run("quoted newlines at every cut", func(t *testing.T) {
		p := writeFile(t, t.TempDir(), "q.csv", []byte(quotedNewlines))
		var sizes []int
		for s := 1; s <= len(quotedNewlines); s++ {
			sizes = append(sizes, s)
		}
		opts := rms
		opts.MaxRejectShare = 1
		sameRead(t, []string{p}, opts, sizes)
		// and the reading is right, not only the same (counted by hand):
		// 7 records, Q4 and Q5 refused for their quotes on lines 11 and 12
		_, rep, _, err := readAll(t, []string{p}, opts, 1)
		if err != nil || rep.RowsRead != 7 || rep.Stored != 5 || rep.Rejected != 2 ||
			rep.Problems[0].Line != 11 || rep.Problems[1].Line != 12 {
			t.Fatalf("read %+v, %v; want 7 rows, 5 stored, rows at lines 11 and 12 refused", rep, err)
		}
	})
	t.Run("synthetic force export", func(t *testing.T) {
		sameRead(t, []string{fixture.Path(t, fixture.ForceExport)}, rms, []int{1, 100, 4096, 100_000})
	})
	t.Run("bad rows", func(t *testing.T) {
		p := filepath.Join(fixture.Root(t), "testdata", "force_export_synthetic", "bad_rows.csv")
		opts := rms
		opts.MaxRejectShare = 1
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for s := 1; s <= len(b); s += 3 {
			sizes = append(sizes, s)
		}
		sameRead(t, []string{p}, opts, sizes)
		sameRead(t, []string{p}, rms, []int{1, 50}) // refused whole
	})
	t.Run("a police.uk month", func(t *testing.T) {
		sameRead(t, []string{fixture.Path(t, fixture.ClevelandMonth("2025-11"))}, ReadOptions{}, []int{1, 333, 65536})
	})
	t.Run("police.uk months read two at a time", func(t *testing.T) {
		sameRead(t, []string{
			fixture.Path(t, fixture.ClevelandMonth("2025-10")),
			fixture.Path(t, fixture.ClevelandMonth("2025-11")),
		}, ReadOptions{}, []int{1000, 65536})
	})
	t.Run("repeated Crime IDs", func(t *testing.T) {
		lines := november(t)
		text := strings.Join(lines, "") + lines[1] + lines[2] + lines[1]
		sameRead(t, []string{writeFile(t, t.TempDir(), "dups.csv", []byte(text))}, ReadOptions{}, []int{1, 5000})
	})
	t.Run("a stray quote", func(t *testing.T) {
		p := writeFile(t, t.TempDir(), "stray.csv", []byte(withQuote(november(t), 101)))
		sameRead(t, []string{p}, ReadOptions{}, []int{1, 2000, 300_000})
	})
	t.Run("a quoted field over too many lines", func(t *testing.T) {
		text := quotedNewlines[:strings.Index(quotedNewlines, "Q3")] +
			"Q3,Shoplifting,04/11/2025 12:00,54.5650,-1.3190,\"" + strings.Repeat("line\n", 30) + "\"\nQ9,Shoplifting,04/11/2025 12:00,54.5650,-1.3190,x\n"
		p := writeFile(t, t.TempDir(), "long.csv", []byte(text))
		sameRead(t, []string{p}, rms, []int{1, 10, 100})
		_, _, _, err := readAll(t, []string{p}, rms, 7)
		var fe *FileError
		if !errors.Is(err, ErrRunawayRow) || !errors.As(err, &fe) || fe.Line != 7 {
			t.Fatalf("got %v, want the row starting on line 7 refused as running on", err)
		}
	})
	t.Run("a truncated gzip", func(t *testing.T) {
		full := fixture.Read(t, fixture.ClevelandMonth("2025-11"))
		p := filepath.Join(t.TempDir(), "cut.csv.gz")
		if err := os.WriteFile(p, full[:len(full)/2], 0o644); err != nil {
			t.Fatal(err)
		}
		sameRead(t, []string{p}, ReadOptions{}, []int{1, 777, 65536})
	})
}

// A row longer than MaxRowBytes is refused naming its first line when the
// file is cut in chunks too.
func TestParallelReadRowTooLong(t *testing.T) {
	lines := november(t)
	text := strings.Join(lines[:50], "") + "x,\"" + strings.Repeat("y", MaxRowBytes+1) + "\"\n" + strings.Join(lines[50:], "")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(text))
	zw.Close()
	p := filepath.Join(t.TempDir(), "long.csv.gz")
	if err := os.WriteFile(p, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 4096, defaultChunkBytes} {
		_, _, _, err := readAll(t, []string{p}, ReadOptions{}, size)
		var fe *FileError
		if !errors.Is(err, ErrRunawayRow) || !errors.As(err, &fe) || fe.Line != 51 || !strings.Contains(err.Error(), "more than 1 MB") {
			t.Fatalf("chunk size %d: got %v, want the row of line 51 refused for running on past 1 MB", size, err)
		}
	}
}

// Crime IDs are decoded by hand; encoding/hex is the independent decoder.
func TestDecodeHexID(t *testing.T) {
	for _, id := range []string{
		strings.Repeat("ab", 32), strings.Repeat("AB", 32), strings.Repeat("0", 64),
		"c0ffee" + strings.Repeat("9", 58), strings.Repeat("g", 64), strings.Repeat("a", 63), "",
		strings.Repeat("a", 62) + "aG",
	} {
		got, ok, lower := decodeHexID(id)
		want, err := hexDecode(id)
		if ok != (err == nil && len(id) == 64) || (ok && got != want) || lower != (ok && strings.ToLower(id) == id) {
			t.Errorf("%q: got %x %v %v, want %x %v", id, got, ok, lower, want, err)
		}
	}
}

func hexDecode(s string) ([32]byte, error) {
	var k [32]byte
	b, err := hex.DecodeString(s)
	copy(k[:], b)
	return k, err
}

// FuzzSplitter: wherever the splitter cuts, the chunks parsed one by one
// give what encoding/csv gives reading the input whole.
func FuzzSplitter(f *testing.F) {
	f.Add([]byte(quotedNewlines), 1)
	f.Add([]byte("a,b\n1,\"2\n3,4\n5,6\n"), 3)
	f.Add([]byte("a,\"b\"\"\r\nc\"x\n\n"), 2)
	f.Fuzz(func(t *testing.T, data []byte, size int) {
		if len(data) > 4096 {
			return
		}
		size = 1 + (size&0xFFFF)%(len(data)+1)
		want := csvRecords(data, 0)
		if got, cuts := chunked(t, data, size); !reflect.DeepEqual(got, want) {
			t.Fatalf("chunk size %d, cut at %v:\n got %q\nwant %q", size, cuts, got, want)
		}
	})
}
