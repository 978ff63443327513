package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/stockton-csp/hotspots/data"
)

// Signed links. A browser opening the printable tasking sheet in a new tab
// cannot send the Authorization header, and a token in the address would be
// kept in history, proxy logs and printed in the sheet's footer. The map
// asks instead for a link to the one sheet it shows, signed with a key that
// lives only in this server's memory, naming the token it was made for and
// expiring after LinkLifetime. It opens that sheet with those filters and
// nothing else; revoking the token kills its links at once, and a restart
// kills them all.

// LinkLifetime is how long a signed sheet link stays valid.
const LinkLifetime = 10 * time.Minute

// linkPaths are the pages a signed link may open.
var linkPaths = map[string]bool{"/tasking": true, "/strategy": true}

// The query parameters a signed link adds.
const (
	linkExp  = "exp" // expiry, Unix seconds
	linkBy   = "by"  // the name of the token it was made for ("" in single-user mode)
	linkRole = "as"  // the role it grants, at most the token's
	linkSig  = "sig" // HMAC-SHA256 of the path and every other parameter
)

// signLink returns path?q with the signing parameters added for c.
func (s *Server) signLink(path string, q url.Values, c who) string {
	v := url.Values{}
	for k, xs := range q {
		switch k {
		case "access_token", linkExp, linkBy, linkRole, linkSig:
			continue
		}
		v[k] = xs
	}
	v.Set(linkExp, strconv.FormatInt(s.now().Add(LinkLifetime).Unix(), 10))
	v.Set(linkBy, c.Name)
	v.Set(linkRole, c.Role.String())
	v.Set(linkSig, s.linkMAC(path, v))
	return path + "?" + v.Encode()
}

// linkMAC signs path and every parameter but sig, in url.Values' sorted
// encoding.
func (s *Server) linkMAC(path string, v url.Values) string {
	c := url.Values{}
	for k, xs := range v {
		if k != linkSig {
			c[k] = xs
		}
	}
	m := hmac.New(sha256.New, s.linkKey)
	m.Write([]byte(path + "?" + c.Encode()))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// linkCaller checks a signed link and returns who it speaks for; ok is
// false for a link that is not signed by this server, has expired, or whose
// token is gone.
func (s *Server) linkCaller(r *http.Request) (who, bool) {
	v := r.URL.Query()
	if !linkPaths[r.URL.Path] || !hmac.Equal([]byte(v.Get(linkSig)), []byte(s.linkMAC(r.URL.Path, v))) {
		return who{}, false
	}
	exp, err := strconv.ParseInt(v.Get(linkExp), 10, 64)
	if err != nil || !s.now().Before(time.Unix(exp, 0)) {
		return who{}, false
	}
	role, _ := data.ParseRole(v.Get(linkRole))
	name := v.Get(linkBy)
	if name == "" {
		// made in single-user mode: good while the server still is
		if !s.openMode(r) {
			return who{}, false
		}
		return who{Role: role}, true
	}
	if s.opts.Tokens == nil {
		return who{}, false
	}
	tok, ok := s.opts.Tokens.Named(name)
	if !ok {
		return who{}, false
	}
	return who{Role: min(role, tok.Role), Name: name}, true
}

// sheetLink answers GET /api/v1/tasking/link?(the sheet's parameters):
// {"url": "/tasking?...", "expires": "..."}, a signed link to the sheet for
// the caller.
func (s *Server) sheetLink(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.taskingQuery(r); err != nil {
		return err
	}
	u := s.signLink("/tasking", r.URL.Query(), callerOf(r))
	return s.respond(w, r, http.StatusOK, map[string]any{"url": u, "expires": s.now().Add(LinkLifetime).UTC().Format(time.RFC3339)})
}
