package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// Profile is the partnership's area table (as in Cleveland Police's
// town-centre tables): crime by category for one area, for the selected
// month, the last 6 months and the last 12 months (each ending at the
// selected month), each compared with the period of the same length
// immediately before it ("Diff" and "% Diff" in the police tables) and with
// the same period a year earlier.
//
// Rows come in table order:
//
//	Victim-based crime                      group subtotal
//	  Violence and sexual offences, Burglary, Robbery
//	  Theft offences                        subgroup subtotal
//	    Vehicle crime, Shoplifting, Other theft, Bicycle theft, Theft from the person
//	  Criminal damage and arson
//	Other crimes against society            group subtotal
//	  Drugs, Possession of weapons, Public order, Other crime
//	Other / unknown                         group, only when the data hold other types
//	Total crime                             every crime, anti-social behaviour excluded
//	Anti-social behaviour
//	Total incidents                         crime and anti-social behaviour
//
// As in the police tables, "Total crime" counts notifiable crimes only:
// anti-social behaviour is shown on its own row and in "Total incidents".
// Crime types outside police.uk's list are not dropped: each gets a row
// under "Other / unknown" and counts in Total crime.
type Profile struct {
	Layer string `json:"layer"`
	Code  string `json:"code"`
	Name  string `json:"name"`
	// Street names a cell's profile by the busiest street among its map
	// points ("Regent Street"; see StreetOfCell); empty for areas.
	Street string     `json:"street,omitempty"`
	Month  data.Month `json:"month"` // the selected month
	// Periods are the three column groups, in order: Selected Month, Last 6
	// Months, Last 12 Months. Row cells follow the same order.
	Periods []ProfilePeriod `json:"periods"`
	Rows    []ProfileRow    `json:"rows"`
	// TotalIncludesASB is false: the "Total crime" row leaves out
	// anti-social behaviour.
	TotalIncludesASB bool      `json:"total_includes_asb"`
	Notes            []string  `json:"notes"`
	DataVersion      uint64    `json:"data_version"`
	Computed         time.Time `json:"computed"`
}

// ProfilePeriod is one column group of a Profile.
type ProfilePeriod struct {
	Label       string `json:"label"`        // "Selected Month", "Last 6 Months", "Last 12 Months"
	Current     Period `json:"current"`      // ending at the selected month
	Previous    Period `json:"previous"`     // same length, immediately before Current
	YearEarlier Period `json:"year_earlier"` // Current moved back 12 months
}

// ProfileRow is one line of a Profile.
type ProfileRow struct {
	Label string `json:"label"`
	// Kind is "group" (a subtotal such as Victim-based crime), "subgroup"
	// (Theft offences), "type" (one crime type), or "total".
	Kind string `json:"kind"`
	// Group is the label of the group the row belongs to ("" for totals).
	Group string `json:"group"`
	// Types are the crime types the row adds up.
	Types []string `json:"types"`
	// Cells are the row's figures for each of Profile.Periods.
	Cells []ProfileCell `json:"cells"`
}

// ProfileCell is a row's figures for one column group: Current, then the
// change against the previous period (Diff = VsPrevious.Diff, % Diff =
// VsPrevious.Pct, with New for a rise from 0, which the police tables print
// as "Infinity") and against the year before. A comparison is nil when the
// data loaded do not cover its period.
type ProfileCell struct {
	Current     int64           `json:"current"`
	VsPrevious  *hotspot.Change `json:"vs_previous"`
	YearEarlier *hotspot.Change `json:"vs_year_earlier"`
}

// profileLine is a row of the fixed layout.
type profileLine struct {
	label, kind string
	types       []string
}

const asbType = "Anti-social behaviour"

// profileGroups is the police tables' layout in police.uk crime types.
var profileGroups = []struct {
	label string
	lines []profileLine
}{
	{"Victim-based crime", []profileLine{
		{"Violence and sexual offences", "type", []string{"Violence and sexual offences"}},
		{"Burglary", "type", []string{"Burglary"}},
		{"Robbery", "type", []string{"Robbery"}},
		{"Theft offences", "subgroup", []string{"Vehicle crime", "Shoplifting", "Other theft", "Bicycle theft", "Theft from the person"}},
		{"Vehicle crime", "type", []string{"Vehicle crime"}},
		{"Shoplifting", "type", []string{"Shoplifting"}},
		{"Other theft", "type", []string{"Other theft"}},
		{"Bicycle theft", "type", []string{"Bicycle theft"}},
		{"Theft from the person", "type", []string{"Theft from the person"}},
		{"Criminal damage and arson", "type", []string{"Criminal damage and arson"}},
	}},
	{"Other crimes against society", []profileLine{
		{"Drugs", "type", []string{"Drugs"}},
		{"Possession of weapons", "type", []string{"Possession of weapons"}},
		{"Public order", "type", []string{"Public order"}},
		{"Other crime", "type", []string{"Other crime"}},
	}},
}

// profileKnown is every type the layout places, ASB included.
var profileKnown = func() map[string]bool {
	known := map[string]bool{asbType: true}
	for _, g := range profileGroups {
		for _, l := range g.lines {
			for _, t := range l.types {
				known[t] = true
			}
		}
	}
	return known
}()

// Profile builds the area table for the area code (or exact name) of layer,
// with month as the selected month (zero: the latest month loaded).
func (e *Engine) Profile(ctx context.Context, layer, code string, month data.Month) (*Profile, error) {
	sum, ld, month, err := e.selectedMonth(ctx, month)
	if err != nil {
		return nil, err
	}
	l, err := e.layer(ctx, sum, layer)
	if err != nil {
		return nil, err
	}
	ai, err := areaIndex(l, code)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%d|%s", layer, ai, month)
	return compute(ctx, e, sum, "profile", key, func(ctx context.Context) (*Profile, error) {
		a := &l.Areas[ai]
		return e.buildProfile(ctx, sum, ld, month, Profile{Layer: layer, Code: a.Code, Name: a.Name},
			data.Query{Layer: layer, Areas: []string{a.Code}})
	})
}

// selectedMonth reads what is stored and checks a profile's selected month
// (zero: the latest loaded).
func (e *Engine) selectedMonth(ctx context.Context, month data.Month) (*data.Summary, loaded, data.Month, error) {
	sum, err := e.summary(ctx)
	if err != nil {
		return nil, loaded{}, 0, err
	}
	ld, err := loadedOf(sum)
	if err != nil {
		return nil, loaded{}, 0, err
	}
	month, err = ld.month(month)
	return sum, ld, month, err
}

// CellProfile builds the same table for one H3 cell (any resolution
// geo.MinRes..geo.BaseRes): the incidents whose point lies in it.
func (e *Engine) CellProfile(ctx context.Context, cell geo.Cell, month data.Month) (*Profile, error) {
	if !cell.Valid() || cell.Res() < geo.MinRes || cell.Res() > geo.BaseRes {
		return nil, fmt.Errorf("%w: %s is not an H3 cell of resolution %d..%d", ErrBadQuery, cell, geo.MinRes, geo.BaseRes)
	}
	sum, ld, month, err := e.selectedMonth(ctx, month)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%s", cell, month)
	return compute(ctx, e, sum, "cellprofile", key, func(ctx context.Context) (*Profile, error) {
		street, err := e.StreetOfCell(ctx, cell)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("Hexagon %s (H3 resolution %d, %.2f km²)", cell, cell.Res(), cell.AreaM2()/1e6)
		if street != "" {
			name = fmt.Sprintf("Hexagon around %s (H3 %s, resolution %d, %.2f km²)", street, cell, cell.Res(), cell.AreaM2()/1e6)
		}
		return e.buildProfile(ctx, sum, ld, month, Profile{Code: cell.String(), Name: name, Street: street},
			data.Query{Cells: []geo.Cell{cell}})
	})
}

// buildProfile fills in out's table for the incidents filter selects.
func (e *Engine) buildProfile(ctx context.Context, sum *data.Summary, ld loaded, month data.Month, out Profile, filter data.Query) (*Profile, error) {
	out.Month, out.Notes, out.DataVersion, out.Computed = month, []string{}, sum.Version, e.now()
	for _, c := range []struct {
		label string
		n     int
	}{{"Selected Month", 1}, {"Last 6 Months", 6}, {"Last 12 Months", 12}} {
		cur := period(month-data.Month(c.n-1), month)
		pp := ProfilePeriod{Label: c.label, Current: cur, Previous: cur.before(), YearEarlier: cur.shift(-12)}
		out.Periods = append(out.Periods, pp)
		if miss := ld.missing(cur); len(miss) > 0 {
			out.Notes = append(out.Notes, fmt.Sprintf("%s (%s) includes %d month(s) not loaded, counted as no crime", c.label, cur, len(miss)))
		}
		ld.uncovered(c.label+" previous period", pp.Previous, &out.Notes)
		ld.uncovered(c.label+" year-earlier period", pp.YearEarlier, &out.Notes)
	}
	// Last 12 Months' previous period reaches back furthest: 23 months
	// before the selected month.
	first := month - 23
	q := filter
	q.From, q.To, q.By = first, month, data.GroupBy{Month: true, Type: true}
	rows, err := e.store.Aggregate(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("engine: counting crime in %s (%s) for %s: %w", out.Name, out.Code, month, err)
	}
	byType := map[string][]int64{} // type -> count per month from first
	var unknown []string
	for _, r := range rows {
		s, ok := byType[r.Type]
		if !ok {
			s = make([]int64, 24)
			byType[r.Type] = s
			if !profileKnown[r.Type] {
				unknown = append(unknown, r.Type)
			}
		}
		s[r.Month-first] += r.Count
	}
	slices.Sort(unknown)
	cells := func(types []string) []ProfileCell {
		sumOf := func(p Period) int64 {
			var n int64
			for _, t := range types {
				s := byType[t]
				for m := max(p.From, first); s != nil && m <= p.To; m++ {
					n += s[m-first]
				}
			}
			return n
		}
		cs := make([]ProfileCell, len(out.Periods))
		for i, pp := range out.Periods {
			cur := sumOf(pp.Current)
			cs[i] = ProfileCell{Current: cur,
				VsPrevious:  ld.compare(float64(cur), float64(sumOf(pp.Previous)), pp.Previous),
				YearEarlier: ld.compare(float64(cur), float64(sumOf(pp.YearEarlier)), pp.YearEarlier)}
		}
		return cs
	}
	row := func(label, kind, group string, types []string) ProfileRow {
		return ProfileRow{Label: label, Kind: kind, Group: group, Types: types, Cells: cells(types)}
	}

	var crime []string
	for _, g := range profileGroups {
		var gt []string
		for _, l := range g.lines {
			if l.kind == "type" {
				gt = append(gt, l.types...)
			}
		}
		crime = append(crime, gt...)
		out.Rows = append(out.Rows, row(g.label, "group", g.label, gt))
		for _, l := range g.lines {
			out.Rows = append(out.Rows, row(l.label, l.kind, g.label, l.types))
		}
	}
	if len(unknown) > 0 {
		const g = "Other / unknown"
		out.Rows = append(out.Rows, row(g, "group", g, unknown))
		for _, t := range unknown {
			out.Rows = append(out.Rows, row(t, "type", g, []string{t}))
		}
		crime = append(crime, unknown...)
		out.Notes = append(out.Notes, fmt.Sprintf("crime types outside police.uk's list are shown under Other / unknown and count in Total crime: %v", unknown))
	}
	out.Rows = append(out.Rows,
		row("Total crime", "total", "", crime),
		row(asbType, "type", asbType, []string{asbType}),
		row("Total incidents", "total", "", append(slices.Clone(crime), asbType)))
	return &out, nil
}
