package report

import (
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/disclosure"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

//go:embed templates/tasking.html
var templateFS embed.FS

var taskingTmpl = template.Must(template.New("tasking.html").Funcs(template.FuncMap{
	"join":       strings.Join,
	"thousands":  func(n int64) string { return Thousands(float64(n), 0) },
	"thousandsF": func(v float64) string { return Thousands(v, 0) },
	// count and harm print a count of incidents and harm as the reader may
	// see them (the page's disclosure.View): a count in its band ("<5",
	// "5-9"), harm withheld, where the view bands counts.
	"count": func(v disclosure.View, n int64) string {
		if v.Protected() {
			return v.Label(n)
		}
		return Thousands(float64(n), 0)
	},
	"harm": func(v disclosure.View, harm float64) string {
		switch {
		case v.Protected():
			return "withheld"
		case harm == 0:
			return "–"
		}
		return Thousands(harm, 0)
	},
	"binLabel": hotspot.BinLabel,
	"halves": func(xs []engine.TypeFigures) [][]engine.TypeFigures {
		h := (len(xs) + 1) / 2
		return [][]engine.TypeFigures{xs[:h], xs[h:]}
	},
	"change": changeText,
	"figure": func(v float64) string { return fmt.Sprintf("%+.0f", v) },
	"zoneNow": func(r *engine.PlanReview, id string) string {
		for _, l := range r.Zones {
			if l.ID == id && l.Status == data.ZoneContinuing {
				return "kept"
			}
		}
		return "dropped"
	},
	"plural": func(n int, word string) string {
		if n == 1 {
			return "1 " + word
		}
		return strconv.Itoa(n) + " " + word + "s"
	},
	"heat": heatTable,
	"firstMinutes": func(zs []engine.Zone) string {
		for _, z := range zs {
			if z.Dose.VisitMinutes != "" {
				return z.Dose.VisitMinutes
			}
		}
		return hotspot.PatrolMinutes
	},
	"hours": func(hs []int) string {
		out := make([]string, len(hs))
		for i, h := range hs {
			out[i] = fmt.Sprintf("%02d:00", h)
		}
		return strings.Join(out, ", ")
	},
}).ParseFS(templateFS, "templates/tasking.html"))

// TaskingPage is what the printable tasking sheet needs.
type TaskingPage struct {
	Tasking     *engine.Tasking
	Layer       *geo.Layer // for ward outlines on the zone maps; may be nil
	Attribution string
	Now         time.Time
	// View is what the reader may see; Tasking and Review are already
	// what it shows (View.Tasking, View.PlanReview). The zero View is exact.
	View disclosure.View
	// Review, when a previous operation exists, names the zones by their IDs across months,
	// marks them new or continuing, and adds the "Since last plan" page.
	Review *engine.PlanReview
	// TypesText names the crime types for the heading (engine.DescribeTypes: "all crime
	// (anti-social behaviour left out)"); empty lists them.
	TypesText string
	// Saved, when the plan was saved as an operation, gives the sheet the operation's name,
	// its zones' IDs and owners and its review date; without it those are blank lines to
	// fill in.
	Saved *engine.SavedPlan
	// Streets are the named places of police.uk's map points (engine.Places)
	// that label the zone maps, the busiest that fit; nil draws none.
	Streets []engine.Place
}

// WriteTaskingHTML writes the printable tasking sheet: a summary page, then
// one A4 page per zone with its map, locations, times, crime types and dose.
func WriteTaskingHTML(w io.Writer, p TaskingPage) error {
	t := p.Tasking
	title := "all crime"
	if len(t.Types) > 0 {
		title = strings.Join(t.Types, ", ")
	}
	if p.TypesText != "" {
		title = p.TypesText
	}
	layerName := t.Layer
	hot := map[geo.Cell]bool{}
	for _, z := range t.Zones {
		for _, c := range z.Cells {
			hot[c] = true
		}
	}
	// street labels, busiest first (each map takes those that fit)
	streets := make([]engine.Place, 0, len(p.Streets))
	for _, pl := range p.Streets {
		if !pl.Generic {
			streets = append(streets, pl)
		}
	}
	slices.SortStableFunc(streets, func(a, b engine.Place) int { return cmp.Compare(b.Count, a.Count) })
	maps := make([]template.HTML, len(t.Zones))
	sparks := make([]template.HTML, len(t.Zones))
	for i, z := range t.Zones {
		maps[i] = zoneMap(z, t.Zones, p.Layer, streets)
		sparks[i] = spark(z.Monthly, z.Months, p.View)
	}
	cellKm2 := 0.0
	if len(t.Zones) > 0 && len(t.Zones[0].Cells) > 0 {
		cellKm2 = t.Zones[0].Cells[0].AreaM2() / 1e6
	}
	types := "all"
	if len(t.Types) > 0 {
		types = strings.Join(t.Types, ", ")
	}
	if p.TypesText != "" {
		types = p.TypesText
	}
	names := make([]string, len(t.Zones))
	status := make([]string, len(t.Zones))
	owners := make([]string, len(t.Zones))
	for i, z := range t.Zones {
		names[i] = z.ID
		if p.Review != nil && i < len(p.Review.Zones) {
			l := p.Review.Zones[i]
			names[i], status[i], owners[i] = l.ID, l.Status, l.Owner
		}
		if p.Saved != nil && i < len(p.Saved.Zones) && p.Saved.Zones[i].ID != "" {
			oz := p.Saved.Zones[i]
			names[i], status[i], owners[i] = oz.ID, oz.Status, oz.Owner
		}
	}
	var opName, review string
	if p.Saved != nil {
		op := p.Saved.Operation
		opName = fmt.Sprintf("%s, from %s", op.Name, op.Start)
		if op.End != 0 {
			opName += " to " + op.End.String()
			review = "at the end of " + op.End.String()
		} else {
			review = "when the " + op.Start.String() + " data are loaded"
		}
	}
	return taskingTmpl.Execute(w, map[string]any{
		"T":           t,
		"Names":       names,
		"Status":      status,
		"Owners":      owners,
		"Operation":   opName,
		"ReviewDate":  review,
		"Overview":    overviewMap(t.Zones, names, p.Layer),
		"ReviewMonth": (t.Period.To + 1).String(),
		"Review":      p.Review,
		"Title":       strings.ToUpper(layerName[:1]) + layerName[1:] + ", " + title,
		"PeriodText":  fmt.Sprintf("%s to %s (%s)", t.Period.From, t.Period.To, monthsText(t.Period.Months)),
		"PeriodTo":    t.Period.To.String(),
		"TrendSpan":   trendSpan(t),
		"PrevText":    fmt.Sprintf("%s to %s", t.PreviousPeriod.From, t.PreviousPeriod.To),
		"Generated":   p.Now.Format("2 January 2006 15:04"),
		"Maps":        maps,
		"Sparks":      sparks,
		"CellKm2":     strconv.FormatFloat(cellKm2, 'f', 2, 64),
		"TypesText":   types,
		"Attribution": p.Attribution,
		"View":        p.View,
	})
}

// heatTable draws a week grid as a shaded weekday x hour table (darker is
// more crime), for the printed sheet; empty for an empty grid.
func heatTable(g hotspot.WeekGrid) template.HTML {
	var top float64
	for d := range g {
		for _, v := range g[d] {
			top = max(top, v)
		}
	}
	if top == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<table class="heat" aria-label="Crimes by weekday and hour of the committed-from time, darker is more"><tr><th></th>`)
	for h := 0; h < 24; h++ {
		if h%3 == 0 {
			fmt.Fprintf(&b, `<th colspan="3">%02d</th>`, h)
		}
	}
	b.WriteString(`</tr>`)
	for d, name := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} {
		fmt.Fprintf(&b, `<tr><th>%s</th>`, name)
		for h := 0; h < 24; h++ {
			fmt.Fprintf(&b, `<td style="background:rgba(160,0,0,%.2f)"></td>`, g[d][h]/top)
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</table>`)
	return template.HTML(b.String())
}

// Thousands formats v with dp decimals and comma thousands separators
// (12,345.6), as the partnership's tables print figures.
func Thousands(v float64, dp int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', dp, 64)
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + frac
}

func changeText(c *hotspot.Change) string {
	switch {
	case c == nil:
		return "n/a"
	case c.New:
		return "new"
	case c.Pct == nil:
		return "0"
	}
	sign := ""
	if *c.Pct > 0 {
		sign = "+"
	}
	out := sign + strconv.FormatFloat(*c.Pct, 'f', 0, 64) + "%"
	// A percentage of fewer than 10 reads as a surge (2 to 5 is +150%):
	// the base is printed beside it, as a caution.
	if c.Previous > 0 && c.Previous < 10 {
		out += " (from " + strconv.FormatFloat(c.Previous, 'f', 0, 64) + ")"
	}
	return out
}

// zoneMap draws a zone as SVG: its cells, the other zones' cells nearby,
// the layer's area outlines and names, the names of the busiest streets and
// places in view (streets, busiest first; at most zoneMapStreets, none
// overlapping another), a scale bar and north arrow.
func zoneMap(z engine.Zone, all []engine.Zone, layer *geo.Layer, streets []engine.Place) template.HTML {
	b := orb.Bound{Min: orb.Point{z.Bound[0], z.Bound[1]}, Max: orb.Point{z.Bound[2], z.Bound[3]}}
	// pad to a square-ish view of at least 1.2 km
	lat0 := (b.Min[1] + b.Max[1]) / 2
	kx := math.Cos(lat0 * math.Pi / 180)
	c := b.Center()
	halfM := math.Max(600, 0.8*math.Max((b.Max[0]-b.Min[0])*111320*kx, (b.Max[1]-b.Min[1])*110574))
	dLon, dLat := halfM/(111320*kx), halfM/110574
	view := orb.Bound{Min: orb.Point{c[0] - dLon, c[1] - dLat}, Max: orb.Point{c[0] + dLon, c[1] + dLat}}
	const size = 320.0
	px, path := svgFrame(view, size, size)
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="map" viewBox="0 0 %.0f %.0f" role="img" aria-label="Map of zone %s">`, size, size, z.ID)
	sb.WriteString(`<rect width="100%" height="100%" fill="#f7f8fa"/>`)
	if layer != nil {
		for _, a := range layer.Areas {
			if !a.Bound.Intersects(view) {
				continue
			}
			for _, poly := range a.Geometry {
				for _, r := range poly {
					fmt.Fprintf(&sb, `<path d="%s" fill="none" stroke="#8a96a3" stroke-width="1.2" stroke-dasharray="4 3"/>`, path(r))
				}
			}
		}
	}
	for _, o := range all {
		fill, op := "#e67e22", "0.45"
		if o.ID == z.ID {
			fill, op = "#c0392b", "0.75"
		}
		for _, cell := range o.Cells {
			if !view.Contains(cell.Center()) {
				continue
			}
			fmt.Fprintf(&sb, `<path d="%s" fill="%s" fill-opacity="%s" stroke="#fff" stroke-width="0.8"/>`, path(cell.Boundary()), fill, op)
		}
	}
	for _, poly := range z.Outline {
		fmt.Fprintf(&sb, `<path d="%s" fill="none" stroke="#8e1b10" stroke-width="2.2"/>`, path(poly[0]))
	}
	// street and place names where police.uk's map points are, as the map
	// shows them at street level: the busiest first, none over another
	type box struct{ x0, y0, x1, y1 float64 }
	var placed []box
	for _, pl := range streets {
		if len(placed) == zoneMapStreets {
			break
		}
		if !view.Contains(pl.Point) {
			continue
		}
		x, y := px(pl.Point)
		w := 4.9 * float64(len([]rune(pl.Name)))
		b := box{x - w/2, y - 8, x + w/2, y + 2}
		if b.x0 < 2 || b.x1 > size-2 || b.y0 < 24 || b.y1 > size-24 || slices.ContainsFunc(placed, func(o box) bool {
			return b.x0 < o.x1+4 && o.x0 < b.x1+4 && b.y0 < o.y1+2 && o.y0 < b.y1+2
		}) {
			continue
		}
		placed = append(placed, b)
		fmt.Fprintf(&sb, `<text class="street" x="%.1f" y="%.1f" font-size="8.5" font-style="italic" fill="#2c3e50" text-anchor="middle" paint-order="stroke" stroke="#fff" stroke-width="2.5">%s</text>`, x, y, template.HTMLEscapeString(pl.Name))
	}
	if layer != nil {
		for _, a := range layer.Areas {
			if !a.Bound.Intersects(view) {
				continue
			}
			// label at the middle of the area's bound, when in view
			ac := a.Bound.Center()
			if view.Contains(ac) {
				x, y := px(ac)
				fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" font-size="10" fill="#4a5560" text-anchor="middle" paint-order="stroke" stroke="#f7f8fa" stroke-width="3">%s</text>`, x, y, template.HTMLEscapeString(a.Name))
			}
		}
	}
	// scale bar: 250 m
	bar := 250 / (halfM * 2) * size
	fmt.Fprintf(&sb, `<g font-size="9" fill="#1b1f24"><rect x="10" y="%.0f" width="%.1f" height="3" fill="#1b1f24"/><text x="10" y="%.0f">250 m</text>`, size-14, bar, size-18)
	fmt.Fprintf(&sb, `<text x="%.0f" y="18" text-anchor="middle" font-weight="700">N</text><path d="M%.0f 22 l-5 12 h10 z" fill="#1b1f24"/></g>`, size-16, size-16)
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// svgFrame projects lon/lat in view onto an SVG of w x h (north up, plain
// equirectangular: a zone's map is a kilometre or two across): px gives a
// point's x and y, path a ring's closed path data.
func svgFrame(view orb.Bound, w, h float64) (px func(orb.Point) (float64, float64), path func(orb.Ring) string) {
	px = func(p orb.Point) (float64, float64) {
		return (p[0] - view.Min[0]) / (view.Max[0] - view.Min[0]) * w, (view.Max[1] - p[1]) / (view.Max[1] - view.Min[1]) * h
	}
	path = func(r orb.Ring) string {
		var sb strings.Builder
		for i, p := range r {
			x, y := px(p)
			if i == 0 {
				fmt.Fprintf(&sb, "M%.1f %.1f", x, y)
			} else {
				fmt.Fprintf(&sb, "L%.1f %.1f", x, y)
			}
		}
		sb.WriteString("Z")
		return sb.String()
	}
	return px, path
}

// zoneMapStreets is the most street names a zone map carries.
const zoneMapStreets = 12

// overviewMap draws every zone of the sheet on the layer's area outlines, with the areas'
// names and each zone's name beside it: the summary page's map. The view is the zones' bound,
// padded, at least 3 km across; the scale bar is 1 km.
func overviewMap(zones []engine.Zone, names []string, layer *geo.Layer) template.HTML {
	if len(zones) == 0 {
		return ""
	}
	var b orb.Bound
	for i, z := range zones {
		zb := orb.Bound{Min: orb.Point{z.Bound[0], z.Bound[1]}, Max: orb.Point{z.Bound[2], z.Bound[3]}}
		if i == 0 {
			b = zb
		} else {
			b = b.Union(zb)
		}
	}
	lat0 := (b.Min[1] + b.Max[1]) / 2
	kx := math.Cos(lat0 * math.Pi / 180)
	const w, h = 520.0, 330.0
	c := b.Center()
	// half sizes in metres, padded by a tenth, at least 1.5 km, to the map's shape
	halfX := math.Max(1500, 0.55*(b.Max[0]-b.Min[0])*111320*kx)
	halfY := math.Max(1500*h/w, 0.55*(b.Max[1]-b.Min[1])*110574)
	if halfX/halfY < w/h {
		halfX = halfY * w / h
	} else {
		halfY = halfX * h / w
	}
	dLon, dLat := halfX/(111320*kx), halfY/110574
	view := orb.Bound{Min: orb.Point{c[0] - dLon, c[1] - dLat}, Max: orb.Point{c[0] + dLon, c[1] + dLat}}
	px, path := svgFrame(view, w, h)
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="map overview" viewBox="0 0 %.0f %.0f" role="img" aria-label="Map of the %d patrol zones">`, w, h, len(zones))
	sb.WriteString(`<rect width="100%" height="100%" fill="#f7f8fa"/>`)
	var labels []geo.Area
	if layer != nil {
		for _, a := range layer.Areas {
			if !a.Bound.Intersects(view) {
				continue
			}
			for _, poly := range a.Geometry {
				for _, r := range poly {
					fmt.Fprintf(&sb, `<path d="%s" fill="none" stroke="#8a96a3" stroke-width="1" stroke-dasharray="4 3"/>`, path(r))
				}
			}
			if view.Contains(a.Bound.Center()) {
				labels = append(labels, a)
			}
		}
	}
	for _, a := range labels {
		x, y := px(a.Bound.Center())
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" font-size="8.5" fill="#5b6670" text-anchor="middle" paint-order="stroke" stroke="#f7f8fa" stroke-width="3">%s</text>`, x, y, template.HTMLEscapeString(a.Name))
	}
	for _, z := range zones {
		for _, poly := range z.Outline {
			fmt.Fprintf(&sb, `<path d="%s" fill="#c0392b" fill-opacity="0.8" stroke="#8e1b10" stroke-width="1.2"/>`, path(poly[0]))
		}
	}
	for i, z := range zones {
		x, y := px(orb.Point{z.Bound[2], z.Bound[3]})
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" font-size="11" font-weight="700" fill="#8e1b10" paint-order="stroke" stroke="#fff" stroke-width="3">%s</text>`, x+2, y+4, template.HTMLEscapeString(names[i]))
	}
	bar := 1000 / (halfX * 2) * w
	fmt.Fprintf(&sb, `<g font-size="9" fill="#1b1f24"><rect x="10" y="%.0f" width="%.1f" height="3" fill="#1b1f24"/><text x="10" y="%.0f">1 km</text>`, h-14, bar, h-18)
	fmt.Fprintf(&sb, `<text x="%.0f" y="18" text-anchor="middle" font-weight="700">N</text><path d="M%.0f 22 l-5 12 h10 z" fill="#1b1f24"/></g>`, w-16, w-16)
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// spark draws monthly counts as small bars with the first and last month.
// The values are what v shows (View.Tasking), labelled as v labels them.
func spark(vals []int64, months []data.Month, v disclosure.View) template.HTML {
	if len(vals) == 0 {
		return ""
	}
	var mx int64 = 1
	for _, v := range vals {
		mx = max(mx, v)
	}
	const w, h = 300.0, 70.0
	bw := w / float64(len(vals))
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="Monthly crimes">`, w, h+14)
	for i, n := range vals {
		bh := float64(n) / float64(mx) * h
		fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#c0392b" fill-opacity="0.7"><title>%s: %s</title></rect>`, float64(i)*bw+0.5, h-bh, math.Max(bw-1, 0.5), bh, months[i], template.HTMLEscapeString(v.Label(n)))
	}
	fmt.Fprintf(&sb, `<text x="0" y="%.0f" font-size="9" fill="#4a5560">%s</text><text x="%.0f" y="%.0f" font-size="9" fill="#4a5560" text-anchor="end">%s (max %s)</text></svg>`,
		h+12, months[0], w, h+12, months[len(months)-1], template.HTMLEscapeString(v.Label(mx)))
	return template.HTML(sb.String())
}

// monthsText is "1 month", "12 months".
func monthsText(n int) string {
	if n == 1 {
		return "1 month"
	}
	return strconv.Itoa(n) + " months"
}

// trendSpan names the months a sheet's trends cover ("35 months to 2025-11").
func trendSpan(t *engine.Tasking) string {
	if len(t.Zones) == 0 || len(t.Zones[0].Months) == 0 {
		return "the loaded months"
	}
	ms := t.Zones[0].Months
	return monthsText(len(ms)) + " to " + ms[len(ms)-1].String()
}
