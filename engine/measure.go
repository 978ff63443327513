package engine

import (
	"fmt"
	"strings"

	"github.com/stockton-csp/hotspots/hotspot"
)

// Measure is what a figure adds up.
type Measure string

// The measures. The zero Measure in a query means Count.
const (
	// Count is the number of incidents.
	Count Measure = "count"
	// Harm is Cambridge Crime Harm Index days: the sum over crime types of
	// count x days of imprisonment (Options.Harm).
	Harm Measure = "harm"
	// Cost is the Home Office economic and social cost of crime in GBP at
	// 2015/16 prices: the sum over crime types of count x unit cost
	// (Options.Cost).
	Cost Measure = "cost"
)

// ParseMeasure reads a measure name, in any case; "" is Count.
func ParseMeasure(s string) (Measure, error) {
	switch m := Measure(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return Count, nil
	case Count, Harm, Cost:
		return m, nil
	}
	return "", fmt.Errorf("%w: measure %q is not known; use count (incidents), harm (Cambridge Crime Harm Index days) or cost (GBP, 2015/16 prices)", ErrBadQuery, s)
}

// orCount is m, Count when zero; other values are checked.
func (m Measure) orCount() (Measure, error) { return ParseMeasure(string(m)) }

// Unit says what one unit of the measure is.
func (e *Engine) unit(m Measure) string {
	switch m {
	case Harm:
		return "days (Cambridge Crime Harm Index, " + e.harm.Name + ")"
	case Cost:
		return "GBP at 2015/16 prices (Home Office costs of crime, " + e.cost.Name + ")"
	}
	return "incidents"
}

// WeightsInfo names a weight table used in a result.
type WeightsInfo struct {
	Measure Measure `json:"measure"`
	Name    string  `json:"name"` // table name, such as "cchi.csv"
	Unit    string  `json:"unit"` // unit of a weight, such as "days"
	// PoliceGeneratedIncluded is Options.IncludePoliceGenerated: whether
	// types marked police-generated add to this measure.
	PoliceGeneratedIncluded bool `json:"police_generated_included"`
}

func (e *Engine) weightsInfo() []WeightsInfo {
	return []WeightsInfo{
		{Measure: Harm, Name: e.harm.Name, Unit: e.harm.Unit, PoliceGeneratedIncluded: e.includePG},
		{Measure: Cost, Name: e.cost.Name, Unit: e.cost.Unit, PoliceGeneratedIncluded: e.includePG},
	}
}

// ExcludedType is a crime type counted but not weighed in a measure: its
// incidents are in count, and add nothing to harm or cost.
type ExcludedType struct {
	Type    string  `json:"type"`
	Measure Measure `json:"measure"`
	// Reason is "police-generated", "weight 0" or "not in the weights table".
	Reason string `json:"reason"`
}

// excluded lists, for harm then cost, the types among types that add
// nothing to the measure.
func (e *Engine) excluded(types []string) []ExcludedType {
	out := []ExcludedType{}
	for _, mw := range []struct {
		m Measure
		w *hotspot.Weights
	}{{Harm, e.harm}, {Cost, e.cost}} {
		for _, t := range types {
			w, ok := mw.w.Weight(t)
			reason := ""
			switch {
			case !ok:
				reason = "not in the weights table"
			case mw.w.PoliceGenerated(t) && !e.includePG:
				reason = "police-generated"
			case w == 0:
				reason = "weight 0"
			default:
				continue
			}
			out = append(out, ExcludedType{Type: t, Measure: mw.m, Reason: reason})
		}
	}
	return out
}

// weigh returns the harm and cost of n crimes of type t.
func (e *Engine) weigh(t string, n int64) (harm, cost float64) {
	return e.harm.Of(t, float64(n), e.includePG), e.cost.Of(t, float64(n), e.includePG)
}

// value picks one measure from a count, harm and cost.
func value(m Measure, count int64, harm, cost float64) float64 {
	switch m {
	case Harm:
		return harm
	case Cost:
		return cost
	}
	return float64(count)
}
