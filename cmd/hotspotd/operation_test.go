package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// TestOperationCommands runs the monthly cycle from the command line: plan June's top zones as
// an operation, list, show, export and evaluate it, plan July's (which continues June's
// zones), and delete.
func TestOperationCommands(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, err := run(t, "import", "--data-dir", dir, fixture.Path(t, fixture.Cleveland)); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if _, stderr, err := run(t, "areas", "import", "--data-dir", dir, "--layer", "wards", fixture.Path(t, fixture.StocktonWards)); err != nil {
		t.Fatalf("areas import: %v\n%s", err, stderr)
	}
	out, stderr, err := run(t, "operation", "create", "--data-dir", dir, "--name", "Op Deterrence Jun 2025",
		"--from-tasking", "2025-06", "--top", "5", "--start", "2025-06", "--owner", "Z1=Town Centre NPT")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "stored as op-deterrence-jun-2025, from 2025-06, still running") || strings.Count(out, " new ") != 5 || !strings.Contains(out, "Town Centre NPT") {
		t.Errorf("create:\n%s", out)
	}
	if _, _, err := run(t, "operation", "create", "--data-dir", dir, "--name", "op deterrence JUN 2025", "--from-tasking", "2025-06"); !errors.Is(err, data.ErrOperationExists) {
		t.Errorf("same name again: %v", err)
	}
	if _, _, err := run(t, "operation", "create", "--data-dir", dir, "--name", "Op X"); !errors.Is(err, errUsage) {
		t.Errorf("no zones: %v", err)
	}
	out, _, err = run(t, "operation", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "op-deterrence-jun-2025  Op Deterrence Jun 2025  2025-06") {
		t.Errorf("list: %v\n%s", err, out)
	}
	out, _, err = run(t, "operation", "export", "--data-dir", dir, "--id", "op-deterrence-jun-2025")
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err != nil || json.Unmarshal([]byte(out), &fc) != nil || len(fc.Features) != 5 || fc.Features[0].Properties["owner"] != "Town Centre NPT" {
		t.Errorf("export: %v\n%.300s", err, out)
	}
	out, stderr, err = run(t, "evaluate-operation", "--data-dir", dir, "--id", "op-deterrence-jun-2025", "--format", "csv")
	if err != nil {
		t.Fatalf("evaluate-operation: %v\n%s", err, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) < 7 || recs[1][0] != "overall" || recs[2][1] != "Z1" {
		t.Fatalf("evaluation csv: %v\n%.500s", err, out)
	}
	if n := len(recs[1]); recs[1][n-2] != "2024-12..2025-05" || recs[1][n-1] != "2025-06..2025-11" {
		t.Errorf("periods %v, want 2024-12..2025-05 and 2025-06..2025-11", recs[1][n-2:])
	}
	out, _, err = run(t, "evaluate-operation", "--data-dir", dir, "--id", "op-deterrence-jun-2025")
	if err != nil || !strings.Contains(out, "after 2025-06..2025-11 against before 2024-12..2025-05") || !strings.Contains(out, "Displacement (WDQ):") {
		t.Errorf("evaluation table: %v\n%s", err, out)
	}
	out, stderr, err = run(t, "operation", "create", "--data-dir", dir, "--name", "Op Deterrence Jul 2025", "--from-tasking", "2025-06", "--top", "5", "--start", "2025-07")
	if err != nil {
		t.Fatalf("second plan: %v\n%s", err, stderr)
	}
	if strings.Count(out, " continuing ") != 5 || !strings.Contains(out, "Follows op-deterrence-jun-2025; its zones not carried on (dropped): none.") {
		t.Errorf("the same sheet a month later continues every zone:\n%s", out)
	}
	if _, _, err := run(t, "operation", "delete", "--data-dir", dir, "--id", "op-deterrence-jun-2025"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "operation", "show", "--data-dir", dir, "--id", "op-deterrence-jun-2025"); !errors.Is(err, data.ErrNoOperation) {
		t.Errorf("show after delete: %v", err)
	}
}
