package data

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// PoliceUKTypes are the crime types police.uk publishes. A type outside this
// list is kept under its own name and reported once per file.
var PoliceUKTypes = []string{
	"Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson",
	"Drugs", "Other crime", "Other theft", "Possession of weapons", "Public order",
	"Robbery", "Shoplifting", "Theft from the person", "Vehicle crime",
	"Violence and sexual offences",
}

// PoliceUKHeader is the header of a police.uk street-level crime file.
const PoliceUKHeader = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context"

// Mapping names the columns of a generic CSV export. Empty fields are
// detected from common header names (police.uk's own, "Crime.type", "Date",
// "Easting", "Offence", ...).
type Mapping struct {
	Month, Date, Time, Type     string
	Lon, Lat                    string
	Easting, Northing           string
	Force, ID, Location         string
	Outcome, LSOACode, LSOAName string
}

// ReadOptions controls reading incident files.
type ReadOptions struct {
	Mapping Mapping
	// Force is recorded for rows whose file has no force column.
	Force string
	// Source names where files other than police.uk's come from (a force
	// export: "cleveland-rms"); police.uk street-level files are always
	// source PoliceUK. Required when a file is not police.uk's.
	Source string
	// Classification reads Home Office offence columns (Offence Subgroup,
	// HO Code, ...); nil: hotspot.DefaultClassification.
	Classification *hotspot.Classification
	// MaxWindow is the longest committed-from/to window kept for time
	// analysis; zero means 7 days. Longer windows are stored and counted
	// in the report (long_windows), and left out of time analysis.
	MaxWindow time.Duration
	// MaxRejectShare refuses a file whole when more than this share of its
	// rows is unusable. Zero means 0.5.
	MaxRejectShare float64
	// Rejects, when set, receives every rejected row as CSV
	// (file,line,field,reason, then the row's own fields).
	Rejects io.Writer
	// MaxFileBytes bounds each file's uncompressed size; zero means
	// DefaultMaxFileBytes.
	MaxFileBytes int64

	// chunkBytes is where a file is cut for parallel parsing (at the next
	// record end); zero means defaultChunkBytes. Tests set it tiny.
	chunkBytes int
}

// Problem is one rejected row: where it is and why.
type Problem struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Field  string `json:"field"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	return fmt.Sprintf("%s line %d, field %q: %s", p.File, p.Line, p.Field, p.Reason)
}

// FileError is a file that could not be read or was refused whole.
type FileError struct {
	File string
	Line int // 0 when not tied to a line
	Err  error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// ErrRefused marks a file refused because most of its rows are unusable.
var ErrRefused = errors.New("data: file refused")

// FileReport is what one file gave.
type FileReport struct {
	File        string         `json:"file"`
	Format      string         `json:"format"` // "police.uk" or "csv"
	Rows        int            `json:"rows"`
	Stored      int            `json:"stored"`
	Rejected    int            `json:"rejected"`
	NoLocation  int            `json:"no_location"`
	UnknownType map[string]int `json:"unknown_types,omitempty"`
	Duplicates  int            `json:"duplicates,omitempty"` // rows of a month another file also holds, passed over
	Skipped     string         `json:"skipped,omitempty"`    // why the whole file was passed over
}

// MonthReport counts one month's rows.
type MonthReport struct {
	Rows       int `json:"rows"`
	NoLocation int `json:"no_location"`
}

// Report is what an import read.
type Report struct {
	RowsRead   int                    `json:"rows_read"`
	Stored     int                    `json:"stored"`
	Rejected   int                    `json:"rejected"`
	NoLocation int                    `json:"no_location"`
	Reasons    map[string]int         `json:"reasons"`
	Months     map[string]MonthReport `json:"months"`
	Files      []FileReport           `json:"files"`
	Partitions int                    `json:"partitions"`
	// Duplicates counts rows passed over as a second copy of a month
	// (RowsRead = Stored + Rejected + Duplicates).
	Duplicates int `json:"duplicates"`
	// Warnings say what the import did that the user should know, such as
	// keeping one of two copies of a month.
	Warnings []string `json:"warnings,omitempty"`
	// Problems lists the first rejected rows (up to 100) with their place.
	Problems []Problem `json:"problems,omitempty"`
	// UnknownOffences are offence names of a force export the Home Office
	// classification does not know, with their counts: kept, and shown in
	// the table's "Unknown" row.
	UnknownOffences []UnknownOffence `json:"unknown_offences,omitempty"`
	// LongWindows counts records whose committed-from/to window is longer
	// than ReadOptions.MaxWindow: kept, left out of time analysis.
	LongWindows int `json:"long_windows"`
}

const maxProblems = 100

// ReadIncidents reads police.uk files and generic CSV exports from paths: a
// .csv, a .csv.gz, a folder (searched for those and .zip files), or a
// police.uk download .zip. It returns one partition per (force, month).
//
// Any file that cannot be read, or that is mostly unusable, fails the whole
// read: a caller storing the result then stores nothing from it, so a bad
// file never half-replaces a month.
func ReadIncidents(ctx context.Context, paths []string, opts ReadOptions) ([]*Partition, *Report, error) {
	sink := &memSink{parts: map[partKey]*Partition{}}
	rep, err := readIncidents(ctx, paths, opts, sink, newCellCache(false))
	if err != nil {
		return nil, rep, err
	}
	keys := make([]partKey, 0, len(sink.parts))
	for k := range sink.parts {
		keys = append(keys, k)
	}
	sortKeys(keys)
	out := make([]*Partition, 0, len(keys))
	for _, k := range keys {
		out = append(out, sink.parts[k])
	}
	return out, rep, nil
}

// Import reads paths as ReadIncidents does and stores what they hold in one
// atomic step: all of it, or, when a file is refused or anything fails,
// nothing. Into a MemStore it streams: each (force, month) is written and
// absorbed as soon as its file is read and the partition let go, so the
// import's memory stays near the store's own instead of holding every row
// read; the months become visible together at the commit.
func Import(ctx context.Context, store Store, paths []string, opts ReadOptions) (*Report, error) {
	ms, ok := store.(*MemStore)
	if !ok {
		parts, rep, err := ReadIncidents(ctx, paths, opts)
		if err != nil {
			return rep, err
		}
		return rep, store.Replace(ctx, parts)
	}
	b, err := ms.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	b.cells = newCellCache(true)
	rep, err := readIncidents(ctx, paths, opts, b, b.cells)
	if err != nil {
		b.abort()
		return rep, err
	}
	return rep, b.commit()
}

// partSink takes the partitions of a read as each file is done.
type partSink interface {
	// add takes the partition of a (source, force, month), replacing one of
	// the same key added before.
	add(p *Partition) error
	// get returns the partition of k added before (nil if none), for a
	// later file holding the same month to be compared with or merged into.
	get(k partKey) (*Partition, error)
}

// memSink keeps the partitions in memory, for ReadIncidents.
type memSink struct{ parts map[partKey]*Partition }

func (m *memSink) add(p *Partition) error {
	m.parts[partKey{p.SourceName(), p.Force, p.Month}] = p
	return nil
}

func (m *memSink) get(k partKey) (*Partition, error) { return m.parts[k], nil }

func sortKeys(keys []partKey) {
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].source != keys[j].source {
			return keys[i].source < keys[j].source
		}
		if keys[i].force != keys[j].force {
			return keys[i].force < keys[j].force
		}
		return keys[i].month < keys[j].month
	})
}

// readIncidents reads paths, handing each file's partitions to sink as the
// file is merged.
func readIncidents(ctx context.Context, paths []string, opts ReadOptions, sink partSink, cells *cellCache) (*Report, error) {
	if opts.MaxRejectShare == 0 {
		opts.MaxRejectShare = 0.5
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = DefaultMaxFileBytes
	}
	rep := &Report{Reasons: map[string]int{}, Months: map[string]MonthReport{}}
	if len(paths) == 0 {
		return rep, ErrNothingToAdd
	}
	var units []unit
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	for _, p := range paths {
		us, cs, err := collectUnits(p)
		closers = append(closers, cs...)
		if err != nil {
			return rep, err
		}
		units = append(units, us...)
	}

	// Files are parsed two at a time (the machines this runs on have two
	// cores or more), at most four ahead of the merge, and merged in their
	// order, so results do not depend on timing and memory holds a few
	// files' rows, not all of them.
	type slot struct {
		r    *reader
		done chan struct{}
	}
	slots := make([]slot, len(units))
	for i := range slots {
		slots[i].done = make(chan struct{})
	}
	// On an early return (a refused file), the parsers stop at their next
	// check of ctx and are waited for, so none outlives the call.
	ctx, cancel := context.WithCancel(ctx)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		cancel()
		close(quit)
		wg.Wait()
	}()
	ahead := make(chan struct{}, 4)
	pool := newChunkPool()
	var mu sync.Mutex
	nextUnit := 0
	for range min(2, len(units)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case ahead <- struct{}{}:
				case <-quit:
					return
				}
				mu.Lock()
				i := nextUnit
				nextUnit++
				mu.Unlock()
				if i >= len(units) {
					<-ahead
					return
				}
				r := newReader(opts)
				r.shared = cells
				r.pool = pool
				// One file has both cores; several files are already
				// read two at a time.
				r.workers = 1
				if len(units) == 1 {
					r.workers = 2
				}
				r.err = r.unit(ctx, units[i])
				slots[i].r = r
				close(slots[i].done)
			}
		}()
	}

	var rejects *csv.Writer
	if opts.Rejects != nil {
		rejects = csv.NewWriter(opts.Rejects)
		_ = rejects.Write([]string{"file", "line", "field", "reason", "row"})
	}
	from := map[partKey]int{} // the index in rep.Files of the file each partition came from
	for i := range slots {
		<-slots[i].done
		r := slots[i].r
		slots[i].r = nil
		<-ahead
		if r.err != nil {
			return rep, r.err
		}
		rep.RowsRead += r.rep.RowsRead
		rep.Stored += r.rep.Stored
		rep.Rejected += r.rep.Rejected
		rep.NoLocation += r.rep.NoLocation
		rep.LongWindows += r.rep.LongWindows
		for _, u := range r.rep.UnknownOffences {
			rep.UnknownOffences = addUnknown(rep.UnknownOffences, u.Name, u.Count)
		}
		rep.Files = append(rep.Files, r.rep.Files...)
		for k, n := range r.rep.Reasons {
			rep.Reasons[k] += n
		}
		for _, p := range r.rep.Problems {
			if len(rep.Problems) < maxProblems {
				rep.Problems = append(rep.Problems, p)
			}
		}
		for m, mr := range r.months {
			t := rep.Months[m.String()]
			t.Rows += mr.Rows
			t.NoLocation += mr.NoLocation
			rep.Months[m.String()] = t
		}
		if rejects != nil {
			_ = rejects.WriteAll(r.rejected)
		}
		keys := make([]partKey, 0, len(r.parts))
		for k := range r.parts {
			keys = append(keys, k)
		}
		sortKeys(keys)
		for _, k := range keys {
			b := r.parts[k]
			delete(r.parts, k)
			if err := mergePart(rep, sink, from, k, b, len(rep.Files)-1); err != nil {
				return rep, err
			}
		}
	}
	if rejects != nil {
		rejects.Flush()
		if err := rejects.Error(); err != nil {
			return rep, fmt.Errorf("data: writing rejected rows: %w", err)
		}
	}
	rep.Partitions = len(from)
	if rep.RowsRead == 0 {
		return rep, fmt.Errorf("%w: no incident rows found in %s", ErrNothingToAdd, strings.Join(paths, ", "))
	}
	return rep, nil
}

// mergePart hands partition k of file (its index in rep.Files) to sink: as
// it is when no earlier file held k; else the one copy kept when the two are
// copies of one month, or the two merged.
func mergePart(rep *Report, sink partSink, from map[partKey]int, k partKey, b *builder, file int) error {
	b.part()
	if _, ok := from[k]; !ok {
		from[k] = file
		return sink.add(b.p)
	}
	prev, err := sink.get(k)
	if err != nil {
		return err
	}
	into := newBuilder(k.source, k.force, k.month)
	var in Incident
	for i := 0; i < prev.Len(); i++ {
		in = prev.Incident(i)
		into.add(&in, func(orb.Point) geo.Cell { return in.Cell })
	}
	into.part()
	parts := map[partKey]*builder{k: into}
	if keepOne(rep, k, parts, from, b, file) {
		if parts[k] == into {
			return nil // the copy added before stays
		}
		return sink.add(parts[k].p)
	}
	// two files hold the same force and month: append this one's
	for i := 0; i < b.p.Len(); i++ {
		in = b.p.Incident(i)
		into.add(&in, func(orb.Point) geo.Cell { return in.Cell })
	}
	return sink.add(into.part())
}

// reader parses one file.
type reader struct {
	opts     ReadOptions
	parts    map[partKey]*builder
	shared   *cellCache // shared by the files of one read; nil: none
	rep      *Report
	months   map[Month]MonthReport
	rejected [][]string
	err      error
	// workers is how many goroutines parse this file's chunks.
	workers int
	pool    *chunkPool // shared by the files of one read
}

func newReader(opts ReadOptions) *reader {
	return &reader{
		opts:   opts,
		parts:  make(map[partKey]*builder),
		rep:    &Report{Reasons: map[string]int{}},
		months: make(map[Month]MonthReport),
	}
}

var knownTypes = func() map[string]bool {
	m := make(map[string]bool, len(PoliceUKTypes))
	for _, t := range PoliceUKTypes {
		m[t] = true
	}
	return m
}()

// unit is one CSV to read: a file, or an entry of a zip archive.
type unit struct {
	name string
	open func() (io.ReadCloser, error)
}

func (r *reader) unit(ctx context.Context, u unit) error {
	rc, err := u.open()
	if err != nil {
		return &FileError{File: u.name, Err: friendlyOSError(err)}
	}
	defer rc.Close()
	return r.stream(ctx, u.name, rc)
}

// collectUnits lists the CSVs under p: the file itself, a folder's files, or
// a zip's entries. Zip archives stay open until the returned closers run.
func collectUnits(p string) ([]unit, []io.Closer, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, nil, &FileError{File: p, Err: friendlyOSError(err)}
	}
	if st.IsDir() {
		var files []string
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && incidentFile(d.Name()) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, &FileError{File: p, Err: friendlyOSError(err)}
		}
		if len(files) == 0 {
			return nil, nil, &FileError{File: p, Err: errors.New("the folder holds no .csv, .csv.gz or .zip files")}
		}
		sort.Strings(files)
		var units []unit
		var closers []io.Closer
		for _, f := range files {
			us, cs, err := collectUnits(f)
			closers = append(closers, cs...)
			if err != nil {
				return nil, closers, err
			}
			units = append(units, us...)
		}
		return units, closers, nil
	}
	if strings.HasSuffix(strings.ToLower(p), ".zip") {
		zr, err := zip.OpenReader(p)
		if err != nil {
			return nil, nil, &FileError{File: p, Err: fmt.Errorf("not a readable zip archive (%v)", err)}
		}
		var files []*zip.File
		for _, f := range zr.File {
			if !f.FileInfo().IsDir() && incidentFile(f.Name) && !strings.HasSuffix(strings.ToLower(f.Name), ".zip") {
				files = append(files, f)
			}
		}
		if len(files) == 0 {
			zr.Close()
			return nil, nil, &FileError{File: p, Err: errors.New("the archive holds no .csv files")}
		}
		sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
		units := make([]unit, len(files))
		for i, f := range files {
			units[i] = unit{name: p + ":" + f.Name, open: f.Open}
		}
		return units, []io.Closer{zr}, nil
	}
	return []unit{{name: p, open: func() (io.ReadCloser, error) { return os.Open(p) }}}, nil, nil
}

func incidentFile(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".csv") || strings.HasSuffix(n, ".csv.gz") || strings.HasSuffix(n, ".zip")
}

func friendlyOSError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return errors.New("no such file or folder")
		case errors.Is(err, fs.ErrPermission):
			return errors.New("permission denied")
		}
		return pe.Err
	}
	return err
}

// stream reads one CSV (gzip-compressed when its name ends .gz): the
// header here, the rows by readChunks' workers, and what needs the rows
// before it (repeated Crime IDs, the crime type limit, the partitions) here
// in file order.
func (r *reader) stream(ctx context.Context, name string, src io.Reader) error {
	br := bufio.NewReaderSize(src, 1<<16)
	if strings.HasSuffix(strings.ToLower(name), ".gz") {
		zr, err := gzip.NewReader(br)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return &FileError{File: name, Err: errors.New("file is empty (0 bytes)")}
			}
			return &FileError{File: name, Err: fmt.Errorf("not a readable gzip file (%v)", err)}
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	if _, err := br.Peek(1); err == io.EOF {
		return &FileError{File: name, Err: errors.New("file is empty (0 bytes)")}
	}
	// Skip a UTF-8 byte-order mark, as Excel writes.
	if b, _ := br.Peek(3); bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	g := &guard{r: br, maxBytes: r.opts.MaxFileBytes}
	workers := max(1, r.workers)
	pool := r.pool
	if pool == nil {
		pool = newChunkPool()
	}
	sp := newSplitter(g, pool)
	span := &rowSpan{maxLines: maxRowLines, nextLine: 1}
	header, err := headerRecord(sp)
	if err != nil {
		return r.limitErr(name, span, 1, err)
	}
	span.nextLine = 2
	fr := FileReport{File: name}
	cols, format, skip, err := mapColumns(header, r.opts.Mapping)
	if err != nil {
		return &FileError{File: name, Line: 1, Err: err}
	}
	if skip != "" {
		fr.Skipped = skip
		r.rep.Files = append(r.rep.Files, fr)
		return nil
	}
	fr.Format = format
	if format == "police.uk" {
		span.maxLines = 0
	}
	ws := make([]*rowWorker, workers)
	for i := range ws {
		fx, err := newForceRows(r.opts, name, format, header)
		if err != nil {
			return &FileError{File: name, Err: err}
		}
		ws[i] = &rowWorker{name: name, fx: fx, cols: cols, maxLines: span.maxLines, keepRec: r.opts.Rejects != nil,
			pr: rowParser{cols: cols, force: r.opts.Force, file: name, typeOptional: fx.cols.homeOffice()}}
	}
	homeOffice := ws[0].fx.cols.homeOffice()
	// police.uk Crime IDs are unique within a month; a force's crime
	// reference may repeat (one row per offence or victim), so only
	// police.uk files have repeats rejected.
	var ids map[partKey]map[[32]byte]int
	if format == "police.uk" {
		ids = make(map[partKey]map[[32]byte]int)
	}
	var problemsHere []Problem
	line := 1
	err = readChunks(ctx, sp, r.chunkSize(), ws, func(c *chunk) error {
		for i := range c.rows {
			row := &c.rows[i]
			line = row.line
			span.nextLine = row.end + 1
			if row.quote {
				fr.Rows++
				r.reject(&fr, &problemsHere, *row.prob, nil)
				continue
			}
			if fr.Rows%8192 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			fr.Rows++
			if row.prob != nil {
				r.reject(&fr, &problemsHere, *row.prob, row.rec)
				continue
			}
			in := &row.in
			k := partKey{in.Source, in.Force, in.Month}
			if prob, ok := firstID(ids, k, name, in, line); ids != nil && !ok {
				r.reject(&fr, &problemsHere, prob, row.rec)
				continue
			}
			if !homeOffice && !knownTypes[in.Type] {
				if fr.UnknownType == nil {
					fr.UnknownType = map[string]int{}
				}
				fr.UnknownType[in.Type]++
				if len(fr.UnknownType) > MaxCrimeTypes {
					return &FileError{File: name, Line: line, Err: &refusal{kind: ErrTooManyTypes,
						msg: fmt.Sprintf("more than %d distinct crime types by this line; is a free-text column read as the crime type? Name the crime type column (--type-col)", MaxCrimeTypes)}}
				}
			}
			b := r.parts[k]
			if b == nil {
				b = newBuilder(in.Source, in.Force, in.Month)
				r.parts[k] = b
			}
			b.add(in, r.cellOf)
			fr.Stored++
			mr := r.months[in.Month]
			mr.Rows++
			if math.IsNaN(in.Point[0]) {
				fr.NoLocation++
				mr.NoLocation++
			}
			r.months[in.Month] = mr
		}
		switch {
		case c.fatal != nil:
			return c.fatal
		case c.err != nil:
			return r.limitErr(name, span, line, c.err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if fr.Rows == 0 {
		return &FileError{File: name, Err: errors.New("has a header but no rows")}
	}
	if fr.Rejected > 0 && float64(fr.Rejected) > r.opts.MaxRejectShare*float64(fr.Rows) {
		return &FileError{File: name, Err: &refusal{kind: ErrRefused, msg: fmt.Sprintf("refused: %d of %d rows are unusable, mostly %s (first: %s)",
			fr.Rejected, fr.Rows, commonReason(problemsHere), problemsHere[0])}}
	}
	r.rep.RowsRead += fr.Rows
	r.rep.Stored += fr.Stored
	r.rep.Rejected += fr.Rejected
	r.rep.NoLocation += fr.NoLocation
	for _, w := range ws {
		w.fx.report(r.rep)
	}
	r.rep.Files = append(r.rep.Files, fr)
	return nil
}

// chunkSize is where the file's chunks are cut (at the next record end).
func (r *reader) chunkSize() int {
	if r.opts.chunkBytes > 0 {
		return r.opts.chunkBytes
	}
	return defaultChunkBytes
}

// limitErr is the FileError for a read error at line: a runaway row or a
// file past the size limit gets its own message.
func (r *reader) limitErr(name string, span *rowSpan, line int, err error) error {
	switch {
	case errors.Is(err, errRowTooLong):
		return withFile(name, span.tooLong())
	case errors.Is(err, ErrTooLarge):
		return &FileError{File: name, Err: &refusal{kind: ErrTooLarge,
			msg: fmt.Sprintf("it is larger than %d MB uncompressed, the most one file may hold; split it by month", r.opts.MaxFileBytes>>20)}}
	}
	return &FileError{File: name, Line: line, Err: readErr(err)}
}

func withFile(name string, err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		fe.File = name
	}
	return err
}

func readErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
		return fmt.Errorf("the file is truncated or damaged (%v); download it again", err)
	}
	return err
}

func commonReason(ps []Problem) string {
	counts := map[string]int{}
	best, n := "", 0
	for _, p := range ps {
		k := p.Field + ": " + reasonKind(p.Reason)
		counts[k]++
		if counts[k] > n {
			best, n = k, counts[k]
		}
	}
	return best
}

// reasonKind strips the value from a reason so reasons can be counted.
func reasonKind(reason string) string {
	if i := strings.LastIndex(reason, " (line "); i > 0 && strings.HasSuffix(reason, ")") {
		reason = reason[:i]
	}
	if i := strings.Index(reason, "\" "); i >= 0 && strings.HasPrefix(reason, "\"") {
		return strings.TrimSpace(reason[i+1:])
	}
	return reason
}

func (r *reader) reject(fr *FileReport, here *[]Problem, p Problem, rec []string) {
	fr.Rejected++
	r.rep.Reasons[p.Field+": "+reasonKind(p.Reason)]++
	if len(*here) < maxProblems {
		*here = append(*here, p)
	}
	if len(r.rep.Problems) < maxProblems {
		r.rep.Problems = append(r.rep.Problems, p)
	}
	if r.opts.Rejects != nil {
		row := []string{p.File, strconv.Itoa(p.Line), p.Field, p.Reason}
		row = append(row, rec...)
		r.rejected = append(r.rejected, row)
	}
}

// cellOf is the BaseRes cell of p, from the read's shared cache: a
// partition asks once per distinct location, and a police.uk month has
// nearly as many locations as rows, so a second, per-file cache in front
// of the shared one only added a map write per row.
func (r *reader) cellOf(p orb.Point) geo.Cell { return r.shared.cellOf(p) }

// cellCache holds the cells of the points the files of one read have met:
// police.uk puts a force's crimes on a fixed set of map points, so most of
// a month's points were met in the months before, and H3 (a cgo call per
// resolution) runs once per point, not once per point and file. With full
// set it keeps every resolution, for the store the read goes into to take
// instead of indexing new locations itself.
type cellCache struct {
	full bool
	mu   sync.RWMutex
	m    map[orb.Point]geo.Cells
}

func newCellCache(full bool) *cellCache {
	return &cellCache{full: full, m: make(map[orb.Point]geo.Cells)}
}

// cellOf returns the BaseRes cell of p, 0 for a point H3 cannot index; c
// nil computes it.
func (c *cellCache) cellOf(p orb.Point) geo.Cell {
	if c == nil {
		cell, err := geo.CellOf(p)
		if err != nil {
			return 0
		}
		return cell
	}
	c.mu.RLock()
	cs, ok := c.m[p]
	c.mu.RUnlock()
	if !ok {
		var err error
		if c.full {
			cs, err = geo.CellsOf(p)
		} else {
			cs[geo.BaseRes-geo.MinRes], err = geo.CellOf(p)
		}
		if err != nil {
			cs = geo.Cells{}
		}
		c.mu.Lock()
		c.m[p] = cs
		c.mu.Unlock()
	}
	return cs[geo.BaseRes-geo.MinRes]
}

// cells returns every cell of p when the cache has them.
func (c *cellCache) cells(p orb.Point) (geo.Cells, bool) {
	if c == nil || !c.full {
		return geo.Cells{}, false
	}
	c.mu.RLock()
	cs, ok := c.m[p]
	c.mu.RUnlock()
	return cs, ok && cs[0] != 0
}
