// Package report builds the tables the tool hands out as files (rankings,
// hot spot cells, patrol zones, incident records and the partnership's area
// table) and writes them as GeoJSON (RFC 7946, streamed feature by feature),
// CSV and XLSX. It knows nothing of HTTP: the web server's downloads and OGC
// API - Features and the command line's --format csv|geojson call the same
// builders and writers, so a property has one name, type and unit everywhere
// (docs/exports.md, which a test holds to the code) and the same query gives
// the same bytes from either. The printable tasking sheet and strategy page
// (their embedded templates, SVG zone maps and charts, number formatting)
// and the reader of drawn operation zones live here too, so the command
// line renders them without the web package.
package report
