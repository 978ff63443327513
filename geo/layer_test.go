package geo

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// readFixture returns the bytes of testdata/name.
func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// mustReadAreas reads testdata/name and fails the test on error.
func mustReadAreas(tb testing.TB, name string, opts ReadOptions) ([]Area, []string) {
	tb.Helper()
	areas, notes, err := ReadAreas(name, readFixture(tb, name), opts)
	if err != nil {
		tb.Fatalf("ReadAreas(%s): %v", name, err)
	}
	return areas, notes
}

// mustLayer builds a layer or fails the test.
func mustLayer(tb testing.TB, name string, areas []Area) *Layer {
	tb.Helper()
	l, err := NewLayer(name, areas)
	if err != nil {
		tb.Fatalf("NewLayer(%s): %v", name, err)
	}
	return l
}

// locate is Layer.Locate; a helper so the tests follow its signature in one
// place.
func locate(tb testing.TB, l *Layer, p orb.Point) int {
	tb.Helper()
	return l.Locate(p)
}

// checkRings fails unless every ring of every area is closed, has at least
// four points and holds only valid lon/lat points.
func checkRings(tb testing.TB, areas []Area) {
	tb.Helper()
	for _, a := range areas {
		if len(a.Geometry) == 0 {
			tb.Errorf("area %s has no polygons", a.Code)
		}
		for pi, poly := range a.Geometry {
			if len(poly) == 0 {
				tb.Errorf("area %s polygon %d has no rings", a.Code, pi+1)
			}
			for ri, r := range poly {
				if len(r) < 4 {
					tb.Errorf("area %s polygon %d ring %d has %d points, want >= 4", a.Code, pi+1, ri+1, len(r))
					continue
				}
				if r[0] != r[len(r)-1] {
					tb.Errorf("area %s polygon %d ring %d is not closed", a.Code, pi+1, ri+1)
				}
				for _, p := range r {
					if !ValidLonLat(p) {
						tb.Errorf("area %s polygon %d ring %d has invalid point %v", a.Code, pi+1, ri+1, p)
					}
				}
			}
		}
		if a.Bound != a.Geometry.Bound() {
			tb.Errorf("area %s Bound %v, geometry bound %v", a.Code, a.Bound, a.Geometry.Bound())
		}
	}
}

// hasNote reports whether some note contains every one of subs.
func hasNote(notes []string, subs ...string) bool {
	for _, n := range notes {
		all := true
		for _, s := range subs {
			all = all && strings.Contains(n, s)
		}
		if all {
			return true
		}
	}
	return false
}

func codesOf(areas []Area) []string {
	var cs []string
	for _, a := range areas {
		cs = append(cs, a.Code)
	}
	return cs
}

func TestReadAreas(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		opts  ReadOptions
		codes []string // wanted area codes, in order
		names []string // wanted area names, in order
		notes [][]string
		check func(t *testing.T, areas []Area)
	}{
		{
			name:  "polygons with ONS fields",
			file:  "wards.geojson",
			codes: []string{"E05000001", "E05000002"},
			names: []string{"West Ward", "East Ward"},
			check: func(t *testing.T, areas []Area) {
				l := mustLayer(t, "wards", areas)
				for _, tc := range []struct {
					p    orb.Point
					want int
				}{
					{orb.Point{-1.31, 54.57}, 0},
					{orb.Point{-1.29, 54.57}, 1},
					// On the shared edge: the first area in layer order.
					{orb.Point{-1.30, 54.57}, 0},
					{orb.Point{-1.35, 54.57}, -1},
				} {
					if got := locate(t, l, tc.p); got != tc.want {
						t.Errorf("Locate(%v) = %d, want %d", tc.p, got, tc.want)
					}
				}
			},
		},
		{
			name:  "multipolygon with a hole",
			file:  "multipolygon_hole.geojson",
			codes: []string{"E05000003", "E05000004"},
			check: func(t *testing.T, areas []Area) {
				g := areas[0].Geometry
				if len(g) != 2 || len(g[0]) != 2 || len(g[1]) != 1 {
					t.Fatalf("geometry shape: %d polygons, want 2 (ring counts 2, 1)", len(g))
				}
				l := mustLayer(t, "holes", areas)
				for _, tc := range []struct {
					name string
					p    orb.Point
					want int
				}{
					{"in the ring round the hole", orb.Point{-1.315, 54.58}, 0},
					{"in the hole", orb.Point{-1.30, 54.58}, -1},
					{"in the hole, near its edge", orb.Point{-1.3099, 54.5701}, -1},
					{"in the island", orb.Point{-1.255, 54.565}, 0},
					{"in the second area", orb.Point{-1.395, 54.505}, 1},
				} {
					if got := locate(t, l, tc.p); got != tc.want {
						t.Errorf("%s: Locate(%v) = %d, want %d", tc.name, tc.p, got, tc.want)
					}
				}
			},
		},
		{
			name:  "code and name fields in any case",
			file:  "code_name.geojson",
			codes: []string{"TC1", "TC2"},
			names: []string{"High Street", "Thornaby"},
		},
		{
			name:  "explicit code and name fields",
			file:  "custom_fields.geojson",
			opts:  ReadOptions{CodeField: "ref", NameField: "label"},
			codes: []string{"Z1", "Z2"},
			names: []string{"Zone one", "Zone two"},
		},
		{
			name:  "explicit code field, name falls back to the code",
			file:  "custom_fields.geojson",
			opts:  ReadOptions{CodeField: "ref"},
			codes: []string{"Z1", "Z2"},
			names: []string{"Z1", "Z2"},
		},
		{
			name:  "explicit fields override ONS detection",
			file:  "wards.geojson",
			opts:  ReadOptions{CodeField: "WD23NM", NameField: "WD23CD"},
			codes: []string{"West Ward", "East Ward"},
			names: []string{"E05000001", "E05000002"},
		},
		{
			name:  "unclosed ring is closed",
			file:  "unclosed.geojson",
			codes: []string{"E05000005", "E05000006"},
			notes: [][]string{{"unclosed.geojson feature 1 (E05000005)", "polygon 1 exterior ring was not closed", "closed it"}},
			check: func(t *testing.T, areas []Area) {
				r := areas[0].Geometry[0][0]
				if len(r) != 5 || r[0] != r[4] {
					t.Errorf("ring %v: want the 4 corners and the first again", r)
				}
			},
		},
		{
			name:  "repeated points are dropped",
			file:  "repeated_points.geojson",
			codes: []string{"R1"},
			notes: [][]string{{"feature 1 (R1)", "had 2 repeated points"}},
			check: func(t *testing.T, areas []Area) {
				if r := areas[0].Geometry[0][0]; len(r) != 5 {
					t.Errorf("ring %v has %d points, want 5", r, len(r))
				}
			},
		},
		{
			name:  "ring pinched at a vertex is accepted",
			file:  "pinched.geojson",
			codes: []string{"E05000008", "E05000009"},
			check: func(t *testing.T, areas []Area) {
				l := mustLayer(t, "pinched", areas)
				for _, tc := range []struct {
					p    orb.Point
					want int
				}{
					{orb.Point{-1.315, 54.57}, 0},  // west lobe
					{orb.Point{-1.285, 54.57}, 0},  // east lobe
					{orb.Point{-1.30, 54.575}, -1}, // notch above the pinch
					{orb.Point{-1.30, 54.565}, -1}, // notch below the pinch
				} {
					if got := locate(t, l, tc.p); got != tc.want {
						t.Errorf("Locate(%v) = %d, want %d", tc.p, got, tc.want)
					}
				}
			},
		},
		{
			name:  "sliver part and sliver hole are dropped",
			file:  "sliver.geojson",
			codes: []string{"E05000011", "E05000012"},
			notes: [][]string{
				{"feature 1 (E05000011)", "polygon 1 ring 2 has no area; dropped it"},
				{"feature 1 (E05000011)", "polygon 2 has no area", "dropped it"},
			},
			check: func(t *testing.T, areas []Area) {
				g := areas[0].Geometry
				if len(g) != 1 || len(g[0]) != 1 {
					t.Errorf("geometry has %d polygons (first with %d rings), want 1 polygon of 1 ring", len(g), len(g[0]))
				}
			},
		},
		{
			name:  "British National Grid named by the crs member",
			file:  "bng_crs.geojson",
			codes: []string{"B1", "B2"},
			check: checkBNGFixture,
		},
		{
			name:  "British National Grid detected without a crs member",
			file:  "bng_nocrs.geojson",
			codes: []string{"B1", "B2"},
			notes: [][]string{{"bng_nocrs.geojson", "British National Grid", "no crs member", "converted to WGS84"}},
			check: checkBNGFixture,
		},
		{
			name:  "British National Grid named in the options",
			file:  "bng_nocrs.geojson",
			opts:  ReadOptions{CRS: CRSBNG},
			codes: []string{"B1", "B2"},
			check: checkBNGFixture,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			areas, notes := mustReadAreas(t, tt.file, tt.opts)
			checkRings(t, areas)
			if got := codesOf(areas); strings.Join(got, ",") != strings.Join(tt.codes, ",") {
				t.Errorf("codes %q, want %q", got, tt.codes)
			}
			for i, want := range tt.names {
				if i < len(areas) && areas[i].Name != want {
					t.Errorf("area %d name %q, want %q", i, areas[i].Name, want)
				}
			}
			for _, want := range tt.notes {
				if !hasNote(notes, want...) {
					t.Errorf("no note containing %q; notes: %q", want, notes)
				}
			}
			if len(tt.notes) == 0 && len(notes) != 0 {
				t.Errorf("unexpected notes: %q", notes)
			}
			if tt.check != nil {
				tt.check(t, areas)
			}
		})
	}
}

// checkBNGFixture checks the areas of bng_crs.geojson / bng_nocrs.geojson:
// the vertices are the metres converted by FromBNG, and points are located.
func checkBNGFixture(t *testing.T, areas []Area) {
	t.Helper()
	// The first vertex of the first ring is E 444000 N 518000.
	want := FromBNG(444000, 518000)
	if got := areas[0].Geometry[0][0][0]; got != want {
		t.Errorf("first vertex %v, want FromBNG(444000, 518000) = %v", got, want)
	}
	// Around Stockton: lon about -1.32, lat about 54.55.
	if got := areas[0].Geometry[0][0][0]; math.Abs(got[0]+1.32) > 0.02 || math.Abs(got[1]-54.55) > 0.02 {
		t.Errorf("first vertex %v is not near Stockton", got)
	}
	l := mustLayer(t, "bng", areas)
	for _, tc := range []struct {
		name string
		e, n float64
		want int
	}{
		{"inside the west square", 444300, 518300, 0},
		{"in the hole", 445000, 519000, -1},
		{"inside the east square", 446500, 518500, 1},
		{"north of the east square", 446500, 519500, -1},
	} {
		p := FromBNG(tc.e, tc.n)
		if got := locate(t, l, p); got != tc.want {
			t.Errorf("%s: Locate(FromBNG(%v, %v) = %v) = %d, want %d", tc.name, tc.e, tc.n, p, got, tc.want)
		}
	}
}

func TestReadAreasFieldDetection(t *testing.T) {
	// WD23CD/WD23NM alongside LAD23CD/LAD23NM, the same on every feature:
	// the ward code, not the authority's, identifies the area.
	areas, _ := mustReadAreas(t, "wards.geojson", ReadOptions{})
	if areas[0].Code != "E05000001" || areas[0].Name != "West Ward" {
		t.Errorf("first area %q %q, want the WD23CD/WD23NM pair E05000001 West Ward", areas[0].Code, areas[0].Name)
	}

	t.Run("single feature", func(t *testing.T) {
		// With one feature every property is "unique", and the ONS
		// candidates are tried in alphabetical order, so LAD23CD beats
		// WD23CD and the one ward is read as its local authority.
		areas, _ := mustReadAreas(t, "single_ward.geojson", ReadOptions{})
		if areas[0].Code != "E05000014" {
			t.Errorf("code %q, want the ward code E05000014", areas[0].Code)
		}
	})
}

func TestReadAreasRefused(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string // used when file is empty
		opts ReadOptions
		is   error    // errors.Is target, if any
		subs []string // substrings the message must hold
		bug  string   // non-empty: known bug, skipped
	}{
		{
			name: "self-intersecting bow-tie",
			file: "bowtie.geojson",
			is:   ErrBadGeometry,
			subs: []string{"bowtie.geojson", "feature 2", "E05000007", "crosses itself", "polygon 1 exterior ring"},
		},
		{
			name: "bow-tie crossing at a vertex",
			file: "bowtie_vertex.geojson",
			is:   ErrBadGeometry,
			subs: []string{"feature 2", "E05000010", "crosses itself"},
			bug: "BUG: layer.go segmentsTouch/selfIntersection only see proper crossings and collinear overlaps, " +
				"so a ring that crosses itself exactly at a vertex it passes through twice (a bow-tie with " +
				"its crossing point (-1.29, 54.57) written as a vertex) is accepted; its two lobes wind " +
				"in opposite directions, unlike a pinched ring's",
		},
		{
			name: "symmetric bow-tie part",
			file: "bowtie_symmetric.geojson",
			is:   ErrBadGeometry,
			subs: []string{"feature 2", "E05000016", "polygon 2 exterior ring crosses itself"},
			bug: "BUG: layer.go cleanMultiPolygon drops zero-area rings (Orientation 0) before selfIntersection; a bow-tie " +
				"whose lobes have equal area has signed area 0, so it is dropped as a sliver (note \"polygon 2 " +
				"has no area (fewer than 3 distinct points); dropped it\") instead of refused as crossing itself, " +
				"and the feature is accepted without that part",
		},
		{
			name: "missing code field",
			file: "no_code.geojson",
			subs: []string{"no_code.geojson", "cannot tell which property holds the area code", "properties colour, fid", "--code-field"},
		},
		{
			name: "named code field absent",
			file: "wards.geojson",
			opts: ReadOptions{CodeField: "LSOA21CD"},
			subs: []string{"feature 1", `property "LSOA21CD"`, "missing or empty"},
		},
		{
			name: "duplicate codes",
			file: "duplicate_codes.geojson",
			subs: []string{"feature 2 (D1)", `code "D1" is used again`, "first at feature 1"},
		},
		{
			name: "duplicate ONS codes named explicitly",
			file: "duplicate_ons_codes.geojson",
			opts: ReadOptions{CodeField: "WD23CD"},
			subs: []string{"feature 2 (E05000013)", `code "E05000013" is used again`},
		},
		{
			name: "duplicate ONS codes detected",
			file: "duplicate_ons_codes.geojson",
			subs: []string{"E05000013"},
			bug: "BUG (message): with auto-detection a repeated WD23CD makes detectFields reject the field as " +
				"not unique, so the error says \"cannot tell which property holds the area code\" instead of " +
				"naming the repeated code (E05000013, features 1 and 2)",
		},
		{
			name: "not a FeatureCollection",
			file: "not_collection.geojson",
			subs: []string{"not_collection.geojson", "expected a GeoJSON FeatureCollection", `"Feature"`},
		},
		{
			name: "invalid JSON",
			file: "invalid_json.geojson",
			subs: []string{"invalid_json.geojson", "not valid GeoJSON", "line 4"},
		},
		{
			name: "Point feature",
			file: "point.geojson",
			subs: []string{"feature 2 (E05000015)", "Point", "Polygon or MultiPolygon"},
		},
		{
			name: "BNG metres read as WGS84",
			file: "bng_nocrs.geojson",
			opts: ReadOptions{CRS: CRSWGS84},
			is:   ErrBadGeometry,
			subs: []string{"feature 1 (B1)", "not a longitude/latitude", "EPSG:27700"},
		},
		{
			name: "unsupported crs member",
			data: `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},"features":[{"type":"Feature","properties":{"code":"M1"},"geometry":{"type":"Polygon","coordinates":[[[-150000,7270000],[-140000,7270000],[-140000,7280000],[-150000,7270000]]]}}]}`,
			subs: []string{"EPSG::3857", "not supported"},
		},
		{
			name: "no features",
			data: `{"type":"FeatureCollection","features":[]}`,
			subs: []string{"has no features"},
		},
		{
			name: "feature without geometry",
			data: `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"N1"},"geometry":null}]}`,
			subs: []string{"feature 1 (N1)", "no geometry"},
		},
		{
			name: "only degenerate parts",
			data: `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"S1"},"geometry":{"type":"Polygon","coordinates":[[[-1.25,54.5],[-1.0,54.5],[-1.25,54.5]]]}}]}`,
			is:   ErrBadGeometry,
			subs: []string{"feature 1 (S1)", "empty geometry"},
		},
		{
			name: "BNG point outside the grid",
			data: `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"O1"},"geometry":{"type":"Polygon","coordinates":[[[444000,518000],[446000,518000],[446000,1400000],[444000,518000]]]}}]}`,
			opts: ReadOptions{CRS: CRSBNG},
			is:   ErrBadGeometry,
			subs: []string{"feature 1 (O1)", "outside the British National Grid"},
		},
		{
			name: "empty input",
			data: ``,
			subs: []string{"not valid GeoJSON"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = tt.bug // fixed; the text records what the bug was
			name, data := tt.file, []byte(tt.data)
			if tt.file != "" {
				data = readFixture(t, tt.file)
			} else {
				name = "inline.geojson"
			}
			areas, notes, err := ReadAreas(name, data, tt.opts)
			if err == nil {
				t.Fatalf("ReadAreas(%s) = %d areas (%q), notes %q; want an error", name, len(areas), codesOf(areas), notes)
			}
			if areas != nil || notes != nil {
				t.Errorf("ReadAreas(%s) returned areas %v or notes %q with the error", name, areas, notes)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
			for _, s := range tt.subs {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if !strings.HasPrefix(err.Error(), "geo: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestParseCRS(t *testing.T) {
	tests := []struct {
		in   string
		want CRS
	}{
		{"", CRSAuto},
		{"auto", CRSAuto},
		{"  AUTO ", CRSAuto},
		{"4326", CRSWGS84},
		{"EPSG:4326", CRSWGS84},
		{"epsg:4326", CRSWGS84},
		{"wgs84", CRSWGS84},
		{"WGS84", CRSWGS84},
		{"CRS84", CRSWGS84},
		{"urn:ogc:def:crs:OGC:1.3:CRS84", CRSWGS84},
		{"urn:ogc:def:crs:EPSG::4326", CRSWGS84},
		{"27700", CRSBNG},
		{"EPSG:27700", CRSBNG},
		{"bng", CRSBNG},
		{"OSGB36", CRSBNG},
		{"urn:ogc:def:crs:EPSG::27700", CRSBNG},
	}
	for _, tt := range tests {
		t.Run("accept "+tt.in, func(t *testing.T) {
			got, err := ParseCRS(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseCRS(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}

	refused := []struct {
		in  string
		bug string
	}{
		{in: "EPSG:3857"},
		{in: "3857"},
		{in: "web mercator"},
		{in: "EPSG:32630"},
		{in: "WGS 84"},
		{in: "OSGB"},
		{in: "EPSG:14326", bug: "BUG (minor): ParseCRS matches by suffix, so any name ending in 4326 or 27700 (EPSG:14326, ESRI:127700) is accepted as WGS84/BNG"},
	}
	for _, tt := range refused {
		t.Run("refuse "+tt.in, func(t *testing.T) {
			_ = tt.bug // fixed; the text records what the bug was
			got, err := ParseCRS(tt.in)
			if err == nil {
				t.Fatalf("ParseCRS(%q) = %q, want an error", tt.in, got)
			}
			for _, s := range []string{tt.in, "EPSG:4326", "EPSG:27700"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}
