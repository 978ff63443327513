package web

import (
	"fmt"
	"net/http"

	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/report"
)

// writeProfileCSV sends the partnership's table of one area as CSV
// (report.WriteAreaTableCSV: per period current, previous, diff, % diff;
// for viewers a count of 1 or 2 is "<3" and that period's diff and % diff
// are withheld, as in the JSON).
func writeProfileCSV(w http.ResponseWriter, pr *engine.Profile, suppress bool) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="profile-%s-%s.csv"`, safeFileName(pr.Code), pr.Month))
	return report.WriteAreaTableCSV(w, pr, suppress)
}

// safeFileName keeps letters, digits, '-' and '_'.
func safeFileName(s string) string {
	b := []byte{}
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b = append(b, c)
		}
	}
	return string(b)
}
