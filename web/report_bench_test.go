package web

import "testing"

// Benchmarks of the report tables through HTTP, on the bundled Cleveland
// months and the 27 Stockton wards.

func benchGet(b *testing.B, path string) {
	_, _, ts := ogcServer(b, nil)
	u := ts.URL + path
	if code, _, body := ogcGet(b, u, ""); code != 200 {
		b.Fatalf("%d %s", code, body)
	}
	b.ReportAllocs()
	for b.Loop() {
		if code, _, _ := ogcGet(b, u, ""); code != 200 {
			b.Fatal(code)
		}
	}
}

// BenchmarkAPIHotspotsGeoJSON: the map's hot spot GeoJSON (2,238 cells).
func BenchmarkAPIHotspotsGeoJSON(b *testing.B) { benchGet(b, "/api/v1/hotspots?layer=wards") }

// BenchmarkExportIncidentsCSV: a year of incident records in the wards.
func BenchmarkExportIncidentsCSV(b *testing.B) { benchGet(b, "/api/v1/export/incidents.csv") }

// BenchmarkExportAreaTablesXLSX: the area tables of the 27 wards, one sheet each.
func BenchmarkExportAreaTablesXLSX(b *testing.B) { benchGet(b, "/api/v1/export/area-tables.xlsx") }

// BenchmarkExportHotspotsGeoJSON: the hot spot export (2,238 cells).
func BenchmarkExportHotspotsGeoJSON(b *testing.B) { benchGet(b, "/api/v1/export/hotspots.geojson") }

// BenchmarkOGCIncidentPage: a page of 100 incident records at offset 40,000.
func BenchmarkOGCIncidentPage(b *testing.B) {
	benchGet(b, "/ogc/collections/incidents/items?limit=100&offset=40000")
}

// BenchmarkEmergingGeoJSON: the emerging hot spot map (2,238 cells, 12
// months each).
func BenchmarkEmergingGeoJSON(b *testing.B) { benchGet(b, "/api/v1/emerging?layer=wards") }
