//go:build ignore

// testcount reads `go test -json` output (mixed with other lines, such as
// make's and go vet's) on standard input and prints it as a person reads it:
// package results, the output of each failed test, each skipped test with its
// reason, then one closing line "tests: N passed, N failed, N skipped".
// With -names FILE it writes the names of the tests that ran ("pass" or
// "fail") and were skipped, one "pkg.Test action" a line, so two runs can be
// compared with -compare FILE. It exits 1 when a test or package failed or
// the comparison differs.
//
//	make test TESTFLAGS=-json 2>&1 | go run .ci/testcount.go -names alone.txt
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

func main() {
	names := flag.String("names", "", "write the tests that ran and were skipped to this file")
	compare := flag.String("compare", "", "fail unless the tests that ran and were skipped equal this file's")
	flag.Parse()

	outputs := map[string][]string{} // pkg.Test -> output lines
	result := map[string]string{}    // pkg.Test -> pass, fail, skip
	var failedPkgs []string
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		var e event
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &e) != nil || e.Action == "" {
			fmt.Println(line)
			continue
		}
		key := e.Package + "." + e.Test
		switch {
		case e.Test == "" && e.Action == "output":
			if strings.HasPrefix(e.Output, "ok ") || strings.HasPrefix(e.Output, "FAIL\t") || strings.HasPrefix(e.Output, "?") || strings.HasPrefix(e.Output, "---") || strings.HasPrefix(e.Output, "panic") {
				fmt.Print(e.Output)
			}
		case e.Test == "" && e.Action == "fail":
			failedPkgs = append(failedPkgs, e.Package)
		case e.Test != "" && e.Action == "output":
			outputs[key] = append(outputs[key], e.Output)
		case e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			result[key] = e.Action
		}
	}
	var pass, fail, skip int
	var keys []string
	for k := range result {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var list strings.Builder
	for _, k := range keys {
		switch result[k] {
		case "pass":
			pass++
		case "fail":
			fail++
			fmt.Printf("\n--- FAIL: %s\n%s", k, strings.Join(outputs[k], ""))
		case "skip":
			skip++
			reason := ""
			for _, o := range outputs[k] {
				if s := strings.TrimSpace(o); s != "" && !strings.HasPrefix(s, "=== ") && !strings.HasPrefix(s, "--- SKIP") {
					reason = s
				}
			}
			fmt.Printf("skipped %s: %s\n", k, reason)
		}
		state := "ran"
		if result[k] == "skip" {
			state = "skipped"
		}
		fmt.Fprintf(&list, "%s %s\n", k, state)
	}
	bad := fail > 0 || len(failedPkgs) > 0
	if *names != "" {
		if err := os.WriteFile(*names, []byte(list.String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "testcount:", err)
			os.Exit(1)
		}
	}
	if *compare != "" {
		want, err := os.ReadFile(*compare)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testcount:", err)
			os.Exit(1)
		}
		if diff := difference(string(want), list.String()); diff != "" {
			fmt.Printf("the tests that ran differ from %s:\n%s", *compare, diff)
			bad = true
		} else {
			fmt.Printf("the same %d tests ran and %d were skipped as in %s\n", pass+fail, skip, *compare)
		}
	}
	if len(failedPkgs) > 0 {
		fmt.Printf("failed packages: %s\n", strings.Join(failedPkgs, " "))
	}
	fmt.Printf("tests: %d passed, %d failed, %d skipped\n", pass, fail, skip)
	if bad {
		os.Exit(1)
	}
}

// difference lists the lines in only one of a and b.
func difference(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for l := range ma {
		if !mb[l] {
			out = append(out, "  only in the first run: "+l)
		}
	}
	for l := range mb {
		if !ma[l] {
			out = append(out, "  only in the second run: "+l)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}
