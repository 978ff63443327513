package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stockton-csp/hotspots/audit"
)

const auditAbout = `Reads the access log: every export, incident read (exports, OGC API,
incident map tiles), import and layer change made through the server, with
who (the token's name and role), what (endpoint, filters, rows returned),
when and from where; refusals too. The Data Protection Act 2018 (s.62) asks
for such a log of processing for law enforcement purposes.

The log is DATA-DIR/audit/audit.jsonl (JSON lines), rotated at 100 MB into
audit-TIMESTAMP.jsonl beside it; rotated files are kept. It never holds a
token.

Examples:
  hotspotd audit --since 7d
  hotspotd audit --who "Analyst CURV" --action incidents --since 2026-11-01
  hotspotd audit --format json > access.jsonl`

// auditDir is where serve keeps the access log in a data folder.
func auditDir(dataDir string) string { return filepath.Join(dataDir, "audit") }

func (m *Main) audit(ctx context.Context, args []string) error {
	fs := m.newFlags("audit", "audit [flags]", auditAbout)
	dataDir := fs.String("data-dir", defaultDataDir(), "data folder")
	dir := fs.String("audit-dir", "", "the access log's folder, if serve was given one (default DATA-DIR/audit)")
	since := fs.String("since", "", "from this time: 2026-11-01, 2026-11-01T09:00:00Z, or a time ago such as 24h or 7d")
	until := fs.String("until", "", "before this time (same forms as --since)")
	who := fs.String("who", "", "only this token's name")
	action := fs.String("action", "", "only export, incidents, import or layer")
	format := fs.String("format", "table", "table or json (the log's own lines)")
	if err := parse(fs, args); err != nil {
		return err
	}
	var f audit.Filter
	var err error
	if f.Since, err = auditTime(*since, m.Now()); err != nil {
		return fmt.Errorf("%w: --since: %v", errUsage, err)
	}
	if f.Until, err = auditTime(*until, m.Now()); err != nil {
		return fmt.Errorf("%w: --until: %v", errUsage, err)
	}
	switch *action {
	case "", "export", "incidents", "import", "layer":
		f.Action = *action
	default:
		return fmt.Errorf("%w: --action %q: use export, incidents, import or layer", errUsage, *action)
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("%w: --format %q: use table or json", errUsage, *format)
	}
	f.Who = *who
	if *dir == "" {
		*dir = auditDir(*dataDir)
	}
	t := &table{head: []string{"Time (UTC)", "Who", "Role", "From", "Action", "Request", "Status", "Rows"},
		right: []bool{false, false, false, false, false, false, true, true}}
	enc := json.NewEncoder(m.Stdout)
	n := 0
	err = audit.Read(*dir, f, func(e audit.Entry) error {
		n++
		if *format == "json" {
			return enc.Encode(e)
		}
		rows := ""
		if e.Rows != nil {
			rows = strconv.FormatInt(*e.Rows, 10)
		}
		w := e.Who
		if w == "" && e.Role == "admin" {
			w = "(single user)"
		} else if w == "" {
			w = "(no valid token)"
		}
		t.add(e.Time.UTC().Format("2006-01-02 15:04:05"), w, e.Role, e.From, e.Action, e.Method+" "+e.Endpoint+filterText(e.Filters), strconv.Itoa(e.Status), rows)
		return nil
	})
	if errors.Is(err, audit.ErrNoLog) {
		fmt.Fprintf(m.Stderr, "No access log in %s yet: the server writes one once it serves an export, incident, import or layer change.\n", *dir)
		return nil
	}
	if err != nil {
		return err
	}
	if *format == "table" {
		if n == 0 {
			fmt.Fprintln(m.Stderr, "No access matches.")
			return nil
		}
		return t.write(m.Stdout)
	}
	return nil
}

// filterText prints filters as a query string, keys sorted.
func filterText(f map[string]string) string {
	if len(f) == 0 {
		return ""
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		b.WriteString([]string{"?", "&"}[min(i, 1)])
		b.WriteString(k + "=" + f[k])
	}
	return b.String()
}

// auditTime reads a time: a date, an RFC 3339 time, or a time ago (90m,
// 24h, 7d).
func auditTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2026-11-01), a time (2026-11-01T09:00:00Z) or a time ago (24h, 7d)", s)
}
