package geo

import (
	"encoding/json"
	"slices"
	"testing"
)

// fc builds a FeatureCollection of small squares side by side, feature i
// carrying props[i].
func fc(tb testing.TB, props ...map[string]any) []byte {
	tb.Helper()
	var feats []map[string]any
	for i, p := range props {
		x := -1.3 + float64(i)*0.01
		feats = append(feats, map[string]any{
			"type":       "Feature",
			"properties": p,
			"geometry": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{
				{{x, 54.5}, {x + 0.005, 54.5}, {x + 0.005, 54.505}, {x, 54.505}, {x, 54.5}}}},
		})
	}
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestReadAreasChoosesFields works the field rule of detectFields by hand on
// small layers: an ONS-style code whose values differ from feature to
// feature first, then the finest geography (unknown prefixes rank with
// PCON, between wards and authorities), then one with a name property;
// else "code", "id" or "area_code" and "name" or "area_name" in any case.
// Numeric codes are read as written.
func TestReadAreasChoosesFields(t *testing.T) {
	two := func(a, b map[string]any) []byte { return fc(t, a, b) }
	tests := []struct {
		name      string
		data      []byte
		wantCodes []string
		wantNames []string
	}{
		{"a code that differs beats a finer one that repeats",
			two(map[string]any{"OA21CD": "E0", "LAD23CD": "L1", "LAD23NM": "One"}, map[string]any{"OA21CD": "E0", "LAD23CD": "L2", "LAD23NM": "Two"}),
			[]string{"L1", "L2"}, []string{"One", "Two"}},
		{"the finer geography of two that differ",
			two(map[string]any{"LSOA21CD": "S1", "WD23CD": "W1", "WD23NM": "Ward"}, map[string]any{"LSOA21CD": "S2", "WD23CD": "W2", "WD23NM": "Ward 2"}),
			[]string{"S1", "S2"}, []string{"S1", "S2"}},
		{"the finer, listed second",
			two(map[string]any{"LAD23CD": "L1", "WD23CD": "W1"}, map[string]any{"LAD23CD": "L2", "WD23CD": "W2"}),
			[]string{"W1", "W2"}, []string{"W1", "W2"}},
		{"an unknown prefix ranks above an authority",
			two(map[string]any{"XYZ24CD": "X1", "LAD24CD": "L1"}, map[string]any{"XYZ24CD": "X2", "LAD24CD": "L2"}),
			[]string{"X1", "X2"}, []string{"X1", "X2"}},
		{"an unknown prefix ranks below a ward",
			two(map[string]any{"WD24CD": "W1", "ZZZ24CD": "Z1"}, map[string]any{"WD24CD": "W2", "ZZZ24CD": "Z2"}),
			[]string{"W1", "W2"}, []string{"W1", "W2"}},
		{"of the same rank, the one with a name",
			two(map[string]any{"WD22CD": "A1", "WD23CD": "B1", "WD23NM": "Bee"}, map[string]any{"WD22CD": "A2", "WD23CD": "B2", "WD23NM": "Bee 2"}),
			[]string{"B1", "B2"}, []string{"Bee", "Bee 2"}},
		{"of the same rank and both named, the first in order",
			two(map[string]any{"WD22CD": "A1", "WD22NM": "Ay", "WD23CD": "B1", "WD23NM": "Bee"}, map[string]any{"WD22CD": "A2", "WD22NM": "Ay 2", "WD23CD": "B2", "WD23NM": "Bee 2"}),
			[]string{"A1", "A2"}, []string{"Ay", "Ay 2"}},
		{"plain id and area_name",
			two(map[string]any{"id": "a", "area_name": "Alpha"}, map[string]any{"id": "b", "area_name": "Beta"}),
			[]string{"a", "b"}, []string{"Alpha", "Beta"}},
		{"Code and NAME in any case; numbers as written",
			two(map[string]any{"Code": 101, "NAME": "One"}, map[string]any{"Code": 12.5, "NAME": "Two"}),
			[]string{"101", "12.5"}, []string{"One", "Two"}},
		{"an ONS code beats a plain one",
			two(map[string]any{"code": "c1", "WD23CD": "W1"}, map[string]any{"code": "c2", "WD23CD": "W2"}),
			[]string{"W1", "W2"}, []string{"W1", "W2"}},
		{"no name property: the code names the area",
			two(map[string]any{"area_code": "k1"}, map[string]any{"area_code": "k2"}),
			[]string{"k1", "k2"}, []string{"k1", "k2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			areas, _, err := ReadAreas("t.geojson", tt.data, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var codes, names []string
			for _, a := range areas {
				codes = append(codes, a.Code)
				names = append(names, a.Name)
			}
			if !slices.Equal(codes, tt.wantCodes) || !slices.Equal(names, tt.wantNames) {
				t.Errorf("codes %v names %v, want %v %v", codes, names, tt.wantCodes, tt.wantNames)
			}
		})
	}

}
