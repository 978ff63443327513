package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

// TestTaskingPrintsOneA4PagePerZone prints the tasking sheet to PDF with
// headless Chromium and checks it has the summary page and one A4 page per
// zone: with the default ten zones, so the summary's table, overview map and
// notes must fit on one page (each part starts a page, so pages = parts means
// each fits on one).
func TestTaskingPrintsOneA4PagePerZone(t *testing.T) {
	chromium, pdfinfo := needTool(t, "chromium", "chromium"), needTool(t, "pdfinfo", "poppler-utils")
	dir := t.TempDir()
	if _, stderr, err := run(t, "import", "--data-dir", dir, fixture.Path(t, fixture.Cleveland)); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if _, stderr, err := run(t, "areas", "import", "--data-dir", dir, "--layer", "wards", fixture.Path(t, fixture.StocktonWards)); err != nil {
		t.Fatalf("areas import: %v\n%s", err, stderr)
	}
	const zones = 10
	html, stderr, err := run(t, "tasking", "--data-dir", dir, "--top", strconv.Itoa(zones), "--format", "html")
	if err != nil {
		t.Fatalf("tasking: %v\n%s", err, stderr)
	}
	for _, w := range []string{"Patrol tasking", "Z1", "Z10", "Stockton Town Centre", "10-15 min", "Month only",
		`aria-label="Map of the 10 patrol zones"`, "<b>Operation:</b> ____", "<b>Review date:</b> ____", "m across"} {
		if !strings.Contains(html, w) {
			t.Errorf("sheet lacks %q", w)
		}
	}
	printPDF(t, chromium, pdfinfo, dir, "tasking", html, zones+1, "a summary and one per zone")

	csvOut, _, err := run(t, "tasking", "--data-dir", dir, "--top", strconv.Itoa(zones), "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil || len(recs) != zones+1 || recs[0][0] != "id" || recs[1][0] != "Z1" {
		t.Errorf("csv: %v %v", err, recs)
	}

	// With October's plan stored, November's sheet names its zones by their ids across months
	// and adds a "Since last plan" page: summary, one page per zone, the review.
	if _, stderr, err := run(t, "operation", "create", "--data-dir", dir, "--name", "Op Oct 2025", "--from-tasking", "2025-10", "--top", strconv.Itoa(zones)); err != nil {
		t.Fatalf("operation create: %v\n%s", err, stderr)
	}
	html, stderr, err = run(t, "tasking", "--data-dir", dir, "--from", "2025-11", "--to", "2025-11", "--top", strconv.Itoa(zones), "--format", "html")
	if err != nil {
		t.Fatalf("tasking: %v\n%s", err, stderr)
	}
	for _, w := range []string{"Since last plan: Op Oct 2025", "continuing", "after 2025-11 to 2025-11 against before 2025-10 to 2025-10", "(1 month)"} {
		if !strings.Contains(html, w) {
			t.Errorf("November's sheet lacks %q", w)
		}
	}
	printPDF(t, chromium, pdfinfo, dir, "tasking-since-last-plan", html, zones+2, "a summary, one per zone, and since last plan")

	// November's sheet saved as an operation: the sheet shows its name, the owner given to a
	// zone and its review date.
	out, stderr, err := run(t, "operation", "create", "--data-dir", dir, "--name", "Op Deterrence Dec 2025", "--from-tasking", "2025-11",
		"--top", strconv.Itoa(zones), "--end", "2026-01", "--owner", "Z1=Town Centre NPT", "--format", "json")
	if err != nil {
		t.Fatalf("operation create: %v\n%s", err, stderr)
	}
	var op struct {
		ID    string
		Zones []struct{ ID, Owner string }
	}
	if err := json.Unmarshal([]byte(out), &op); err != nil || op.ID == "" || op.Zones[0].Owner != "Town Centre NPT" {
		t.Fatalf("operation create: %v %+v", err, op)
	}
	html, stderr, err = run(t, "tasking", "--data-dir", dir, "--from", "2025-11", "--to", "2025-11", "--top", strconv.Itoa(zones), "--format", "html", "--operation", op.ID)
	if err != nil {
		t.Fatalf("tasking --operation: %v\n%s", err, stderr)
	}
	for _, w := range []string{"<b>Operation:</b> Op Deterrence Dec 2025, from 2025-12 to 2026-01", "<b>Review date:</b> at the end of 2026-01",
		"<b>" + op.Zones[0].ID + "</b>", "Town Centre NPT"} {
		if !strings.Contains(html, w) {
			t.Errorf("the saved plan's sheet lacks %q", w)
		}
	}
	printPDF(t, chromium, pdfinfo, dir, "tasking-saved", html, zones+2, "a summary, one per zone, and since last plan")
}

// printPDF prints an HTML page to PDF with headless Chromium and checks it has the given
// number of A4 pages.
func printPDF(t *testing.T, chromium, pdfinfo, dir, name, html string, want int, what string) {
	t.Helper()
	page := filepath.Join(dir, name+".html")
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(dir, name+".pdf")
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir="+filepath.Join(dir, "chromium"),
		"--no-pdf-header-footer", "--print-to-pdf="+pdf, "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	out, err := exec.Command(pdfinfo, pdf).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	info := string(out)
	pages := regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(info)
	if pages == nil || pages[1] != strconv.Itoa(want) {
		t.Errorf("%s: PDF has %v pages, want %d (%s)\n%s", name, pages, want, what, info)
	}
	if !strings.Contains(info, "(A4)") {
		t.Errorf("%s: pages are not A4:\n%s", name, info)
	}
	if d := os.Getenv("SCREENSHOT_DIR"); d != "" {
		_ = os.MkdirAll(d, 0o755)
		_ = os.WriteFile(filepath.Join(d, name+".pdf"), mustRead(t, pdf), 0o644)
	}
}

func mustRead(tb testing.TB, p string) []byte {
	tb.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// needTool is the path of a program a test needs: a test skips without it,
// and fails under CI, whose .ci/run installs the Debian package pkg.
func needTool(tb testing.TB, name, pkg string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is missing under CI: .ci/run must install %s", name, pkg)
		}
		tb.Skipf("%s not installed (apt-get install %s)", name, pkg)
	}
	return p
}
