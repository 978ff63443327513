package web

import (
	"context"
	"runtime"
	"testing"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/report"
)

// TestOGCPagesBuiltOnce: paging through a month's incidents builds the
// collection once (27 ms), and every later page comes from the cache
// (3 ms); another month is another entry, not the first one's records.
func TestOGCPagesBuiltOnce(t *testing.T) {
	s, _, ts := ogcServer(t, nil)
	for i, month := range []string{"2025-11", "2025-10"} {
		feats, matched := ogcPages(t, ts.URL+"/ogc/collections/incidents/items?limit=1000&datetime="+month, "")
		want := rawInWards(t, month, "") // ray casting on the raw rows
		if matched != want || len(feats) != want {
			t.Fatalf("%s: numberMatched %d, features over all pages %d; want %d", month, matched, len(feats), want)
		}
		pages := (want + 999) / 1000
		st := s.ogcPages.Stats()
		if st.Misses != uint64(i+1) || st.Hits != uint64((i+1)*(pages-1)) {
			t.Fatalf("after %s (%d pages): %+v; want %d builds, one a month", month, pages, st, i+1)
		}
	}
}

// TestOGCPageCacheBytesBound: the collections kept never hold more than
// the stated bytes; one larger than the whole bound is served whole but not
// kept; and what the cache charges is what the records hold on the heap.
func TestOGCPageCacheBytesBound(t *testing.T) {
	s, _, ts := ogcServer(t, nil)
	ctx := context.Background()
	nov, err := data.ParseMonth("2025-11")
	if err != nil {
		t.Fatal(err)
	}
	build := func(c *ogcPageCache, key string) []report.Feature {
		t.Helper()
		tab, err := report.Incidents(ctx, s.engine, report.Query{Layer: "wards", From: nov, To: nov})
		if err != nil {
			t.Fatal(err)
		}
		feats, err := ogcFeatures(ctx, c, key, tab)
		if err != nil {
			t.Fatal(err)
		}
		return feats
	}
	// The charge, against the live heap the records take (measured around a
	// second build, the engine's own caches filled by the first).
	build(newOGCPageCache(ogcPageCacheBytes), "warm")
	c := newOGCPageCache(ogcPageCacheBytes)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	feats := build(c, "nov")
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	charged := c.Stats().Bytes
	runtime.KeepAlive(feats)
	t.Logf("a month's incidents (%d records): charged %d bytes, live heap %d bytes", len(feats), charged, heap)
	if charged < heap*4/5 || charged > heap*5/4 {
		t.Errorf("charged %d bytes for records holding %d bytes of heap; want within 25%%", charged, heap)
	}

	// A bound that holds one month, not two.
	bound := charged * 3 / 2
	s.ogcPages = newOGCPageCache(bound)
	for _, month := range []string{"2025-11", "2025-10", "2025-09"} {
		feats, matched := ogcPages(t, ts.URL+"/ogc/collections/incidents/items?limit=2000&datetime="+month, "")
		if want := rawInWards(t, month, ""); matched != want || len(feats) != want {
			t.Fatalf("%s: %d matched, %d features; want %d", month, matched, len(feats), want)
		}
		if st := s.ogcPages.Stats(); st.Bytes > bound || st.Entries != 1 {
			t.Fatalf("after %s: %+v; want one month held, within %d bytes", month, st, bound)
		}
	}
	if st := s.ogcPages.Stats(); st.Evicted != 2 {
		t.Errorf("%+v: want the two older months evicted", st)
	}
	// A quarter is larger than the whole bound: served, not kept.
	all, matched := ogcPages(t, ts.URL+"/ogc/collections/incidents/items?limit=10000&datetime=2025-09/2025-11", "")
	want := rawInWards(t, "2025-09", "") + rawInWards(t, "2025-10", "") + rawInWards(t, "2025-11", "")
	if matched != want || len(all) != want {
		t.Fatalf("a quarter: %d matched, %d features; want %d", matched, len(all), want)
	}
	if st := s.ogcPages.Stats(); st.TooLarge == 0 || st.Bytes > bound {
		t.Errorf("a quarter: %+v; want it served but not kept", st)
	}
}
