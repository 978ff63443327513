package data

import (
	"os"
	"path/filepath"
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
