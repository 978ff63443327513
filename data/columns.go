package data

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

// column roles
const (
	colMonth = iota
	colDate
	colTime
	colType
	colLon
	colLat
	colEast
	colNorth
	colForce
	colFalls
	colID
	colLocation
	colOutcome
	colLSOACode
	colLSOAName
	colContext
	nCols
)

var colNames = [nCols]string{"month", "date", "time", "crime type", "longitude", "latitude", "easting", "northing", "force", "falls within", "crime ID", "location", "outcome", "LSOA code", "LSOA name", "context"}

// aliases are normalised header names (lower case, letters and digits only)
// each role answers to, most specific first.
var aliases = [nCols][]string{
	colMonth:    {"month"},
	colDate:     {"datetime", "date", "committedfrom", "committedfromdate", "committedfromdatetime", "datefrom", "fromdate", "occurred", "occurreddate", "dateoccurred", "occurrencedate", "offencedate", "incidentdate", "committeddate", "startdate", "reporteddate", "timestamp"},
	colTime:     {"time", "occurredtime", "timeoccurred", "starttime", "committedtime", "offencetime", "incidenttime"},
	colType:     {"crimetype", "offencetype", "offence", "offencegroup", "crimecategory", "category", "type", "hocategory", "offencedescription", "offencesubgroup", "hocode"},
	colLon:      {"longitude", "lon", "lng", "long"},
	colLat:      {"latitude", "lat"},
	colEast:     {"easting", "eastings", "gridx", "xcoordinate", "x"},
	colNorth:    {"northing", "northings", "gridy", "ycoordinate", "y"},
	colForce:    {"reportedby", "force", "policeforce"},
	colFalls:    {"fallswithin"},
	colID:       {"crimeid", "crimereference", "crimeref", "occurrenceid", "occurrenceref", "occurrencereference", "crimenumber", "reference", "id"},
	colLocation: {"location", "street", "streetname", "address"},
	colOutcome:  {"lastoutcomecategory", "outcome", "lastoutcome"},
	colLSOACode: {"lsoacode", "lsoa11cd", "lsoa21cd"},
	colLSOAName: {"lsoaname", "lsoa11nm", "lsoa21nm"},
	colContext:  {"context"},
}

func normHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mapColumns finds each role's column. It returns the format ("police.uk"
// for the exact street-level header), or a reason to skip a police.uk file
// that is not street-level crime (outcomes, stop and search).
func mapColumns(header []string, m Mapping) (cols [nCols]int, format, skip string, err error) {
	for i := range cols {
		cols[i] = -1
	}
	if strings.Join(header, ",") == PoliceUKHeader {
		for i, r := range []int{colID, colMonth, colForce, colFalls, colLon, colLat, colLocation, colLSOACode, colLSOAName, colType, colOutcome, colContext} {
			cols[r] = i
		}
		return cols, "police.uk", "", nil
	}
	norm := make([]string, len(header))
	idx := map[string]int{}
	for i, h := range header {
		norm[i] = normHeader(h)
		if _, dup := idx[norm[i]]; !dup {
			idx[norm[i]] = i
		}
	}
	if _, ok := idx["outcometype"]; ok {
		return cols, "", "a police.uk outcomes file, not street-level crime", nil
	}
	if _, ok := idx["partofapolicingoperation"]; ok {
		return cols, "", "a police.uk stop and search file, not street-level crime", nil
	}
	explicit := [nCols]string{
		colMonth: m.Month, colDate: m.Date, colTime: m.Time, colType: m.Type, colLon: m.Lon, colLat: m.Lat,
		colEast: m.Easting, colNorth: m.Northing, colForce: m.Force, colID: m.ID, colLocation: m.Location,
		colOutcome: m.Outcome, colLSOACode: m.LSOACode, colLSOAName: m.LSOAName,
	}
	used := map[int]bool{}
	for role, name := range explicit {
		if name == "" {
			continue
		}
		i, ok := idx[normHeader(name)]
		if !ok {
			return cols, "", "", fmt.Errorf("the %s column %q named in the mapping is not in the header (%s)", colNames[role], name, strings.Join(header, ","))
		}
		cols[role] = i
		used[i] = true
	}
	for role := range cols {
		if cols[role] >= 0 || explicit[role] != "" {
			continue
		}
		for _, a := range aliases[role] {
			if i, ok := idx[a]; ok && !used[i] {
				cols[role] = i
				used[i] = true
				break
			}
		}
	}
	// x/y only mean grid coordinates when no lon/lat is present.
	if cols[colLon] >= 0 && cols[colLat] >= 0 {
		cols[colEast], cols[colNorth] = -1, -1
	}
	var missing []string
	if cols[colMonth] < 0 && cols[colDate] < 0 {
		missing = append(missing, `"Month" (or a date column such as "Date")`)
	}
	if cols[colType] < 0 {
		missing = append(missing, `"Crime type"`)
	}
	if (cols[colLon] < 0 || cols[colLat] < 0) && (cols[colEast] < 0 || cols[colNorth] < 0) {
		switch {
		case cols[colLon] >= 0:
			missing = append(missing, `"Latitude"`)
		case cols[colLat] >= 0:
			missing = append(missing, `"Longitude"`)
		default:
			missing = append(missing, `"Longitude" and "Latitude" (or "Easting" and "Northing")`)
		}
	}
	if len(missing) > 0 {
		return cols, "", "", fmt.Errorf("missing column %s; the header is %q. A police.uk street-level file has %q; for another export name the columns (--month-col, --type-col, --lon-col, --lat-col, ...)",
			strings.Join(missing, " and "), strings.Join(header, ","), PoliceUKHeader)
	}
	return cols, "csv", "", nil
}

type rowParser struct {
	cols  [nCols]int
	force string
	file  string
	// typeOptional keeps rows with no crime type (a force export's
	// unclassified records), for the Home Office columns to name.
	typeOptional bool
	// one-entry caches: exports are sorted by month, so most rows repeat it
	lastMonthS string
	lastMonth  Month
}

func (p *rowParser) get(rec []string, role int) string {
	i := p.cols[role]
	if i < 0 || i >= len(rec) {
		return ""
	}
	return rec[i]
}

func (p *rowParser) bad(line, role int, value, reason string) (Problem, bool) {
	return Problem{File: p.file, Line: line, Field: colNames[role], Value: value, Reason: reason}, false
}

// parse fills in from rec. On failure it returns the problem.
func (p *rowParser) parse(rec []string, line int, in *Incident) (Problem, bool) {
	*in = Incident{Minute: -1}
	switch {
	case p.cols[colMonth] >= 0:
		s := strings.TrimSpace(p.get(rec, colMonth))
		if s != p.lastMonthS || s == "" {
			m, err := ParseMonth(s)
			if err != nil {
				return p.bad(line, colMonth, s, fmt.Sprintf("%q is not a month (expected YYYY-MM)", s))
			}
			p.lastMonthS, p.lastMonth = s, m
		}
		in.Month = p.lastMonth
		if p.cols[colDate] >= 0 {
			// a month column with a date too: take the date's minute
			if m, min, ok := parseDateTime(p.get(rec, colDate), p.get(rec, colTime)); ok && m == in.Month {
				in.Minute = min
			}
		}
	default:
		ds, ts := strings.TrimSpace(p.get(rec, colDate)), strings.TrimSpace(p.get(rec, colTime))
		m, min, ok := parseDateTime(ds, ts)
		if !ok {
			return p.bad(line, colDate, ds, fmt.Sprintf("%q is not a date (expected such as 2025-11-03 14:25 or 03/11/2025 14:25)", strings.TrimSpace(ds+" "+ts)))
		}
		in.Month, in.Minute = m, min
	}
	in.Type = strings.TrimSpace(p.get(rec, colType))
	if in.Type == "" && !p.typeOptional {
		return p.bad(line, colType, "", "crime type is empty")
	}
	if p.cols[colLon] >= 0 {
		ls, as := strings.TrimSpace(p.get(rec, colLon)), strings.TrimSpace(p.get(rec, colLat))
		if ls == "" && as == "" {
			in.Point = orb.Point{math.NaN(), math.NaN()}
		} else {
			lon, err1 := strconv.ParseFloat(ls, 64)
			if err1 != nil {
				return p.bad(line, colLon, ls, fmt.Sprintf("%q is not a number", ls))
			}
			lat, err2 := strconv.ParseFloat(as, 64)
			if err2 != nil {
				return p.bad(line, colLat, as, fmt.Sprintf("%q is not a number", as))
			}
			if prob, ok := p.checkLonLat(line, lon, lat, ls, as); !ok {
				return prob, false
			}
			in.Point = orb.Point{lon, lat}
		}
	} else {
		es, ns := strings.TrimSpace(p.get(rec, colEast)), strings.TrimSpace(p.get(rec, colNorth))
		if es == "" && ns == "" {
			in.Point = orb.Point{math.NaN(), math.NaN()}
		} else {
			e, err1 := strconv.ParseFloat(es, 64)
			if err1 != nil {
				return p.bad(line, colEast, es, fmt.Sprintf("%q is not a number", es))
			}
			n, err2 := strconv.ParseFloat(ns, 64)
			if err2 != nil {
				return p.bad(line, colNorth, ns, fmt.Sprintf("%q is not a number", ns))
			}
			if !geo.ValidBNG(e, n) || (e == 0 && n == 0) {
				return p.bad(line, colEast, es, fmt.Sprintf("easting %s, northing %s is outside the British National Grid (0..700000, 0..1300000 metres)", es, ns))
			}
			in.Point = geo.FromBNG(e, n)
		}
	}
	in.Force = strings.TrimSpace(p.get(rec, colForce))
	if in.Force == "" {
		in.Force = p.force
	}
	if in.Force == "" {
		in.Force = "Unknown force"
	}
	in.FallsWithin = strings.TrimSpace(p.get(rec, colFalls))
	in.ID = strings.TrimSpace(p.get(rec, colID))
	in.Name = strings.TrimSpace(p.get(rec, colLocation))
	in.LSOACode = strings.TrimSpace(p.get(rec, colLSOACode))
	in.LSOAName = strings.TrimSpace(p.get(rec, colLSOAName))
	in.Outcome = strings.TrimSpace(p.get(rec, colOutcome))
	in.Context = p.get(rec, colContext)
	return Problem{}, true
}

// UK extent, generous: the police.uk forces of England, Wales and Northern
// Ireland, and Scotland for other exports.
const ukWest, ukEast, ukSouth, ukNorth = -11.0, 3.0, 49.0, 61.5

func (p *rowParser) checkLonLat(line int, lon, lat float64, ls, as string) (Problem, bool) {
	if math.IsNaN(lon) || math.IsInf(lon, 0) || lon < -180 || lon > 180 {
		if lon >= ukSouth && lon <= ukNorth && lat >= ukWest && lat <= ukEast {
			return p.bad(line, colLon, ls, fmt.Sprintf("longitude %s and latitude %s look swapped (a UK latitude is in the longitude column); check which column is which", ls, as))
		}
		return p.bad(line, colLon, ls, fmt.Sprintf("longitude %s is out of range (-180..180)", ls))
	}
	if math.IsNaN(lat) || math.IsInf(lat, 0) || lat < -90 || lat > 90 {
		return p.bad(line, colLat, as, fmt.Sprintf("latitude %s is out of range (-90..90)", as))
	}
	if lon >= ukSouth && lon <= ukNorth && lat >= ukWest && lat <= ukEast {
		return p.bad(line, colLon, ls, fmt.Sprintf("longitude %s and latitude %s look swapped (a UK latitude is in the longitude column); check which column is which", ls, as))
	}
	if lon == 0 && lat == 0 {
		return p.bad(line, colLon, ls, "0,0 is a placeholder, not a place")
	}
	return Problem{}, true
}

var dateLayouts = []string{
	"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04",
	"02/01/2006 15:04:05", "02/01/2006 15:04", "2/1/2006 15:04", "02/01/2006", "2/1/2006", "2006-01-02", "2006-01",
}

var timeLayouts = []string{"15:04:05", "15:04", "1504"}

// parseDateTime reads a date (with or without a time) and an optional
// separate time. UK exports write dates day first (03/11/2025 is 3 November).
// It returns the month and the minute within it: an exact minute, or
// dayOnly(day) when the date has no time, or -1 when only the month is known.
func parseDateTime(ds, ts string) (Month, int, bool) {
	ds, ts = strings.TrimSpace(ds), strings.TrimSpace(ts)
	if ds == "" {
		return 0, 0, false
	}
	if ts == "" {
		if m, min, ok := ukDateTime(ds); ok {
			return m, min, true
		}
	}
	for _, l := range dateLayouts {
		t, err := time.Parse(l, ds)
		if err != nil {
			continue
		}
		if t.Year() < 1900 || t.Year() > 2200 {
			return 0, 0, false
		}
		m := MonthOf(t.Year(), int(t.Month()))
		hasTime := strings.Contains(l, "15")
		if l == "2006-01" {
			return m, -1, true
		}
		if !hasTime && ts != "" {
			for _, tl := range timeLayouts {
				if tt, err := time.Parse(tl, ts); err == nil {
					t = t.Add(time.Duration(tt.Hour())*time.Hour + time.Duration(tt.Minute())*time.Minute)
					hasTime = true
					break
				}
			}
		}
		if !hasTime {
			return m, DayOnly(t.Day()), true
		}
		return m, (t.Day()-1)*1440 + t.Hour()*60 + t.Minute(), true
	}
	return 0, 0, false
}

// minutesInMonthMax is the first minute value past any month's last minute;
// values from it encode a day without a time.
const minutesInMonthMax = 31 * 1440

// DayOnly encodes "day d of the month, time unknown" in an incident's Minute.
func DayOnly(d int) int { return minutesInMonthMax + d - 1 }

// SplitMinute decodes an incident's Minute: day of month (0 unknown), and
// hour and minute (-1 unknown).
func SplitMinute(m int) (day, hour, minute int) {
	switch {
	case m < 0 || m >= NoMinute:
		return 0, -1, -1
	case m >= minutesInMonthMax:
		return m - minutesInMonthMax + 1, -1, -1
	}
	return m/1440 + 1, (m % 1440) / 60, m % 60
}
