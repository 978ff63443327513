package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"

	"github.com/stockton-csp/hotspots/engine"
)

// writeProfileCSV sends the partnership's table as CSV (engine's
// CSVRecords: per period current, previous, diff, % diff). For viewers a
// count of 1 or 2 is "<3" and that period's diff and % diff are withheld,
// as in the JSON.
func writeProfileCSV(w http.ResponseWriter, pr *engine.Profile, suppress bool) error {
	recs := pr.CSVRecords()
	if suppress {
		for _, rec := range recs[1:] {
			for i := 1; i+3 < len(rec); i += 4 {
				small := false
				for _, j := range []int{i, i + 1} {
					if n, err := strconv.Atoi(rec[j]); err == nil && n >= 1 && n <= 2 {
						rec[j], small = "<3", true
					}
				}
				if small {
					rec[i+2], rec[i+3] = "", ""
				}
			}
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="profile-%s-%s.csv"`, safeFileName(pr.Code), pr.Month))
	cw := csv.NewWriter(w)
	cw.WriteAll(recs)
	return cw.Error()
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
