package report

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Feature is one row of a table: Props holds one value per column (nil,
// string, int64, float64 or bool), numbers already rounded. A streamed table
// (incidents) fills ID and Props only when asked (Full), and reuses the
// feature for the next row: keep a copy (Keep), not the pointer.
type Feature struct {
	ID    string
	Geom  orb.Geometry // nil for none (an incident with no coordinates)
	Props []any
	fill  func(*Feature)
}

// Full fills the feature's ID and properties if they are not yet.
func (f *Feature) Full() *Feature {
	if f.fill != nil {
		fill := f.fill
		f.fill = nil
		fill(f)
	}
	return f
}

// Keep returns a filled copy of f that later rows do not overwrite.
func (f *Feature) Keep() *Feature {
	c := *f.Full()
	return &c
}

// Member is a top-level member of a FeatureCollection beside its features.
type Member struct {
	Name  string
	Value any
}

// Table is an export: its columns and its features, either held (Feats) or
// produced one at a time (incidents, of which there are many).
type Table struct {
	Kind  string
	Cols  []Column
	Meta  []Member
	File  string // download file name without the extension
	Feats []Feature

	stream func(ctx context.Context, fn func(*Feature) error) error
}

// Streamed reports whether the table's features are produced as they are
// read rather than held.
func (t *Table) Streamed() bool { return t.stream != nil }

// Each calls fn for every feature in order. A streamed table reuses the
// feature it passes: fn must Keep what it holds on to.
func (t *Table) Each(ctx context.Context, fn func(*Feature) error) error {
	if t.stream != nil {
		return t.stream(ctx, fn)
	}
	for i := range t.Feats {
		if err := fn(&t.Feats[i]); err != nil {
			return err
		}
	}
	return nil
}

// Filter returns a table of t's features for which keep is true, in order
// (streamed if t is). Paging and bounding boxes are filters over a table.
func (t *Table) Filter(keep func(*Feature) bool) *Table {
	out := *t
	out.Feats = nil
	out.stream = func(ctx context.Context, fn func(*Feature) error) error {
		return t.Each(ctx, func(f *Feature) error {
			if !keep(f) {
				return nil
			}
			return fn(f)
		})
	}
	return &out
}

// Stamp adds what every file says about itself: its name and the schema
// version first, the data's attribution and the time it was made last.
func (t *Table) Stamp(attribution string, now time.Time) {
	t.Meta = append([]Member{{"name", t.Kind}, {"schema_version", SchemaVersion}}, t.Meta...)
	t.Meta = append(t.Meta, Member{"attribution", attribution}, Member{"generated", now.UTC().Format(time.RFC3339)})
}

// round gives v to dp decimal places; NaN and infinities stay (written as
// null).
func round(v float64, dp int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow10(dp)
	return math.Round(v*p) / p
}

// sig gives v to n significant digits (p values span many magnitudes).
func sig(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', n, 64), 64)
	return r
}

func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// FileName joins parts into a download file name of safe characters.
func FileName(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('-')
		}
		for _, r := range strings.ToLower(p) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
				b.WriteRune(r)
			default:
				b.WriteByte('_')
			}
		}
	}
	return b.String()
}

// errPageFull stops the walk of a table once a page has its rows.
var errPageFull = errors.New("report: page full")

// Page returns a table of t's features from the offset-th (0 the first), at
// most limit of them (limit < 0: all), streamed: the walk of t stops once
// the page is full.
func Page(t *Table, offset, limit int) *Table {
	out := *t
	out.Feats = nil
	out.stream = func(ctx context.Context, fn func(*Feature) error) error {
		n, sent := 0, 0
		err := t.Each(ctx, func(f *Feature) error {
			n++
			if n <= offset {
				return nil
			}
			if limit >= 0 && sent >= limit {
				return errPageFull
			}
			sent++
			return fn(f)
		})
		if errors.Is(err, errPageFull) {
			return nil
		}
		return err
	}
	return &out
}
