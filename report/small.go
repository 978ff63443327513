package report

// Small numbers for viewers (docs/exports.md, "Small numbers"): a count of 1
// or 2 incidents shows as "<3" and the figures that would give it away are
// withheld. The tables call these two functions and nothing else, so the
// rule can be replaced in one place.

// SmallCount is the threshold below which viewers see "<3".
const SmallCount = 3

// hidden reports whether a count of n incidents is withheld when suppress
// is on: 1 or 2, so one incident cannot be singled out.
func hidden(n int64, suppress bool) bool { return suppress && n > 0 && n < SmallCount }

// small is a count as a viewer may see it: n, or "<3" for 1..2.
func small(n int64, suppress bool) any {
	if hidden(n, suppress) {
		return "<3"
	}
	return n
}
