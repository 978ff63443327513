package data

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Role is what a caller may do: the role a token carries, a signed link
// names and a request is served with. Each role may do what the ones below
// it may. In tokens.json and on the command line it is its name.
type Role int

// The roles, in order.
const (
	RoleNone    Role = iota // no token, or one that is not valid
	RoleViewer              // maps, aggregates, tasking
	RoleAnalyst             // also incidents, point exports, imports
	RoleAdmin               // also tokens and area layers
)

var roleNames = [...]string{"none", "viewer", "analyst", "admin"}

func (r Role) String() string {
	if r < RoleNone || r > RoleAdmin {
		return "none"
	}
	return roleNames[r]
}

// ParseRole reads a role's name: viewer, analyst or admin.
func ParseRole(s string) (Role, error) {
	for r := RoleViewer; r <= RoleAdmin; r++ {
		if s == roleNames[r] {
			return r, nil
		}
	}
	return RoleNone, fmt.Errorf("data: role %q is not one of viewer, analyst, admin", s)
}

// MarshalText writes the role's name.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a role's name; a name it does not know is RoleNone,
// which may do nothing (a hand-edited token file cannot grant a role).
func (r *Role) UnmarshalText(b []byte) error {
	*r, _ = ParseRole(string(b))
	return nil
}

// ErrNoToken is returned for an unknown or revoked token name.
var ErrNoToken = errors.New("data: no such token")

// Token describes an API token. The secret itself is never stored: only its
// SHA-256 hash.
type Token struct {
	Name    string    `json:"name"`
	Role    Role      `json:"role"`
	Hash    string    `json:"hash"`   // hex SHA-256 of the secret
	Prefix  string    `json:"prefix"` // first characters of the secret, to recognise it
	Created time.Time `json:"created"`
}

// Tokens is the token file of a data directory (tokens.json), safe for one
// writer process and any number of readers: the server notices changes the
// CLI makes by the file's modification time.
type Tokens struct {
	path string
	now  func() time.Time

	mu      sync.Mutex
	list    []Token
	modTime time.Time
	checked time.Time
	// err is why the file could not be read last time; while it is set no
	// token is valid and the file does not count as empty (fail closed).
	err error
}

// OpenTokens opens the token file in dir (it need not exist).
func OpenTokens(dir string, now func() time.Time) (*Tokens, error) {
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	t := &Tokens{path: filepath.Join(dir, "tokens.json"), now: now}
	if err := t.reload(true); err != nil {
		return nil, err
	}
	return t, nil
}

// reload reads the file if it changed (at most once a second unless force).
func (t *Tokens) reload(force bool) error {
	now := t.now()
	if !force && now.Sub(t.checked) < time.Second {
		return t.err
	}
	t.checked = now
	t.err = t.read(force)
	return t.err
}

func (t *Tokens) read(force bool) error {
	st, err := os.Stat(t.path)
	if errors.Is(err, os.ErrNotExist) {
		t.list, t.modTime = nil, time.Time{}
		return nil
	}
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if !force && st.ModTime().Equal(t.modTime) {
		return nil
	}
	b, err := os.ReadFile(t.path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	var list []Token
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("%w: %s is not valid JSON (%v)", ErrCorrupt, t.path, err)
	}
	t.list, t.modTime = list, st.ModTime()
	return nil
}

func (t *Tokens) save() error {
	b, err := json.MarshalIndent(t.list, "", " ")
	if err != nil {
		return err
	}
	tmp := t.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := os.Rename(tmp, t.path); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if st, err := os.Stat(t.path); err == nil {
		t.modTime = st.ModTime()
	}
	return nil
}

// Create makes a token for name with role and returns its secret, which is
// shown once and never stored.
func (t *Tokens) Create(name string, role Role) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errors.New("data: a token needs a name (the person or system using it)")
	}
	if role < RoleViewer || role > RoleAdmin {
		return "", fmt.Errorf("data: role %q is not one of viewer, analyst, admin", role)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.reload(true); err != nil {
		return "", err
	}
	for _, x := range t.list {
		if x.Name == name {
			return "", fmt.Errorf("data: a token named %q exists; revoke it first or choose another name", name)
		}
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	secret := "hs_" + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
	t.list = append(t.list, Token{Name: name, Role: role, Hash: hex.EncodeToString(sum[:]), Prefix: secret[:7], Created: t.now().UTC()})
	if err := t.save(); err != nil {
		return "", err
	}
	return secret, nil
}

// Revoke removes the token named name.
func (t *Tokens) Revoke(name string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.reload(true); err != nil {
		return err
	}
	for i, x := range t.list {
		if x.Name == name {
			t.list = append(t.list[:i], t.list[i+1:]...)
			return t.save()
		}
	}
	return fmt.Errorf("%w: %q", ErrNoToken, name)
}

// List returns the tokens (without secrets), by name.
func (t *Tokens) List() ([]Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.reload(true); err != nil {
		return nil, err
	}
	out := append([]Token(nil), t.list...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Empty reports whether no token is configured: the file is missing or
// lists none. A file that cannot be read or parsed is not empty.
func (t *Tokens) Empty() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.reload(false) != nil {
		return false // an unreadable file is not "no tokens"
	}
	return len(t.list) == 0
}

// Lookup finds the token whose secret is secret, comparing hashes in
// constant time. While the file cannot be read, no token is found.
func (t *Tokens) Lookup(secret string) (Token, bool) {
	sum := sha256.Sum256([]byte(secret))
	h := hex.EncodeToString(sum[:])
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.reload(false) != nil {
		return Token{}, false
	}
	for _, x := range t.list {
		if subtle.ConstantTimeCompare([]byte(x.Hash), []byte(h)) == 1 {
			return x, true
		}
	}
	return Token{}, false
}

// Named finds the token called name.
func (t *Tokens) Named(name string) (Token, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.reload(false) != nil {
		return Token{}, false
	}
	for _, x := range t.list {
		if x.Name == name {
			return x, true
		}
	}
	return Token{}, false
}
