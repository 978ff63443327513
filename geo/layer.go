package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// Area is one polygon feature of a layer: a ward, a town centre, an LSOA.
// Geometry is WGS84 orb.Point{lon, lat}, exterior rings first in each polygon,
// rings closed.
type Area struct {
	Code string
	Name string
	// Population is the resident population (Census 2021 usual residents, or
	// whatever the loaded table gives); 0 with HasPopulation false when unknown.
	Population    float64
	HasPopulation bool
	Geometry      orb.MultiPolygon
	Bound         orb.Bound
}

// CRS names the coordinate systems an area file may use.
type CRS string

const (
	// CRSAuto reads the GeoJSON `crs` member and, without one, takes WGS84
	// unless every coordinate is out of lon/lat range and inside the British
	// National Grid, when it takes EPSG:27700.
	CRSAuto CRS = ""
	// CRSWGS84 is EPSG:4326 / OGC CRS84, longitude then latitude in degrees.
	CRSWGS84 CRS = "EPSG:4326"
	// CRSBNG is EPSG:27700, British National Grid easting/northing in metres.
	CRSBNG CRS = "EPSG:27700"
)

// ParseCRS reads a user's CRS name: "4326", "EPSG:4326", "wgs84", "27700",
// "EPSG:27700", "bng", or the OGC URN forms.
func ParseCRS(s string) (CRS, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	switch t {
	case "", "AUTO":
		return CRSAuto, nil
	case "27700", "EPSG:27700", "EPSG::27700", "URN:OGC:DEF:CRS:EPSG::27700", "BNG", "OSGB36":
		return CRSBNG, nil
	case "4326", "EPSG:4326", "EPSG::4326", "URN:OGC:DEF:CRS:EPSG::4326", "URN:OGC:DEF:CRS:OGC:1.3:CRS84", "URN:OGC:DEF:CRS:OGC::CRS84", "CRS84", "OGC:CRS84", "WGS84":
		return CRSWGS84, nil
	}
	return "", fmt.Errorf("geo: coordinate system %q is not supported: use EPSG:4326 (WGS84 lon/lat) or EPSG:27700 (British National Grid)", s)
}

// ReadOptions controls how an area file is read.
type ReadOptions struct {
	// CodeField and NameField name the feature properties holding each area's
	// code and name. Empty: detected (ONS "*CD"/"*NM" such as WD23CD/WD23NM,
	// else "code"/"name", any case).
	CodeField, NameField string
	// CRS of the coordinates; CRSAuto (zero) detects it.
	CRS CRS
}

// ErrBadGeometry marks a geometry that cannot be used (and was not repaired).
var ErrBadGeometry = errors.New("geo: unusable geometry")

// geomError is a reason a geometry is unusable; it is ErrBadGeometry.
type geomError string

func (e geomError) Error() string        { return string(e) }
func (e geomError) Is(target error) bool { return target == ErrBadGeometry }

func badGeometry(format string, args ...any) error { return geomError(fmt.Sprintf(format, args...)) }

// ReadAreas parses a GeoJSON FeatureCollection of Polygon / MultiPolygon
// features into areas. file names the source in messages. Repairs it makes
// (closing an unclosed ring, dropping repeated vertices, converting from
// British National Grid) are returned as notes; a geometry it cannot trust (a
// self-intersecting ring, a ring of fewer than three distinct points, a
// feature with no code) is refused with an error naming the feature.
func ReadAreas(file string, data []byte, opts ReadOptions) ([]Area, []string, error) {
	var head struct {
		Type string `json:"type"`
		CRS  struct {
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"crs"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, nil, fmt.Errorf("geo: %s is not valid GeoJSON: %v", file, jsonErr(data, err))
	}
	if head.Type != "FeatureCollection" {
		return nil, nil, fmt.Errorf("geo: %s: expected a GeoJSON FeatureCollection, found type %q", file, head.Type)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, nil, fmt.Errorf("geo: %s is not valid GeoJSON: %v", file, err)
	}
	if len(fc.Features) == 0 {
		return nil, nil, fmt.Errorf("geo: %s has no features", file)
	}
	var notes []string
	crs := opts.CRS
	if crs == CRSAuto && head.CRS.Properties.Name != "" {
		c, err := ParseCRS(head.CRS.Properties.Name)
		if err != nil {
			return nil, nil, fmt.Errorf("geo: %s: %w", file, err)
		}
		crs = c
	}
	if crs == CRSAuto {
		crs = guessCRS(fc)
		if crs == CRSBNG {
			notes = append(notes, fmt.Sprintf("%s: coordinates are British National Grid metres (no crs member); converted to WGS84", file))
		}
	}
	codeField, nameField := opts.CodeField, opts.NameField
	if codeField == "" || nameField == "" {
		c, n := detectFields(fc)
		if codeField == "" {
			codeField = c
		}
		if nameField == "" {
			nameField = n
		}
	}
	if codeField == "" {
		return nil, nil, fmt.Errorf("geo: %s: cannot tell which property holds the area code (found %s); name it with --code-field", file, propNames(fc.Features[0].Properties))
	}
	if nameField == "" {
		nameField = codeField
	}

	areas := make([]Area, 0, len(fc.Features))
	seen := map[string]int{}
	for i, f := range fc.Features {
		where := fmt.Sprintf("%s feature %d", file, i+1)
		code := propString(f.Properties, codeField)
		if code == "" {
			return nil, nil, fmt.Errorf("geo: %s: property %q (the area code) is missing or empty", where, codeField)
		}
		where += " (" + code + ")"
		if j, dup := seen[code]; dup {
			return nil, nil, fmt.Errorf("geo: %s: code %q is used again (first at feature %d)", where, code, j+1)
		}
		seen[code] = i
		name := propString(f.Properties, nameField)
		if name == "" {
			name = code
		}
		var mp orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			mp = g
		case nil:
			return nil, nil, fmt.Errorf("geo: %s: no geometry", where)
		default:
			return nil, nil, fmt.Errorf("geo: %s: geometry is a %s; area layers take Polygon or MultiPolygon", where, f.Geometry.GeoJSONType())
		}
		mp, fixes, err := cleanMultiPolygon(mp, crs)
		if err != nil {
			return nil, nil, fmt.Errorf("geo: %s: %w", where, err)
		}
		for _, fx := range fixes {
			notes = append(notes, where+": "+fx)
		}
		areas = append(areas, Area{Code: code, Name: name, Geometry: mp, Bound: mp.Bound()})
	}
	return areas, notes, nil
}

func jsonErr(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + strings.Count(string(data[:min(int(se.Offset), len(data))]), "\n")
		return fmt.Sprintf("line %d: %v", line, se)
	}
	return err.Error()
}

var onsCode = regexp.MustCompile(`^[A-Za-z]+\d{2}CD$`)

// onsRank orders ONS geography code prefixes from the finest (output areas)
// to the coarsest (countries). A boundary file of small areas often carries
// the codes of the larger areas holding them too (a ward file its LAD23CD),
// so the finest geography is the file's own.
var onsRank = map[string]int{
	"OA": 1, "LSOA": 2, "DZ": 2, "MSOA": 3, "IZ": 3, "WD": 4, "ED": 4, "PCON": 5, "LAD": 6, "LTLA": 6,
	"UTLA": 7, "CTYUA": 7, "CTY": 8, "CSP": 8, "PFA": 9, "CAUTH": 9, "RGN": 10, "ITL1": 10, "CTRY": 11,
}

// detectFields finds the code and name properties: of the ONS-style code
// properties (WD23CD with WD23NM), prefer one whose values differ from
// feature to feature, then the finest geography, then one with a name
// property; else "code"/"name" in any case.
func detectFields(fc *geojson.FeatureCollection) (code, name string) {
	props := fc.Features[0].Properties
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	unique := func(k string) bool {
		seen := map[string]bool{}
		for _, f := range fc.Features {
			v := propString(f.Properties, k)
			if v == "" || seen[v] {
				return false
			}
			seen[v] = true
		}
		return true
	}
	score := func(k string) [3]int {
		u, hasName := 1, 1
		if unique(k) {
			u = 0
		}
		if _, ok := props[k[:len(k)-2]+"NM"]; ok {
			hasName = 0
		}
		prefix := strings.TrimRight(k[:len(k)-2], "0123456789")
		rank, ok := onsRank[strings.ToUpper(prefix)]
		if !ok {
			rank = 5
		}
		return [3]int{u, rank, hasName}
	}
	best := ""
	for _, k := range keys {
		if !onsCode.MatchString(k) {
			continue
		}
		if best == "" {
			best = k
			continue
		}
		a, b := score(k), score(best)
		if a[0] < b[0] || (a[0] == b[0] && (a[1] < b[1] || (a[1] == b[1] && a[2] < b[2]))) {
			best = k
		}
	}
	if best != "" {
		code = best
		if n := best[:len(best)-2] + "NM"; props[n] != nil {
			name = n
		}
	}
	for _, k := range keys {
		switch strings.ToLower(k) {
		case "code", "id", "area_code":
			if code == "" {
				code = k
			}
		case "name", "area_name":
			if name == "" {
				name = k
			}
		}
	}
	return code, name
}

func propNames(props geojson.Properties) string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return "no properties"
	}
	return "properties " + strings.Join(keys, ", ")
}

func propString(props geojson.Properties, key string) string {
	v, ok := props[key]
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		if x == math.Trunc(x) {
			return fmt.Sprintf("%.0f", x)
		}
		return fmt.Sprint(x)
	default:
		return strings.TrimSpace(fmt.Sprint(x))
	}
}

func guessCRS(fc *geojson.FeatureCollection) CRS {
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, f := range fc.Features {
		if f.Geometry != nil {
			b = b.Union(f.Geometry.Bound())
		}
	}
	if ValidLonLat(b.Min) && ValidLonLat(b.Max) {
		return CRSWGS84
	}
	if ValidBNG(b.Min[0], b.Min[1]) && ValidBNG(b.Max[0], b.Max[1]) {
		return CRSBNG
	}
	return CRSWGS84
}

// cleanMultiPolygon converts to WGS84, closes rings, drops repeated vertices
// and refuses rings that are degenerate or cross themselves.
func cleanMultiPolygon(mp orb.MultiPolygon, crs CRS) (orb.MultiPolygon, []string, error) {
	var fixes []string
	out := make(orb.MultiPolygon, 0, len(mp))
	for pi, poly := range mp {
		np := make(orb.Polygon, 0, len(poly))
		for ri, ring := range poly {
			label := fmt.Sprintf("polygon %d ring %d", pi+1, ri+1)
			if ri == 0 {
				label = fmt.Sprintf("polygon %d exterior ring", pi+1)
			}
			r := make(orb.Ring, 0, len(ring)+1)
			dups := 0
			for _, p := range ring {
				if crs == CRSBNG {
					if !ValidBNG(p[0], p[1]) {
						return nil, nil, badGeometry("%s has point %v,%v outside the British National Grid", label, p[0], p[1])
					}
					p = FromBNG(p[0], p[1])
				} else if !ValidLonLat(p) {
					return nil, nil, badGeometry("%s has point %v,%v that is not a longitude/latitude (if these are British National Grid metres, say --crs EPSG:27700)", label, p[0], p[1])
				}
				if n := len(r); n > 0 && r[n-1] == p {
					dups++
					continue
				}
				r = append(r, p)
			}
			if len(r) > 0 && r[0] != r[len(r)-1] {
				r = append(r, r[0])
				fixes = append(fixes, label+" was not closed; closed it by joining its last point to its first")
			}
			if dups > 0 {
				fixes = append(fixes, fmt.Sprintf("%s had %d repeated points; dropped them", label, dups))
			}
			if len(r) >= 4 {
				if at, ok := selfIntersection(r); ok {
					return nil, nil, badGeometry("%s crosses itself near lon %.6f, lat %.6f; refused (repair it, for example with QGIS Fix Geometries, and import again)", label, at[0], at[1])
				}
			}
			if len(r) < 4 || r.Orientation() == 0 {
				// A sliver left by boundary simplification: it holds no
				// point, so dropping it changes no assignment.
				if ri == 0 {
					fixes = append(fixes, fmt.Sprintf("polygon %d has no area (fewer than 3 distinct points); dropped it", pi+1))
					np = nil
					break
				}
				fixes = append(fixes, label+" has no area; dropped it")
				continue
			}
			np = append(np, r)
		}
		if len(np) > 0 {
			out = append(out, np)
		}

	}
	if len(out) == 0 {
		return nil, nil, badGeometry("empty geometry: every part has no area")
	}
	return out, fixes, nil
}

// selfIntersection finds two non-adjacent edges of a closed ring that touch
// or cross, returning a point near the crossing. Edges are swept in order of
// their minimum x so only overlapping spans are compared.
func selfIntersection(r orb.Ring) (orb.Point, bool) {
	if at, ok := vertexCrossing(r); ok {
		return at, true
	}
	n := len(r) - 1 // edges
	type edge struct {
		i          int
		minX, maxX float64
	}
	es := make([]edge, n)
	for i := 0; i < n; i++ {
		a, b := r[i], r[i+1]
		es[i] = edge{i, math.Min(a[0], b[0]), math.Max(a[0], b[0])}
	}
	sort.Slice(es, func(a, b int) bool { return es[a].minX < es[b].minX })
	for x := 0; x < n; x++ {
		e := es[x]
		for y := x + 1; y < n && es[y].minX <= e.maxX; y++ {
			f := es[y]
			i, j := e.i, f.i
			d := i - j
			if d == 1 || d == -1 || d == n-1 || d == 1-n {
				continue // adjacent edges share a vertex
			}
			if segmentsTouch(r[i], r[i+1], r[j], r[j+1]) {
				return orb.Point{(r[i][0] + r[i+1][0]) / 2, (r[i][1] + r[i+1][1]) / 2}, true
			}
		}
	}
	return orb.Point{}, false
}

// vertexCrossing finds a ring that passes twice through one vertex and
// crosses itself there (a bow-tie whose crossing point is written as a
// vertex). Split at the repeated vertex, the two loops of a crossing wind in
// opposite directions and lie side by side; a ring that merely touches itself
// (a pinch, as some ONS boundaries have) gives loops winding the same way, or
// one loop inside the other (an inverted hole), and is kept.
func vertexCrossing(r orb.Ring) (orb.Point, bool) {
	n := len(r) - 1
	first := make(map[orb.Point]int, n)
	for i := 0; i < n; i++ {
		j, seen := first[r[i]]
		if !seen {
			first[r[i]] = i
			continue
		}
		inner := append(orb.Ring(nil), r[j:i+1]...)
		outer := append(append(orb.Ring(nil), r[i:n]...), r[:j+1]...)
		// loops of a crossing wind opposite ways; a degenerate loop is none
		if o1, o2 := inner.Orientation(), outer.Orientation(); o1 == 0 || o2 == 0 || o1 == o2 {
			continue
		}
		if nested(inner, outer) || nested(outer, inner) {
			continue
		}
		return r[i], true
	}
	return orb.Point{}, false
}

// nested reports whether loop a lies inside loop b, judged by a vertex of a
// that is not on b.
func nested(a, b orb.Ring) bool {
	for _, p := range a {
		onB := false
		for _, q := range b {
			if p == q {
				onB = true
				break
			}
		}
		if !onB {
			return planar.RingContains(b, p)
		}
	}
	return false
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// segmentsTouch reports a proper crossing of two segments, or a collinear
// overlap of positive length. Rings that only touch themselves at a point
// (ONS boundaries have such pinched rings) are kept: the even-odd rule
// assigns points around them unambiguously.
func segmentsTouch(p1, p2, q1, q2 orb.Point) bool {
	d1 := orient(q1, q2, p1)
	d2 := orient(q1, q2, p2)
	d3 := orient(p1, p2, q1)
	d4 := orient(p1, p2, q2)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	if d1 == 0 && d2 == 0 && d3 == 0 && d4 == 0 {
		// collinear: overlapping by more than a point?
		lo := func(a, b orb.Point) orb.Point {
			if a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]) {
				return a
			}
			return b
		}
		hi := func(a, b orb.Point) orb.Point {
			if lo(a, b) == a {
				return b
			}
			return a
		}
		start, end := lo(p1, p2), hi(p1, p2)
		if s2 := lo(q1, q2); lo(start, s2) == start {
			start = s2
		}
		if e2 := hi(q1, q2); hi(end, e2) == end {
			end = e2
		}
		return lo(start, end) == start && start != end
	}
	return false
}
