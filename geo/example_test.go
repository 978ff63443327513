package geo_test

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

func ExampleCellOf() {
	// Stockton-on-Tees town hall, orb.Point{lon, lat}.
	c, err := geo.CellOf(orb.Point{-1.3094, 54.5653})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c, c.Res())
	p := c.Parent(9)
	fmt.Println(p, p.Res())
	// Output:
	// 8c194655b9763ff 12
	// 89194655b97ffff 9
}

func ExampleParseCRS() {
	for _, s := range []string{"EPSG:27700", "urn:ogc:def:crs:OGC:1.3:CRS84", "bng", "", "EPSG:3857"} {
		crs, err := geo.ParseCRS(s)
		if err != nil {
			fmt.Printf("%q: error\n", s)
			continue
		}
		fmt.Printf("%q: %q\n", s, crs)
	}
	// Output:
	// "EPSG:27700": "EPSG:27700"
	// "urn:ogc:def:crs:OGC:1.3:CRS84": "EPSG:4326"
	// "bng": "EPSG:27700"
	// "": ""
	// "EPSG:3857": error
}

func ExampleToBNG() {
	e, n := geo.ToBNG(orb.Point{-1.3094, 54.5653})
	fmt.Printf("E %.0f N %.0f\n", e, n)
	// Output:
	// E 444752 N 519116
}

func ExampleLayer_Locate() {
	data := []byte(`{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"WD23CD": "E05000001", "WD23NM": "West"},
   "geometry": {"type": "Polygon", "coordinates": [[[-1.32, 54.56], [-1.30, 54.56], [-1.30, 54.58], [-1.32, 54.58], [-1.32, 54.56]]]}},
  {"type": "Feature", "properties": {"WD23CD": "E05000002", "WD23NM": "East"},
   "geometry": {"type": "Polygon", "coordinates": [[[-1.30, 54.56], [-1.28, 54.56], [-1.28, 54.58], [-1.30, 54.58]]]}}
]}`)
	areas, notes, err := geo.ReadAreas("wards.geojson", data, geo.ReadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range notes {
		fmt.Println("note:", n)
	}
	l, err := geo.NewLayer("wards", areas)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range []orb.Point{{-1.31, 54.57}, {-1.30, 54.57}, {-1.29, 54.57}, {-1.20, 54.57}} {
		if i := l.Locate(p); i >= 0 {
			fmt.Println(p, l.Areas[i].Code, l.Areas[i].Name)
		} else {
			fmt.Println(p, "none")
		}
	}
	// Output:
	// note: wards.geojson feature 2 (E05000002): polygon 1 exterior ring was not closed; closed it by joining its last point to its first
	// [-1.31 54.57] E05000001 West
	// [-1.3 54.57] E05000001 West
	// [-1.29 54.57] E05000002 East
	// [-1.2 54.57] none
}
