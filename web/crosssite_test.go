package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stockton-csp/hotspots/data"
)

// squareGeoJSON is a one-area layer to upload.
const squareGeoJSON = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"X1","name":"Replaced"},
"geometry":{"type":"Polygon","coordinates":[[[-1.32,54.56],[-1.30,54.56],[-1.30,54.58],[-1.32,54.58],[-1.32,54.56]]]}}]}`

// send makes one request with the given headers (Host sets the Host
// header) and returns the status and body.
func send(tb testing.TB, method, u string, body string, hdr map[string]string) (int, string) {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestCrossSiteRequests is the attack of issue 9, item 7: in single-user
// mode (no token needed) a page of another site replaced the wards layer
// with a no-cors text/plain POST, and DNS rebinding let it read the API.
func TestCrossSiteRequests(t *testing.T) {
	_, ts := smallServer(t, Options{Hosts: []string{"hotspots.example.org"}})
	u, _ := url.Parse(ts.URL)
	port := u.Port()
	post := ts.URL + "/api/v1/layers/wards"
	for _, c := range []struct {
		name   string
		method string
		hdr    map[string]string
		want   int
	}{
		{"no-cors fetch from another site", "POST", map[string]string{"Content-Type": "text/plain;charset=UTF-8", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}, 403},
		{"form post from another site, no Sec-Fetch-Site", "POST", map[string]string{"Content-Type": "multipart/form-data; boundary=x", "Origin": "https://evil.example"}, 403},
		{"text/plain from a browser sending neither header", "POST", map[string]string{"Content-Type": "text/plain"}, 415},
		{"urlencoded form, no headers", "POST", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"no Content-Type", "POST", nil, 415},
		{"delete from another site", "DELETE", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403},
		{"DNS rebinding: another name for this address", "POST", map[string]string{"Host": "rebind.evil.example:" + port, "Content-Type": "application/geo+json", "Sec-Fetch-Site": "same-origin"}, 421},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := ""
			if c.method == "POST" {
				body = squareGeoJSON
			}
			if code, b := send(t, c.method, post, body, c.hdr); code != c.want {
				t.Errorf("%d %s; want %d", code, b, c.want)
			}
		})
	}
	// the layer is as it was (the store holds no crimes, so the list of
	// layers shows it: an upload would have replaced its source)
	code, b := send(t, "GET", ts.URL+"/api/v1/layers", "", nil)
	var layers []data.LayerInfo
	if code != 200 || json.Unmarshal([]byte(b), &layers) != nil || len(layers) != 1 || layers[0].Name != "wards" ||
		layers[0].Areas != 1 || layers[0].Meta.Source != "test" {
		t.Fatalf("after the refused requests the layers are %d %s; want wards as the test made it, one area from source test", code, b)
	}
	t.Run("reads under another name", func(t *testing.T) {
		for host, want := range map[string]int{
			"rebind.evil.example:" + port: 421,
			"evil.example":                421,
			"localhost:" + port:           200,
			"127.0.0.1:" + port:           200,
			"127.0.0.2:" + port:           200, // loopback, to a loopback listener
			"hotspots.example.org":        200, // configured
			"HOTSPOTS.example.org.":       200,
		} {
			for _, p := range []string{"/", "/api/v1/summary"} {
				if code, b := send(t, "GET", ts.URL+p, "", map[string]string{"Host": host}); code != want {
					t.Errorf("GET %s as Host %s: %d %.200s; want %d", p, host, code, b, want)
				}
			}
		}
		// a load balancer's health check, by an address the server does not know
		if code, b := send(t, "GET", ts.URL+"/healthz", "", map[string]string{"Host": "10.96.0.12:8080"}); code != 200 {
			t.Errorf("healthz by another address: %d %s", code, b)
		}
	})
	t.Run("the page's own requests", func(t *testing.T) {
		for _, hdr := range []map[string]string{
			{"Content-Type": "application/geo+json", "Origin": ts.URL, "Sec-Fetch-Site": "same-origin"},
			{"Content-Type": "application/geo+json"}, // curl
		} {
			if code, b := send(t, "POST", post, squareGeoJSON, hdr); code != 201 {
				t.Errorf("upload with %v: %d %s; want 201", hdr, code, b)
			}
		}
	})
}
