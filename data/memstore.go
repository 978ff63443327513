package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

// MemStore is the embedded default store: incidents held in memory in
// columns, persisted under a data directory. Opening it loads the directory;
// every change is written to new files and committed by atomically replacing
// a manifest, so a crash at any moment leaves the previous state whole.
type MemStore struct {
	dir  string
	log  *slog.Logger
	now  func() time.Time
	lock *dirLock

	writeMu sync.Mutex // serialises writers (file writes happen outside mu)
	mu      sync.RWMutex
	closed  bool
	version atomic.Uint64
	man     manifest

	parts map[partKey]*memPart

	// global dictionaries, append-only: strs for crime types (uint16 ids,
	// at most MaxCrimeTypes live; compacted if replaced months' types ever
	// fill it), names for free text: location names, LSOAs, outcomes and
	// "Falls within" (uint32 ids, no practical ceiling)
	strs    []string
	strIdx  map[string]uint16
	names   []string
	nameIdx map[string]uint32
	locs    []memLoc
	locIdx  map[memLocKey]uint32
	// indexed says nameIdx and locIdx hold every name and location: a
	// restart reads the location table without them, and the first change
	// that absorbs a partition builds them (ensureIndexed).
	indexed bool
	// committedLocs and committedNames are how many locations and names the
	// location table's committed segments hold; a commit writes the rest.
	committedLocs, committedNames int

	layers map[string]*memLayer
	ops    map[string]Operation // by ID

	// saved is the location index read at open, and computed counts the
	// cells and areas it did not have; both are used while loading only.
	saved    *locIndex
	computed int
	// hint holds cells an import's reader computed, while absorbing.
	hint *cellCache
	// openComputed is computed at the end of loading: the cells and areas
	// the location index lacked.
	openComputed int

	// hook, when set by a test in this package, is called at each step of a
	// change ("wrote", "commit") so a crash test can kill the process there.
	hook func(step string)
	// writeFault, when set by a test in this package, stands between each
	// file write and the file (to inject a full disk).
	writeFault func(rel string, w io.Writer) io.Writer

	sumMu sync.Mutex
	sum   *Summary // the Summary of version sum.Version

	numMu sync.Mutex
	nums  map[int]*cellNumbers // by resolution (rollup.go)
}

// MemOptions configures a MemStore. The zero value is valid.
type MemOptions struct {
	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now
}

type memLoc struct {
	pt                       orb.Point
	cell                     geo.Cell  // BaseRes cell, 0 when unlocated
	cells                    geo.Cells // the cell holding pt at each resolution
	name, lsoaCode, lsoaName uint32    // into names
}

type memLocKey struct {
	lon, lat                 float64
	name, lsoaCode, lsoaName uint32
}

// memPart is a partition translated to the global dictionaries: 48 bytes an
// incident plus its share of the locations.
type memPart struct {
	source  string
	force   string
	month   Month
	file    string
	loc     []uint32
	typ     []uint16
	types   []uint16 // the distinct values of typ
	outcome []uint32 // into names
	falls   []uint32 // into names
	minute  []uint16
	span    []uint32 // 0 for none; nil when no incident has a committed-to time
	ids     []byte
	other   map[uint32]string // non-police.uk IDs
	context map[uint32]string // non-empty police.uk Context
	rolled  *rollups          // counts by area, made on first use (rollup.go)

	// for the Summary, counted once when the partition is stored or
	// loaded (by the goroutine decoding it) rather than at every change
	typeCount []int64 // incidents of each of types
	unlocated int64   // incidents with no coordinates
	hasTimes  bool    // some incident has a time of day
}

// tally counts what the Summary reports of the partition; locs are the
// store's locations (at least those mp uses), unlocated whether any of
// them has no coordinates.
func (mp *memPart) tally(locs []memLoc, unlocated bool) {
	var top uint16
	for _, t := range mp.types {
		top = max(top, t)
	}
	n := make([]int64, int(top)+1) // by store type id: a few hundred at most
	for _, t := range mp.typ {
		n[t]++
	}
	mp.typeCount = make([]int64, len(mp.types))
	for i, t := range mp.types {
		mp.typeCount[i] = n[t]
	}
	mp.unlocated = 0
	if unlocated {
		for _, l := range mp.loc {
			if locs[l].cell == 0 {
				mp.unlocated++
			}
		}
	}
	mp.hasTimes = false
	for _, m := range mp.minute {
		if HasTime(int(m)) {
			mp.hasTimes = true
			break
		}
	}
}

type memLayer struct {
	layer *geo.Layer
	meta  LayerMeta
	file  string
	area  []int32 // area index per global location, -1 for none
	// saved is the layer's column of the location index, while loading,
	// when the index was computed against this layer's file.
	saved []int32
}

// OpenMem opens (creating if needed) the data directory dir and loads it.
func OpenMem(dir string, opts MemOptions) (*MemStore, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &MemStore{
		dir: dir, log: opts.Logger, now: opts.Now,
		parts:   make(map[partKey]*memPart),
		strIdx:  make(map[string]uint16),
		nameIdx: make(map[string]uint32),
		locIdx:  make(map[memLocKey]uint32),
		layers:  make(map[string]*memLayer),
		ops:     make(map[string]Operation),
		indexed: true,
	}
	s.intern("")
	s.internName("")
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s.lock = lock
	if lock.readOnly {
		s.log.Warn("the data folder is read-only: serving it as it is; imports and layer changes are refused", "data_dir", dir)
	}
	if err := s.load(); err != nil {
		lock.release()
		return nil, err
	}
	s.version.Store(uint64(s.man.Generation))
	return s, nil
}

// Close releases the data directory.
func (s *MemStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.lock.release()
}

// Version changes whenever stored data changes.
func (s *MemStore) Version() uint64 { return s.version.Load() }

// Dir is the data directory.
func (s *MemStore) Dir() string { return s.dir }

// MaxCrimeTypes bounds the distinct crime types a store holds. police.uk
// publishes 14; a force's own offence list has some hundreds. Thousands mean
// a free-text column was taken for the crime type. Outcomes and other free
// text have no such bound.
const MaxCrimeTypes = 5000

// ErrTooManyTypes refuses data that would give the store more than
// MaxCrimeTypes distinct crime types.
var ErrTooManyTypes = errors.New("data: too many distinct crime types")

// intern returns the global id of a crime type; caller holds mu for writing
// and has made room (makeTypeRoom), so it cannot run out of ids.
func (s *MemStore) intern(v string) uint16 {
	if i, ok := s.strIdx[v]; ok {
		return i
	}
	i := uint16(len(s.strs))
	s.strs = append(s.strs, v)
	s.strIdx[v] = i
	return i
}

// internName returns the global id of a free-text string: a location name,
// an LSOA, an outcome or "Falls within".
func (s *MemStore) internName(v string) uint32 {
	if i, ok := s.nameIdx[v]; ok {
		return i
	}
	i := uint32(len(s.names))
	s.names = append(s.names, v)
	s.nameIdx[v] = i
	return i
}

// partTypes lists the distinct crime types of a partition, in first-seen
// order.
func partTypes(p *Partition) []string {
	seen := make([]bool, len(p.Strs))
	var out []string
	for _, t := range p.Type {
		if int(t) < len(seen) && !seen[t] {
			seen[t] = true
			out = append(out, p.Strs[t])
		}
	}
	return out
}

// checkTypes refuses parts when the store they would make holds more than
// MaxCrimeTypes distinct crime types. It counts what a reopened store would
// hold (the kept partitions and the new ones), not the append-only
// dictionary.
func (s *MemStore) checkTypes(parts []*Partition) error {
	replaced := make(map[partKey]*memPart, len(parts))
	seen := map[string]bool{}
	for _, p := range parts {
		replaced[partKey{p.SourceName(), p.Force, p.Month}] = nil
		for _, t := range partTypes(p) {
			seen[t] = true
		}
		if len(seen) > MaxCrimeTypes {
			return fmt.Errorf("%w: %s %s alone has more than %d; is a free-text column read as the crime type? Name the crime type column (--type-col)",
				ErrTooManyTypes, p.Force, p.Month, MaxCrimeTypes)
		}
	}
	return s.checkKeptTypes(seen, replaced)
}

// checkKeptTypes refuses new partitions of the given types, replacing
// those of the keys in replaced, when the store would hold more than
// MaxCrimeTypes distinct crime types.
func (s *MemStore) checkKeptTypes(types map[string]bool, replaced map[partKey]*memPart) error {
	seen := make(map[string]bool, len(types))
	for t := range types {
		seen[t] = true
	}
	s.mu.RLock()
	for k, mp := range s.parts {
		if _, ok := replaced[k]; ok {
			continue
		}
		for _, t := range mp.types {
			seen[s.strs[t]] = true
		}
	}
	s.mu.RUnlock()
	if len(seen) > MaxCrimeTypes {
		return fmt.Errorf("%w: with this import the store would hold %d distinct crime types, more than %d; is a free-text column read as the crime type? Name the crime type column (--type-col)",
			ErrTooManyTypes, len(seen), MaxCrimeTypes)
	}
	return nil
}

// makeTypeRoom makes sure the crime type dictionary can take parts' types.
// It only grows, so a long-running server that keeps replacing months with
// new type names could fill its 65,535 ids while far fewer are live; it is
// then rebuilt from the live partitions (each given a new typ column, so
// readers holding the old ones stay consistent). Caller holds mu for writing;
// live and new types are each at most MaxCrimeTypes (checkTypes), so the
// rebuilt dictionary has room.
func (s *MemStore) makeTypeRoom(parts []*Partition) {
	fresh := map[string]bool{}
	for _, p := range parts {
		for _, t := range partTypes(p) {
			if _, ok := s.strIdx[t]; !ok {
				fresh[t] = true
			}
		}
	}
	if len(s.strs)+len(fresh) <= math.MaxUint16 {
		return
	}
	old := s.strs
	s.strs, s.strIdx = nil, make(map[string]uint16)
	s.intern("")
	remap := make(map[uint16]uint16)
	for k, mp := range s.parts {
		c := *mp
		c.rolled = &rollups{} // counted by the old type numbers
		c.typ = make([]uint16, len(mp.typ))
		c.types = make([]uint16, len(mp.types))
		for i, t := range mp.types {
			remap[t] = s.intern(old[t])
			c.types[i] = remap[t]
		}
		for i, t := range mp.typ {
			c.typ[i] = remap[t]
		}
		s.parts[k] = &c
	}
	s.sum = nil
	s.log.Info("rebuilt the crime type dictionary", "before", len(old), "after", len(s.strs))
}

// absorb translates a partition to global ids; caller holds mu for writing
// and has called makeTypeRoom. It fails only on a location that cannot be
// indexed, and leaves nothing but unused dictionary entries behind. With
// reuse set (a partition just read from its file, used by nothing else) it
// translates p's own columns in place instead of copying them.
func (s *MemStore) absorb(p *Partition, file string, reuse bool) (*memPart, error) {
	const none = math.MaxUint32
	s.ensureIndexed()
	strMap := make([]int32, len(p.Strs))
	for i := range strMap {
		strMap[i] = -1
	}
	nameMap := make([]uint32, len(p.Strs))
	for i := range nameMap {
		nameMap[i] = none
	}
	name := func(i uint32) uint32 {
		if v := nameMap[i]; v != none {
			return v
		}
		v := s.internName(p.Strs[i])
		nameMap[i] = v
		return v
	}
	locMap := make([]uint32, len(p.Locations))
	for i, pl := range p.Locations {
		k := memLocKey{lon: pl.Lon, lat: pl.Lat, name: name(pl.Name), lsoaCode: name(pl.LSOACode), lsoaName: name(pl.LSOAName)}
		if math.IsNaN(k.lon) {
			k.lon, k.lat = 0, 0
		}
		id, ok := s.locIdx[k]
		if !ok {
			id = uint32(len(s.locs))
			ml := memLoc{pt: orb.Point{pl.Lon, pl.Lat}, cell: pl.Cell, name: k.name, lsoaCode: k.lsoaCode, lsoaName: k.lsoaName}
			saved := -1
			if ml.cell != 0 {
				// cells and areas from the location index when it has
				// them (and agrees on the finest cell), else computed
				if saved = s.saved.find(ml.pt); saved >= 0 && s.saved.cells[saved][geo.BaseRes-geo.MinRes] != ml.cell {
					saved = -1
				}
				if cs, ok := s.hint.cells(ml.pt); ok && saved < 0 && cs[geo.BaseRes-geo.MinRes] == ml.cell {
					ml.cells = cs
				} else if saved >= 0 {
					ml.cells = s.saved.cells[saved]
				} else {
					cs, err := geo.CellsOf(ml.pt)
					if err != nil {
						return nil, fmt.Errorf("data: indexing location %v: %w", ml.pt, err)
					}
					ml.cells = cs
					s.computed++
				}
			}
			s.locs = append(s.locs, ml)
			s.locIdx[k] = id
			for _, lay := range s.layers {
				a := int32(-1)
				switch {
				case ml.cell == 0:
				case saved >= 0 && lay.saved != nil:
					a = lay.saved[saved]
				default:
					a = locate(lay.layer, ml)
					s.computed++
				}
				lay.area = append(lay.area, a)
			}
		}
		locMap[i] = id
	}
	n := p.Len()
	// Columns are kept at their length: a reader's columns grew by
	// appending and have up to a quarter more room than rows, which a
	// stored partition would hold for good (a restart decodes them exact).
	mp := &memPart{source: p.SourceName(), force: p.Force, month: p.Month, file: file, span: fit(p.Span), rolled: &rollups{},
		typ: make([]uint16, n), minute: fit(p.Minute), ids: fit(p.IDs), other: p.OtherIDs}
	col := func(c []uint32) []uint32 {
		if reuse && cap(c) == len(c) {
			return c
		}
		return make([]uint32, n)
	}
	mp.loc, mp.outcome, mp.falls = col(p.Loc), col(p.Outcome), col(p.FallsWithin)
	for i := 0; i < n; i++ {
		mp.loc[i] = locMap[p.Loc[i]]
		t := p.Type[i]
		if strMap[t] < 0 {
			strMap[t] = int32(s.intern(p.Strs[t]))
			mp.types = append(mp.types, uint16(strMap[t]))
		}
		mp.typ[i] = uint16(strMap[t])
		mp.outcome[i] = name(p.Outcome[i])
		mp.falls[i] = name(p.FallsWithin[i])
		if c := p.Context[i]; c != 0 {
			if mp.context == nil {
				mp.context = map[uint32]string{}
			}
			mp.context[uint32(i)] = p.Strs[c]
		}
	}
	mp.tally(s.locs, true)
	return mp, nil
}

// ensureIndexed fills the name and location maps from the tables when a
// restart read them from the location table; caller holds mu for writing
// (or is loading).
func (s *MemStore) ensureIndexed() {
	if s.indexed {
		return
	}
	s.nameIdx = make(map[string]uint32, len(s.names))
	for i, v := range s.names {
		s.nameIdx[v] = uint32(i)
	}
	s.locIdx = make(map[memLocKey]uint32, len(s.locs))
	for i := range s.locs {
		l := &s.locs[i]
		k := memLocKey{lon: l.pt[0], lat: l.pt[1], name: l.name, lsoaCode: l.lsoaCode, lsoaName: l.lsoaName}
		if math.IsNaN(k.lon) {
			k.lon, k.lat = 0, 0
		}
		s.locIdx[k] = uint32(i)
	}
	s.indexed = true
}

// fit returns s, or a copy of it without room to spare when it has any.
func fit[S ~[]E, E any](s S) S {
	if cap(s) == len(s) {
		return s
	}
	return slices.Clone(s)
}

func locate(l *geo.Layer, loc memLoc) int32 {
	if loc.cell == 0 {
		return -1
	}
	return int32(l.Locate(loc.pt))
}

// Replace stores partitions atomically, each replacing its (source, force,
// month): a force export never replaces police.uk's months, nor the reverse.
// Everything that can refuse them (the crime type limit, indexing, writing
// the files) happens before the manifest is committed; a refused or failed
// Replace removes the files it wrote and leaves disk and memory as they
// were. The partitions are not changed.
func (s *MemStore) Replace(ctx context.Context, parts []*Partition) error {
	if len(parts) == 0 {
		return ErrNothingToAdd
	}
	if err := s.checkTypes(parts); err != nil {
		return err
	}
	b, err := s.begin(ctx, false)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if err := b.add(p); err != nil {
			b.abort()
			return err
		}
	}
	return b.commit()
}

// batch is a change being built partition by partition, so that an import
// need not hold every partition it read at once: each added partition is
// written to its file and absorbed into memory at once, out of readers'
// sight, and the commit makes them all visible in one step (the manifest's
// rename). It holds writeMu from begin to commit or abort.
type batch struct {
	s     *MemStore
	ctx   context.Context
	gen   int64
	reuse bool // partitions are the batch's own: absorb translates them in place

	queue chan *Partition
	wg    sync.WaitGroup
	// cells, when set, holds the cells the reader computed for the points
	// of the import, for new locations to take.
	cells *cellCache

	mu      sync.Mutex // guards the fields below
	pending map[partKey]*memPart
	rows    map[partKey]int
	files   []string // every file written, for abort
	errs    []error
	types   map[string]bool // the types of the partitions added
	done    bool
}

// begin starts a batch; add its partitions, then commit or abort it.
func (s *MemStore) begin(ctx context.Context, reuse bool) (*batch, error) {
	s.writeMu.Lock()
	if err := s.checkOpen(); err != nil {
		s.writeMu.Unlock()
		return nil, err
	}
	b := &batch{s: s, ctx: ctx, gen: s.man.Generation + 1, reuse: reuse, queue: make(chan *Partition, 4),
		pending: map[partKey]*memPart{}, rows: map[partKey]int{}, types: map[string]bool{}}
	// Writers: each write ends in an fsync, which waits on the disk, not
	// the CPU, so four run at once.
	for range 4 {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			for p := range b.queue {
				b.store(p)
			}
		}()
	}
	return b, nil
}

// add checks p, then hands it to a writer. With reuse set the caller must
// not use p after.
func (b *batch) add(p *Partition) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	for _, t := range partTypes(p) {
		b.types[t] = true
	}
	n, err := len(b.types), errors.Join(b.errs...)
	b.mu.Unlock()
	if err != nil {
		return b.firstErr()
	}
	if n > MaxCrimeTypes {
		return fmt.Errorf("%w: %s %s and the partitions before it have more than %d; is a free-text column read as the crime type? Name the crime type column (--type-col)",
			ErrTooManyTypes, p.Force, p.Month, MaxCrimeTypes)
	}
	b.queue <- p
	return nil
}

// store writes p's file and absorbs it, on a writer goroutine.
func (b *batch) store(p *Partition) {
	s := b.s
	if err := b.ctx.Err(); err != nil {
		b.fail(err)
		return
	}
	// Absorbed first, out of readers' sight, so the file can refer to the
	// store's location table by id; the commit writes the table's new
	// locations before the manifest.
	s.mu.Lock()
	s.makeTypeRoom([]*Partition{p})
	s.hint = b.cells
	mp, err := s.absorb(p, "", b.reuse)
	s.hint = nil
	var typeNames []string
	if err == nil {
		typeNames = make([]string, len(mp.types))
		for i, t := range mp.types {
			typeNames[i] = s.strs[t]
		}
	}
	s.mu.Unlock()
	if err != nil {
		b.fail(err)
		return
	}
	file, err := s.writePartFile(b.gen, mp, typeNames)
	b.mu.Lock()
	b.files = append(b.files, file)
	b.mu.Unlock()
	if err != nil {
		b.fail(err)
		return
	}
	mp.file = file
	if s.hook != nil {
		s.hook("wrote " + file)
	}
	k := partKey{p.SourceName(), p.Force, p.Month}
	b.mu.Lock()
	b.pending[k], b.rows[k] = mp, len(mp.loc)
	b.mu.Unlock()
}

func (b *batch) fail(err error) {
	b.mu.Lock()
	b.errs = append(b.errs, err)
	b.mu.Unlock()
}

// firstErr is the batch's error: a full disk said once (it fails every
// writer at once), else all of them.
func (b *batch) firstErr() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, err := range b.errs {
		var full *DiskFullError
		if errors.As(err, &full) {
			return err
		}
	}
	return errors.Join(b.errs...)
}

// wait lets the writers finish what they were given.
func (b *batch) wait() {
	if !b.done {
		b.done = true
		close(b.queue)
		b.wg.Wait()
	}
}

// get reads back the partition of k the batch stored, for a later file of
// the same month to be compared with or merged into; nil when there is
// none. It waits for the writers first, so a partition of k added after
// it replaces the one it read.
func (b *batch) get(k partKey) (*Partition, error) {
	close(b.queue)
	b.wg.Wait()
	b.queue = make(chan *Partition, 4)
	for range 4 {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			for p := range b.queue {
				b.store(p)
			}
		}()
	}
	if err := b.firstErr(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	mp, ok := b.pending[k]
	b.mu.Unlock()
	if !ok {
		return nil, nil
	}
	return b.s.partition(mp), nil
}

// partition rebuilds a stored partition as a Partition, for a later file of
// the same month to be compared with or merged into.
func (s *MemStore) partition(mp *memPart) *Partition {
	s.mu.RLock()
	d := dicts{locs: s.locs, strs: s.strs, names: s.names}
	s.mu.RUnlock()
	bl := newBuilder(mp.source, mp.force, mp.month)
	var in Incident
	cell := func(orb.Point) geo.Cell { return in.Cell }
	for i := range mp.loc {
		d.incident(mp, i, &in)
		bl.add(&in, cell)
	}
	return bl.p
}

// abort removes what the batch wrote and releases the store.
func (b *batch) abort() {
	b.wait()
	b.s.removeFiles(b.files)
	b.s.writeMu.Unlock()
}

// commit makes the batch's partitions the stored ones, or, failing,
// removes what it wrote and leaves the store as it was.
func (b *batch) commit() error {
	b.wait()
	s := b.s
	defer s.writeMu.Unlock()
	fail := func(err error) error {
		s.removeFiles(b.files)
		return err
	}
	if err := b.firstErr(); err != nil {
		return fail(err)
	}
	if len(b.pending) == 0 {
		return ErrNothingToAdd
	}
	if err := s.checkKeptTypes(b.types, b.pending); err != nil {
		return fail(err)
	}
	next := s.man.clone()
	next.Generation = b.gen
	s.mu.RLock()
	nlocs, nnames := len(s.locs), len(s.names)
	s.mu.RUnlock()
	if nlocs > s.committedLocs || nnames > s.committedNames {
		ml, err := s.writeLocSegment(b.gen, s.committedLocs, s.committedNames)
		b.files = append(b.files, ml.File)
		if err != nil {
			return fail(err)
		}
		next.Locations = append(next.Locations, ml)
	}
	for k, mp := range b.pending {
		next.setPartition(manPart{Source: k.source, Force: k.force, Month: k.month, File: mp.file, Rows: b.rows[k]})
	}
	if err := b.ctx.Err(); err != nil {
		return fail(err)
	}
	if s.hook != nil {
		s.hook("commit")
	}
	if err := s.commit(next); err != nil {
		return fail(err)
	}
	if s.hook != nil {
		s.hook("committed")
	}
	s.committedLocs, s.committedNames = nlocs, nnames
	s.mu.Lock()
	for k, mp := range b.pending {
		s.parts[k] = mp
	}
	s.man = next
	s.version.Store(uint64(next.Generation))
	s.sum = nil
	s.mu.Unlock()
	s.collect()
	s.saveLocIndex()
	return nil
}

// removeFiles removes files a failed change wrote (relative names; empty
// ones are skipped), so a failure on a full disk does not keep it full.
func (s *MemStore) removeFiles(rels []string) {
	for _, rel := range rels {
		if rel == "" {
			continue
		}
		if err := os.Remove(filepath.Join(s.dir, rel)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("could not remove a file of a failed change", "file", rel, "err", err)
		}
	}
}

// checkOpen refuses a change to a closed store, or to one whose folder is
// read-only.
func (s *MemStore) checkOpen() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrStoreClosed
	}
	if s.lock.readOnly {
		return fmt.Errorf("%w: %s cannot be written, so imports and layer changes are refused; "+
			"to change the data, run hotspotd on a folder it may write to", ErrReadOnly, s.dir)
	}
	return nil
}

// PutLayer stores an area layer, replacing one of the same name.
func (s *MemStore) PutLayer(ctx context.Context, name string, areas []geo.Area, meta LayerMeta) error {
	if err := ValidLayerName(name); err != nil {
		return err
	}
	layer, err := geo.NewLayer(name, areas)
	if err != nil {
		return err
	}
	if meta.Imported.IsZero() {
		meta.Imported = s.now().UTC()
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.checkOpen(); err != nil {
		return err
	}
	next := s.man.clone()
	next.Generation++
	f, err := s.writeLayerFile(next.Generation, name, areas)
	if err != nil {
		return err
	}
	next.setLayer(manLayer{Name: name, File: f, Meta: meta})
	if err := ctx.Err(); err != nil {
		s.removeFiles([]string{f})
		return err
	}
	if err := s.commit(next); err != nil {
		s.removeFiles([]string{f})
		return err
	}
	s.mu.Lock()
	s.layers[name] = s.assign(layer, meta, f)
	s.man = next
	s.version.Store(uint64(next.Generation))
	s.mu.Unlock()
	s.collect()
	s.saveLocIndex()
	return nil
}

// assign computes every known location's area in the layer.
func (s *MemStore) assign(layer *geo.Layer, meta LayerMeta, file string) *memLayer {
	ml := &memLayer{layer: layer, meta: meta, file: file, area: make([]int32, len(s.locs))}
	for i := range s.locs {
		ml.area[i] = locate(layer, s.locs[i])
	}
	return ml
}

// DeleteLayer removes a layer.
func (s *MemStore) DeleteLayer(ctx context.Context, name string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.checkOpen(); err != nil {
		return err
	}
	next := s.man.clone()
	if !next.deleteLayer(name) {
		return fmt.Errorf("%w: %q", ErrNoLayer, name)
	}
	next.Generation++
	if err := s.commit(next); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.layers, name)
	s.man = next
	s.version.Store(uint64(next.Generation))
	s.mu.Unlock()
	s.collect()
	s.saveLocIndex()
	return nil
}

// Layer returns a layer with its index.
func (s *MemStore) Layer(ctx context.Context, name string) (*geo.Layer, LayerMeta, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ml, ok := s.layers[name]
	if !ok {
		return nil, LayerMeta{}, s.noLayer(name)
	}
	return ml.layer, ml.meta, nil
}

func (s *MemStore) noLayer(name string) error {
	names := make([]string, 0, len(s.layers))
	for n := range s.layers {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return fmt.Errorf("%w %q: no layers are loaded; add one with `hotspotd areas import`", ErrNoLayer, name)
	}
	return fmt.Errorf("%w %q; the layers are: %v", ErrNoLayer, name, names)
}

// Layers lists the layers in name order.
func (s *MemStore) Layers(ctx context.Context) ([]LayerInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]LayerInfo, 0, len(s.layers))
	for name, ml := range s.layers {
		out = append(out, layerInfo(name, ml.layer, ml.meta))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func layerInfo(name string, l *geo.Layer, meta LayerMeta) LayerInfo {
	li := LayerInfo{Name: name, Areas: len(l.Areas), Meta: meta}
	for _, a := range l.Areas {
		if a.HasPopulation {
			li.WithPop++
		}
	}
	b := l.Bound()
	li.Bound = [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	return li
}

// Summary describes what is stored. It walks every incident (for the type
// counts), so it is kept until the data change: health checks, the API and
// the engine ask for it on every request.
func (s *MemStore) Summary(ctx context.Context) (Summary, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.sumMu.Lock()
	defer s.sumMu.Unlock()
	if s.sum != nil && s.sum.Version == s.Version() {
		return s.sum.clone(), nil
	}
	sum := s.summarize()
	s.sum = &sum
	return sum.clone(), nil
}

func (sum Summary) clone() Summary {
	sum.Months = append([]Month{}, sum.Months...)
	sum.Forces = append([]string{}, sum.Forces...)
	sum.Types = append([]TypeCount{}, sum.Types...)
	sum.Layers = append([]string{}, sum.Layers...)
	srcs := make([]SourceInfo, len(sum.Sources))
	for i, si := range sum.Sources {
		si.Months = append([]Month{}, si.Months...)
		si.Forces = append([]string{}, si.Forces...)
		si.Types = append([]TypeCount{}, si.Types...)
		srcs[i] = si
	}
	sum.Sources = srcs
	return sum
}

// summarize computes the Summary; caller holds mu for reading.
func (s *MemStore) summarize() Summary {
	sum := Summary{Partitions: len(s.parts), Version: s.Version(), Months: []Month{}, Forces: []string{}, Types: []TypeCount{}, Layers: []string{}}
	months := map[Month]bool{}
	forces := map[string]bool{}
	types := make([]int64, len(s.strs))
	type srcAcc struct {
		info   SourceInfo
		months map[Month]bool
		forces map[string]bool
		types  []int64
	}
	srcs := map[string]*srcAcc{}
	for k, p := range s.parts {
		months[k.month] = true
		forces[k.force] = true
		sum.Incidents += int64(len(p.loc))
		sa := srcs[k.source]
		if sa == nil {
			sa = &srcAcc{info: SourceInfo{Name: k.source}, months: map[Month]bool{}, forces: map[string]bool{}, types: make([]int64, len(s.strs))}
			srcs[k.source] = sa
		}
		sa.months[k.month], sa.forces[k.force] = true, true
		sa.info.Incidents += int64(len(p.loc))
		for i, t := range p.types {
			types[t] += p.typeCount[i]
			sa.types[t] += p.typeCount[i]
		}
		sum.Unlocated += p.unlocated
		sa.info.HasTimes = sa.info.HasTimes || p.hasTimes
	}
	sum.Sources = []SourceInfo{}
	for _, sa := range srcs {
		si := sa.info
		for m := range sa.months {
			si.Months = append(si.Months, m)
		}
		slices.Sort(si.Months)
		for f := range sa.forces {
			si.Forces = append(si.Forces, f)
		}
		slices.Sort(si.Forces)
		si.Types = []TypeCount{}
		for t, n := range sa.types {
			if n > 0 {
				si.Types = append(si.Types, TypeCount{Type: s.strs[t], Count: n})
			}
		}
		sort.Slice(si.Types, func(i, j int) bool { return si.Types[i].Type < si.Types[j].Type })
		sum.Sources = append(sum.Sources, si)
	}
	sort.Slice(sum.Sources, func(i, j int) bool { return sum.Sources[i].Name < sum.Sources[j].Name })
	for m := range months {
		sum.Months = append(sum.Months, m)
	}
	sort.Slice(sum.Months, func(i, j int) bool { return sum.Months[i] < sum.Months[j] })
	for f := range forces {
		sum.Forces = append(sum.Forces, f)
	}
	sort.Strings(sum.Forces)
	for t, n := range types {
		if n > 0 {
			sum.Types = append(sum.Types, TypeCount{Type: s.strs[t], Count: n})
		}
	}
	sort.Slice(sum.Types, func(i, j int) bool { return sum.Types[i].Type < sum.Types[j].Type })
	for n := range s.layers {
		sum.Layers = append(sum.Layers, n)
	}
	sort.Strings(sum.Layers)
	return sum
}
