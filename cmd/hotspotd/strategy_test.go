package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stockton-csp/hotspots/hotspot"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// strategyData imports the real Cleveland months, the bundled authorities
// with their Census 2021 populations (in the repository) and the Stockton
// wards into a new data folder.
func strategyData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"import", "--data-dir", dir, fixture.Path(t, fixture.Cleveland)},
		{"areas", "import", "--data-dir", dir, "--layer", "authorities",
			"--population", fixture.Path(t, "data/sample/population/tees_lad24_population_census2021_lsoa_sum.csv"),
			fixture.Path(t, fixture.TeesValleyAuthorities)},
		{"areas", "import", "--data-dir", dir, "--layer", "wards",
			"--population", fixture.Path(t, fixture.StocktonWardPopulation),
			fixture.Path(t, fixture.StocktonWards)},
	} {
		if _, stderr, err := run(t, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
	}
	return dir
}

// TestStrategyPrintsOneA4PagePerPriority prints the strategy view to PDF
// with headless Chromium (a summary and one A4 page per priority) and runs
// axe-core's WCAG 2 A and AA rules on it.
func TestStrategyPrintsOneA4PagePerPriority(t *testing.T) {
	chromium, pdfinfo := needTool(t, "chromium", "chromium"), needTool(t, "pdfinfo", "poppler-utils")
	dir := strategyData(t)
	html, stderr, err := run(t, "strategy", "--data-dir", dir, "--from", "2024-12", "--to", "2025-11", "--format", "html")
	if err != nil {
		t.Fatalf("strategy: %v\n%s", err, stderr)
	}
	for _, w := range []string{"Strategy view: Stockton-on-Tees", "Robbery", "Middlesbrough", "Stockton Town Centre", "Exception", "Month by month"} {
		if !strings.Contains(html, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	page := filepath.Join(dir, "strategy.html")
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(dir, "strategy.pdf")
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
	want := len(hotspot.DefaultPriorities().List) + 1
	if pages := regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(info); pages == nil || pages[1] != strconv.Itoa(want) {
		t.Errorf("PDF has %v pages, want %d (a summary and one per priority)\n%s", pages, want, info)
	}
	if !strings.Contains(info, "(A4)") {
		t.Errorf("pages are not A4:\n%s", info)
	}
	if d := os.Getenv("SCREENSHOT_DIR"); d != "" {
		_ = os.MkdirAll(d, 0o755)
		_ = os.WriteFile(filepath.Join(d, "strategy.pdf"), mustRead(t, pdf), 0o644)
	}
	axeCheck(t, "file://"+page)
}

// axeCheck loads url in headless Chromium, injects the vendored axe-core
// (testdata/axe-core) and fails on every WCAG 2 A or AA violation.
func axeCheck(t *testing.T, url string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Chromium is needed under CI: %v", err)
		}
		t.Skipf("needs Chromium at %s: %v", chromiumPath, err)
	}
	axe := fixture.Read(t, fixture.Axe)
	b := newBrowser(t, 1000, 1400)
	b.do(chromedp.Navigate(url))
	var ok bool
	b.eval(string(axe)+";\ntypeof axe === 'object'", &ok)
	if !ok {
		t.Fatal("axe-core did not load")
	}
	var violations []string
	b.eval(`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
		.then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))`, &violations)
	for _, v := range violations {
		t.Errorf("axe: %s", v)
	}
}

// TestStrategyCommand checks the table output against the robbery vector
// of strategy.md and refuses a malformed priorities file naming the line
// and field.
func TestStrategyCommand(t *testing.T) {
	dir := strategyData(t)
	out, stderr, err := run(t, "strategy", "--data-dir", dir, "--from", "2024-12", "--to", "2025-11", "--priority", "Robbery")
	if err != nil {
		t.Fatalf("strategy: %v\n%s", err, stderr)
	}
	for _, w := range []string{
		"Middlesbrough 497 3.4536 304.6 1.8787..2.3540 1.7416..2.4911 above 99.8%",
		"Hartlepool 195 2.1116 195.4 1.8196..2.4131 1.6485..2.5842 within",
		"Stockton-on-Tees 307 1.5616 416.1 1.9130..2.3197 1.7957..2.4370 below 99.8%",
		"Redcar and Cleveland 206 1.5088 288.9 1.8723..2.3604 1.7316..2.5011 below 99.8%",
	} {
		// columns are padded: any run of spaces between the figures
		re := regexp.MustCompile(`(?m)^` + strings.Join(strings.Fields(regexp.QuoteMeta(w)), `\s+`) + `$`)
		if !re.MatchString(out) {
			t.Errorf("table lacks %q:\n%s", w, out)
		}
	}
	bad := filepath.Join(dir, "mine.csv")
	if err := os.WriteFile(bad, []byte("priority,crime_type,source\nRobbery,Robbery,paper\nTheft,,paper\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = run(t, "strategy", "--data-dir", dir, "--priorities", bad)
	var pe *hotspot.PrioritiesError
	if !errors.As(err, &pe) || pe.Line != 3 || !strings.Contains(err.Error(), "mine.csv line 3: crime_type is empty") {
		t.Errorf("malformed priorities: %v", err)
	}
	good := filepath.Join(dir, "ours.csv")
	if err := os.WriteFile(good, []byte("priority,crime_type,source\nAcquisitive crime,Burglary,plan\nAcquisitive crime,Robbery,plan\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	csvOut, _, err := run(t, "strategy", "--data-dir", dir, "--priorities", good, "--format", "csv", "--from", "2024-12", "--to", "2025-11")
	if err != nil {
		t.Fatal(err)
	}
	// Stockton's 307 robberies (the strategy.md vector) plus its burglaries
	// as the ranking counts them
	rank, _, err := run(t, "rank", "--data-dir", dir, "--layer", "authorities", "--from", "2024-12", "--to", "2025-11", "--types", "Burglary", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	burglary := regexp.MustCompile(`(?m)^E06000004,Stockton-on-Tees,\d*,(\d+),`).FindStringSubmatch(rank)
	if burglary == nil {
		t.Fatalf("no Stockton in the ranking:\n%s", rank)
	}
	n, _ := strconv.Atoi(burglary[1])
	if want := "Acquisitive crime,summary,E06000004,Stockton-on-Tees,,count," + strconv.Itoa(307+n) + "\n"; !strings.Contains(csvOut, want) {
		t.Errorf("csv lacks %q:\n%.600s", want, csvOut)
	}
}
