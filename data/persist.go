package data

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stockton-csp/hotspots/geo"
)

// The data directory:
//
//	manifest.json                 what is stored: format, generation, files
//	partitions/G-force-YYYY-MM.hsp one file per (force, month), written once
//	layers/G-name.hsa             one file per area layer, written once (layerfile.go;
//	                              .geojson in stores from before format 2)
//	locations/G.hsl               the store's location table, a segment per change (loctable.go)
//	locations.idx                 every location's cells and areas (locindex.go), not committed
//	lock                          held (flock) while a process has the store open
//
// A change writes its new files (fsynced), then a new manifest to a
// temporary name (fsynced) and renames it over manifest.json: the rename is
// the commit. Files the manifest no longer names are removed afterwards and
// at every open, so a crash at any moment leaves either the old or the new
// state whole, never a mixture.
const (
	manifestName   = "manifest.json"
	manifestFormat = 3
)

// Manifest format history: 1 named GeoJSON layer files only; 2 may name
// binary ones (.hsa), which versions reading format 1 cannot read; 3 names
// the location table's segments, which partition files of format 3 refer
// to. Stores of formats 1 and 2 are read as they are (their partitions hold
// their own locations), and their first change writes format 3.

type manifest struct {
	Format     int            `json:"format"`
	Generation int64          `json:"generation"`
	Partitions []manPart      `json:"partitions"`
	Locations  []manLocs      `json:"locations,omitempty"`
	Layers     []manLayer     `json:"layers"`
	Operations []manOperation `json:"operations,omitempty"`
}

type manPart struct {
	Source string `json:"source,omitempty"` // "" in manifests from before sources: police.uk
	Force  string `json:"force"`
	Month  Month  `json:"month"`
	File   string `json:"file"`
	Rows   int    `json:"rows"`
}

type manLayer struct {
	Name string    `json:"name"`
	File string    `json:"file"`
	Meta LayerMeta `json:"meta"`
}

func (m manifest) clone() manifest {
	c := m
	c.Format = manifestFormat
	c.Partitions = append([]manPart(nil), m.Partitions...)
	c.Locations = append([]manLocs(nil), m.Locations...)
	c.Layers = append([]manLayer(nil), m.Layers...)
	c.Operations = append([]manOperation(nil), m.Operations...)
	return c
}

func (m *manifest) setPartition(p manPart) {
	for i := range m.Partitions {
		if m.Partitions[i].sourceName() == p.sourceName() && m.Partitions[i].Force == p.Force && m.Partitions[i].Month == p.Month {
			m.Partitions[i] = p
			return
		}
	}
	m.Partitions = append(m.Partitions, p)
	sort.Slice(m.Partitions, func(i, j int) bool {
		a, b := m.Partitions[i], m.Partitions[j]
		if a.sourceName() != b.sourceName() {
			return a.sourceName() < b.sourceName()
		}
		if a.Force != b.Force {
			return a.Force < b.Force
		}
		return a.Month < b.Month
	})
}

func (p manPart) sourceName() string {
	if p.Source == "" {
		return PoliceUK
	}
	return p.Source
}

func (m *manifest) setLayer(l manLayer) {
	for i := range m.Layers {
		if m.Layers[i].Name == l.Name {
			m.Layers[i] = l
			return
		}
	}
	m.Layers = append(m.Layers, l)
	sort.Slice(m.Layers, func(i, j int) bool { return m.Layers[i].Name < m.Layers[j].Name })
}

func (m *manifest) deleteLayer(name string) bool {
	for i := range m.Layers {
		if m.Layers[i].Name == name {
			m.Layers = append(m.Layers[:i], m.Layers[i+1:]...)
			return true
		}
	}
	return false
}

var layerNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidLayerName checks an area layer's name, the one rule of every store:
// 1-63 lower-case letters, digits, '-' or '_'. A bad one is an error
// wrapping ErrBadLayerName that says what to use.
func ValidLayerName(name string) error {
	if !layerNameRE.MatchString(name) {
		return fmt.Errorf("%w %q: use 1-63 lower-case letters, digits, '-' or '_' (such as wards or town-centres)", ErrBadLayerName, name)
	}
	return nil
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	v := strings.Trim(slugRE.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(v) > 40 {
		v = v[:40]
	}
	if v == "" {
		v = "x"
	}
	return v
}

// ErrDiskFull is a change refused because the disk holding the data
// directory has no space left (or the user's quota is used up). Nothing is
// changed, and the files the change had written are removed.
var ErrDiskFull = errors.New("data: the disk is full")

// DiskFullError says which directory's disk is full. It matches ErrDiskFull
// and the system's error with errors.Is.
type DiskFullError struct {
	Dir string
	Err error
}

func (e *DiskFullError) Error() string {
	return fmt.Sprintf("data: the disk holding %s is full; free some space there and try again", e.Dir)
}

func (e *DiskFullError) Unwrap() []error { return []error{ErrDiskFull, e.Err} }

// IsNoSpace reports whether err is the system's "no space left on device"
// or "disk quota exceeded".
func IsNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// writeFile writes data produced by fill to dir/rel through a temporary
// file, fsyncs it and renames it into place. On failure the temporary file
// is removed.
func (s *MemStore) writeFile(rel string, fill func(w io.Writer) error) error {
	return s.replaceFile(rel, true, fill)
}

// replaceFile is writeFile, with the fsync only when sync is set (a file
// the store can recompute after a crash need not wait for the disk).
func (s *MemStore) replaceFile(rel string, sync bool, fill func(w io.Writer) error) error {
	path := filepath.Join(s.dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return s.writeErr(path, err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return s.writeErr(path, err)
	}
	var w io.Writer = f
	if s.writeFault != nil {
		w = s.writeFault(rel, f)
	}
	err = fill(w)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return s.writeErr(path, err)
	}
	return nil
}

func (s *MemStore) writeErr(path string, err error) error {
	if IsNoSpace(err) {
		return &DiskFullError{Dir: s.dir, Err: err}
	}
	return fmt.Errorf("data: writing %s: %w", path, err)
}

func (s *MemStore) writePartFile(gen int64, mp *memPart, typeNames []string) (string, error) {
	rel := filepath.Join("partitions", fmt.Sprintf("%08d-%s%s-%s.hsp", gen, sourceSlug(mp.source), slug(mp.force), mp.month))
	return rel, s.writeFile(rel, func(w io.Writer) error { return writeMemPart(w, mp, typeNames) })
}

// sourceSlug prefixes the file names of partitions not from police.uk, so
// two sources' (force, month) never share a name.
func sourceSlug(source string) string {
	if source == PoliceUK || source == "" {
		return ""
	}
	return slug(source) + "--"
}

func (s *MemStore) writeLayerFile(gen int64, name string, areas []geo.Area) (string, error) {
	rel := filepath.Join("layers", fmt.Sprintf("%08d-%s.hsa", gen, name))
	return rel, s.writeFile(rel, func(w io.Writer) error { return writeLayer(w, areas) })
}

// commit makes next the stored state: the manifest rename is atomic.
func (s *MemStore) commit(next manifest) error {
	b, err := json.MarshalIndent(next, "", " ")
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := s.writeFile(manifestName, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return err
	}
	// The rename has happened: the change is made, and a caller that undid
	// it now (removing its files) would break the store. A failed directory
	// sync only leaves the rename's durability to the file system.
	if err := syncDir(s.dir); err != nil {
		s.log.Warn("the change is saved but the data directory could not be synced", "err", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("data: syncing %s: %w", dir, err)
	}
	return nil
}

// collect removes files the manifest does not name (replaced partitions,
// leftovers of an interrupted change). Best effort.
func (s *MemStore) collect() {
	s.mu.RLock()
	keep := map[string]bool{}
	for _, p := range s.man.Partitions {
		keep[filepath.Clean(p.File)] = true
	}
	for _, l := range s.man.Layers {
		keep[filepath.Clean(l.File)] = true
	}
	for _, o := range s.man.Operations {
		keep[filepath.Clean(o.File)] = true
	}
	for _, l := range s.man.Locations {
		keep[filepath.Clean(l.File)] = true
	}
	s.mu.RUnlock()
	for _, sub := range []string{"partitions", "layers", "operations", "locations"} {
		ents, err := os.ReadDir(filepath.Join(s.dir, sub))
		if err != nil {
			continue
		}
		for _, e := range ents {
			rel := filepath.Join(sub, e.Name())
			if !keep[rel] {
				if err := os.Remove(filepath.Join(s.dir, rel)); err == nil {
					s.log.Debug("removed unreferenced file", "file", rel)
				}
			}
		}
	}
}

// load reads the manifest and every file it names.
func (s *MemStore) load() error {
	mpath := filepath.Join(s.dir, manifestName)
	b, err := os.ReadFile(mpath)
	if errors.Is(err, os.ErrNotExist) {
		s.man = manifest{Format: manifestFormat}
		s.collect()
		return nil
	}
	if err != nil {
		return fmt.Errorf("data: reading %s: %w", mpath, err)
	}
	var head struct {
		Format int `json:"format"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return fmt.Errorf("%w: %s is not valid JSON (%v); restore the data directory from a backup or re-import into an empty one", ErrCorrupt, mpath, err)
	}
	if head.Format > manifestFormat {
		return fmt.Errorf("%w: %s has format %d and this version reads format %d; upgrade hotspots", ErrNewerFormat, s.dir, head.Format, manifestFormat)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, mpath, err)
	}
	s.man = m
	// Layers first, so locations get their areas as partitions arrive.
	for _, ml := range m.Layers {
		layer, err := s.readLayerFile(ml)
		if err != nil {
			return err
		}
		s.layers[ml.Name] = &memLayer{layer: layer, meta: ml.Meta, file: ml.File}
	}
	if err := s.loadOperations(m.Operations); err != nil {
		return err
	}
	if len(m.Locations) > 0 {
		// the location table replaces the dictionaries OpenMem began
		s.names, s.locs = s.names[:0], s.locs[:0]
		s.indexed = false
		for _, ml := range m.Locations {
			if err := s.loadLocSegment(ml); err != nil {
				return err
			}
		}
		s.committedLocs, s.committedNames = len(s.locs), len(s.names)
	}
	s.useLocIndex()
	s.assignTable()
	if err := s.loadParts(m.Partitions); err != nil {
		return err
	}
	s.collect()
	if s.computed > 0 && !s.lock.readOnly {
		s.log.Info("saving the location index", "computed", s.computed)
		s.saveLocIndex()
	}
	s.saved, s.openComputed, s.computed = nil, s.computed, 0
	for _, ml := range s.layers {
		ml.saved = nil
	}
	return nil
}

// useLocIndex reads the location index for loading, and gives each layer
// its column when the index was computed against the layer's file. A
// missing or damaged index is only work to redo.
func (s *MemStore) useLocIndex() {
	x, err := readLocIndex(s.dir)
	if err != nil {
		s.log.Warn("the location index cannot be used; recomputing every location's cells and areas", "file", locIndexName, "err", err)
		return
	}
	s.saved = x
	if x == nil {
		return
	}
	if len(s.locs) == 0 {
		// About as many locations as points (a few share a point under two
		// names): sized now, the location map never grows while loading.
		s.locIdx = make(map[memLocKey]uint32, len(x.pts)+len(x.pts)/8)
	}
	for name, ml := range s.layers {
		if col, ok := x.layers[name]; ok && col.file == ml.file {
			ml.saved = col.area
		}
	}
}

// assignTable gives the locations read from the location table their area
// in each layer: from the location index when it was computed against the
// layer's file, else computed. The locations are split between two
// goroutines (a binary search each, at national scale most of the open
// outside the partitions).
func (s *MemStore) assignTable() {
	n := len(s.locs)
	if n == 0 {
		return
	}
	for _, lay := range s.layers {
		lay.area = make([]int32, n)
	}
	var wg sync.WaitGroup
	var computed [2]int
	for h := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := h * n / 2; i < (h+1)*n/2; i++ {
				l := &s.locs[i]
				pos := -1
				if l.cell != 0 {
					pos = s.saved.find(l.pt)
				}
				for _, lay := range s.layers {
					switch {
					case l.cell == 0:
						lay.area[i] = -1
					case pos >= 0 && lay.saved != nil:
						lay.area[i] = lay.saved[pos]
					default:
						lay.area[i] = locate(lay.layer, *l)
						computed[h]++
					}
				}
			}
		}()
	}
	wg.Wait()
	s.computed += computed[0] + computed[1]
}

// loaded is a partition file read and decoded: a stored partition of format
// 3 (mp), or an older one still to be absorbed (p).
type loaded struct {
	mp  *memPart
	p   *Partition
	err error
}

// loadParts reads, decodes and absorbs the partitions, in manifest order:
// two goroutines (the machine's two cores) read and decode while this one
// absorbs, with at most four decoded partitions waiting, so memory stays
// near the store's own and never holds every decoded file at once. Files of
// format 3 refer to the location table already loaded: decoding is all
// their work, with no look-up per location, so restart time follows the
// bytes read. Older files are absorbed here, one at a time.
func (s *MemStore) loadParts(mps []manPart) error {
	type slot struct {
		loaded
		done chan struct{}
	}
	slots := make([]slot, len(mps))
	for i := range slots {
		slots[i].done = make(chan struct{})
	}
	quit := make(chan struct{})
	defer close(quit)
	sem := make(chan struct{}, 4)
	var mu, typeMu sync.Mutex
	next := 0
	// The location table read: the decoding goroutines read it while an
	// older partition absorbed here may append to s.locs, past its end.
	locs, nnames := s.locs[:len(s.locs):len(s.locs)], len(s.names)
	anyUnlocated := false
	for i := range locs {
		if locs[i].cell == 0 {
			anyUnlocated = true
			break
		}
	}
	for range min(2, len(mps)) {
		go func() {
			var buf []byte // one read buffer per goroutine: decoding copies what it keeps
			for {
				select {
				case sem <- struct{}{}:
				case <-quit:
					return
				}
				// take the next index only once holding a place, so the
				// places are held by the lowest indices not yet absorbed
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(mps) {
					<-sem
					return
				}
				slots[i].loaded, buf = s.loadPartFile(mps[i], buf, locs, anyUnlocated, nnames, &typeMu)
				close(slots[i].done)
			}
		}()
	}
	types := map[string]bool{}
	for i := range slots {
		<-slots[i].done
		ld := slots[i].loaded
		slots[i].loaded = loaded{}
		if ld.err != nil {
			return ld.err
		}
		mp := ld.mp
		if mp == nil {
			for _, t := range partTypes(ld.p) {
				types[t] = true
			}
			if len(types) > math.MaxUint16 {
				return s.tooManyTypes()
			}
			var err error
			if mp, err = s.absorb(ld.p, mps[i].File, true); err != nil {
				return err
			}
		}
		s.parts[partKey{mp.source, mp.force, mp.month}] = mp
		<-sem
	}
	return nil
}

func (s *MemStore) tooManyTypes() error {
	return fmt.Errorf("%w: %s holds more distinct crime types than this version can load (%d); import the data again into an empty data directory",
		ErrCorrupt, s.dir, math.MaxUint16)
}

// loadPartFile reads one partition file into buf (grown as needed; returned
// for the next) and decodes it: a file of format 3 into a stored partition
// with the store's crime type ids (interned under typeMu, the only lock a
// decoding goroutine takes), an older one into a Partition.
func (s *MemStore) loadPartFile(mp manPart, buf []byte, locs []memLoc, anyUnlocated bool, nnames int, typeMu *sync.Mutex) (loaded, []byte) {
	nlocs := len(locs)
	path := filepath.Join(s.dir, mp.File)
	b, err := readFileInto(path, buf)
	if err != nil {
		return loaded{err: fmt.Errorf("%w: %s is missing (%v); re-import %s %s or restore the data directory from a backup", ErrCorrupt, path, err, mp.Force, mp.Month)}, buf
	}
	if partFileFormat(b) < 3 {
		p, err := decodePartFile(path, b, mp)
		return loaded{p: p, err: err}, b
	}
	m, types, err := decodeMemPart(b, nlocs, nnames)
	if err != nil {
		return loaded{err: fmt.Errorf("%s: %w; re-import %s %s or restore the data directory from a backup", path, err, mp.Force, mp.Month)}, b
	}
	if m.source != mp.sourceName() || m.force != mp.Force || m.month != mp.Month || len(m.loc) != mp.Rows {
		return loaded{err: fmt.Errorf("%w: %s does not hold what the manifest says (%s %s, %d rows)", ErrCorrupt, path, mp.Force, mp.Month, mp.Rows)}, b
	}
	m.file = mp.File
	global := make([]uint16, len(types))
	typeMu.Lock()
	for i, t := range types {
		if _, ok := s.strIdx[t]; !ok && len(s.strs) >= math.MaxUint16 {
			typeMu.Unlock()
			return loaded{err: s.tooManyTypes()}, b
		}
		global[i] = s.intern(t)
	}
	typeMu.Unlock()
	for i, t := range m.typ {
		m.typ[i] = global[t]
	}
	for i, t := range m.types {
		m.types[i] = global[t]
	}
	m.tally(locs, anyUnlocated)
	return loaded{mp: m}, b
}

// readFileInto reads a whole file into buf, growing it when the file is
// larger.
func readFileInto(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return buf, err
	}
	n := int(st.Size())
	if cap(buf) < n {
		buf = make([]byte, n, n+n/4)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(f, buf); err != nil {
		return buf, err
	}
	return buf, nil
}

// decodePartFile decodes a partition file of format 1 or 2.
func decodePartFile(path string, b []byte, mp manPart) (*Partition, error) {
	p, err := readPartition(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; re-import %s %s or restore the data directory from a backup", path, err, mp.Force, mp.Month)
	}
	if p.SourceName() != mp.sourceName() || p.Force != mp.Force || p.Month != mp.Month || p.Len() != mp.Rows {
		return nil, fmt.Errorf("%w: %s does not hold what the manifest says (%s %s, %d rows)", ErrCorrupt, path, mp.Force, mp.Month, mp.Rows)
	}
	return p, nil
}

func (s *MemStore) readLayerFile(ml manLayer) (*geo.Layer, error) {
	path := filepath.Join(s.dir, ml.File)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: layer file %s is missing (%v); import the layer %q again", ErrCorrupt, path, err, ml.Name)
	}
	var areas []geo.Area
	if strings.HasSuffix(ml.File, ".geojson") {
		areas, err = readGeoJSONLayer(b)
	} else {
		areas, err = readLayer(b)
	}
	if errors.Is(err, ErrNewerFormat) {
		return nil, fmt.Errorf("layer file %s: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: layer file %s: %v; import the layer %q again", ErrCorrupt, path, err, ml.Name)
	}
	return geo.NewLayer(ml.Name, areas)
}

// readGeoJSONLayer reads a layer file of a store from before manifest
// format 2.
func readGeoJSONLayer(b []byte) ([]geo.Area, error) {
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		return nil, err
	}
	areas := make([]geo.Area, 0, len(fc.Features))
	for _, f := range fc.Features {
		a := geo.Area{Code: f.Properties.MustString("code", ""), Name: f.Properties.MustString("name", "")}
		switch g := f.Geometry.(type) {
		case orb.MultiPolygon:
			a.Geometry = g
		case orb.Polygon:
			a.Geometry = orb.MultiPolygon{g}
		default:
			return nil, fmt.Errorf("area %s has no polygon", a.Code)
		}
		if v, ok := f.Properties["population"].(float64); ok {
			a.Population, a.HasPopulation = v, true
		}
		a.Bound = a.Geometry.Bound()
		areas = append(areas, a)
	}
	return areas, nil
}

// dirLock is an advisory lock on the data directory, so two processes never
// write it at once. The kernel drops it when the process dies.
// dirLock holds the data folder: an exclusive lock for a writer, a shared
// one for a read-only folder (readOnly), where no hotspotd can write.
type dirLock struct {
	f        *os.File
	readOnly bool
}

// readOnlyErr reports whether err says a file may not be written: a
// read-only file system or folder.
func readOnlyErr(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

func lockDir(dir string) (*dirLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data: cannot create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, "lock")
	const wOK = 2 // access(2)'s W_OK
	if err := syscall.Access(dir, wOK); err != nil && readOnlyErr(err) {
		// A folder this process may not write: serve it as it is. A shared
		// lock keeps out a writer that may (another user's import).
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			return &dirLock{readOnly: true}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
			f.Close()
			return nil, fmt.Errorf("data: the data directory %s is in use by another hotspotd that is changing it; stop it first", dir)
		}
		return &dirLock{f: f, readOnly: true}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid, _ := os.ReadFile(path)
		f.Close()
		who := "another hotspotd"
		if p := strings.TrimSpace(string(pid)); p != "" {
			who += " (process " + p + ")"
		}
		return nil, fmt.Errorf("data: the data directory %s is in use by %s; stop it first, or import through the running server", dir, who)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &dirLock{f: f}, nil
}

func (l *dirLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}
