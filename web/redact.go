package web

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/stockton-csp/hotspots/data"
)

// An upload is read from a temporary folder on the server; its path means
// nothing to the user and tells an attacker about the server. Reports and
// notes name the uploaded file as the user called it.

// withoutDir rewrites an import report's file names relative to dir (the
// upload's temporary folder): "x.csv", or "x.zip/2025-11/y.csv" for a zip
// entry.
func withoutDir(rep data.Report, dir string) data.Report {
	rel := func(p string) string {
		if r, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
		return stripDir(p, dir)
	}
	rep.Files = append([]data.FileReport(nil), rep.Files...)
	for i := range rep.Files {
		rep.Files[i].File = rel(rep.Files[i].File)
	}
	rep.Problems = append([]data.Problem(nil), rep.Problems...)
	for i := range rep.Problems {
		rep.Problems[i].File = rel(rep.Problems[i].File)
	}
	return rep
}

// stripDir removes dir and the separator after it from s, wherever it is.
func stripDir(s, dir string) string {
	return strings.ReplaceAll(s, dir+string(os.PathSeparator), "")
}

// notesWithoutDir is stripDir over notes.
func notesWithoutDir(notes []string, dir string) []string {
	out := make([]string, len(notes))
	for i, n := range notes {
		out[i] = stripDir(n, dir)
	}
	return out
}
