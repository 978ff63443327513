package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// Evaluation defaults.
const (
	// DefaultBufferK is the width of the displacement buffer: the cells within this many grid
	// steps of a zone's cells (at the zone resolution), not in any zone.
	DefaultBufferK = 1
	// EvaluationAlpha is the level of the WDD test's confidence interval and significance.
	EvaluationAlpha = 0.05
	// SmallCount is the count under which a design's normal approximation is poor.
	SmallCount = 10
)

// EvaluationQuery asks whether an operation worked.
type EvaluationQuery struct {
	ID string
	// Before and After are the periods compared. A zero After runs from the operation's start
	// to its end or the latest month loaded, whichever is first; a zero Before is the period of
	// the same length just before After.
	BeforeFrom, BeforeTo data.Month
	AfterFrom, AfterTo   data.Month
	// BufferK is the buffer's width in grid steps; 0 is DefaultBufferK.
	BufferK int
	// ControlAreas are codes of areas of the operation's layer that make the control; empty is
	// every area of the layer. Either way the control leaves out the zones and the buffer.
	ControlAreas []string
}

// DesignCounts are the eight counts of an evaluation, shown so the reader can check the
// arithmetic: crimes before and after in the target (the zones), the control, the buffer and
// the buffer's control (here the control itself).
type DesignCounts struct {
	TargetBefore        int64 `json:"target_before"`
	TargetAfter         int64 `json:"target_after"`
	ControlBefore       int64 `json:"control_before"`
	ControlAfter        int64 `json:"control_after"`
	BufferBefore        int64 `json:"buffer_before"`
	BufferAfter         int64 `json:"buffer_after"`
	BufferControlBefore int64 `json:"buffer_control_before"`
	BufferControlAfter  int64 `json:"buffer_control_after"`
}

func (c DesignCounts) design() hotspot.DesignCounts {
	return hotspot.DesignCounts{T0: float64(c.TargetBefore), T1: float64(c.TargetAfter),
		C0: float64(c.ControlBefore), C1: float64(c.ControlAfter),
		D0: float64(c.BufferBefore), D1: float64(c.BufferAfter),
		Cd0: float64(c.BufferControlBefore), Cd1: float64(c.BufferControlAfter)}
}

// EvaluationRow is the evaluation of one zone, one crime type, or the whole operation.
type EvaluationRow struct {
	Zone   string       `json:"zone,omitempty"`  // zone ID, for a zone's row
	Label  string       `json:"label,omitempty"` // the zone's label
	Type   string       `json:"type,omitempty"`  // crime type, for a type's row
	Counts DesignCounts `json:"counts"`
	// WDD is the weighted displacement difference test (time-weighted when Before and After
	// differ in length); WDQ the displacement quotient, nil when the control had no crimes in
	// a period.
	WDD        hotspot.WDDResult  `json:"wdd"`
	WDQ        *hotspot.WDQResult `json:"wdq"`
	WDQReading string             `json:"wdq_reading"`
	// Reading says the result in plain words with its figures, Verdict the words alone;
	// Caution is set when a count is under SmallCount.
	Reading string `json:"reading"`
	Verdict string `json:"verdict"`
	Caution string `json:"caution,omitempty"`
}

// OperationEvaluation is the answer to "did the patrols work, and did crime move?".
type OperationEvaluation struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Start   data.Month      `json:"start"`
	End     data.Month      `json:"end,omitempty"`
	Before  Period          `json:"before"`
	After   Period          `json:"after"`
	Types   []string        `json:"crime_types"`
	Layer   string          `json:"layer"`
	Res     int             `json:"res"`
	BufferK int             `json:"buffer_k"`
	Control string          `json:"control"`
	Overall EvaluationRow   `json:"overall"`
	Zones   []EvaluationRow `json:"zones"`
	ByType  []EvaluationRow `json:"by_type"`
	// Harm is the harm-weighted WDD over the crime types (CCHI days a crime as weights), nil
	// when no type carries a weight.
	Harm          *hotspot.WDDResult `json:"harm_wdd"`
	HarmReading   string             `json:"harm_reading"`
	ExcludedTypes []ExcludedType     `json:"excluded_types"`
	Method        string             `json:"method"`
	Notes         []string           `json:"notes"`
	DataVersion   uint64             `json:"data_version"`
	Computed      time.Time          `json:"computed"`
}

const evaluationMethod = "Counts: every located crime of the operation's types in the before and after periods, " +
	"placed by its police.uk map point: in a zone when inside the zone's polygon (points on the edge inside); " +
	"in the buffer when in an H3 cell within k grid steps of a zone's cells and in no zone; in the control when " +
	"inside the control areas and in neither. A zone's buffer is the ring around that zone alone; the overall " +
	"buffer is the ring around all zones. WDD (Wheeler & Ratcliffe 2018): [(T1-T0)-(C1-C0)] + [(D1-D0)-(Cd1-Cd0)] " +
	"with Poisson variance, the buffer's control being the control, each control weighted by its before count over the " +
	"target's (or buffer's), so that it predicts the target's after count from its own proportional change " +
	"(T1 - T0*C1/C0); negative is a reduction. WDQ (Bowers & Johnson " +
	"2003): (Ba/Ca-Bb/Cb) / (Ra/Ca-Rb/Cb), read only when the zones did better than the control."

// EvaluateOperation counts crimes before and after in an operation's zones, their buffer and
// the control, and runs the WDD and WDQ tests per zone, per crime type and overall.
func (e *Engine) EvaluateOperation(ctx context.Context, q EvaluationQuery) (*OperationEvaluation, error) {
	op, err := e.store.Operation(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	sum, err := e.summary(ctx)
	if err != nil {
		return nil, err
	}
	ld, err := loadedOf(sum)
	if err != nil {
		return nil, err
	}
	if q.BufferK == 0 {
		q.BufferK = DefaultBufferK
	}
	if q.BufferK < 1 || q.BufferK > 5 {
		return nil, fmt.Errorf("%w: a buffer of %d grid steps; use 1 to 5", ErrBadQuery, q.BufferK)
	}
	after, before, err := evaluationPeriods(op, q, ld)
	if err != nil {
		return nil, err
	}
	if op.Layer == "" {
		return nil, fmt.Errorf("%w: operation %s names no area layer to draw its control from", ErrBadQuery, op.ID)
	}
	key := fmt.Sprintf("%s|%d|%s|%s|%d|%s", op.ID, op.Created.Unix(), before, after, q.BufferK, keyList(q.ControlAreas))
	return compute(ctx, e, sum, "operation-evaluation", key, func(ctx context.Context) (*OperationEvaluation, error) {
		return e.evaluateOperation(ctx, op, q, before, after, sum)
	})
}

// evaluationPeriods fills in and checks the after and before periods.
func evaluationPeriods(op data.Operation, q EvaluationQuery, ld loaded) (after, before Period, err error) {
	af, at := q.AfterFrom, q.AfterTo
	if af == 0 {
		af = op.Start
	}
	if at == 0 {
		at = ld.last()
		if op.End != 0 && op.End < at {
			at = op.End
		}
	}
	if af > ld.last() {
		return Period{}, Period{}, fmt.Errorf("%w: operation %s starts in %s and the latest month loaded is %s; evaluate it once police.uk has published a month of it", ErrNoMonth, op.ID, af, ld.last())
	}
	if at < af {
		return Period{}, Period{}, fmt.Errorf("%w: the after period runs backwards (%s to %s)", ErrBadQuery, af, at)
	}
	after = period(af, at)
	if q.BeforeFrom == 0 && q.BeforeTo == 0 {
		before = after.before()
	} else {
		bf, bt := q.BeforeFrom, q.BeforeTo
		if bt == 0 {
			bt = af - 1
		}
		if bf == 0 {
			bf = bt - data.Month(after.Months) + 1
		}
		if bt < bf {
			return Period{}, Period{}, fmt.Errorf("%w: the before period runs backwards (%s to %s)", ErrBadQuery, bf, bt)
		}
		before = period(bf, bt)
	}
	if before.To >= after.From {
		return Period{}, Period{}, fmt.Errorf("%w: the before period (%s) must end before the after period (%s) starts", ErrBadQuery, before, after)
	}
	for _, p := range []Period{before, after} {
		if !ld.covers(p) {
			return Period{}, Period{}, fmt.Errorf("%w: %s is not all loaded (months %s..%s are); choose periods inside them", ErrNoMonth, p, ld.first(), ld.last())
		}
	}
	return after, before, nil
}

// place is where one map point falls in an evaluation's design.
type place struct {
	zone    int32   // index of the zone holding it, -1 for none
	rings   []int32 // zones whose buffer holds it
	buffer  bool    // in the overall buffer
	control bool
}

func (e *Engine) evaluateOperation(ctx context.Context, op data.Operation, q EvaluationQuery, before, after Period, sum *data.Summary) (*OperationEvaluation, error) {
	res := op.Res
	if res == 0 {
		res = DefaultZoneRes
	}
	// the types counted: an operation on no stated types counts crime, not
	// ASB, and its harm and cost leave out only types among those
	types := op.Types
	if len(types) == 0 {
		types = crimeTypes(sum)
	}
	out := &OperationEvaluation{ID: op.ID, Name: op.Name, Start: op.Start, End: op.End, Before: before, After: after,
		Types: nonNil(op.Types), Layer: op.Layer, Res: res, BufferK: q.BufferK, Method: evaluationMethod,
		ExcludedTypes: e.excluded(scopeTypes(sum, types)), Notes: []string{}, DataVersion: sum.Version, Computed: e.now()}

	// Zones, their cells and their buffers.
	nz := len(op.Zones)
	areas := make([]geo.Area, nz)
	inZone := map[geo.Cell]bool{}
	covers := make([]map[geo.Cell]bool, nz)
	for i, z := range op.Zones {
		areas[i] = geo.Area{Code: z.ID, Name: z.Label, Geometry: z.Geometry, Bound: z.Geometry.Bound()}
		c, err := zoneCover(z, op.Res, res)
		if err != nil {
			return nil, err
		}
		covers[i] = c
		for cell := range c {
			inZone[cell] = true
		}
	}
	zl, err := geo.NewLayer("operation "+op.ID, areas)
	if err != nil {
		return nil, fmt.Errorf("engine: the zones of operation %s: %w", op.ID, err)
	}
	ring := map[geo.Cell][]int32{} // buffer cell -> zones whose ring holds it
	for i, c := range covers {
		seen := map[geo.Cell]bool{}
		for cell := range c {
			disk, err := cell.Disk(q.BufferK)
			if err != nil {
				return nil, err
			}
			for _, d := range disk {
				if !inZone[d] && !seen[d] {
					seen[d] = true
					ring[d] = append(ring[d], int32(i))
				}
			}
		}
	}

	// The control.
	layer, _, err := e.store.Layer(ctx, op.Layer)
	if err != nil {
		return nil, err
	}
	var controlSet map[int]bool
	if len(q.ControlAreas) > 0 {
		controlSet = map[int]bool{}
		var names []string
		for _, code := range q.ControlAreas {
			i := layer.Index(code)
			if i < 0 {
				return nil, fmt.Errorf("%w: %q is not an area of the layer %s", ErrBadQuery, code, op.Layer)
			}
			controlSet[i] = true
			names = append(names, layer.Areas[i].Name)
		}
		out.Control = fmt.Sprintf("the areas %s of the layer %s, outside the zones and the buffer", strings.Join(names, ", "), op.Layer)
	} else {
		out.Control = fmt.Sprintf("every area of the layer %s outside the zones and the buffer", op.Layer)
	}

	places := map[orb.Point]*place{}
	locate := func(pt orb.Point) (*place, error) {
		if p, ok := places[pt]; ok {
			return p, nil
		}
		p := &place{zone: int32(zl.Locate(pt))}
		if p.zone < 0 {
			c, err := geo.CellAt(pt, res)
			if err != nil {
				return nil, err
			}
			p.rings = ring[c]
			p.buffer = len(p.rings) > 0
			if !p.buffer {
				if a := layer.Locate(pt); a >= 0 && (controlSet == nil || controlSet[a]) {
					p.control = true
				}
			}
		}
		places[pt] = p
		return p, nil
	}

	zones := make([]DesignCounts, nz)
	var overall DesignCounts
	byType := map[string]*DesignCounts{}
	err = e.store.Incidents(ctx, data.Query{From: before.From, To: after.To, Types: types}, func(in *data.Incident) error {
		if !in.Located() {
			return nil
		}
		isAfter := in.Month >= after.From && in.Month <= after.To
		if !isAfter && (in.Month < before.From || in.Month > before.To) {
			return nil
		}
		p, err := locate(in.Point)
		if err != nil {
			return err
		}
		tc := byType[in.Type]
		if tc == nil {
			tc = &DesignCounts{}
			byType[in.Type] = tc
		}
		switch {
		case p.zone >= 0:
			add(&zones[p.zone], &overall, tc, isAfter, func(c *DesignCounts) (*int64, *int64) { return &c.TargetBefore, &c.TargetAfter })
		case p.buffer:
			for _, z := range p.rings {
				b, a := &zones[z].BufferBefore, &zones[z].BufferAfter
				if isAfter {
					*a++
				} else {
					*b++
				}
			}
			add(nil, &overall, tc, isAfter, func(c *DesignCounts) (*int64, *int64) { return &c.BufferBefore, &c.BufferAfter })
		case p.control:
			for i := range zones {
				if isAfter {
					zones[i].ControlAfter++
				} else {
					zones[i].ControlBefore++
				}
			}
			add(nil, &overall, tc, isAfter, func(c *DesignCounts) (*int64, *int64) { return &c.ControlBefore, &c.ControlAfter })
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: evaluating operation %s: %w", op.ID, err)
	}

	var tw hotspot.DesignWeights
	if before.Months != after.Months {
		tw.Before, tw.After = float64(before.Months), float64(after.Months)
		out.Notes = append(out.Notes, fmt.Sprintf("the periods differ in length (%d and %d months), so each count is taken per month (time weights)", before.Months, after.Months))
	}
	row := func(c DesignCounts) (EvaluationRow, error) {
		c.BufferControlBefore, c.BufferControlAfter = c.ControlBefore, c.ControlAfter
		r := EvaluationRow{Counts: c}
		d := c.design()
		if r.WDD, err = hotspot.WDD(designInputs(d, tw)); err != nil {
			return r, err
		}
		if q, err := hotspot.WDQ(d.T1, d.T0, d.D1, d.D0, d.C1, d.C0); err == nil {
			r.WDQ, r.WDQReading = &q, q.Reading.String()
		} else {
			r.WDQReading = "not read: the control had no crimes in a period"
		}
		r.Reading = wddReading(r.WDD, "fewer crimes", "more crimes", "crimes")
		r.Verdict, _, _ = strings.Cut(r.Reading, " (")
		if d.SmallCounts(SmallCount) {
			r.Caution = fmt.Sprintf("some counts are under %d: too few for the test's normal approximation, so read this as a rough guide", SmallCount)
		}
		return r, nil
	}
	if out.Overall, err = row(overall); err != nil {
		return nil, err
	}
	out.Zones = make([]EvaluationRow, nz)
	for i, z := range op.Zones {
		c := zones[i]
		if out.Zones[i], err = row(c); err != nil {
			return nil, err
		}
		out.Zones[i].Zone, out.Zones[i].Label = z.ID, z.Label
	}
	types = make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	var parts []hotspot.HarmPart
	out.ByType = []EvaluationRow{}
	for _, t := range types {
		r, err := row(*byType[t])
		if err != nil {
			return nil, err
		}
		r.Type = t
		out.ByType = append(out.ByType, r)
		if wt := e.harm.Of(t, 1, e.includePG); wt > 0 {
			d := r.Counts.design()
			dc, dw, _ := designInputs(d, tw)
			parts = append(parts, hotspot.HarmPart{Weight: wt, Counts: dc, Weights: dw})
		}
	}
	slices.SortStableFunc(out.ByType, func(a, b EvaluationRow) int {
		return int(b.Counts.TargetBefore+b.Counts.TargetAfter) - int(a.Counts.TargetBefore+a.Counts.TargetAfter)
	})
	if len(parts) > 0 {
		h, err := hotspot.WDDHarm(parts, EvaluationAlpha)
		if err != nil {
			return nil, err
		}
		out.Harm, out.HarmReading = &h, wddReading(h, "less harm", "more harm", "CCHI days")
	}
	if overall.TargetBefore+overall.TargetAfter == 0 {
		out.Notes = append(out.Notes, "no crime of these types was recorded in the zones in either period, so there is nothing to evaluate")
	}
	return out, nil
}

// designInputs are the WDD test's counts, weights and level for counts d and time weights tw:
// designWeights, except that a control standing for a part with no crimes before (a zone
// whose buffer lies wholly in other zones, a zone with no crime before) stands for nothing
// and is left out. Unweighted, it would count the whole control's change as the zone's: a
// zone with an empty buffer read as "-1,558 crimes beyond chance" from the rest of the
// borough's rise alone.
func designInputs(d hotspot.DesignCounts, tw hotspot.DesignWeights) (hotspot.DesignCounts, hotspot.DesignWeights, float64) {
	if d.T0 == 0 {
		d.C0, d.C1 = 0, 0
	}
	if d.D0 == 0 {
		d.Cd0, d.Cd1 = 0, 0
	}
	return d, designWeights(d, tw), EvaluationAlpha
}

// designWeights scales the control to the target and the buffer's control to the buffer: area
// weights C0/T0 and Cd0/D0, so that each control's before count equals what it stands for and
// its change is read in proportion. Unweighted, a control the size of the rest of the borough
// would swamp a zone: the WDD compares changes in counts, and +848 in the control against +277
// in the zones read as a "reduction" when the zones rose faster (+22% against +13%). With
// these weights the local WDD is T1 - T0 * C1/C0, the target's count against what the
// control's change predicts for it (the same expectation as the WDQ's total net effect). A
// control or buffer with no crimes before is left unweighted. tw carries the time weights.
func designWeights(d hotspot.DesignCounts, tw hotspot.DesignWeights) hotspot.DesignWeights {
	w := tw
	if d.T0 > 0 && d.C0 > 0 {
		w.C = d.C0 / d.T0
	}
	if d.D0 > 0 && d.Cd0 > 0 {
		w.Cd = d.Cd0 / d.D0
	}
	return w
}

// add counts one crime in a zone's counts (nil: none), the overall counts and its type's.
func add(zone, overall, typ *DesignCounts, isAfter bool, field func(*DesignCounts) (*int64, *int64)) {
	for _, c := range []*DesignCounts{zone, overall, typ} {
		if c == nil {
			continue
		}
		b, a := field(c)
		if isAfter {
			*a++
		} else {
			*b++
		}
	}
}

// wddReading says a WDD result in plain words: less and more name the measure ("fewer
// crimes", "more crimes"), unit its unit in the figures.
func wddReading(r hotspot.WDDResult, less, more, unit string) string {
	conf := fmt.Sprintf("%.0f%%", 100*(1-r.Alpha))
	ci := fmt.Sprintf("WDD %s %s, %s interval %s to %s", signedFigure(r.WDD), unit, conf, signedFigure(r.Low), signedFigure(r.High))
	sig := r.P < r.Alpha
	switch {
	case r.SE == 0:
		return "no crimes to compare"
	case r.WDD < 0 && sig:
		return fmt.Sprintf("%s than the control predicts: a reduction beyond chance (%s)", less, ci)
	case r.WDD < 0:
		return fmt.Sprintf("%s than the control predicts, but within what chance gives (%s)", less, ci)
	case r.WDD > 0 && sig:
		return fmt.Sprintf("%s than the control predicts: a rise beyond chance (%s)", more, ci)
	case r.WDD > 0:
		return fmt.Sprintf("%s than the control predicts, but within what chance gives (%s)", more, ci)
	}
	return fmt.Sprintf("just what the control predicts (%s)", ci)
}

// signedFigure writes a figure to one decimal at most, with its sign: "-12", "+3.5".
func signedFigure(v float64) string {
	r := math.Round(v*10) / 10
	if r == math.Trunc(r) {
		return fmt.Sprintf("%+.0f", r)
	}
	return fmt.Sprintf("%+.1f", r)
}
