package report

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/hotspot"
)

// Chart colours. Red above and green below follow the papers' funnel
// plots ("the red and green lines"); on the monthly chart, orange marks a
// signal of more crime and blue of less, as NHS England's Making Data Count
// charts mark concern and improvement.
const (
	colUpper   = "#b3261e"
	colLower   = "#1e6b3a"
	colCentre  = "#4a5560"
	colPoint   = "#1b1f24"
	colFocus   = "#0b57d0"
	colConcern = "#c55a00"
	colBetter  = "#0b57d0"
)

// niceStep is a round step (1, 2 or 5 x 10^k) giving about n ticks up to max.
func niceStep(max float64, n int) float64 {
	if max <= 0 {
		return 1
	}
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

// tickLabel formats a tick with as few decimals as its step needs.
func tickLabel(v, step float64) string {
	dp := 0
	if step < 1 {
		dp = int(math.Ceil(-math.Log10(step)))
	}
	return Thousands(v, dp)
}

// funnelSVG draws a priority's funnel plot: each area's rate per 1,000
// against its population, the group rate and the 95% and 99.8% limits.
func funnelSVG(pf engine.PriorityFigures) template.HTML {
	c := pf.Comparison
	if len(c.Areas) == 0 {
		return ""
	}
	const w, h = 360.0, 250.0
	const left, right, top, bottom = 46.0, 12.0, 12.0, 36.0
	// the rate axis spans the areas and the funnel where they are, not
	// from 0, so a common crime's funnel is not flattened at the top
	maxN, maxR, minR, minPop := 0.0, c.GroupRate, c.GroupRate, math.Inf(1)
	for _, a := range c.Areas {
		maxN = math.Max(maxN, a.Population)
		minPop = math.Min(minPop, a.Population)
		maxR = math.Max(maxR, a.Rate)
		minR = math.Min(minR, a.Rate)
	}
	maxN *= 1.1
	minN := math.Min(minPop*0.8, maxN/8)
	loAtMin, hiAtMin := hotspot.FunnelLimits(c.GroupRate, minN, hotspot.Z998)
	maxR = math.Max(maxR, hiAtMin)
	minR = math.Min(minR, loAtMin)
	pad := (maxR - minR) * 0.08
	maxR += pad
	minR = math.Max(0, minR-pad)
	xs := func(n float64) float64 { return left + n/maxN*(w-left-right) }
	ys := func(r float64) float64 { return h - bottom - (r-minR)/(maxR-minR)*(h-top-bottom) }
	var sb strings.Builder
	label := fmt.Sprintf("Funnel plot of %s: rate per 1,000 residents against population for %d areas; group rate %.2f per 1,000", pf.Name, len(c.Areas), c.GroupRate)
	fmt.Fprintf(&sb, `<svg class="chart funnel" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, w, h, template.HTMLEscapeString(label))
	fmt.Fprintf(&sb, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="#fafbfc" stroke="#d5dbe1"/>`, left, top, w-left-right, h-top-bottom)
	// axes and ticks
	ry := niceStep(maxR-minR, 5)
	for v := math.Ceil(minR/ry) * ry; v <= maxR; v += ry {
		y := ys(v)
		fmt.Fprintf(&sb, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#e3e7eb"/><text x="%.0f" y="%.1f" font-size="9" text-anchor="end" fill="%s">%s</text>`,
			left, w-right, y, y, left-4, y+3, colCentre, tickLabel(v, ry))
	}
	nx := niceStep(maxN, 4)
	for v := 0.0; v <= maxN; v += nx {
		x := xs(v)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.0f" font-size="9" text-anchor="middle" fill="%s">%s</text>`, x, h-bottom+12, colCentre, Thousands(v, 0))
	}
	fmt.Fprintf(&sb, `<text x="%.0f" y="%.0f" font-size="9.5" text-anchor="middle" fill="%s">residents</text>`, (left+w-right)/2, h-6, colCentre)
	fmt.Fprintf(&sb, `<text transform="translate(11 %.0f) rotate(-90)" font-size="9.5" text-anchor="middle" fill="%s">per 1,000 residents</text>`, (top+h-bottom)/2, colCentre)
	// limits
	curve := func(z float64, upper bool) string {
		var pb strings.Builder
		const steps = 80
		for i := 0; i <= steps; i++ {
			n := minN + (maxN-minN)*float64(i)/steps
			lo, hi := hotspot.FunnelLimits(c.GroupRate, n, z)
			r := lo
			if upper {
				r = hi
			}
			r = math.Max(minR, math.Min(r, maxR))
			if i == 0 {
				fmt.Fprintf(&pb, "M%.1f %.1f", xs(n), ys(r))
			} else {
				fmt.Fprintf(&pb, "L%.1f %.1f", xs(n), ys(r))
			}
		}
		return pb.String()
	}
	for _, l := range []struct {
		z     float64
		upper bool
		col   string
		dash  string
	}{{hotspot.Z998, true, colUpper, ""}, {hotspot.Z95, true, colUpper, ` stroke-dasharray="4 3"`},
		{hotspot.Z95, false, colLower, ` stroke-dasharray="4 3"`}, {hotspot.Z998, false, colLower, ""}} {
		fmt.Fprintf(&sb, `<path d="%s" fill="none" stroke="%s" stroke-width="1.4"%s/>`, curve(l.z, l.upper), l.col, l.dash)
	}
	fmt.Fprintf(&sb, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.2"/>`, xs(minN), xs(maxN), ys(c.GroupRate), ys(c.GroupRate), colCentre)
	// points, labelled when few or notable
	few := len(c.Areas) <= 8
	for _, a := range c.Areas {
		x, y := xs(a.Population), ys(a.Rate)
		col, r := colPoint, 3.5
		if a.Partnership {
			col, r = colFocus, 5
		}
		fmt.Fprintf(&sb, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"><title>%s: %.2f per 1,000 (%s)</title></circle>`, x, y, r, col,
			template.HTMLEscapeString(a.Name), a.Rate, a.Reading)
		if few || a.Partnership || a.Reading == hotspot.AboveHigh || a.Reading == hotspot.BelowHigh {
			anchor, dx := "start", 6.0
			if x > w*0.7 {
				anchor, dx = "end", -6
			}
			fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" font-size="9" text-anchor="%s" fill="%s" paint-order="stroke" stroke="#fff" stroke-width="3">%s</text>`,
				x+dx, labelY(y, a.Partnership), anchor, colPoint, template.HTMLEscapeString(a.Name))
		}
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// xmrSVG draws a priority's monthly series with its centre line and
// limits: the baseline months shaded, points in a signal coloured (orange
// for more crime, blue for less). Months whose count is withheld from the
// caller (hidden) are gaps.
func xmrSVG(name string, months []data.Month, ch engine.Chart, base engine.Period) template.HTML {
	if len(months) == 0 {
		return ""
	}
	labels := make([]string, len(months))
	for i, m := range months {
		labels[i] = m.String()
	}
	return xmrSeriesSVG(name+" by month", labels, ch, int(base.From-months[0]), int(base.To-months[0]), func(i int) bool { return i == 0 || months[i].Num() == 1 })
}

// weeklySVG draws a weekly chart like xmrSVG, labelling the first week of
// each quarter.
func weeklySVG(name string, w *engine.WeeklyChart) template.HTML {
	if w == nil || len(w.Weeks) == 0 {
		return ""
	}
	b0 := slices.Index(w.Weeks, w.Baseline[:10])
	b1 := slices.Index(w.Weeks, w.Baseline[len(w.Baseline)-10:])
	return xmrSeriesSVG(name+" by week", w.Weeks, w.Chart, b0, b1, func(i int) bool {
		l := w.Weeks[i]
		m := l[5:7]
		return i == 0 || ((m == "01" || m == "04" || m == "07" || m == "10") && l[8:10] <= "07")
	})
}

// xmrSeriesSVG draws a series labelled by labels, its baseline points
// b0..b1 shaded, with the x-axis labelled where tick says.
func xmrSeriesSVG(name string, labels []string, ch engine.Chart, b0, b1 int, tick func(int) bool) template.HTML {
	months := labels
	const w, h = 700.0, 190.0
	const left, right, top, bottom = 48.0, 60.0, 10.0, 24.0
	lo, hi := math.Min(0, ch.XmR.Lower), ch.XmR.Upper
	for _, v := range ch.Values {
		hi = math.Max(hi, float64(v))
	}
	lo = math.Max(0, lo)
	minV := lo
	if ch.XmR.Lower > 0 {
		minV = math.Min(ch.XmR.Lower, minValue(ch.Values)) * 0.9
	}
	maxV := hi * 1.05
	if maxV <= minV {
		maxV = minV + 1
	}
	n := len(months)
	xs := func(i int) float64 { return left + (float64(i)+0.5)/float64(n)*(w-left-right) }
	ys := func(v float64) float64 { return h - bottom - (v-minV)/(maxV-minV)*(h-top-bottom) }
	var sb strings.Builder
	label := fmt.Sprintf("Chart of %s, %s to %s: centre %.0f, limits %.0f to %.0f, %d signals", name, months[0], months[n-1],
		ch.XmR.Mean, ch.XmR.Lower, ch.XmR.Upper, len(ch.Signals))
	fmt.Fprintf(&sb, `<svg class="chart xmr" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, w, h, template.HTMLEscapeString(label))
	// baseline shading
	bi, bj := b0, b1
	x0 := left + float64(bi)/float64(n)*(w-left-right)
	x1 := left + float64(bj+1)/float64(n)*(w-left-right)
	fmt.Fprintf(&sb, `<rect x="%.1f" y="%.0f" width="%.1f" height="%.0f" fill="#f0f3f6"/>`, x0, top, x1-x0, h-top-bottom)
	fmt.Fprintf(&sb, `<text x="%.1f" y="%.0f" font-size="8.5" fill="%s">baseline</text>`, x0+3, top+10, colCentre)
	step := niceStep(maxV-minV, 4)
	for v := math.Ceil(minV/step) * step; v <= maxV; v += step {
		fmt.Fprintf(&sb, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#e3e7eb"/><text x="%.0f" y="%.1f" font-size="9" text-anchor="end" fill="%s">%s</text>`,
			left, w-right, ys(v), ys(v), left-4, ys(v)+3, colCentre, tickLabel(v, step))
	}
	lastTick := math.Inf(-1)
	for i, m := range months {
		if tick(i) && xs(i)-lastTick >= 60 { // labels about 50 units wide must not overprint
			lastTick = xs(i)
			fmt.Fprintf(&sb, `<text x="%.1f" y="%.0f" font-size="9" text-anchor="middle" fill="%s">%s</text>`, xs(i), h-8, colCentre, m)
		}
	}
	hline := func(v float64, col, dash, text string) {
		if v < minV || v > maxV {
			return
		}
		fmt.Fprintf(&sb, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.2"%s/><text x="%.0f" y="%.1f" font-size="9" fill="%s">%s</text>`,
			left, w-right, ys(v), ys(v), col, dash, w-right+4, ys(v)+3, col, text)
	}
	hline(ch.XmR.Upper, colUpper, ` stroke-dasharray="5 3"`, "upper "+Thousands(ch.XmR.Upper, 0))
	hline(ch.XmR.Mean, colCentre, "", "mean "+Thousands(ch.XmR.Mean, 0))
	hline(ch.XmR.Lower, colLower, ` stroke-dasharray="5 3"`, "lower "+Thousands(ch.XmR.Lower, 0))
	// the series
	var pb strings.Builder
	pen := false
	for i, v := range ch.Values {
		if !pen {
			fmt.Fprintf(&pb, "M%.1f %.1f", xs(i), ys(float64(v)))
			pen = true
		} else {
			fmt.Fprintf(&pb, "L%.1f %.1f", xs(i), ys(float64(v)))
		}
	}
	fmt.Fprintf(&sb, `<path d="%s" fill="none" stroke="%s" stroke-width="1.4"/>`, pb.String(), colPoint)
	colour := make([]string, n)
	for _, sg := range ch.Signals {
		col := colConcern
		if sg.Direction == hotspot.Down {
			col = colBetter
		}
		for i := sg.Start; i <= sg.End && i < n; i++ {
			colour[i] = col
		}
	}
	for i, v := range ch.Values {
		col, r := colPoint, 2.2
		if colour[i] != "" {
			col, r = colour[i], 3.2
		}
		fmt.Fprintf(&sb, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"><title>%s: %s</title></circle>`, xs(i), ys(float64(v)), r, col, months[i], Thousands(float64(v), 0))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

func minValue(vs []int64) float64 {
	m := math.Inf(1)
	for _, v := range vs {
		m = math.Min(m, float64(v))
	}
	if math.IsInf(m, 1) {
		return 0
	}
	return m
}

// labelY places a point's label above it, the partnership's below, so the
// two do not overprint when rates are close.
func labelY(y float64, partnership bool) float64 {
	if partnership {
		return y + 13
	}
	return y - 4
}
