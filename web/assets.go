package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// static is the map page: web/static, embedded at build time. The MapLibre
// GL JS files under static/vendor are copied there by web/ui/vendor.sh and
// committed, so building needs no Node and the page needs no network.
//
//go:embed static
var static embed.FS

// Cache-Control of the page's files. Vendored libraries sit in a folder
// named with their version (vendor/maplibre-gl-6.17.0/), so a file there
// never changes under its URL and may be kept for a year. The page and its
// own scripts change with every release of the server: browsers revalidate
// them each time, which the ETag makes a cheap 304.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// pageCSP is the map page's Content-Security-Policy: scripts only from this
// server (MapLibre runs its worker from a blob: URL), and data from this
// server or a configured basemap.
const pageCSP = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https: http:; font-src 'self' data: https:; " +
	"connect-src 'self' https: http:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// contentTypes are the types of the page's files, by extension; the
// system's MIME tables are not used, as they differ between machines (and
// some have no .mjs, which a browser refuses to run as a module unless it
// is served as JavaScript).
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".txt":   "text/plain; charset=utf-8",
}

// asset is one embedded file, ready to serve.
type asset struct {
	name        string // path under static/
	body        []byte
	contentType string
	etag        string // strong, of body
	cache       string

	gzOnce sync.Once
	gz     []byte // gzipped body; nil when not worth it
}

// gzipped returns the gzipped body, compressing on first use, or nil for a
// file that is not text or does not shrink by a tenth.
func (a *asset) gzipped() []byte {
	a.gzOnce.Do(func() {
		if len(a.body) < 1024 || !compressible(a.contentType) {
			return
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if _, err := zw.Write(a.body); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		if b.Len() < len(a.body)*9/10 {
			a.gz = b.Bytes()
		}
	})
	return a.gz
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.HasPrefix(ct, "application/json") || ct == "image/svg+xml"
}

// assetTable reads every embedded file once.
var assetTable = sync.OnceValue(func() map[string]*asset {
	files := map[string]*asset{}
	_ = fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			ct = "application/octet-stream"
		}
		cache := cacheRevalidate
		if strings.HasPrefix(name, "vendor/") {
			cache = cacheImmutable
		}
		files[name] = &asset{name: name, body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, cache: cache}
		return nil
	})
	return files
})

// Assets serves the map page and its files: "/" (and "/index.html") is the
// page, "/static/NAME" the file NAME of web/static. Each answer has its
// Content-Type, a Cache-Control (a year for the versioned vendor files,
// revalidation for the rest), a strong ETag answered with 304, and gzip
// when the client takes it. Anything else is a 404, and a method other than
// GET or HEAD a 405, with the API's JSON error body.
//
// Mount it for "/" and "/static/*", outside any authentication: the page
// and its scripts hold no data.
func Assets() http.Handler {
	files := assetTable()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var name string
		switch p := r.URL.Path; {
		case p == "/" || p == "/index.html":
			name = "index.html"
		case strings.HasPrefix(p, "/static/"):
			name = strings.TrimPrefix(p, "/static/")
		}
		a := files[name]
		if name == "" || !fs.ValidPath(name) || a == nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "no such page: " + r.URL.Path + " (the map is at /, the API under /api/v1)", "status": http.StatusNotFound})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": r.Method + " is not allowed on " + r.URL.Path, "status": http.StatusMethodNotAllowed})
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", a.cache)
		h.Set("X-Content-Type-Options", "nosniff")
		// Every file gets the page's policy: a script run as a worker
		// (MapLibre's) is governed by its own response's policy, and must
		// be allowed to fetch tiles.
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Frame-Options", "DENY")
		if a.name == "index.html" {
			h.Set("Referrer-Policy", "same-origin")
		}
		body, etag := a.body, a.etag
		if compressible(a.contentType) && len(a.body) >= 1024 {
			h.Set("Vary", "Accept-Encoding")
			if acceptsGzip(r.Header.Get("Accept-Encoding")) {
				if gz := a.gzipped(); gz != nil {
					body, etag = gz, strings.TrimSuffix(a.etag, `"`)+gzipSuffix
					h.Set("Content-Encoding", "gzip")
				}
			}
		}
		h.Set("ETag", etag)
		// ServeContent answers If-None-Match (304), Range and HEAD.
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
	})
}
