// Command depscheck enforces the project's import rules (README,
// "Architecture"): imports point one way, down to geo; only data/postgres
// imports pgx; nothing imports cmd. It reads `go list` and exits 1 naming
// every import that breaks a rule.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

const module = "github.com/stockton-csp/hotspots"

// allowed lists, per package of ours, the packages of ours and the outside
// modules it may import (the standard library is always allowed). A package
// not listed (cmd/...) may import anything but cmd.
var allowed = map[string][]string{
	"geo":                     {"github.com/paulmach/orb", "github.com/uber/h3-go/v4", "github.com/wroge/wgs84"},
	"hotspot":                 {"geo", "gonum.org/v1/gonum"},
	"data":                    {"hotspot", "geo", "github.com/paulmach/orb"},
	"data/sample":             {},
	"internal/fixture":        {},
	"internal/cache":          {},
	"data/storetest":          {"data", "hotspot", "geo", "internal/fixture", "github.com/paulmach/orb"},
	"data/postgres":           {"data", "hotspot", "geo", "github.com/paulmach/orb", "github.com/jackc/pgx/v5"},
	"engine":                  {"data", "hotspot", "geo", "internal/cache", "github.com/paulmach/orb"},
	"disclosure":              {"engine", "hotspot", "data", "geo", "internal/cache"},
	"tiles":                   {"disclosure", "engine", "hotspot", "data", "geo", "github.com/paulmach/orb"},
	"report":                  {"disclosure", "engine", "hotspot", "data", "geo", "github.com/paulmach/orb", "github.com/xuri/excelize/v2"},
	"web":                     {"tiles", "disclosure", "engine", "report", "hotspot", "data", "geo", "audit", "internal/cache", "github.com/paulmach/orb", "github.com/go-chi/chi/v5", "github.com/protomaps/go-pmtiles"},
	"internal/pmtilesfixture": {"github.com/paulmach/orb", "github.com/protomaps/go-pmtiles"},
	"audit":                   {"gopkg.in/natefinch/lumberjack.v2"},
}

// onlyIn lists, per package of ours, packages of ours it may import in the
// named files alone (tests aside): the command line serves web from
// serve.go and renders its sheets and tables through report, so the web
// package stays routing, parameters, auth, errors and caching.
var onlyIn = map[string]map[string][]string{
	"cmd/hotspotd": {"web": {"serve.go"}},
}

func main() {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "depscheck: go list:", err)
		os.Exit(1)
	}
	var bad []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		pkg := strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/")
		rules, listed := allowed[pkg]
		for _, imp := range f[1:] {
			if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
				continue // standard library
			}
			ours := strings.HasPrefix(imp, module+"/")
			rel := strings.TrimPrefix(imp, module+"/")
			switch {
			case ours && strings.HasPrefix(rel, "cmd"):
				bad = append(bad, fmt.Sprintf("%s imports %s: nothing may import cmd", pkg, rel))
			case strings.HasPrefix(imp, "github.com/jackc/pgx") && pkg != "data/postgres":
				bad = append(bad, fmt.Sprintf("%s imports %s: only data/postgres may import pgx", pkg, imp))
			case !listed:
				// commands wire everything
			case ours && !has(rules, rel):
				bad = append(bad, fmt.Sprintf("%s imports %s: %s may import only %v of ours", pkg, rel, pkg, ourRules(rules)))
			case !ours && !hasPrefix(rules, imp):
				bad = append(bad, fmt.Sprintf("%s imports %s: not an allowed module for %s", pkg, imp, pkg))
			}
		}
		if !listed && !strings.HasPrefix(pkg, "cmd/") {
			bad = append(bad, fmt.Sprintf("%s has no import rule: add it to cmd/depscheck and the README", pkg))
		}
	}
	for pkg, rules := range onlyIn {
		b, err := fileImports(pkg, rules)
		if err != nil {
			fmt.Fprintln(os.Stderr, "depscheck:", err)
			os.Exit(1)
		}
		bad = append(bad, b...)
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		for _, b := range bad {
			fmt.Fprintln(os.Stderr, "depscheck:", b)
		}
		os.Exit(1)
	}
	fmt.Println("depscheck: import rules hold")
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func hasPrefix(xs []string, imp string) bool {
	for _, y := range xs {
		if imp == y || strings.HasPrefix(imp, y+"/") {
			return true
		}
	}
	return false
}

func ourRules(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !strings.Contains(x, ".") {
			out = append(out, x)
		}
	}
	return out
}

// fileImports checks pkg's non-test files against its onlyIn rules.
func fileImports(pkg string, rules map[string][]string) ([]string, error) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}{{range .GoFiles}} {{.}}{{end}}", "./"+pkg).Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %w", pkg, err)
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return nil, fmt.Errorf("go list %s: no package", pkg)
	}
	var bad []string
	fset := token.NewFileSet()
	for _, name := range f[1:] {
		af, err := parser.ParseFile(fset, filepath.Join(f[0], name), nil, parser.ImportsOnly)
		if err != nil {
			return nil, err
		}
		for _, is := range af.Imports {
			imp, _ := strconv.Unquote(is.Path.Value)
			rel, ours := strings.CutPrefix(imp, module+"/")
			if files, ruled := rules[rel]; ours && ruled && !slices.Contains(files, name) {
				bad = append(bad, fmt.Sprintf("%s/%s imports %s: only %v of %s may", pkg, name, rel, files, pkg))
			}
		}
	}
	return bad, nil
}
