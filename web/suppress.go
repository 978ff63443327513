package web

import (
	"encoding/json"
	"net/http"
)

// Small-number suppression for viewers: an aggregate of fewer than
// SmallCount incidents (of a type, in a cell or area) shows as "<3", so one
// incident cannot be singled out, and the figures that would give the count
// away (harm, cost, rate, share, the change against another period) are
// withheld. It works on the JSON of any answer, so every endpoint and export
// applies the same rule.

// countKeys hold counts of incidents.
var countKeys = map[string]bool{"count": true, "current": true, "previous": true, "incidents": true}

// derivedKeys are figures computed from an object's count.
var derivedKeys = []string{"harm", "cost", "rate_per_1000", "share_pct", "diff", "pct", "change", "change_year_earlier", "vs_previous", "vs_year_earlier"}

func isSmall(v any) bool {
	f, ok := v.(float64)
	return ok && f > 0 && f < SmallCount
}

// suppressValue rewrites decoded JSON in place and returns it.
func suppressValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		small := false
		for k, val := range x {
			if countKeys[k] && isSmall(val) {
				x[k] = "<3"
				small = true
			}
		}
		if small {
			for _, k := range derivedKeys {
				if _, ok := x[k]; ok {
					x[k] = nil
				}
			}
		}
		for k, val := range x {
			if k == "values" {
				if arr, ok := val.([]any); ok {
					for i, e := range arr {
						if isSmall(e) {
							arr[i] = "<3"
						}
					}
					continue
				}
			}
			x[k] = suppressValue(val)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = suppressValue(e)
		}
		return x
	}
	return v
}

// suppressJSON applies small-number suppression to v's JSON form.
func suppressJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return suppressValue(out), nil
}

// respond writes v as JSON, suppressing small numbers for viewers.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, status int, v any) error {
	if suppressed(r) {
		sv, err := suppressJSON(v)
		if err != nil {
			return err
		}
		v = sv
	}
	writeJSON(w, status, v)
	return nil
}
