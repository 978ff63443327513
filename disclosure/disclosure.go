// Package disclosure is the one rule deciding which figures a caller may
// see: every answer of the API, the map's tiles, the downloads, the OGC API,
// the tasking sheet, the strategy page and the command line passes its
// engine result through a View before it is encoded.
//
// Public sources (police.uk, published openly street by street) are shown
// as published. Every other source (a force's own records) is restricted:
// callers who may not see exact figures (viewers) get every count in a band
// of five, as the lower end of the band, and figures that would give a
// count away (harm, cost, shares of harm, peak-hour claims, the strategy
// view) are computed from the banded counts or withheld.
//
// The method is banding, deterministic rounding down to a multiple of five
// (Hundepool et al., Statistical Disclosure Control, Wiley 2012, section
// 5.4.1 on rounding; ONS, "Disclosure control guidance for tables produced
// from administrative sources", 2014, on the threshold), with the band
// [0,4] shown as "<5" whether the count is 0 or not. Because every band's
// lower end is a multiple of five and its upper end one less than the next,
// any difference "a total minus some of its parts" a viewer can form from
// two or more answers (a period minus a shorter one, a group minus its
// visible rows, a zone minus its types, every type minus the others) has
// an upper bound of 4 modulo 5; the bounds of several such differences
// intersect in an interval whose top is still at least 4. So a true 1 or 2
// is never pinned down: at least {1..4} or {2..4} stays possible (see
// Bounds and the package's tests). Banding is applied to the same cell the
// same way everywhere, as it depends on the true count alone.
package disclosure

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Band is the width of the bands viewers see restricted counts in.
const Band = 5

// PoliceUK is the name of the police.uk source (data.PoliceUK).
const PoliceUK = "police.uk"

// ErrWithheld is returned (wrapped) for an answer that is withheld whole
// from a caller under the policy: a figure of a restricted source that no
// band can protect. It names what to do.
var ErrWithheld = errors.New("disclosure: withheld")

// Options configures a Policy. The zero value is valid: police.uk is public,
// every other source restricted.
type Options struct {
	// Public names the sources shown as published to everyone; nil is
	// police.uk alone. An empty, non-nil list restricts every source.
	Public []string
}

// Policy is the disclosure policy of a deployment: which sources are
// public. Safe for concurrent use (it does not change after New).
type Policy struct {
	public map[string]bool
	grids  *gridCache // neighbour lists of the study grids Gi* is run on again
}

// New returns the policy of opts.
func New(opts Options) *Policy {
	pub := opts.Public
	if pub == nil {
		pub = []string{PoliceUK}
	}
	p := &Policy{public: map[string]bool{}, grids: newGridCache()}
	for _, s := range pub {
		if s = strings.TrimSpace(s); s != "" {
			p.public[s] = true
		}
	}
	return p
}

func (p *Policy) gridCache() *gridCache {
	if p == nil {
		return nil
	}
	return p.grids
}

// Public reports whether source is shown as published.
func (p *Policy) Public(source string) bool { return p != nil && p.public[source] }

// PublicSources lists the public sources, sorted.
func (p *Policy) PublicSources() []string {
	var out []string
	for s := range p.public {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// View returns the view of an answer from source for a caller: exact for
// callers who may see exact figures (analysts, admins, the command line)
// and for public sources; banded otherwise. A nil Policy restricts every
// source.
func (p *Policy) View(source string, exact bool) View {
	if exact || p.Public(source) {
		return View{source: source}
	}
	return View{source: source, band: Band, grids: p.gridCache()}
}

// Exact is the view that changes nothing.
func Exact() View { return View{} }

// View is the policy for one answer: exact, or counts in bands. The zero
// value is exact.
type View struct {
	source string
	band   int64      // 0: exact
	grids  *gridCache // nil: none kept
}

// Protected reports whether the view bands counts.
func (v View) Protected() bool { return v.band > 0 }

// Source is the source the view is of.
func (v View) Source() string { return v.source }

// Count is n as the view shows it: the lower end of its band (0 for 0..4,
// 5 for 5..9, ...) or n itself.
func (v View) Count(n int64) int64 {
	if v.band == 0 || n < 0 {
		return n
	}
	return n - n%v.band
}

// Countf is Count for a count held as a float64 (series, changes).
func (v View) Countf(x float64) float64 {
	if v.band == 0 {
		return x
	}
	return float64(v.Count(int64(x)))
}

// Bounds are the true counts a shown count lo stands for: [lo, lo+band-1],
// or [lo, lo] when exact.
func (v View) Bounds(shown int64) (lo, hi int64) {
	if v.band == 0 {
		return shown, shown
	}
	return shown, shown + v.band - 1
}

// Label is n as people read it: "<5" for 0..4, "5-9", "10-14", ... when
// protected; the number otherwise.
func (v View) Label(n int64) string {
	if v.band == 0 {
		return strconv.FormatInt(n, 10)
	}
	lo, hi := v.Bounds(v.Count(n))
	if lo == 0 {
		return "<" + strconv.FormatInt(v.band, 10)
	}
	return strconv.FormatInt(lo, 10) + "-" + strconv.FormatInt(hi, 10)
}

// Value is n for a table cell: the number when exact, the Label when
// protected (CSV, GeoJSON and spreadsheet downloads).
func (v View) Value(n int64) any {
	if v.band == 0 {
		return n
	}
	return v.Label(n)
}

// Listed reports whether a row of n incidents may be listed by name (a
// crime type, a place): always when exact; when protected, only when its
// band is not the lowest, since listing a name says it has at least one.
func (v View) Listed(n int64) bool { return v.band == 0 || n >= v.band }

// Note says what the view did to an answer, for the answer itself; nil for
// an exact view.
func (v View) Note(withheld ...string) *Note {
	if v.band == 0 {
		return nil
	}
	return &Note{
		Source: v.source,
		Method: fmt.Sprintf("counts of restricted sources are shown in bands of %d: each count is the lower end of its band "+
			"(0 stands for 0 to %d, shown as \"<%d\"; %d for %d to %d), and every figure beside it is computed from the banded counts",
			v.band, v.band-1, v.band, v.band, v.band, 2*v.band-1),
		Band:     int(v.band),
		Withheld: withheld,
	}
}

// Note is the statement an answer carries when its counts are banded.
type Note struct {
	Source   string   `json:"source"`
	Method   string   `json:"method"`
	Band     int      `json:"band"`
	Withheld []string `json:"withheld,omitempty"`
}

// withheld wraps ErrWithheld for what, saying who may see it.
func (v View) withheld(what string) error {
	return fmt.Errorf("%w: %s of %s, a restricted source, are shown to analysts only; viewers see its counts, in bands of %d (the map, rankings, profiles, trends, hot spots and tasking)",
		ErrWithheld, what, v.source, v.band)
}
