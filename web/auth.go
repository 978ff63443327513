package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/stockton-csp/hotspots/data"
)

// Role is what a caller may do; each role may do what the ones below it may.
type Role int

// The roles.
const (
	RoleNone    Role = iota
	RoleViewer       // maps, aggregates, tasking
	RoleAnalyst      // also incidents, point exports, imports
	RoleAdmin        // also tokens and area layers
)

func (r Role) String() string {
	return [...]string{"none", "viewer", "analyst", "admin"}[r]
}

func roleOf(name string) Role {
	switch name {
	case data.RoleViewer:
		return RoleViewer
	case data.RoleAnalyst:
		return RoleAnalyst
	case data.RoleAdmin:
		return RoleAdmin
	}
	return RoleNone
}

// TokenSource checks API tokens. With no token configured (Empty), the
// server is a single-user local tool and every caller is an admin.
type TokenSource interface {
	Empty() bool
	Lookup(secret string) (data.Token, bool)
}

type ctxKey int

const roleKey ctxKey = 1

// caller returns the role of the request's caller.
func caller(r *http.Request) Role {
	if v, ok := r.Context().Value(roleKey).(Role); ok {
		return v
	}
	return RoleNone
}

// authenticate puts the caller's role in the request context: admin when no
// tokens are configured, else the role of the bearer token (or the
// access_token query parameter, for map tiles and downloads a browser
// fetches); none without one.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		role := RoleAdmin
		if s.opts.Tokens != nil && !s.opts.Tokens.Empty() {
			role = RoleNone
			secret := ""
			if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
				secret = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
			} else if q := r.URL.Query().Get("access_token"); q != "" {
				secret = q
			}
			if secret != "" {
				tok, ok := s.opts.Tokens.Lookup(secret)
				if !ok {
					s.errorResponse(w, r, &Error{Status: http.StatusUnauthorized, Message: "the token is not valid (revoked, mistyped, or for another server); ask an admin for a new one"})
					return
				}
				role = roleOf(tok.Role)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), roleKey, role)))
	})
}

// require refuses callers below role: 401 without a token, 403 with one
// that does not allow it.
func require(r *http.Request, role Role, what string) error {
	got := caller(r)
	switch {
	case got >= role:
		return nil
	case got == RoleNone:
		return &Error{Status: http.StatusUnauthorized, Message: "sign in: send an API token (Authorization: Bearer ...) to see " + what}
	}
	return &Error{Status: http.StatusForbidden, Message: "a " + got.String() + " token may not see " + what + "; it needs the " + role.String() + " role"}
}

// requireRole wraps a handler so only callers with role reach it.
func (s *Server) requireRole(role Role, what string, h handlerFunc) http.HandlerFunc {
	return s.adapt(func(w http.ResponseWriter, r *http.Request) error {
		if err := require(r, role, what); err != nil {
			return err
		}
		return h(w, r)
	})
}

// suppressed reports whether small counts must be hidden from the caller:
// viewers see aggregates of fewer than SmallCount incidents as "<3", so one
// incident cannot be singled out; analysts see exact figures.
func suppressed(r *http.Request) bool { return caller(r) < RoleAnalyst }

// SmallCount is the threshold below which viewers see "<3".
const SmallCount = 3

// small is a count as a viewer may see it: n, or "<3" for 1..2.
func small(n int64, suppress bool) any {
	if suppress && n > 0 && n < SmallCount {
		return "<3"
	}
	return n
}

// need is middleware refusing callers below role.
func (s *Server) need(role Role, what string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := require(r, role, what); err != nil {
				s.errorResponse(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
