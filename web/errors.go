package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
)

// Error is an error with the HTTP status and the message a user sees.
type Error struct {
	Status  int
	Message string
	Err     error // the cause, logged, not shown
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// badRequest builds a 400 with a message.
func badRequest(format string, args ...any) error {
	return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// adapt turns a handlerFunc into an http.Handler, writing its error. An
// error after the response has begun (a download cut short by the request's
// time limit) cannot change the status already sent: it is logged, and the
// truncated body ends the response.
func (s *Server) adapt(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tw := &startedWriter{ResponseWriter: w}
		if err := h(tw, r); err != nil {
			if tw.started {
				s.log.Warn("response cut short", "method", r.Method, "path", r.URL.Path, "err", err)
				return
			}
			s.errorResponse(w, r, err)
		}
	}
}

// startedWriter notes whether a response has begun.
type startedWriter struct {
	http.ResponseWriter
	started bool
}

func (w *startedWriter) WriteHeader(code int) {
	w.started = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *startedWriter) Write(b []byte) (int, error) {
	w.started = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *startedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// errorResponse is the one place errors become HTTP responses.
func (s *Server) errorResponse(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "something went wrong on the server; the error is in the server log"
	var we *Error
	switch {
	case errors.As(err, &we):
		status, msg = we.Status, we.Message
	case errors.Is(err, data.ErrNoLayer), errors.Is(err, data.ErrNoArea):
		status, msg = http.StatusNotFound, userMessage(err)
	case errors.Is(err, data.ErrBadQuery), errors.Is(err, engine.ErrBadQuery), errors.Is(err, engine.ErrNoMonth), errors.Is(err, engine.ErrTooLarge):
		status, msg = http.StatusBadRequest, userMessage(err)
	case errors.Is(err, data.ErrDiskFull):
		status, msg = http.StatusInsufficientStorage, "the disk holding the data folder is full; nothing was changed. Free some space there and try again"
		if full := (*data.DiskFullError)(nil); errors.As(err, &full) {
			msg = fmt.Sprintf("the disk holding %s is full; nothing was changed. Free some space there and try again", full.Dir)
		}
	case errors.Is(err, data.ErrTooManyTypes):
		status, msg = http.StatusUnprocessableEntity, "import refused, nothing was changed: "+userMessage(err)
	case errors.Is(err, disclosure.ErrWithheld):
		status, msg = http.StatusForbidden, userMessage(err)
	case errors.Is(err, data.ErrReadOnly):
		status, msg = http.StatusForbidden, userMessage(err)
	case errors.Is(err, data.ErrNoOperation):
		status, msg = http.StatusNotFound, userMessage(err)
	case errors.Is(err, data.ErrOperationExists):
		status, msg = http.StatusConflict, userMessage(err)
	case errors.Is(err, data.ErrBadOperation):
		status, msg = http.StatusBadRequest, userMessage(err)
	case errors.Is(err, engine.ErrNoData):
		status, msg = http.StatusNotFound, userMessage(err)
	case errors.Is(err, context.Canceled):
		status, msg = 499, "request cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		status, msg = http.StatusServiceUnavailable, "the query took too long; narrow the months, crime types or area"
	}
	for _, c := range s.classify {
		if st, m, ok := c(err); ok {
			status, msg = st, m
			break
		}
	}
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		s.log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, map[string]any{"error": msg, "status": status})
}

// userMessage is an error's text without the package prefixes that mean
// something to a developer, not to a user.
func userMessage(err error) string { return engine.UserMessage(err) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
