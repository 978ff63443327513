package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

// TestOnePeriodResolution asks the command line, the JSON API, the
// downloads (the report layer: ranking, hot spots and the incident records,
// which once resolved periods on their own), the area counts and the OGC
// API for the same
// from and to, and checks that each resolves it to the same period, worked
// out by hand from the months bundled (2023-01..2025-11), or refuses it
// with the same message.
func TestOnePeriodResolution(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, err := run(t, "import", "--data-dir", dir, fixture.Path(t, fixture.Cleveland)); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if _, stderr, err := run(t, "areas", "import", "--data-dir", dir, "--layer", "wards", fixture.Path(t, fixture.StocktonWards)); err != nil {
		t.Fatalf("areas import: %v\n%s", err, stderr)
	}
	tests := []struct {
		name     string
		from, to string // CLI flags and API parameters; "" leaves one out
		datetime string // the OGC API's form of the same period; "" for none
		want     string // from..to, or the message of the refusal
	}{
		{"a span", "2025-06", "2025-11", "2025-06/2025-11", "2025-06..2025-11"},
		{"no period: the latest year", "", "", "", "2024-12..2025-11"},
		{"one month", "2025-11", "2025-11", "2025-11", "2025-11..2025-11"},
		{"only the end: a year up to it", "", "2024-06", "", "2023-07..2024-06"},
		{"only the end, near the start: clipped", "", "2023-06", "", "2023-01..2023-06"},
		{"open end: to the latest month", "2025-09", "", "2025-09/..", "2025-09..2025-11"},
		{"open start: from the first month", "2023-01", "2025-11", "../2025-11", "2023-01..2025-11"},
		{"a month beyond the data", "2025-06", "2026-01", "2025-06/2026-01", "no data for 2026-01; the latest month loaded is 2025-11"},
		{"a month before the data", "2022-11", "2023-03", "2022-11/2023-03", "no data for 2022-11; the first month loaded is 2023-01"},
		{"backwards", "2025-11", "2025-06", "", "the period runs backwards (from 2025-11 to 2025-06)"},
	}
	// The command line first: one process at a time owns the data folder.
	cli := make([]string, len(tests))
	for i, tt := range tests {
		args := []string{"rank", "--format", "geojson", "--data-dir", dir}
		if tt.from != "" {
			args = append(args, "--from", tt.from)
		}
		if tt.to != "" {
			args = append(args, "--to", tt.to)
		}
		out, stderr, err := run(t, args...)
		if err != nil {
			cli[i] = stderr + err.Error()
		} else {
			cli[i] = periodOf(t, []byte(out))
		}
	}
	base := serve(t, dir)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(via, got string) {
				t.Helper()
				if got != tt.want && !strings.Contains(got, tt.want) {
					t.Errorf("%s: %s; want %s", via, got, tt.want)
				}
			}
			check("the command line", cli[i])
			q := url.Values{"layer": {"wards"}}
			if tt.from != "" {
				q.Set("from", tt.from)
			}
			if tt.to != "" {
				q.Set("to", tt.to)
			}
			for _, path := range []string{
				"/api/v1/layers/wards/ranking",
				"/api/v1/hotspots",
				"/api/v1/tasking",
				"/api/v1/export/ranking.geojson",
				"/api/v1/export/hotspots.geojson",
				"/api/v1/export/incidents.geojson",
			} {
				qq := url.Values{}
				for k, v := range q {
					qq[k] = v
				}
				if strings.Contains(path, "incidents") {
					qq.Set("types", "Robbery") // a small file
				}
				check(path, periodFrom(t, base+path+"?"+qq.Encode()))
			}
			if !strings.Contains(tt.want, "..") {
				check("the area counts", periodFrom(t, base+"/api/v1/layers/wards/counts?"+q.Encode()))
			}
			if tt.datetime != "" {
				check("the OGC API", ogcPeriod(t, base+"/ogc/collections/areas-wards/items?limit=1&datetime="+url.QueryEscape(tt.datetime)))
			}
		})
	}
}

// periodFrom fetches u and returns its period as from..to, or the error's
// message.
func periodFrom(tb testing.TB, u string) string {
	tb.Helper()
	code, b := fetch(tb, u)
	if code != 200 {
		return string(b)
	}
	return periodOf(tb, b)
}

// periodOf is the "period" member of a JSON answer as from..to.
func periodOf(tb testing.TB, b []byte) string {
	tb.Helper()
	var v struct {
		Period *struct{ From, To string } `json:"period"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.Period == nil {
		tb.Fatalf("no period in %.300s (%v)", b, err)
	}
	return v.Period.From + ".." + v.Period.To
}

// ogcPeriod is the period of the first feature of an OGC items page, or the
// error's message.
func ogcPeriod(tb testing.TB, u string) string {
	tb.Helper()
	code, b := fetch(tb, u)
	if code != 200 {
		return string(b)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				From string `json:"period_from"`
				To   string `json:"period_to"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil || len(fc.Features) == 0 {
		tb.Fatalf("no features in %.300s (%v)", b, err)
	}
	return fc.Features[0].Properties.From + ".." + fc.Features[0].Properties.To
}
