// Package audit keeps the access log the Data Protection Act 2018 (s.62)
// asks of processing for law enforcement purposes: who (the token's name
// and role), what (the endpoint, its filters, the rows returned), when and
// from where, for every export, incident read, import and layer change.
//
// The log is JSON lines, appended to audit.jsonl in its folder and rotated
// by size (the full file is renamed audit-TIMESTAMP.jsonl and a new one
// started); rotated files are kept, none is deleted. It never holds a token
// or a signed link's signature.
package audit

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"
)

// Entry is one line of the log.
type Entry struct {
	Time time.Time `json:"time"`
	// Who is the token's name; "" in single-user mode (no tokens) or for a
	// caller without a valid token.
	Who  string `json:"who"`
	Role string `json:"role"` // none, viewer, analyst, admin
	From string `json:"from"` // the client's IP address
	// Action is what kind of access: export, incidents, import, layer.
	Action   string            `json:"action"`
	Method   string            `json:"method"`
	Endpoint string            `json:"endpoint"`          // the path
	Filters  map[string]string `json:"filters,omitempty"` // the query, no secrets
	Status   int               `json:"status"`
	// Rows is the number of records returned or written (features, CSV
	// rows, incidents stored, areas); nil where the answer has no rows (a
	// map tile, a refusal).
	Rows *int64 `json:"rows,omitempty"`
}

// Options configures a Log. The zero value is valid.
type Options struct {
	// MaxSizeMB is the size at which the file is rotated; 0 is 100.
	MaxSizeMB int
}

// FileName is the current log's name in its folder.
const FileName = "audit.jsonl"

// Log appends entries to the log in a folder. It is safe for concurrent use.
type Log struct {
	mu  sync.Mutex
	out *lumberjack.Logger
}

// Open opens (creating if need be) the log in dir.
func Open(dir string, opts Options) (*Log, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if opts.MaxSizeMB == 0 {
		opts.MaxSizeMB = 100
	}
	l := &Log{out: &lumberjack.Logger{Filename: filepath.Join(dir, FileName), MaxSize: opts.MaxSizeMB}}
	// Open now, so a folder that cannot be written is found at start-up,
	// not at the first export.
	if _, err := l.out.Write(nil); err != nil {
		return nil, fmt.Errorf("audit: cannot write the access log in %s: %w", dir, err)
	}
	return l, nil
}

// Record appends e as one line.
func (l *Log) Record(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.out.Write(b); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// Close closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.out.Close()
}

// Filter chooses entries to read. The zero value chooses all.
type Filter struct {
	Since, Until time.Time // Since inclusive, Until exclusive; zero: open
	Who          string    // token name, exactly (case-insensitive)
	Action       string    // export, incidents, import, layer
}

func (f Filter) match(e Entry) bool {
	return (f.Since.IsZero() || !e.Time.Before(f.Since)) &&
		(f.Until.IsZero() || e.Time.Before(f.Until)) &&
		(f.Who == "" || strings.EqualFold(f.Who, e.Who)) &&
		(f.Action == "" || f.Action == e.Action)
}

// ErrNoLog is returned by Read for a folder with no access log.
var ErrNoLog = errors.New("audit: no access log")

// Read calls fn for every entry in dir matching f, oldest first, across
// the rotated files and the current one.
func Read(dir string, f Filter, fn func(Entry) error) error {
	files, err := filepath.Glob(filepath.Join(dir, "audit-*.jsonl"))
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	sort.Strings(files) // the timestamp in the name sorts by time
	files = append(files, filepath.Join(dir, FileName))
	found := false
	for _, p := range files {
		fh, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		found = true
		err = readFile(fh, p, f, fn)
		fh.Close()
		if err != nil {
			return err
		}
	}
	if !found {
		return fmt.Errorf("%w in %s", ErrNoLog, dir)
	}
	return nil
}

func readFile(r io.Reader, name string, f Filter, fn func(Entry) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("audit: %s line %d is not a log entry: %w", filepath.Base(name), line, err)
		}
		if f.match(e) {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("audit: %s: %w", filepath.Base(name), err)
	}
	return nil
}
