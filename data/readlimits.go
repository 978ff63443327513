package data

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on what an import reads. A small compressed file can expand to
// gigabytes (a "decompression bomb"), and one stray quote can make a CSV
// reader take the rest of a file as one field; both are stopped while the
// file streams, before they take the memory.
const (
	// DefaultMaxFileBytes bounds one CSV's uncompressed size. A police.uk
	// month of all 43 forces is about 150 MB; a force's month is 1-3 MB.
	DefaultMaxFileBytes = 1 << 30
	// MaxRowBytes bounds one row, quotes and all. police.uk rows are about
	// 200 bytes.
	MaxRowBytes = 1 << 20
	// maxRowLines is how many lines one row of a force export may run over
	// (a quoted field with line breaks). police.uk rows never break.
	maxRowLines = 20
)

var (
	// ErrTooLarge refuses a file whose uncompressed size passes the limit.
	ErrTooLarge = errors.New("data: file too large")
	// ErrRunawayRow refuses a file with a row that runs on over many lines
	// or megabytes: almost always a stray quote that swallows the rows after
	// it.
	ErrRunawayRow = errors.New("data: a row runs on")
	errRowTooLong = errors.New("row too long")
)

// guard stands between a decompressed file and the CSV reader, counting
// bytes: it fails the read when the file passes maxBytes, or when the row
// being parsed (bytes since rowStart, the CSV reader's offset after the
// last whole row) passes MaxRowBytes. The CSV reader reads ahead at most
// 4 KB, so a row is stopped within 4 KB of the limit.
type guard struct {
	r        io.Reader
	n        int64 // bytes handed on
	maxBytes int64
	rowStart int64
}

func (g *guard) Read(p []byte) (int, error) {
	if g.n > g.maxBytes { // one byte past: a file of exactly maxBytes passes
		return 0, ErrTooLarge
	}
	if g.n-g.rowStart > MaxRowBytes {
		return 0, errRowTooLong
	}
	if rest := g.maxBytes + 1 - g.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// rowSpan tracks where rows start and end, to refuse a file with a runaway
// row (issue: one `"` at row 101 of a month made the rest of the file one
// field, and the import stored 100 rows in place of 7,371).
type rowSpan struct {
	maxLines int // lines a row may run over after its first
	nextLine int // the line after the last whole row
}

// row checks one row read whole, starting at line start, with the line of
// its last field's start; it returns an error for a runaway row.
func (s *rowSpan) row(start, lastFieldLine int, lastField string) error {
	end := lastFieldLine + strings.Count(lastField, "\n")
	s.nextLine = end + 1
	if end-start > s.maxLines {
		return runaway(start, fmt.Sprintf("runs over %d lines, to line %d", end-start+1, end))
	}
	return nil
}

// quoteError checks a CSV quote error whose row started at start and ended
// at line end (the end of the file for a quote that never closes).
func (s *rowSpan) quoteError(start, end int) error {
	if end-start > s.maxLines {
		return runaway(start, fmt.Sprintf("opens a quoted field that never closes: the rest of the file, %d lines, would be one field", end-start+1))
	}
	return nil
}

// tooLong is the error for a row that passed MaxRowBytes while streaming.
func (s *rowSpan) tooLong() error {
	return runaway(s.nextLine, fmt.Sprintf("runs on for more than %d MB", MaxRowBytes>>20))
}

func runaway(line int, what string) error {
	return &FileError{Line: line, Err: &refusal{kind: ErrRunawayRow, msg: "the row starting on this line " + what +
		". A stray \" there probably opens a quoted field that takes in the rows after it; remove or close that quote and import the file again"}}
}

// refusal is an error of kind (a sentinel, for errors.Is) whose message is
// for the user alone, without the sentinel's package prefix in the middle of
// a sentence.
type refusal struct {
	kind error
	msg  string
}

func (e *refusal) Error() string { return e.msg }
func (e *refusal) Unwrap() error { return e.kind }
