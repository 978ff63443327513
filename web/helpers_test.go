package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// Test helpers shared by the package's tests. Those of the OGC API and
// export tests carry an ogc prefix.

var (
	ogcOnce  sync.Once
	ogcParts []*data.Partition
	ogcWards []geo.Area
	ogcErr   error
)

// ogcStore opens a store in a temporary folder, as cmd/hotspotd does, with
// the 35 real Cleveland months and the 27 Stockton 2023 wards with their
// Census 2021 populations as layer "wards".
func ogcStore(tb testing.TB) *data.MemStore {
	tb.Helper()
	clev := fixture.Path(tb, fixture.Cleveland)
	wards := fixture.Path(tb, fixture.StocktonWards)
	popFile := fixture.Path(tb, fixture.StocktonWardPopulation)
	ogcOnce.Do(func() {
		if ogcParts, _, ogcErr = data.ReadIncidents(context.Background(), []string{clev}, data.ReadOptions{}); ogcErr != nil {
			return
		}
		if ogcWards, _, ogcErr = data.ReadAreaFiles([]string{wards}, geo.ReadOptions{}); ogcErr != nil {
			return
		}
		var pop map[string]float64
		if pop, ogcErr = data.ReadPopulation(popFile, "", ""); ogcErr != nil {
			return
		}
		data.ApplyPopulation(ogcWards, pop)
	})
	if ogcErr != nil {
		tb.Fatal(ogcErr)
	}
	s, err := data.OpenMem(tb.TempDir(), data.MemOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := s.PutLayer(ctx, "wards", append([]geo.Area(nil), ogcWards...), data.LayerMeta{Source: "stockton_wards_2023.geojson"}); err != nil {
		tb.Fatal(err)
	}
	if err := s.Replace(ctx, ogcParts); err != nil {
		tb.Fatal(err)
	}
	return s
}

// ogcTokens is a token file with one token per role.
type ogcTokens struct {
	src                    *data.Tokens
	viewer, analyst, admin string
}

func newOGCTokens(tb testing.TB) ogcTokens {
	tb.Helper()
	src, err := data.OpenTokens(tb.TempDir(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	t := ogcTokens{src: src}
	for _, x := range []struct {
		role data.Role
		dst  *string
	}{{data.RoleViewer, &t.viewer}, {data.RoleAnalyst, &t.analyst}, {data.RoleAdmin, &t.admin}} {
		if *x.dst, err = src.Create("test "+x.role.String(), x.role); err != nil {
			tb.Fatal(err)
		}
	}
	return t
}

// ogcServer serves the real data on 127.0.0.1; with tokens, callers need
// one.
func ogcServer(tb testing.TB, tokens TokenSource) (*Server, *data.MemStore, *httptest.Server) {
	tb.Helper()
	store := ogcStore(tb)
	eng, err := engine.New(store, engine.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(store, eng, Options{Tokens: tokens, Attribution: "test attribution"})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return s, store, ts
}

// ogcGet fetches url with the token (none for "") and returns the status,
// the Content-Type and the body.
func ogcGet(tb testing.TB, url, token string, header ...string) (int, string, []byte) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// ogcJSON fetches url, wants status want, and decodes the body into v.
func ogcJSON(tb testing.TB, url, token string, want int, v any) {
	tb.Helper()
	code, _, b := ogcGet(tb, url, token)
	if code != want {
		tb.Fatalf("GET %s: status %d, want %d: %s", url, code, want, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			tb.Fatalf("GET %s: %v in %.300s", url, err, b)
		}
	}
}

// ogcFC is a decoded FeatureCollection as the tests read it.
type ogcFC struct {
	Type           string           `json:"type"`
	Features       []ogcTestFeature `json:"features"`
	Links          []ogcLink        `json:"links"`
	NumberMatched  *int             `json:"numberMatched"`
	NumberReturned *int             `json:"numberReturned"`
	TimeStamp      string           `json:"timeStamp"`
}

type ogcTestFeature struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
	Links      []ogcLink       `json:"links"`
}

// ogcLinkHref returns the href of the first link with rel, or "".
func ogcLinkHref(links []ogcLink, rel string) string {
	for _, l := range links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}
