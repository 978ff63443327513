package main

import (
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// The token commands: create prints the secret once (and only there), list
// shows names, roles and prefixes but never a secret, revoke removes one, and
// the token file agrees at each step.
func TestTokenCLILifecycle(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, "token", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "No tokens") {
		t.Fatalf("empty list: %v %q", err, out)
	}
	secret, errb, err := run(t, "token", "create", "--data-dir", dir, "--role", "viewer", "--name", "Neighbourhood team")
	secret = strings.TrimSpace(secret)
	if err != nil || len(secret) < 32 || strings.ContainsAny(secret, " \n") {
		t.Fatalf("create: %v %q %s", err, secret, errb)
	}
	if !strings.Contains(errb, "shown this once") {
		t.Errorf("create does not say the token is shown once: %q", errb)
	}
	if _, _, err := run(t, "token", "create", "--data-dir", dir, "--role", "analyst", "--name", "CURV analyst"); err != nil {
		t.Fatal(err)
	}
	toks, err := data.OpenTokens(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if who, ok := toks.Lookup(secret); !ok || who.Name != "Neighbourhood team" || who.Role != data.RoleViewer {
		t.Errorf("the printed token looks up as %+v, %v", who, ok)
	}
	out, _, err = run(t, "token", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "Neighbourhood team") || !strings.Contains(out, "viewer") ||
		!strings.Contains(out, "CURV analyst") || !strings.Contains(out, "analyst") || !strings.Contains(out, secret[:4]) {
		t.Errorf("list: %v\n%s", err, out)
	}
	if strings.Contains(out, secret) {
		t.Errorf("list prints the whole secret:\n%s", out)
	}
	for _, bad := range [][]string{
		{"token", "create", "--data-dir", dir, "--role", "viewer"},
		{"token", "create", "--data-dir", dir, "--role", "superuser", "--name", "x"},
		{"token", "revoke", "--data-dir", dir},
		{"token", "revoke", "--data-dir", dir, "--name", "nobody"},
		{"token", "rotate", "--data-dir", dir},
	} {
		if _, _, err := run(t, bad...); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if out, _, err := run(t, "token", "revoke", "--data-dir", dir, "--name", "Neighbourhood team"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %v %q", err, out)
	}
	toks, err = data.OpenTokens(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := toks.Lookup(secret); ok {
		t.Error("a revoked token still looks up")
	}
	out, _, _ = run(t, "token", "list", "--data-dir", dir)
	if strings.Contains(out, "Neighbourhood team") || !strings.Contains(out, "CURV analyst") {
		t.Errorf("after revoke:\n%s", out)
	}
}

// areas delete removes the layer and only it; deleting a layer that is not
// there says so.
func TestAreasDelete(t *testing.T) {
	dir := t.TempDir()
	for _, layer := range []string{"wards", "wards-copy"} {
		if _, stderr, err := run(t, "areas", "import", "--data-dir", dir, "--layer", layer, fixture.Path(t, fixture.StocktonWards)); err != nil {
			t.Fatalf("areas import: %v\n%s", err, stderr)
		}
	}
	if _, stderr, err := run(t, "areas", "delete", "--data-dir", dir, "--layer", "wards-copy"); err != nil {
		t.Fatalf("delete: %v\n%s", err, stderr)
	}
	out, _, err := run(t, "areas", "list", "--data-dir", dir)
	if err != nil || strings.Contains(out, "wards-copy") || !strings.Contains(out, "wards") {
		t.Errorf("after delete: %v\n%s", err, out)
	}
	_, _, err = run(t, "areas", "delete", "--data-dir", dir, "--layer", "wards-copy")
	if err == nil || !strings.Contains(err.Error(), "wards-copy") {
		t.Errorf("deleting a missing layer: %v", err)
	}
	if _, _, err := run(t, "areas", "delete", "--data-dir", dir); err == nil {
		t.Error("delete without --layer accepted")
	}
}
