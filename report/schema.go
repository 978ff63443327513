package report

// SchemaVersion numbers the export schema of docs/exports.md. It changes
// only when a property is renamed, retyped or removed; adding one does not.
const SchemaVersion = 1

// Type is a property's type as docs/exports.md names it.
type Type string

// The property types.
const (
	String  Type = "string"
	Integer Type = "integer"
	Number  Type = "number" // always written with a decimal point, so GIS software reads it as real
	Boolean Type = "boolean"
)

// Column is one property of a table.
type Column struct {
	Name string
	Type Type
	Unit string
	// CSVOnly columns are a point's lon/lat, which GeoJSON carries in the
	// geometry.
	CSVOnly bool
	// Query makes the property an OGC API equality filter (?name=value).
	Query bool
}

// The kinds of table.
const (
	KindRanking   = "ranking"
	KindHotspots  = "hotspots"
	KindZones     = "zones"
	KindIncidents = "incidents"
)

// The columns several tables share, each meaning the same in all of them.
var (
	colCount      = Column{Name: "count", Type: Integer, Unit: "incidents"}
	colHarm       = Column{Name: "harm", Type: Number, Unit: "CCHI days"}
	colCost       = Column{Name: "cost", Type: Number, Unit: "GBP (2015/16 prices)"}
	colLon        = Column{Name: "lon", Type: Number, Unit: "degrees (WGS84)"}
	colLat        = Column{Name: "lat", Type: Number, Unit: "degrees (WGS84)"}
	colAreas      = Column{Name: "areas", Type: String}
	colRes        = Column{Name: "res", Type: Integer}
	colMeasure    = Column{Name: "measure", Type: String}
	colPeriodFrom = Column{Name: "period_from", Type: String, Unit: "YYYY-MM"}
	colPeriodTo   = Column{Name: "period_to", Type: String, Unit: "YYYY-MM"}
)

// The columns of each table, in order. docs/exports.md lists the same.
var (
	RankingColumns = []Column{
		{Name: "code", Type: String, Query: true},
		{Name: "name", Type: String, Query: true},
		{Name: "population", Type: Integer, Unit: "residents"},
		colCount,
		colHarm,
		colCost,
		{Name: "rate_per_1000", Type: Number, Unit: "measure per 1,000 residents"},
		{Name: "share_pct", Type: Number, Unit: "%"},
		{Name: "previous", Type: Number, Unit: "measure"},
		{Name: "change", Type: Number, Unit: "measure"},
		{Name: "change_pct", Type: Number, Unit: "%"},
		{Name: "change_new", Type: Boolean},
		{Name: "year_earlier", Type: Number, Unit: "measure"},
		{Name: "change_year", Type: Number, Unit: "measure"},
		{Name: "change_year_pct", Type: Number, Unit: "%"},
		{Name: "change_year_new", Type: Boolean},
		{Name: "rank", Type: Integer, Query: true},
		colMeasure,
		colPeriodFrom,
		colPeriodTo,
	}
	HotspotColumns = []Column{
		{Name: "cell", Type: String, Query: true},
		colLon,
		colLat,
		colCount,
		colHarm,
		{Name: "z", Type: Number, Unit: "standard deviations"},
		{Name: "p", Type: Number, Unit: "probability"},
		{Name: "bin", Type: Integer, Query: true},
		{Name: "bin_uncorrected", Type: Integer},
		{Name: "bin_label", Type: String, Query: true},
		colAreas,
		colRes,
		colMeasure,
		colPeriodFrom,
		colPeriodTo,
	}
	ZoneColumns = []Column{
		{Name: "id", Type: String, Query: true},
		{Name: "name", Type: String},
		{Name: "rank", Type: Integer, Query: true},
		colCount,
		colHarm,
		colCost,
		{Name: "previous_count", Type: Integer, Unit: "incidents"},
		{Name: "change", Type: Integer, Unit: "incidents"},
		{Name: "change_pct", Type: Number, Unit: "%"},
		{Name: "change_new", Type: Boolean},
		{Name: "trend", Type: String, Query: true},
		{Name: "emerging", Type: String, Query: true},
		{Name: "max_bin", Type: Integer},
		{Name: "max_z", Type: Number, Unit: "standard deviations"},
		{Name: "cells", Type: Integer, Unit: "H3 cells"},
		{Name: "area_km2", Type: Number, Unit: "km²"},
		colLon,
		colLat,
		colAreas,
		{Name: "town_centres", Type: String},
		{Name: "top_types", Type: String},
		{Name: "top_locations", Type: String},
		{Name: "visits_per_day", Type: Integer, Unit: "visits"},
		{Name: "visit_minutes", Type: String, Unit: "minutes"},
		{Name: "advice", Type: String},
		{Name: "h3_cells", Type: String},
		colRes,
		colMeasure,
		colPeriodFrom,
		colPeriodTo,
	}
	IncidentColumns = []Column{
		{Name: "crime_id", Type: String, Query: true},
		{Name: "month", Type: String, Unit: "YYYY-MM", Query: true},
		{Name: "date", Type: String, Unit: "YYYY-MM-DD"},
		{Name: "time", Type: String, Unit: "HH:MM (local)"},
		{Name: "type", Type: String, Query: true},
		{Name: "outcome", Type: String, Query: true},
		{Name: "location", Type: String, Query: true},
		{Name: "lsoa_code", Type: String, Query: true},
		{Name: "lsoa_name", Type: String, Query: true},
		{Name: "force", Type: String, Query: true},
		{Name: "area_code", Type: String, Query: true},
		{Name: "area_name", Type: String, Query: true},
		{Name: "lon", Type: Number, Unit: "degrees (WGS84)", CSVOnly: true},
		{Name: "lat", Type: Number, Unit: "degrees (WGS84)", CSVOnly: true},
	}
)

// Columns returns the columns of a kind of table (false for an unknown
// kind).
func Columns(kind string) ([]Column, bool) {
	switch kind {
	case KindRanking:
		return RankingColumns, true
	case KindHotspots:
		return HotspotColumns, true
	case KindZones:
		return ZoneColumns, true
	case KindIncidents:
		return IncidentColumns, true
	}
	return nil, false
}

// Kinds lists the kinds of table, in the order the documentation gives them.
func Kinds() []string { return []string{KindRanking, KindHotspots, KindZones, KindIncidents} }
