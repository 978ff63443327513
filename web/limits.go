package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// Defaults for Options' limits.
const (
	DefaultMaxUpload    = 512 << 20 // bytes
	DefaultQueryTimeout = 60 * time.Second
	DefaultHeavyQueries = 4
)

// heavy bounds how many expensive queries (Gi*, emerging hot spots,
// backtests, tasking) run at once; others wait their turn for up to the
// query timeout, then get a 503 telling them to try again.
func (s *Server) heavy(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.heavySem <- struct{}{}:
			defer func() { <-s.heavySem }()
			next.ServeHTTP(w, r)
		case <-r.Context().Done():
			s.errorResponse(w, r, &Error{Status: http.StatusServiceUnavailable,
				Message: "the server is busy with other large queries; try again in a moment", Err: r.Context().Err()})
		}
	})
}

// timeout gives each request a deadline; the engine and store stop work when
// it passes, and the error handler says the query took too long.
func (s *Server) timeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.QueryTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// upload copies the request body (at most MaxUpload bytes) to a temporary
// file named like name, so readers that take paths can read it.
func (s *Server) upload(r *http.Request, name string) (string, func(), error) {
	dir, err := os.MkdirTemp(s.opts.UploadDir, "hotspots-upload-")
	if err != nil {
		return "", nil, s.uploadDiskFull(err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	p := filepath.Join(dir, filepath.Base(name))
	f, err := os.Create(p)
	if err != nil {
		cleanup()
		return "", nil, s.uploadDiskFull(err)
	}
	_, err = io.Copy(f, http.MaxBytesReader(nil, r.Body, s.opts.MaxUpload))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cleanup()
		if data.IsNoSpace(err) {
			return "", nil, s.uploadDiskFull(err)
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", nil, &Error{Status: http.StatusRequestEntityTooLarge,
				Message: fmt.Sprintf("the upload is larger than the %d MB limit; import large files on the server with `hotspotd import`", s.opts.MaxUpload>>20)}
		}
		return "", nil, badRequest("the upload did not arrive whole: %v", err)
	}
	return p, cleanup, nil
}

// uploadDiskFull is a 507 for an upload that found no space where uploads
// are kept while they are read (UploadDir, in the data folder, whose disk
// it names; else the system's temporary folder); other errors pass through.
func (s *Server) uploadDiskFull(err error) error {
	if !data.IsNoSpace(err) {
		return err
	}
	dir, where := os.TempDir(), os.TempDir()
	if s.opts.UploadDir != "" {
		dir, where = filepath.Dir(s.opts.UploadDir), s.opts.UploadDir
	}
	return &Error{Status: http.StatusInsufficientStorage, Err: err,
		Message: fmt.Sprintf("the disk holding %s is full (uploads are kept in %s while they are read); nothing was changed. Free some space there and try again", dir, where)}
}

// uploadName is the file name to read an upload as: ?filename=, else one
// from the Content-Type.
func uploadName(r *http.Request, def string) string {
	if n := strings.TrimSpace(r.URL.Query().Get("filename")); n != "" {
		return filepath.Base(n)
	}
	switch ct := r.Header.Get("Content-Type"); {
	case strings.Contains(ct, "zip"):
		return "upload.zip"
	case strings.Contains(ct, "gzip"):
		return "upload.csv.gz"
	}
	return def
}

// importUpload answers POST /api/v1/import: a police.uk file or force export
// as the body (?filename= names it: .csv, .csv.gz or .zip). Like `hotspotd
// import`, each (force, month) in it replaces the stored one whole, and a bad
// file changes nothing. The import runs to the end even if the caller goes
// away or the server is shutting down.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) error {
	if err := require(r, data.RoleAnalyst, "imports"); err != nil {
		return err
	}
	p, cleanup, err := s.upload(r, uploadName(r, "upload.csv"))
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := context.WithoutCancel(r.Context())
	parts, rep, err := data.ReadIncidents(ctx, []string{p}, data.ReadOptions{Force: r.URL.Query().Get("force"), Source: r.URL.Query().Get("source")})
	if err != nil {
		return &Error{Status: http.StatusUnprocessableEntity, Message: "import refused, nothing was changed: " + strings.ReplaceAll(userMessage(err), p, filepath.Base(p)), Err: err}
	}
	if err := s.store.Replace(ctx, parts); err != nil {
		return err
	}
	noteRows(r, int64(rep.Stored))
	return s.respond(w, r, http.StatusOK, withoutDir(*rep, filepath.Dir(p)))
}

// putLayer answers POST /api/v1/layers/{layer}: a GeoJSON FeatureCollection
// as the body (?code_field, ?name_field, ?crs as `hotspotd areas import`).
func (s *Server) putLayer(w http.ResponseWriter, r *http.Request) error {
	if err := require(r, data.RoleAdmin, "area layer changes"); err != nil {
		return err
	}
	name := chi.URLParam(r, "layer")
	crs, err := geo.ParseCRS(r.URL.Query().Get("crs"))
	if err != nil {
		return badRequest("%s", userMessage(err))
	}
	p, cleanup, err := s.upload(r, uploadName(r, name+".geojson"))
	if err != nil {
		return err
	}
	defer cleanup()
	areas, notes, err := data.ReadAreaFiles([]string{p}, geo.ReadOptions{CodeField: r.URL.Query().Get("code_field"), NameField: r.URL.Query().Get("name_field"), CRS: crs})
	if err != nil {
		return &Error{Status: http.StatusUnprocessableEntity, Message: "layer refused: " + strings.ReplaceAll(userMessage(err), p, "the upload"), Err: err}
	}
	// a bad layer name is data.ErrBadLayerName: 400 with the store's advice
	if err := s.store.PutLayer(context.WithoutCancel(r.Context()), name, areas, data.LayerMeta{Source: "upload " + filepath.Base(p)}); err != nil {
		if errors.Is(err, data.ErrBadLayerName) {
			return badRequest("%s", userMessage(err))
		}
		return err
	}
	noteRows(r, int64(len(areas)))
	return s.respond(w, r, http.StatusCreated, map[string]any{"layer": name, "areas": len(areas), "notes": notesWithoutDir(notes, filepath.Dir(p))})
}

func (s *Server) deleteLayer(w http.ResponseWriter, r *http.Request) error {
	if err := require(r, data.RoleAdmin, "area layer changes"); err != nil {
		return err
	}
	if err := s.store.DeleteLayer(r.Context(), chi.URLParam(r, "layer")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
