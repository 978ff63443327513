package web

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/engine"
)

type hotPage struct {
	StudyCells int    `json:"study_cells"`
	Matched    int    `json:"matched"`
	Offset     int    `json:"offset"`
	Limit      int    `json:"limit"`
	Next       string `json:"next"`
	Features   []struct {
		ID         string `json:"id"`
		Properties struct {
			Cell  string  `json:"cell"`
			Count any     `json:"count"`
			Z     float64 `json:"z"`
			P     float64 `json:"p"`
			Bin   int     `json:"bin"`
		} `json:"properties"`
	} `json:"features"`
}

func getHotPage(tb testing.TB, url string) hotPage {
	tb.Helper()
	code, body := call(tb, "GET", url, "", nil)
	if code != 200 {
		tb.Fatalf("%s: %d %s", url, code, body)
	}
	var p hotPage
	if err := json.Unmarshal(body, &p); err != nil {
		tb.Fatalf("%s: %v", url, err)
	}
	return p
}

// TestHotspotsPaging: following the next links returns every study cell
// exactly once, in ascending cell order, with the figures of the engine's
// whole map; the first page without a limit holds MaxHotspotsLimit cells.
func TestHotspotsPaging(t *testing.T) {
	s, ts := apiServer(t, Options{})
	whole, err := s.engine.Hotspots(context.Background(), engine.HotspotQuery{Layer: "wards", Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Cells) <= MaxHotspotsLimit {
		t.Fatalf("the whole map has %d cells: too few to page past the limit", len(whole.Cells))
	}
	first := getHotPage(t, ts.URL+"/api/v1/hotspots?layer=wards&res=10")
	if len(first.Features) != MaxHotspotsLimit || first.Matched != len(whole.Cells) || first.Next == "" {
		t.Fatalf("first page: %d features, matched %d, next %q; want %d, %d and a link", len(first.Features), first.Matched, first.Next, MaxHotspotsLimit, len(whole.Cells))
	}
	var got []string
	pages := 0
	for url := "/api/v1/hotspots?layer=wards&res=10&limit=997"; url != ""; pages++ {
		p := getHotPage(t, ts.URL+url)
		for _, f := range p.Features {
			i := len(got)
			if i >= len(whole.Cells) {
				t.Fatalf("more than the %d study cells", len(whole.Cells))
			}
			w := whole.Cells[i]
			if f.ID != w.Cell.String() || f.Properties.Bin != w.Bin || math.Abs(f.Properties.Z-w.Z) > 5e-7 { // z written to 6 decimals (docs/exports.md)
				t.Fatalf("feature %d: %s bin %d z %g, want %s bin %d z %g", i, f.ID, f.Properties.Bin, f.Properties.Z, w.Cell, w.Bin, w.Z)
			}
			got = append(got, f.ID)
		}
		url = p.Next
	}
	if len(got) != len(whole.Cells) || pages != (len(whole.Cells)+996)/997 {
		t.Errorf("%d cells in %d pages, want %d in %d", len(got), pages, len(whole.Cells), (len(whole.Cells)+996)/997)
	}
	for _, bad := range []string{"limit=0", "limit=10001", "limit=x", "offset=-1", "significant=yes", "bbox=1,2,3", "bbox=-1.2,54.6,-1.3,54.7", "bbox=-1.3,54.6,-1.2,NaN"} {
		code, body := call(t, "GET", ts.URL+"/api/v1/hotspots?layer=wards&"+bad, "", nil)
		if code != 400 || !strings.Contains(string(body), strings.Split(bad, "=")[0]) {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}
}

// TestHotspotsBBoxAndSignificant: a bounding box gives the whole map's cells
// whose centre lies in it, and significant=true its cells with a bin, each
// filtered here by hand.
func TestHotspotsBBoxAndSignificant(t *testing.T) {
	s, ts := apiServer(t, Options{})
	whole, err := s.engine.Hotspots(context.Background(), engine.HotspotQuery{Layer: "wards", Res: 9})
	if err != nil {
		t.Fatal(err)
	}
	minLon, minLat, maxLon, maxLat := -1.36, 54.54, -1.29, 54.58 // Stockton town centre and around
	for _, c := range []struct {
		query    string
		inBox    bool
		sigOnly  bool
		atLeast  int
		atLeastS int
	}{
		{"bbox=-1.36,54.54,-1.29,54.58", true, false, 100, 1},
		{"significant=true", false, true, 50, 50},
		{"bbox=-1.36,54.54,-1.29,54.58&significant=true", true, true, 1, 1},
	} {
		p := getHotPage(t, ts.URL+"/api/v1/hotspots?layer=wards&res=9&"+c.query)
		var want []engine.HotCell
		sig := 0
		for _, hc := range whole.Cells {
			ctr := hc.Cell.Center()
			if c.inBox && !(ctr[0] >= minLon && ctr[0] <= maxLon && ctr[1] >= minLat && ctr[1] <= maxLat) {
				continue
			}
			if c.sigOnly && hc.Bin == 0 {
				continue
			}
			if hc.Bin != 0 {
				sig++
			}
			want = append(want, hc)
		}
		if len(want) < c.atLeast || sig < c.atLeastS {
			t.Fatalf("%s: only %d cells (%d significant) by hand: the case says little", c.query, len(want), sig)
		}
		if len(p.Features) != len(want) || p.Matched != len(want) || p.StudyCells != len(whole.Cells) {
			t.Fatalf("%s: %d features (matched %d, study %d), by hand %d (study %d)", c.query, len(p.Features), p.Matched, p.StudyCells, len(want), len(whole.Cells))
		}
		for i, f := range p.Features {
			w := want[i]
			if f.ID != w.Cell.String() || f.Properties.Bin != w.Bin || math.Abs(f.Properties.Z-w.Z) > 5e-7 || math.Abs(f.Properties.P-w.P) > 5e-4*w.P { // z to 6 decimals, p to 4 significant figures
				t.Fatalf("%s: feature %d: %s bin %d z %g p %g, want %s bin %d z %g p %g", c.query, i, f.ID, f.Properties.Bin, f.Properties.Z, f.Properties.P, w.Cell, w.Bin, w.Z, w.P)
			}
		}
	}
}

// peakWriter records the live heap (after a collection) at every write the
// handler makes, and the largest write.
type peakWriter struct {
	header   http.Header
	base     uint64
	peak     uint64
	maxWrite int
	writes   int
	bytes    int
}

func (w *peakWriter) Header() http.Header { return w.header }
func (w *peakWriter) WriteHeader(int)     {}
func (w *peakWriter) Write(b []byte) (int, error) {
	w.writes++
	w.bytes += len(b)
	w.maxWrite = max(w.maxWrite, len(b))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > w.base {
		w.peak = max(w.peak, ms.HeapAlloc-w.base)
	}
	return len(b), nil
}

// TestHotspotsStreamedMemory measures what a full page of 10,000 cells
// holds while it is written: the live heap after a collection at each write,
// minus the live heap before the request (the engine's answer already
// cached). The stated bound (README) is 2 MB for a page; the body is more
// than twice that, so an answer built whole before writing could not pass.
func TestHotspotsStreamedMemory(t *testing.T) {
	s, _ := apiServer(t, Options{})
	if _, err := s.engine.Hotspots(context.Background(), engine.HotspotQuery{Layer: "wards", Res: 10}); err != nil {
		t.Fatal(err)
	}
	checkStreamed(t, s, "/api/v1/hotspots?layer=wards&res=10", 2<<20)
}

// checkStreamed serves path and checks that the live heap beyond what it
// was before the request stays within bound at every write, that no write
// is over 64 KB, and that the body is more than twice the bound (so an
// answer built whole before writing could not pass).
func checkStreamed(t *testing.T, s *Server, path string, bound uint64) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	w := &peakWriter{header: http.Header{}}
	runtime.GC()
	runtime.GC() // the second empties the sync.Pools' victim caches too
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w.base = ms.HeapAlloc
	s.ServeHTTP(w, req)
	t.Logf("%d bytes in %d writes (largest %d); peak held %.2f MB", w.bytes, w.writes, w.maxWrite, float64(w.peak)/(1<<20))
	if uint64(w.bytes) < 2*bound {
		t.Fatalf("body of %d bytes: too small to tell streaming from building", w.bytes)
	}
	if w.peak > bound || w.maxWrite > 64<<10 {
		t.Errorf("held %d bytes at peak (bound %d), largest write %d", w.peak, bound, w.maxWrite)
	}
}
