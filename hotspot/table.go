package hotspot

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// tableReader reads the editable tables (weights, the Home Office
// classification, priorities): CSV with one record a line, blank lines
// skipped, lines starting with # handed to Comment (when set) and skipped,
// a spreadsheet's byte-order mark dropped, every field trimmed. Line is the
// 1-based number of the line last read, comments and blanks counted, for
// errors that name it.
type tableReader struct {
	sc      *bufio.Scanner
	Line    int
	Comment func(text string) // the text after the #
}

func newTableReader(r io.Reader) *tableReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	return &tableReader{sc: sc}
}

// Next returns the next record, nil at the end of the table, or why the
// line (t.Line) is not CSV.
func (t *tableReader) Next() ([]string, error) {
	for t.sc.Scan() {
		t.Line++
		text := strings.TrimRight(t.sc.Text(), "\r")
		if t.Line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		trimmed := strings.TrimSpace(text)
		if trimmed == "" {
			continue
		}
		if c, ok := strings.CutPrefix(trimmed, "#"); ok {
			if t.Comment != nil {
				t.Comment(c)
			}
			continue
		}
		cr := csv.NewReader(strings.NewReader(text))
		cr.FieldsPerRecord = -1
		rec, err := cr.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, err
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		return rec, nil
	}
	return nil, nil
}

// Err is the error that stopped reading, if any (not the end of input).
func (t *tableReader) Err() error { return t.sc.Err() }

// tableHeader checks an editable table's header and the width of its rows,
// the same way for every table: want is the header, of which the last
// optional columns may be left out.
type tableHeader struct {
	want     []string
	optional int
	cols     int // columns of the header read; 0 before it
}

// check takes the table's records in order, the first its header: it
// reports whether rec is a row of data, or what is wrong with it.
func (h *tableHeader) check(rec []string) (row bool, problem string) {
	if h.cols == 0 {
		n := len(rec)
		if n > len(h.want) || n < len(h.want)-h.optional || !slices.Equal(rec, h.want[:n]) {
			problem = fmt.Sprintf("header is %q, want %q", strings.Join(rec, ","), strings.Join(h.want, ","))
			if h.optional > 0 {
				problem += fmt.Sprintf(" (%s may be left out)", strings.Join(h.want[len(h.want)-h.optional:], " and "))
			}
			return false, problem
		}
		h.cols = n
		return false, ""
	}
	if len(rec) != h.cols {
		return false, fmt.Sprintf("%d fields, want %d (%s)", len(rec), h.cols, strings.Join(h.want[:h.cols], ","))
	}
	return true, ""
}

// missing says, after the last record, that there was no header at all.
func (h *tableHeader) missing() string {
	if h.cols > 0 {
		return ""
	}
	return fmt.Sprintf("no header line (want %q)", strings.Join(h.want, ","))
}
