package report

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// TestSchemaDoc checks that docs/exports.md lists every property of every
// table with the code's type and unit, in order, and nothing else: the
// document is the schema, and the code must agree with it.
func TestSchemaDoc(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "exports.md"))
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string][]Column{"operation zones": OperationZoneColumns, KindEmerging: EmergingColumns}
	for _, k := range Kinds() {
		tables[k], _ = Columns(k)
	}
	section := ""
	doc := map[string][][3]string{}
	row := regexp.MustCompile("^\\| `([a-z0-9_]+)` \\| ([a-z]+) \\|([^|]*)\\|")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "## ") {
			section = strings.TrimPrefix(line, "## ")
			continue
		}
		if _, ok := tables[section]; ok {
			if m := row.FindStringSubmatch(line); m != nil {
				doc[section] = append(doc[section], [3]string{m[1], m[2], strings.TrimSpace(m[3])})
			}
		}
	}
	for kind, cols := range tables {
		var code [][3]string
		for _, c := range cols {
			code = append(code, [3]string{c.Name, string(c.Type), c.Unit})
		}
		if fmt.Sprint(doc[kind]) != fmt.Sprint(code) {
			t.Errorf("docs/exports.md, section %s:\n%v\nthe code has:\n%v", kind, doc[kind], code)
		}
	}
	if !strings.Contains(string(b), fmt.Sprintf("**schema version %d**", SchemaVersion)) {
		t.Errorf("docs/exports.md does not give schema version %d", SchemaVersion)
	}
	// The area tables' columns are listed in the document too.
	for _, c := range AreaTablesHeader {
		if !strings.Contains(string(b), "`"+c+"`") && !strings.Contains(string(b), "`"+strings.SplitN(c, "_", 2)[0]+"_*`") {
			t.Errorf("docs/exports.md does not name the area tables' column %s", c)
		}
	}
}

// ringArea is a ring's planar area, positive counter-clockwise (the
// shoelace formula, written out here as an independent check of orb's
// orientation).
func ringArea(r orb.Ring) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

func TestRFC7946Winding(t *testing.T) {
	cw := orb.Ring{{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}}
	ccwHole := orb.Ring{{0.2, 0.2}, {0.8, 0.2}, {0.8, 0.8}, {0.2, 0.8}, {0.2, 0.2}}
	ccw := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	cwHole := orb.Ring{{0.2, 0.2}, {0.2, 0.8}, {0.8, 0.8}, {0.8, 0.2}, {0.2, 0.2}}
	got := RFC7946(orb.MultiPolygon{{cw, ccwHole}, {ccw, cwHole}})
	for i, p := range got {
		if ringArea(p[0]) <= 0 || ringArea(p[1]) >= 0 {
			t.Errorf("polygon %d: exterior %v, hole %v", i, p[0], p[1])
		}
	}
	if ringArea(cw) >= 0 || ringArea(ccwHole) <= 0 {
		t.Error("the input was changed")
	}
}
