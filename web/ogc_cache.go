package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/stockton-csp/hotspots/report"
)

// ogcPageCache keeps the last few streamed collections (incidents) built whole,
// so a client paging through them with next links (GDAL asks 10 or 100 at a
// time) does not rebuild every record of the period for every page. Keyed
// by data version, collection and query, less the paging parameters.
type ogcPageCache struct {
	mu      sync.Mutex
	entries []ogcPageCacheEntry // most recent last
}

type ogcPageCacheEntry struct {
	key   string
	feats []report.Feature
}

const ogcPageCacheKept = 2

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

// features returns t's features built whole, from the cache when the same
// query was paged before on the same data.
func (c *ogcPageCache) features(ctx context.Context, key string, t *report.Table) ([]report.Feature, error) {
	c.mu.Lock()
	for i, e := range c.entries {
		if e.key == key {
			c.entries = append(append(c.entries[:i:i], c.entries[i+1:]...), e)
			c.mu.Unlock()
			return e.feats, nil
		}
	}
	c.mu.Unlock()
	var feats []report.Feature
	err := t.Each(ctx, func(f *report.Feature) error {
		feats = append(feats, *f.Keep())
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.entries = append(c.entries, ogcPageCacheEntry{key: key, feats: feats})
	if len(c.entries) > ogcPageCacheKept {
		c.entries = c.entries[len(c.entries)-ogcPageCacheKept:]
	}
	c.mu.Unlock()
	return feats, nil
}
