package data

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"sync"
)

// Reading one CSV on several cores. One goroutine cuts the file into chunks
// of whole records, following the quoting rules exactly as encoding/csv
// applies them, so a cut never falls inside a quoted field (line breaks
// and all); workers parse the chunks with encoding/csv into rows; the
// caller takes the rows in file order. Line numbers, rejected rows, the
// first error and the stored order are therefore those of reading the file
// from start to end, and at most a few chunks are in memory at once.

// defaultChunkBytes is the size a chunk is cut at (at the next record end).
// A megabyte is about 6,000 force-export rows: large enough that handing a
// chunk over costs nothing beside parsing it, small enough that the chunks
// in flight hold a few megabytes.
const defaultChunkBytes = 1 << 20

// readBytes is the most one read from the file asks for, so the row limit
// (MaxRowBytes) is checked at least this often.
const readBytes = 64 << 10

// Quote states of the scan, as encoding/csv (Comma ',', no LazyQuotes)
// reads a record.
const (
	sOutside   = iota // in a record, not in a quoted field
	sQuoted           // in a quoted field
	sQuoteSeen        // just after a '"' in a quoted field: it closes the field or doubles
	sSkipLine         // after a quote error: encoding/csv drops the rest of the line
)

// recordScan finds where records end. A record ends at a line break
// outside quotes; a field is quoted only when '"' is its first byte; after
// a bare quote or a quoted field followed by anything but '"', ',' or a
// line break, encoding/csv gives an error and drops the rest of that line,
// so the record ends at the line's end whatever quotes are on it.
type recordScan struct {
	st   int
	pos  int // how far the buffer has been scanned
	last int // just past the last record end scanned, 0 for none
}

// next scans b from s.pos and returns the position just past the first
// record end at or after want, or -1 when b holds none. b[0] must start a
// record.
func (s *recordScan) next(b []byte, want int) int {
	i := s.pos
	defer func() { s.pos = i }()
	for i < len(b) {
		switch s.st {
		case sOutside:
			end := len(b)
			if nl := bytes.IndexByte(b[i:], '\n'); nl >= 0 {
				end = i + nl
			}
			if q := bytes.IndexByte(b[i:end], '"'); q >= 0 {
				q += i
				if q == 0 || b[q-1] == ',' || b[q-1] == '\n' {
					s.st = sQuoted
				} else {
					s.st = sSkipLine // a bare quote in an unquoted field
				}
				i = q + 1
				continue
			}
			if end == len(b) {
				i = len(b)
				return -1
			}
			i = end + 1
			s.last = i
			if i >= want {
				return i
			}
		case sQuoted:
			q := bytes.IndexByte(b[i:], '"')
			if q < 0 {
				i = len(b)
				return -1
			}
			i += q + 1
			s.st = sQuoteSeen
		case sQuoteSeen:
			c := b[i]
			i++
			switch c {
			case '"':
				s.st = sQuoted // a doubled quote
			case ',':
				s.st = sOutside
			case '\n':
				s.st = sOutside
				s.last = i
				if i >= want {
					return i
				}
			default:
				s.st = sSkipLine // `"x"y`: a quote error (a '\r' before '\n' ends here too)
				i--
			}
		case sSkipLine:
			nl := bytes.IndexByte(b[i:], '\n')
			if nl < 0 {
				i = len(b)
				return -1
			}
			i += nl + 1
			s.st = sOutside
			s.last = i
			if i >= want {
				return i
			}
		}
	}
	return -1
}

// chunkPool keeps the buffers and row slices of chunks done, for the next
// chunks of the files of one read to take instead of allocating.
type chunkPool struct {
	bufs chan []byte
	rows chan []parsedRow
}

func newChunkPool() *chunkPool {
	return &chunkPool{bufs: make(chan []byte, 16), rows: make(chan []parsedRow, 16)}
}

func (p *chunkPool) buf() []byte {
	select {
	case b := <-p.bufs:
		return b
	default:
		return nil
	}
}

func (p *chunkPool) putBuf(b []byte) {
	select {
	case p.bufs <- b[:0]:
	default:
	}
}

func (p *chunkPool) put(c *chunk) {
	if c.data != nil {
		select {
		case p.bufs <- c.data[:0]:
		default:
		}
	}
	if c.rows != nil {
		select {
		case p.rows <- c.rows[:0]:
		default:
		}
	}
	c.data, c.rows = nil, nil
}

// splitter cuts a CSV stream into chunks of whole records.
type splitter struct {
	src  *guard
	buf  []byte // buf[:n] is read and not yet handed out; buf[0] starts a record
	n    int
	size int // the buffer's usual size: a chunk and two reads
	sc   recordScan
	off  int64 // file offset of buf[0]
	line int   // line number of buf[0]
	err  error // the read error (io.EOF at the end) once met
	pool *chunkPool
}

func newSplitter(src *guard, pool *chunkPool) *splitter {
	return &splitter{src: src, line: 1, pool: pool}
}

// next returns the next chunk: whole records up to the first record end at
// or past want bytes, and the line it starts on. At the end of the stream
// it returns the rest (the last record may lack its line break) and then
// io.EOF; on a read error, the whole records before it and then the error.
func (s *splitter) next(want int) ([]byte, int, error) {
	for {
		line := s.line
		if end := s.sc.next(s.buf[:s.n], want); end > 0 {
			return s.cut(end), line, nil
		}
		if s.err != nil {
			switch {
			case s.n > 0 && s.err == io.EOF:
				return s.cut(s.n), line, nil
			case s.sc.last > 0: // the whole records before a read error
				return s.cut(s.sc.last), line, nil
			}
			return nil, line, s.err
		}
		s.size = want + 2*readBytes
		if s.n == 0 && len(s.buf) < s.size {
			if nb := s.pool.buf(); cap(nb) >= s.size {
				s.buf = nb[:cap(nb)]
			}
		}
		if s.n == len(s.buf) {
			nb := make([]byte, max(2*len(s.buf), s.size))
			copy(nb, s.buf[:s.n])
			s.buf = nb
		}
		// The record being read may run to MaxRowBytes and one byte more:
		// past that it is refused (readlimits.go), so a read never asks
		// for more.
		pending := s.n - s.sc.last
		s.src.rowStart = s.off + int64(s.sc.last)
		if pending > MaxRowBytes {
			s.err = errRowTooLong
			continue
		}
		k, err := s.src.Read(s.buf[s.n:min(len(s.buf), s.n+readBytes, s.n+MaxRowBytes+1-pending)])
		s.n += k
		if err != nil {
			s.err = err
		}
	}
}

// cut hands out buf[:end] and keeps the rest in a fresh buffer.
func (s *splitter) cut(end int) []byte {
	data := s.buf[:end]
	rest := s.n - end
	if rest == 0 && s.err != nil { // the last chunk
		s.buf, s.n = nil, 0
		s.sc.pos, s.sc.last = 0, 0
		s.line += bytes.Count(data, []byte{'\n'})
		s.off += int64(end)
		return data
	}
	nb := s.pool.buf()
	if cap(nb) < max(rest+readBytes, s.size) {
		nb = make([]byte, max(rest+readBytes, s.size))
	}
	nb = nb[:cap(nb)]
	copy(nb, s.buf[end:s.n])
	s.buf, s.n = nb, rest
	s.sc.pos -= end
	s.sc.last = max(0, s.sc.last-end)
	s.line += bytes.Count(data, []byte{'\n'})
	s.off += int64(end)
	return data
}

// parsedRow is one record as a worker read it: an incident, or a problem
// that rejects it.
type parsedRow struct {
	in   Incident
	line int // the record's first line
	end  int // its last line
	// quote marks a record encoding/csv refused for its quotes.
	quote bool
	prob  *Problem // set when the row is rejected
	rec   []string // the record's fields, when rejected rows are written out
}

// chunk is one piece of the file and, once done is closed, its rows.
type chunk struct {
	data []byte
	line int   // the file line data starts on
	err  error // a read error after data: the file ends here
	rows []parsedRow
	// fatal refuses the file after rows (a runaway row).
	fatal error
	done  chan struct{}
}

// rowWorker parses chunks; each worker has its own, for the caches in its
// parsers.
type rowWorker struct {
	name     string
	pr       rowParser
	fx       *forceRows
	cols     [nCols]int
	maxLines int
	keepRec  bool
}

// parse reads c's records into c.rows: everything about a row that needs
// no other row (the CSV, the fields, Home Office names, times).
func (w *rowWorker) parse(c *chunk) {
	cr := csv.NewReader(bytes.NewReader(c.data))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	base := c.line - 1
	span := rowSpan{maxLines: w.maxLines}
	c.rows = c.rows[:0]
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				c.fatal = err
				return
			}
			pe.StartLine += base
			pe.Line += base
			if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
				if err := span.quoteError(pe.StartLine, pe.Line); err != nil {
					c.fatal = withFile(w.name, err)
					return
				}
				c.rows = append(c.rows, parsedRow{line: pe.Line, end: pe.Line, quote: true,
					prob: &Problem{File: w.name, Line: pe.Line, Field: "(row)", Reason: "badly quoted field: " + pe.Err.Error()}})
				continue
			}
			c.fatal = &FileError{File: w.name, Line: pe.Line, Err: readErr(err)}
			return
		}
		line, _ := cr.FieldPos(0)
		lastLine, _ := cr.FieldPos(len(rec) - 1)
		line, lastLine = line+base, lastLine+base
		if err := span.row(line, lastLine, rec[len(rec)-1]); err != nil {
			c.fatal = withFile(w.name, err)
			return
		}
		c.rows = append(c.rows, parsedRow{line: line, end: span.nextLine - 1})
		row := &c.rows[len(c.rows)-1]
		row.rec = nil
		prob, ok := w.pr.parse(rec, line, &row.in)
		if ok {
			prob, ok = w.fx.finish(rec, line, &row.in)
		} else {
			prob.Field = w.fx.headerField(w.cols, prob.Field)
		}
		if !ok {
			p := prob
			row.prob = &p
		}
		if w.keepRec { // a later check (a repeated Crime ID) may reject it too
			row.rec = append([]string(nil), rec...)
		}
	}
}

// readChunks cuts the stream after the header into chunks, has workers
// parse them, and calls each with every chunk in file order, the rows in
// it parsed. It returns the first error each or a chunk gives. At most
// 2*len(workers)+2 chunks are read ahead of each; all goroutines have
// ended when it returns.
func readChunks(ctx context.Context, sp *splitter, size int, workers []*rowWorker, each func(*chunk) error) error {
	ahead := 2*len(workers) + 2
	order := make(chan *chunk, ahead)
	jobs := make(chan *chunk, ahead)
	slots := make(chan struct{}, ahead)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1 + len(workers))
	go func() { // the splitter: one reader of the stream
		defer wg.Done()
		defer close(order)
		defer close(jobs)
		for {
			select {
			case slots <- struct{}{}:
			case <-quit:
				return
			}
			data, line, err := sp.next(size)
			c := &chunk{data: data, line: line, done: make(chan struct{})}
			select {
			case c.rows = <-sp.pool.rows:
			default:
			}
			if err != nil {
				if err != io.EOF {
					c.err = err
					close(c.done)
					order <- c
				}
				return
			}
			jobs <- c
			order <- c
		}
	}()
	for _, w := range workers {
		go func() {
			defer wg.Done()
			for c := range jobs {
				select {
				case <-quit:
				default:
					w.parse(c)
				}
				close(c.done)
			}
		}()
	}
	var err error
	for c := range order {
		<-c.done
		if err == nil {
			if err = ctx.Err(); err == nil {
				err = each(c)
			}
			if err != nil {
				close(quit)
			}
		}
		sp.pool.put(c)
		<-slots
	}
	wg.Wait()
	return err
}

// headerRecord reads the header: the first record encoding/csv gives
// (blank lines before it are skipped, as encoding/csv does). It returns
// the record and its error as encoding/csv reports them.
func headerRecord(sp *splitter) ([]string, error) {
	var hdr []byte
	for {
		data, _, err := sp.next(1)
		if err != nil && err != io.EOF {
			return nil, err
		}
		hdr = append(hdr, data...)
		if data != nil {
			sp.pool.putBuf(data) // the splitter has moved on to a new buffer
		}
		cr := csv.NewReader(bytes.NewReader(hdr))
		cr.FieldsPerRecord = -1
		rec, cerr := cr.Read()
		if cerr == io.EOF && err == nil {
			continue // blank lines so far
		}
		return rec, cerr
	}
}
