package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
	"github.com/stockton-csp/hotspots/tiles"
)

// The differencing attacks of issue 11, run as a viewer of a restricted
// source (the synthetic force export, imported as cleveland-rms beside
// police.uk) against every class of endpoint: the JSON API, the map's
// tiles, the downloads, the OGC API and the tasking sheet. The attacker
// knows the disclosure rule (every answer says it) and works out, from the
// figures shown, the interval each true count must lie in; the test fails
// if any count that is truly 1 or 2 is pinned down to one value. The true
// counts are the analyst's exact answers (the engine's counting is tested
// against ray casting on the raw rows elsewhere).

const attackSource = "cleveland-rms"

// iv is the interval of true counts an attacker knows a count lies in.
type iv struct{ lo, hi float64 }

var anyCount = iv{0, math.Inf(1)}

func (a iv) and(b iv) iv { return iv{max(a.lo, b.lo), min(a.hi, b.hi)} }

// pinned reports whether the interval leaves one whole number.
func (a iv) pinned() bool { return math.Floor(a.hi) <= math.Ceil(a.lo) }

// differ is what "total minus parts" tells of the one part left out.
func differ(total iv, parts ...iv) iv {
	d := iv{total.lo, total.hi}
	for _, p := range parts {
		d.lo -= p.hi
		d.hi -= p.lo
	}
	return iv{max(d.lo, 0), d.hi}
}

var bandRE = regexp.MustCompile(`^(\d+)-(\d+)$`)

// shownIv is what a figure as shown says of the true count: a number is
// exact unless the answer says its counts are banded and it is a multiple
// of 5 (then the band from it), "<3" is 1..2, "<5" 0..4, "lo-hi" that band, null (withheld) nothing.
func shownIv(v any, banded bool) iv {
	switch x := v.(type) {
	case nil:
		return anyCount
	case float64:
		if banded && math.Mod(x, 5) == 0 { // a figure the bands cannot give is exact
			return iv{x, x + 4}
		}
		return iv{x, x}
	case uint64:
		return shownIv(float64(x), banded)
	case int64:
		return shownIv(float64(x), banded)
	case string:
		switch {
		case x == "<3":
			return iv{1, 2}
		case x == "<5":
			return iv{0, 4}
		case x == "":
			return anyCount
		}
		if m := bandRE.FindStringSubmatch(x); m != nil {
			lo, _ := strconv.ParseFloat(m[1], 64)
			hi, _ := strconv.ParseFloat(m[2], 64)
			return iv{lo, hi}
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return shownIv(f, banded)
		}
	}
	return anyCount
}

// bandedNotes: an answer whose notes say its counts are banded.
func bandedNotes(notes []string) bool {
	for _, n := range notes {
		if strings.Contains(n, "bands of") {
			return true
		}
	}
	return false
}

type attackServer struct {
	ts               *httptest.Server
	handler          http.Handler
	viewer, analyst  string
	months           []data.Month
	types            []string
	wardCodes        []string
	pinned, attacked map[string]int // per attack and endpoint class
}

// newAttackServer serves the Stockton wards (with their populations) and
// the force export alone, so the force export is the default source that
// every endpoint answers from, the OGC API and the strategy view included.
func newAttackServer(tb testing.TB) *attackServer {
	tb.Helper()
	ctx := context.Background()
	wards, _, err := data.ReadAreaFiles([]string{fixture.Path(tb, fixture.StocktonWards)}, geo.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	pop, err := data.ReadPopulation(fixture.Path(tb, fixture.StocktonWardPopulation), "", "")
	if err != nil {
		tb.Fatal(err)
	}
	data.ApplyPopulation(wards, pop)
	store, err := data.OpenMem(tb.TempDir(), data.MemOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	if err := store.PutLayer(ctx, "wards", wards, data.LayerMeta{Source: "stockton_wards_2023.geojson"}); err != nil {
		tb.Fatal(err)
	}
	parts, _, err := data.ReadIncidents(ctx, []string{fixture.Path(tb, fixture.ForceExport)},
		data.ReadOptions{Source: attackSource, Force: "Cleveland Police"})
	if err != nil {
		tb.Fatal(err)
	}
	if err := store.Replace(ctx, parts); err != nil {
		tb.Fatal(err)
	}
	toks := newOGCTokens(tb)
	eng, err := engine.New(store, engine.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(store, eng, Options{Tokens: toks.src})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	sum, _ := store.Summary(context.Background())
	src, _ := sum.Source(attackSource)
	a := &attackServer{ts: ts, handler: s, viewer: toks.viewer, analyst: toks.analyst, months: src.Months,
		pinned: map[string]int{}, attacked: map[string]int{}}
	for _, t := range src.Types {
		a.types = append(a.types, t.Type)
	}
	for _, w := range wards {
		a.wardCodes = append(a.wardCodes, w.Code)
	}
	return a
}

func (a *attackServer) get(tb testing.TB, path, tok string) []byte {
	tb.Helper()
	code, _, b := ogcGet(tb, a.ts.URL+path, tok)
	if code != 200 {
		tb.Fatalf("%s: %d %.300s", path, code, b)
	}
	return b
}

// record notes the result of one attack on a count that is truly n.
func (a *attackServer) record(tb testing.TB, attack, class, cell string, n float64, k iv) {
	tb.Helper()
	key := attack + " via " + class
	a.attacked[key]++
	if k.pinned() && k.lo == n {
		a.pinned[key]++
		if a.pinned[key] <= 3 {
			tb.Errorf("%s: %s (truly %v) pinned down: %v..%v", key, cell, n, k.lo, k.hi)
		}
	}
}

// areaCounts is one endpoint class's reading of each ward's count of the
// types over from..to, as intervals.
type areaReader func(tb testing.TB, a *attackServer, types string, from, to data.Month, tok string) map[string]iv

func typesParam(types string) string {
	if types == "" {
		return ""
	}
	return "&types=" + url.QueryEscape(types)
}

func readRankingAPI(tb testing.TB, a *attackServer, types string, from, to data.Month, tok string) map[string]iv {
	var rk struct {
		Areas []struct {
			Code  string `json:"code"`
			Count any    `json:"count"`
		} `json:"areas"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal(a.get(tb, fmt.Sprintf("/api/v1/layers/wards/ranking?from=%s&to=%s%s", from, to, typesParam(types)), tok), &rk); err != nil {
		tb.Fatal(err)
	}
	out := map[string]iv{}
	for _, ar := range rk.Areas {
		out[ar.Code] = shownIv(ar.Count, bandedNotes(rk.Notes))
	}
	return out
}

func readRankingCSV(tb testing.TB, a *attackServer, types string, from, to data.Month, tok string) map[string]iv {
	rows, err := csv.NewReader(strings.NewReader(string(a.get(tb, fmt.Sprintf("/api/v1/export/ranking.csv?from=%s&to=%s%s", from, to, typesParam(types)), tok)))).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]iv{}
	for _, r := range rows[1:] {
		out[r[0]] = shownIv(r[3], false)
	}
	return out
}

func readRankingOGC(tb testing.TB, a *attackServer, types string, from, to data.Month, tok string) map[string]iv {
	var fc ogcFC
	if err := json.Unmarshal(a.get(tb, fmt.Sprintf("/ogc/collections/areas-wards/items?limit=1000&datetime=%s/%s%s", from, to, typesParam(types)), tok), &fc); err != nil {
		tb.Fatal(err)
	}
	out := map[string]iv{}
	for _, f := range fc.Features {
		out[f.ID] = shownIv(f.Properties["count"], false)
	}
	return out
}

func readRankingTiles(tb testing.TB, a *attackServer, types string, from, to data.Month, tok string) map[string]iv {
	out := map[string]iv{}
	lo, hi := tileOf(-1.45, 54.66, 10), tileOf(-1.15, 54.46, 10)
	for x := lo.X; x <= hi.X; x++ {
		for y := lo.Y; y <= hi.Y; y++ {
			path := tilePath("areas", tiles.Tile{Z: 10, X: x, Y: y}) + fmt.Sprintf("?layer=wards&from=%s&to=%s%s", from, to, typesParam(types))
			rec := tileGet(a.handler, path, "Authorization", "Bearer "+tok)
			if rec.Code == http.StatusNoContent {
				continue
			}
			if rec.Code != 200 {
				tb.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
			}
			ls, err := mvt.Unmarshal(rec.Body.Bytes())
			if err != nil {
				tb.Fatal(err)
			}
			for _, l := range ls {
				for _, f := range l.Features {
					code, _ := f.Properties["code"].(string)
					v := f.Properties["count"]
					if b, ok := f.Properties["count_band"]; ok {
						v = b
					}
					out[code] = shownIv(v, false)
				}
			}
		}
	}
	return out
}

func readCountsAPI(tb testing.TB, a *attackServer, types string, from, to data.Month, tok string) map[string]iv {
	var cs []AreaCount
	if err := json.Unmarshal(a.get(tb, fmt.Sprintf("/api/v1/layers/wards/counts?from=%s&to=%s%s", from, to, typesParam(types)), tok), &cs); err != nil {
		tb.Fatal(err)
	}
	out := map[string]iv{}
	for _, c := range cs {
		var v any = float64(c.Count)
		if c.Band != "" {
			v = c.Band
		}
		out[c.Code] = shownIv(v, false)
	}
	return out
}

var areaClasses = []struct {
	name string
	read areaReader
}{{"JSON API", readRankingAPI}, {"JSON API (counts)", readCountsAPI}, {"tiles", readRankingTiles}, {"exports", readRankingCSV}, {"OGC", readRankingOGC}}

// TestDifferencingAttacks: no count of 1 or 2 of a restricted source can
// be pinned down by a viewer, through any endpoint class.
func TestDifferencingAttacks(t *testing.T) {
	if testing.Short() {
		t.Skip("the attacks make about 2,000 requests")
	}
	a := newAttackServer(t)
	last := a.months[len(a.months)-1]
	first := last - 5 // the last six months
	if len(a.types) < 5 {
		t.Fatalf("the force export has %d crime types; the attacks need several", len(a.types))
	}

	t.Run("period differencing", func(t *testing.T) {
		for _, types := range []string{"", "Robbery of personal property", "Residential burglary"} {
			// the truth: each ward's count per month, exactly
			truth := map[data.Month]map[string]iv{}
			for m := first; m <= last; m++ {
				truth[m] = readRankingAPI(t, a, types, m, m, a.analyst)
			}
			for _, c := range areaClasses {
				win := map[[2]data.Month]map[string]iv{}
				for s := first; s <= last; s++ {
					for e := s; e <= last; e++ {
						win[[2]data.Month{s, e}] = c.read(t, a, types, s, e, a.viewer)
					}
				}
				for m := first; m <= last; m++ {
					for _, w := range a.wardCodes {
						n := truth[m][w].lo
						if n != 1 && n != 2 {
							continue
						}
						k := win[[2]data.Month{m, m}][w]
						for s := first; s < m; s++ { // [s,m] minus [s,m-1]
							k = k.and(differ(win[[2]data.Month{s, m}][w], win[[2]data.Month{s, m - 1}][w]))
						}
						for e := m + 1; e <= last; e++ { // [m,e] minus [m+1,e]
							k = k.and(differ(win[[2]data.Month{m, e}][w], win[[2]data.Month{m + 1, e}][w]))
						}
						a.record(t, "period differencing", c.name, fmt.Sprintf("%s %q %s", w, types, m), n, k)
					}
				}
			}
		}
	})

	t.Run("type differencing", func(t *testing.T) {
		for _, c := range areaClasses {
			all := c.read(t, a, "", last, last, a.viewer)
			per := map[string]map[string]iv{}
			for _, ty := range a.types {
				per[ty] = c.read(t, a, ty, last, last, a.viewer)
			}
			for _, ty := range a.types {
				truth := readRankingAPI(t, a, ty, last, last, a.analyst)
				for _, w := range a.wardCodes {
					n := truth[w].lo
					if n != 1 && n != 2 {
						continue
					}
					var others []iv
					for _, o := range a.types {
						if o != ty {
							others = append(others, per[o][w])
						}
					}
					k := per[ty][w].and(differ(all[w], others...))
					a.record(t, "type differencing (every type minus the others)", c.name, fmt.Sprintf("%s %q %s", w, ty, last), n, k)
				}
			}
		}
	})

	t.Run("hierarchy differencing", func(t *testing.T) {
		type profile struct {
			Rows []struct {
				Label string   `json:"label"`
				Level int      `json:"level"`
				Types []string `json:"types"`
				Cells []struct {
					Current any `json:"current"`
				} `json:"cells"`
			} `json:"rows"`
			Notes []string `json:"notes"`
		}
		for _, w := range a.wardCodes {
			var exact, shown profile
			json.Unmarshal(a.get(t, "/api/v1/layers/wards/areas/"+w+"/profile?month="+last.String(), a.analyst), &exact)
			json.Unmarshal(a.get(t, "/api/v1/layers/wards/areas/"+w+"/profile?month="+last.String(), a.viewer), &shown)
			banded := bandedNotes(shown.Notes)
			for pi, p := range shown.Rows {
				// the rows one level down whose types partition p's
				var kids []int
				seen := map[string]bool{}
				for ci, r := range shown.Rows {
					if r.Level != p.Level+1 || ci == pi {
						continue
					}
					inside := len(r.Types) > 0
					for _, ty := range r.Types {
						inside = inside && slices.Contains(p.Types, ty) && !seen[ty]
					}
					if inside {
						kids = append(kids, ci)
						for _, ty := range r.Types {
							seen[ty] = true
						}
					}
				}
				if len(kids) < 2 || len(seen) != len(p.Types) {
					continue
				}
				for col := range p.Cells {
					for _, ci := range kids {
						n := shownIv(exact.Rows[ci].Cells[col].Current, false).lo
						if n != 1 && n != 2 {
							continue
						}
						var others []iv
						for _, o := range kids {
							if o != ci {
								others = append(others, shownIv(shown.Rows[o].Cells[col].Current, banded))
							}
						}
						k := shownIv(shown.Rows[ci].Cells[col].Current, banded).and(differ(shownIv(p.Cells[col].Current, banded), others...))
						a.record(t, "hierarchy differencing (group minus its rows)", "JSON API", fmt.Sprintf("%s %q column %d", w, shown.Rows[ci].Label, col), n, k)
					}
				}
			}
		}
	})

	t.Run("zone minus types", func(t *testing.T) {
		type tasking struct {
			Zones []struct {
				Count  any `json:"count"`
				ByType []struct {
					Type  string `json:"type"`
					Count any    `json:"count"`
				} `json:"by_type"`
				Monthly []any    `json:"monthly"`
				Months  []string `json:"months"`
			} `json:"zones"`
			Notes []string `json:"notes"`
		}
		for _, types := range []string{"", "Residential burglary"} {
			q := fmt.Sprintf("?top=10&from=%s&to=%s%s", last, last, typesParam(types))
			var exact, shown tasking
			json.Unmarshal(a.get(t, "/api/v1/tasking"+q, a.analyst), &exact)
			json.Unmarshal(a.get(t, "/api/v1/tasking"+q, a.viewer), &shown)
			if len(exact.Zones) == 0 || len(exact.Zones) != len(shown.Zones) {
				t.Fatalf("%d zones for the analyst, %d for the viewer", len(exact.Zones), len(shown.Zones))
			}
			banded := bandedNotes(shown.Notes)
			unlisted := iv{0, 0} // a type not listed had no crime, unless counts are banded
			if banded {
				unlisted = iv{0, 4}
			}
			page := string(a.get(t, "/tasking"+q, a.viewer))
			sparks := regexp.MustCompile(`fill-opacity="0.7"><title>(\d{4}-\d{2}): ([^<]*)</title></rect>`).FindAllStringSubmatch(page, -1)
			for zi, z := range exact.Zones {
				sz := shown.Zones[zi]
				shownType := map[string]iv{}
				for _, bt := range sz.ByType {
					k := shownIv(bt.Count, banded)
					k.lo = max(k.lo, 1) // a type is listed for having crimes
					shownType[bt.Type] = k
				}
				for _, bt := range z.ByType {
					n := shownIv(bt.Count, false).lo
					if n != 1 && n != 2 {
						continue
					}
					var others []iv
					for _, ty := range a.types {
						if ty == bt.Type {
							continue
						}
						if k, ok := shownType[ty]; ok {
							others = append(others, k)
						} else {
							others = append(others, unlisted)
						}
					}
					own, ok := shownType[bt.Type]
					if !ok {
						own = unlisted
					}
					a.record(t, "zone minus its types", "JSON API", fmt.Sprintf("%q zone %d %q", types, zi+1, bt.Type), n, own.and(differ(shownIv(sz.Count, banded), others...)))
				}
				// the sheet's monthly bars, zone by zone in the same order
				for mi, v := range z.Monthly {
					n := shownIv(v, false).lo
					if n != 1 && n != 2 {
						continue
					}
					i := zi*len(z.Monthly) + mi
					if i >= len(sparks) || sparks[i][1] != z.Months[mi] {
						t.Fatalf("the sheet's bars do not follow the zones' months at %d: %v, %v", i, sparks[min(i, len(sparks)-1)], z.Months[mi])
					}
					a.record(t, "the monthly series", "tasking sheet", fmt.Sprintf("%q zone %d %s", types, zi+1, z.Months[mi]), n, shownIv(html.UnescapeString(sparks[i][2]), false))
					a.record(t, "the monthly series", "JSON API", fmt.Sprintf("%q zone %d %s", types, zi+1, z.Months[mi]), n, shownIv(sz.Monthly[mi], banded))
				}
			}
		}
	})

	t.Run("Gi* inversion", func(t *testing.T) {
		q := fmt.Sprintf("layer=wards&res=9&k=1&types=%s", url.QueryEscape("Robbery of personal property"))
		period := fmt.Sprintf("&from=%s&to=%s", first, last)
		type cellShown struct {
			count any
			z     float64
		}
		readJSON := func(tok string) (map[geo.Cell]cellShown, bool) {
			var h struct {
				Cells []struct {
					Cell  geo.Cell `json:"cell"`
					Count any      `json:"count"`
					Z     float64  `json:"z"`
				} `json:"cells"`
				Notes []string `json:"notes"`
			}
			json.Unmarshal(a.get(t, "/api/v1/hotspots?format=json&"+q+period, tok), &h)
			out := map[geo.Cell]cellShown{}
			for _, c := range h.Cells {
				out[c.Cell] = cellShown{c.Count, c.Z}
			}
			return out, bandedNotes(h.Notes)
		}
		readFC := func(path, tok string) (map[geo.Cell]cellShown, bool) {
			var fc ogcFC
			json.Unmarshal(a.get(t, path+q, tok), &fc)
			if len(fc.Features) == 0 {
				t.Fatalf("%s: no cells", path)
			}
			out := map[geo.Cell]cellShown{}
			for _, f := range fc.Features {
				c, err := geo.ParseCell(f.ID)
				if err != nil {
					t.Fatal(err)
				}
				z, _ := f.Properties["z"].(float64)
				out[c] = cellShown{f.Properties["count"], z}
			}
			return out, false
		}
		exact, _ := readJSON(a.analyst)
		for _, c := range []struct {
			name string
			read func(string) (map[geo.Cell]cellShown, bool)
		}{
			{"JSON API", readJSON},
			{"exports", func(tok string) (map[geo.Cell]cellShown, bool) {
				return readFC("/api/v1/export/hotspots.geojson?"+period[1:]+"&", tok)
			}},
			{"OGC", func(tok string) (map[geo.Cell]cellShown, bool) {
				return readFC(fmt.Sprintf("/ogc/collections/hotspots/items?limit=10000&datetime=%s/%s&", first, last), tok)
			}},
		} {
			shown, banded := c.read(a.viewer)
			if len(shown) != len(exact) {
				t.Fatalf("%s: %d cells, %d for the analyst", c.name, len(shown), len(exact))
			}
			// the value an attacker reads for each cell: a number as shown
			// (a band's lower end), unknown for "<3"
			val := map[geo.Cell]float64{}
			for cell, s := range shown {
				k := shownIv(s.count, banded)
				if k.lo == k.hi || banded || k.hi-k.lo == 4 {
					val[cell] = k.lo
				} else {
					val[cell] = math.NaN()
				}
			}
			nbrs := map[geo.Cell][]geo.Cell{}
			for cell := range shown {
				d, _ := cell.Disk(1)
				for _, x := range d {
					if _, ok := shown[x]; ok {
						nbrs[cell] = append(nbrs[cell], x) // itself included
					}
				}
			}
			n := float64(len(shown))
			scale := func(cell geo.Cell) float64 {
				w := float64(len(nbrs[cell]))
				return math.Sqrt((n*w - w*w) / (n - 1))
			}
			// fit S_i = mean*W_i + sd*scale_i*z_i on neighbourhoods with
			// every value known (least squares, two unknowns)
			var a11, a12, a22, b1, b2 float64
			for cell, s := range shown {
				sum := 0.0
				for _, x := range nbrs[cell] {
					sum += val[x]
				}
				if math.IsNaN(sum) {
					continue
				}
				w, sz := float64(len(nbrs[cell])), scale(cell)*s.z
				a11, a12, a22, b1, b2 = a11+w*w, a12+w*sz, a22+sz*sz, b1+w*sum, b2+sz*sum
			}
			det := a11*a22 - a12*a12
			mean, sd := (b1*a22-b2*a12)/det, (a11*b2-a12*b1)/det
			for cell, e := range exact {
				tn := shownIv(e.count, false).lo
				if tn != 1 && tn != 2 {
					continue
				}
				best := anyCount
				for _, j := range nbrs[cell] {
					rest := 0.0
					for _, x := range nbrs[j] {
						if x != cell {
							rest += val[x]
						}
					}
					if math.IsNaN(rest) {
						continue
					}
					est := mean*float64(len(nbrs[j])) + sd*scale(j)*shown[j].z - rest
					if r := math.Round(est); math.Abs(est-r) < 1e-6 {
						best = iv{r, r}
					}
				}
				a.record(t, "Gi* inversion (z beside the count)", c.name, cell.String(), tn, best)
			}
		}
	})

	for k, n := range a.attacked {
		t.Logf("%s: %d counts of 1 or 2 attacked, %d pinned down", k, n, a.pinned[k])
	}
}
