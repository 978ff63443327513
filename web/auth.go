package web

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/stockton-csp/hotspots/data"
)

// Role is data.Role, the one role type of tokens, signed links and
// requests.
type Role = data.Role

// TokenSource checks API tokens. With no token configured (Empty), the
// server may be a single-user local tool where every caller is an admin:
// see Server.openMode for when.
type TokenSource interface {
	Empty() bool
	Lookup(secret string) (data.Token, bool)
	// Named finds a token by its name (for signed links, which name the
	// token they were made for).
	Named(name string) (data.Token, bool)
}

type ctxKey int

const whoKey ctxKey = 1

// who is the caller of a request, as authenticate found it.
type who struct {
	Role Role
	Name string // the token's name; "" in single-user mode or without a token
	// BadToken: a token was sent that is not valid (revoked, mistyped).
	BadToken bool
	// BadLink: a signed link that has expired or is not valid.
	BadLink bool
	// Locked: the server has no valid token (all revoked or the token file
	// gone) but may not fall back to single-user mode.
	Locked bool
}

// callerOf returns who made the request.
func callerOf(r *http.Request) who {
	if v, ok := r.Context().Value(whoKey).(who); ok {
		return v
	}
	return who{}
}

// caller returns the role of the request's caller.
func caller(r *http.Request) Role { return callerOf(r).Role }

// openMode reports whether r is served with no token, every caller an admin.
// Only when no token is configured, none ever was while this server ran, and
// the request arrived on a loopback address: a server started with tokens,
// or one that has seen a token created, never falls back to open mode when
// they are revoked or the token file is deleted or emptied; and a listener
// reachable from other computers never serves without a token, whatever the
// command line said.
func (s *Server) openMode(r *http.Request) bool {
	if s.opts.Tokens != nil && !s.opts.Tokens.Empty() {
		s.tokensSeen.Store(true)
		return false
	}
	return !s.tokensSeen.Load() && loopbackConn(r)
}

// loopbackConn reports whether r came over a connection to a loopback
// address. A request with no local address did not come through
// http.Server (which always sets one): an in-process caller, such as a test
// calling ServeHTTP, counts as local.
func loopbackConn(r *http.Request) bool {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return true
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authenticate puts the caller in the request context: an admin in open
// mode, else the role of the bearer token (or of the access_token query
// parameter, for QGIS), or the one a signed link names (links.go); none
// without one. A bad token is not refused here,
// so the page at / still loads and asks for a new one; the endpoints that
// need a role say the token is not valid.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := who{Role: data.RoleAdmin}
		if !s.openMode(r) {
			c = who{Locked: s.opts.Tokens == nil || s.opts.Tokens.Empty()}
			secret := ""
			if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
				secret = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
			} else if q := r.URL.Query().Get("access_token"); q != "" {
				secret = q
			}
			switch {
			case secret != "":
				if tok, ok := s.lookup(secret); ok {
					c.Role, c.Name = tok.Role, tok.Name
				} else {
					c.BadToken = true
				}
			case r.URL.Query().Has(linkSig):
				if lc, ok := s.linkCaller(r); ok {
					c = lc
				} else {
					c.BadLink = true
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), whoKey, c)))
	})
}

func (s *Server) lookup(secret string) (data.Token, bool) {
	if s.opts.Tokens == nil {
		return data.Token{}, false
	}
	return s.opts.Tokens.Lookup(secret)
}

// require refuses callers below role: 401 without a token or with a bad
// one, 403 with one that does not allow it.
func require(r *http.Request, role Role, what string) error {
	c := callerOf(r)
	switch {
	case c.Role >= role:
		return nil
	case c.Locked:
		return &Error{Status: http.StatusUnauthorized, Message: "this server has no valid API tokens (they were revoked, or the token file was removed) " +
			"and will not open to everyone: an administrator creates one with `hotspotd token create --role admin --name NAME` on the server"}
	case c.BadLink:
		return &Error{Status: http.StatusUnauthorized, Message: "this link has expired or is no longer valid (links from the map last " +
			strconv.Itoa(int(LinkLifetime.Minutes())) + " minutes): open it again from the map"}
	case c.BadToken:
		return &Error{Status: http.StatusUnauthorized, Message: "the token is not valid (revoked, mistyped, or for another server); ask an admin for a new one"}
	case c.Role == data.RoleNone:
		return &Error{Status: http.StatusUnauthorized, Message: "sign in: send an API token (Authorization: Bearer ...) to see " + what}
	}
	return &Error{Status: http.StatusForbidden, Message: "a " + c.Role.String() + " token may not see " + what + "; it needs the " + role.String() + " role"}
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
