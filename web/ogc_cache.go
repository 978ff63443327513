package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/stockton-csp/hotspots/internal/cache"
	"github.com/stockton-csp/hotspots/report"
)

// ogcPageCacheBytes bounds the streamed collections (incidents) kept built
// whole, charged cache.SizeOf: a month of the wards' records (2,254 in
// 2025-11) is 1.3 MB, within 2% of the heap they hold, a year about 16 MB,
// so the last few questions asked fit.
const ogcPageCacheBytes = 64 << 20

// ogcPageCacheEntries bounds the same collections in number, whatever their
// size: a client pages through one or two at a time.
const ogcPageCacheEntries = 4

// ogcPageCache keeps streamed collections built whole, so that a client
// paging through one with next links (GDAL asks 10 or 100 at a time) does
// not rebuild every record of the period for every page (27 ms a page on a
// month of the wards' records, against 3 ms from the cache). Keyed by data
// version, collection and query, less the paging parameters; clients asking
// for the same collection at once build it once (internal/cache).
type ogcPageCache = cache.Cache[[]report.Feature]

func newOGCPageCache(maxBytes int64) *ogcPageCache {
	return cache.New(ogcPageCacheEntries, maxBytes, func(key string, feats []report.Feature) int64 {
		return cache.SizeOf(feats) + int64(len(key))
	})
}

func ogcPageCacheKey(version uint64, collection string, r *http.Request) string {
	v := url.Values{}
	for k, vals := range r.URL.Query() {
		switch k {
		case "offset", "limit", "access_token", "f":
			continue
		}
		v[k] = vals
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(strconv.FormatUint(version, 10) + "|" + collection)
	for _, k := range keys {
		b.WriteString("|" + k + "=" + strings.Join(v[k], ","))
	}
	return b.String()
}

// ogcFeatures returns t's features built whole, from the cache when the
// same query was paged before on the same data.
func ogcFeatures(ctx context.Context, c *ogcPageCache, key string, t *report.Table) ([]report.Feature, error) {
	return c.Do(ctx, key, func(ctx context.Context) ([]report.Feature, error) {
		var feats []report.Feature
		err := t.Each(ctx, func(f *report.Feature) error {
			feats = append(feats, *f.Keep())
			return nil
		})
		return feats, err
	})
}
