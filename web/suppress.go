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
		defer secondary(x)
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
	// An answer that came too late is not encoded: the caller has gone or
	// is being told the query took too long.
	if err := r.Context().Err(); err != nil {
		return err
	}
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

// secondary withholds what would give a hidden count away by subtraction in
// a ranking: when any area's count is hidden, every area's share, the hidden
// areas' ranks and the total are withheld too (the total less the shown
// areas would be the hidden ones).
func secondary(x map[string]any) {
	areas, ok := x["areas"].([]any)
	if !ok {
		return
	}
	hidden := false
	for _, a := range areas {
		if m, ok := a.(map[string]any); ok && m["count"] == "<3" {
			hidden = true
			break
		}
	}
	if !hidden {
		return
	}
	for _, a := range areas {
		if m, ok := a.(map[string]any); ok {
			if _, has := m["share_pct"]; has {
				m["share_pct"] = nil
			}
			if m["count"] == "<3" {
				if _, has := m["rank"]; has {
					m["rank"] = nil
				}
			}
		}
	}
	if t, ok := x["total"].(map[string]any); ok {
		for _, k := range append([]string{"count"}, derivedKeys...) {
			if _, has := t[k]; has {
				t[k] = nil
			}
		}
	}
	x["suppressed"] = "some areas have fewer than 3 incidents: their counts show as <3, and shares and totals are withheld so they cannot be worked out"
}
