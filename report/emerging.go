package report

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/hotspot"
)

// KindEmerging is the emerging hot spot map (GeoJSON only: its series are
// arrays).
const KindEmerging = "emerging hot spots"

// EmergingColumns are the properties of the emerging hot spot map
// (docs/exports.md, "emerging hot spots").
var EmergingColumns = []Column{
	{Name: "cell", Type: String},
	{Name: "category", Type: Integer, Unit: "-8..8"},
	{Name: "label", Type: String},
	{Name: "values", Type: Array, Unit: "measure a month"},
	{Name: "z", Type: Array, Unit: "standard deviations a month"},
	{Name: "bins", Type: Array, Unit: "confidence bin a month"},
	{Name: "trend", Type: String},
	{Name: "trend_z", Type: Number, Unit: "standard deviations"},
	{Name: "trend_p", Type: Number, Unit: "probability"},
	colAreas,
	colRes,
	colMeasure,
	colPeriodFrom,
	colPeriodTo,
}

// EmergingStream is the emerging hot spot map as a table, its features made
// one at a time as they are written (a fine map has tens of thousands of
// cells, each with a series): one hexagon per study cell, in cell order.
// The caller applies the disclosure policy first (it withholds this answer
// from viewers of a restricted source).
func EmergingStream(em *engine.EmergingResult) *Table {
	t := &Table{Kind: KindEmerging, Cols: EmergingColumns,
		File: FileName("emerging", em.Layer, fmt.Sprintf("r%d-k%d", em.Res, em.K), string(em.Measure), em.Period.From.String()+"_"+em.Period.To.String())}
	t.Meta = []Member{
		{"layer", em.Layer}, {"res", em.Res}, {"k", em.K}, {"measure", em.Measure}, {"unit", em.Unit},
		{"period", em.Period}, {"months", em.Months}, {"types", em.Types}, {"window", em.Window}, {"alpha", em.Alpha},
		{"categories", em.Categories}, {"zero_variance_months", em.ZeroVarianceMonths},
		{"excluded_types", em.ExcludedTypes}, {"notes", em.Notes},
	}
	t.stream = func(ctx context.Context, fn func(*Feature) error) error {
		var f Feature
		for i := range em.Cells {
			if i%256 == 255 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			c := &em.Cells[i]
			values, z := make(floats, len(c.Values)), make(floats, len(c.Z))
			for j, v := range c.Values {
				values[j] = measureRound(em.Measure, v)
			}
			for j, v := range c.Z {
				z[j] = round(v, 6)
			}
			id := c.Cell.String()
			p := []any{id, int64(c.Category), c.Label, values, z, c.Bins, nil, nil, nil,
				strings.Join(c.Areas, "; "), int64(em.Res), string(em.Measure), em.Period.From.String(), em.Period.To.String()}
			if c.Trend != nil {
				p[6] = hotspot.DirectionWord(c.Trend.Direction(em.Alpha))
				p[7], p[8] = round(c.Trend.Z, 6), sig(c.Trend.P, 4)
			}
			f = Feature{ID: id, Geom: orb.Polygon{c.Cell.Boundary()}, Props: p}
			if err := fn(&f); err != nil {
				return err
			}
		}
		return nil
	}
	return t
}

// floats is an array property of numbers, NaN and infinities written as
// null (JSON has no form for them).
type floats []float64

func (xs floats) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+8*len(xs))
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b = append(b, "null"...)
			continue
		}
		b = strconv.AppendFloat(b, x, 'f', -1, 64)
	}
	return append(b, ']'), nil
}
