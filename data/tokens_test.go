package data

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTokensFileUnreadableFailsClosed: a token file that cannot be parsed
// neither counts as "no tokens" (which would open the server) nor keeps
// the tokens read before it (which would keep a revoked token valid).
func TestTokensFileUnreadableFailsClosed(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	toks, err := OpenTokens(dir, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	secret, err := toks.Create("a", RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := toks.Lookup(secret); !ok {
		t.Fatal("the new token is not found")
	}
	if err := os.WriteFile(filepath.Join(dir, "tokens.json"), []byte(`[{"name": "a"`), 0o600); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Second)
	if toks.Empty() {
		t.Error("a garbled token file reads as empty")
	}
	if _, ok := toks.Lookup(secret); ok {
		t.Error("a token is still valid while the file cannot be read")
	}
}

// TestRoleNames: a role is its name in tokens.json and on the command
// line; a name the file should not hold grants nothing.
func TestRoleNames(t *testing.T) {
	for _, c := range []struct {
		name string
		role Role
		ok   bool
	}{{"viewer", RoleViewer, true}, {"analyst", RoleAnalyst, true}, {"admin", RoleAdmin, true}, {"none", RoleNone, false}, {"superuser", RoleNone, false}, {"Admin", RoleNone, false}} {
		r, err := ParseRole(c.name)
		if r != c.role || (err == nil) != c.ok {
			t.Errorf("ParseRole(%q) = %v, %v", c.name, r, err)
		}
		var tok Token
		if err := json.Unmarshal([]byte(`{"name":"x","role":"`+c.name+`"}`), &tok); err != nil || tok.Role != c.role {
			t.Errorf("a token file's role %q reads as %v (%v)", c.name, tok.Role, err)
		}
	}
	b, _ := json.Marshal(Token{Name: "x", Role: RoleAnalyst})
	if !strings.Contains(string(b), `"role":"analyst"`) {
		t.Errorf("a token is written as %s", b)
	}
}
