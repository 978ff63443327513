package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"

	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
)

// writeProfileCSV sends the partnership's table as CSV (engine's
// CSVRecords: per period current, previous, diff, % diff). pr is what v
// shows (v.Profile); its counts are written as v labels them ("<5", "5-9").
func writeProfileCSV(w http.ResponseWriter, pr *engine.Profile, v disclosure.View) error {
	recs := pr.CSVRecords()
	if v.Protected() {
		for _, rec := range recs[1:] {
			for i := 1; i+3 < len(rec); i += 4 {
				for _, j := range []int{i, i + 1} {
					if n, err := strconv.ParseInt(rec[j], 10, 64); err == nil {
						rec[j] = v.Label(n)
					}
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
