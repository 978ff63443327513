package web

import (
	"fmt"
	"net/http"

	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/report"
)

// writeProfileCSV sends the partnership's table of one area as CSV
// (report.WriteAreaTableCSV: per period current, previous, diff, % diff).
// pr is what v shows (v.Profile); its counts are written as v labels them
// ("<5", "5-9").
func writeProfileCSV(w http.ResponseWriter, pr *engine.Profile, v disclosure.View) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="profile-%s-%s.csv"`, safeFileName(pr.Code), pr.Month))
	return report.WriteAreaTableCSV(w, pr, v)
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
