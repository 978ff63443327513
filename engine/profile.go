package engine

import (
	"context"
	"fmt"
	"slices"
	"strconv"
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
// On data in Home Office subgroups (a force export) the rows are the
// papers', in their order:
//
//	Victim Based Crime                      group subtotal
//	  Violence                              Violence Without Injury, Stalking and Harassment,
//	                                        Violence With Injury, Death or serious injury caused
//	                                        by illegal driving, Homicide
//	  Theft Offences                        Vehicle Offences, Shoplifting, All Other Theft Offences,
//	                                        Burglary Residential, Burglary Business and Community,
//	                                        Bicycle Theft, Theft From The Person
//	  Criminal Damage & Arson               Criminal Damage, Arson
//	  Sexual Offences, Robbery
//	Non victim based                        Public Order Offences, Misc Crimes Against Society,
//	                                        Drug Offences, Weapons Possession Offences
//	Unknown                                 offences the classification does not place
//	Total                                   every crime
//
// On police.uk data the same layout holds the rows police.uk can fill
// (Violence and sexual offences, Burglary, Criminal Damage & Arson whole).
// Anti-social behaviour is never crime: where loaded it follows Total on its
// own row, then "Total crimes and ASB incidents".
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
	// Level is the row's depth in the table: 0 for groups and totals, 1
	// for a row under a group, 2 for a row under a subgroup.
	Level int `json:"level"`
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

// tableLine is a row of the papers' layout: a leaf (one row key, to which
// crime types map) or a subtotal of leaves.
type tableLine struct {
	label, kind, group string
	level              int
	leaves             []string // the row keys it adds up
}

const (
	asbType    = "Anti-social behaviour"
	unknownRow = "Unknown"
)

// leaf is a row that is its own row key.
func leaf(label, kind, group string, level int) tableLine {
	return tableLine{label: label, kind: kind, group: group, level: level, leaves: []string{label}}
}

// sub is a subtotal row at level followed by its leaves.
func sub(label, kind, group string, level int, childKind string, children ...string) []tableLine {
	out := []tableLine{{label: label, kind: kind, group: group, level: level, leaves: children}}
	for _, c := range children {
		out = append(out, leaf(c, childKind, group, level+1))
	}
	return out
}

// homeOfficeLayout is the partnership's table (Cleveland Police's
// town-centre tables) on data in Home Office subgroups: the rows are the
// classification's table_row names.
var homeOfficeLayout = func() []tableLine {
	const vbc, nvb = "Victim Based Crime", "Non victim based"
	violence := []string{"Violence Without Injury", "Stalking and Harassment", "Violence With Injury", "Death or serious injury caused by illegal driving", "Homicide"}
	theft := []string{"Vehicle Offences", "Shoplifting", "All Other Theft Offences", "Burglary Residential", "Burglary Business and Community", "Bicycle Theft", "Theft From The Person"}
	damage := []string{"Criminal Damage", "Arson"}
	society := []string{"Public Order Offences", "Misc Crimes Against Society", "Drug Offences", "Weapons Possession Offences"}
	victim := append(append(append(append(slices.Clone(violence), theft...), damage...), "Sexual Offences"), "Robbery")
	out := []tableLine{{label: vbc, kind: "group", group: vbc, leaves: victim}}
	out = append(out, sub("Violence", "subgroup", vbc, 1, "type", violence...)...)
	out = append(out, sub("Theft Offences", "subgroup", vbc, 1, "type", theft...)...)
	out = append(out, sub("Criminal Damage & Arson", "subgroup", vbc, 1, "type", damage...)...)
	out = append(out, leaf("Sexual Offences", "subgroup", vbc, 1), leaf("Robbery", "subgroup", vbc, 1))
	out = append(out, sub(nvb, "group", nvb, 0, "type", society...)...)
	return out
}()

// policeUKLayout is the same table with the rows police.uk's categories can
// fill: it does not split violence from sexual offences, residential from
// business burglary, or criminal damage from arson. Theft Offences includes
// burglary, as the papers define it.
var policeUKLayout = func() []tableLine {
	const vbc, nvb = "Victim Based Crime", "Non victim based"
	theft := []string{"Vehicle Offences", "Shoplifting", "All Other Theft Offences", "Burglary", "Bicycle Theft", "Theft From The Person"}
	society := []string{"Public Order Offences", "Misc Crimes Against Society", "Drug Offences", "Weapons Possession Offences"}
	victim := append(append([]string{"Violence and sexual offences"}, theft...), "Criminal Damage & Arson", "Robbery")
	out := []tableLine{{label: vbc, kind: "group", group: vbc, leaves: victim}, leaf("Violence and sexual offences", "subgroup", vbc, 1)}
	out = append(out, sub("Theft Offences", "subgroup", vbc, 1, "type", theft...)...)
	out = append(out, leaf("Criminal Damage & Arson", "subgroup", vbc, 1), leaf("Robbery", "subgroup", vbc, 1))
	out = append(out, sub(nvb, "group", nvb, 0, "type", society...)...)
	return out
}()

// policeUKRows places police.uk's crime categories in policeUKLayout.
var policeUKRows = map[string]string{
	"Violence and sexual offences": "Violence and sexual offences", "Burglary": "Burglary", "Robbery": "Robbery",
	"Vehicle crime": "Vehicle Offences", "Shoplifting": "Shoplifting", "Other theft": "All Other Theft Offences",
	"Bicycle theft": "Bicycle Theft", "Theft from the person": "Theft From The Person",
	"Criminal damage and arson": "Criminal Damage & Arson", "Drugs": "Drug Offences",
	"Possession of weapons": "Weapons Possession Offences", "Public order": "Public Order Offences",
	"Other crime": "Misc Crimes Against Society",
}

// homeOfficeData reports whether the source's crime types are Home Office
// subgroups (a force export) rather than police.uk categories.
func (e *Engine) homeOfficeData(types []data.TypeCount) bool {
	for _, t := range types {
		if _, pu := policeUKRows[t.Type]; pu || t.Type == asbType {
			continue
		}
		if o, ok := e.class.Lookup(t.Type); ok && o.Subgroup == t.Type {
			return true
		}
	}
	return false
}

// rowOf places a stored crime type in a layout's rows: its row key, or
// unknownRow; ASB is asbType.
func (e *Engine) rowOf(homeOffice bool, t string) string {
	if t == asbType {
		return asbType
	}
	if homeOffice {
		if o, ok := e.class.Lookup(t); ok {
			return o.TableRow
		}
		return unknownRow
	}
	if r, ok := policeUKRows[t]; ok {
		return r
	}
	return unknownRow
}

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
	for _, r := range rows {
		s, ok := byType[r.Type]
		if !ok {
			s = make([]int64, 24)
			byType[r.Type] = s
		}
		s[r.Month-first] += r.Count
	}
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

	ho := e.homeOfficeData(sum.Types)
	layout := policeUKLayout
	if ho {
		layout = homeOfficeLayout
	}
	typesOf := map[string][]string{} // row key -> stored types
	for t := range byType {
		k := e.rowOf(ho, t)
		typesOf[k] = append(typesOf[k], t)
	}
	for _, ts := range typesOf {
		slices.Sort(ts)
	}
	rowTypes := func(leaves []string) []string {
		ts := []string{}
		for _, l := range leaves {
			ts = append(ts, typesOf[l]...)
		}
		return ts
	}
	var crime []string // every row key that is crime
	for _, l := range layout {
		r := row(l.label, l.kind, l.group, rowTypes(l.leaves))
		r.Level = l.level
		out.Rows = append(out.Rows, r)
		if len(l.leaves) == 1 && l.leaves[0] == l.label {
			crime = append(crime, l.label)
		}
	}
	crime = append(crime, unknownRow)
	if unk := typesOf[unknownRow]; ho || len(unk) > 0 {
		out.Rows = append(out.Rows, row(unknownRow, "group", unknownRow, rowTypes([]string{unknownRow})))
		if len(unk) > 0 {
			out.Notes = append(out.Notes, fmt.Sprintf("offences the classification does not place are counted under Unknown and in Total: %v", unk))
		}
	}
	out.Rows = append(out.Rows, row("Total", "total", "", rowTypes(crime)))
	if asb := typesOf[asbType]; len(asb) > 0 {
		out.Rows = append(out.Rows,
			row(asbType, "type", asbType, asb),
			row("Total crimes and ASB incidents", "total", "", rowTypes(append(crime, asbType))))
	}
	return &out, nil
}

// ProfileCSVHeader is the header of WriteCSV: per column group (the
// selected month, the last 6 and the last 12 months) current, previous,
// diff and % diff.
var ProfileCSVHeader = []string{"row",
	"month_current", "month_previous", "month_diff", "month_pct",
	"6m_current", "6m_previous", "6m_diff", "6m_pct",
	"12m_current", "12m_previous", "12m_diff", "12m_pct"}

// CSVRecords is the table as CSV records, header first: the partnership's
// rows in order, each period's current, previous, diff and % diff to one
// decimal (blank where the previous period had none, or is not loaded).
func (p *Profile) CSVRecords() [][]string {
	out := [][]string{ProfileCSVHeader}
	for _, r := range p.Rows {
		rec := []string{r.Label}
		for _, c := range r.Cells {
			prev, diff, pct := "", "", ""
			if ch := c.VsPrevious; ch != nil {
				prev, diff = strconv.FormatFloat(ch.Previous, 'f', -1, 64), strconv.FormatFloat(ch.Diff, 'f', -1, 64)
				if ch.Previous != 0 && ch.Pct != nil {
					pct = strconv.FormatFloat(*ch.Pct, 'f', 1, 64)
				}
			}
			rec = append(rec, strconv.FormatInt(c.Current, 10), prev, diff, pct)
		}
		out = append(out, rec)
	}
	return out
}
