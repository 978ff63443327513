package engine

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/hotspot"
)

// TaskingQuery asks for the patrol zones of a layer's study area.
type TaskingQuery struct {
	// Layer, Res, K, From, To, Types and Measure find the hot spots as in
	// HotspotQuery: Gi* on Measure (count or harm), FDR-corrected. Res is
	// MinZoneRes..MaxGridRes; 0 is DefaultZoneRes (10).
	Layer   string
	Res, K  int
	From    data.Month
	To      data.Month
	Types   []string
	Measure Measure
	// Top keeps the first Top zones by harm; 0 is DefaultTop.
	Top int
	// MaxWidthM is the widest a zone may be, in metres, so one patrol can
	// cover it on foot (hotspot.GroupZones); 0 is hotspot.DefaultZoneWidthM
	// (400 m).
	MaxWidthM float64
	// IncludeSetAside uses the crimes at places that are not patrol targets
	// (Options.SetAside: police stations, hospitals...) to place zones; by
	// default they are shown in the zones' figures but left out of Gi*.
	IncludeSetAside bool
}

// TownCentreLayer is the area layer whose names a zone lists as its town
// centres, when the layer is loaded (import the partnership's town-centre
// polygons under this name).
const TownCentreLayer = "town-centres"

// Tasking defaults.
const (
	DefaultTop = 10
	// MinZoneRes is the coarsest resolution of patrol zones: resolution 10
	// cells are about 150 m corner to corner (0.015 km²), a micro-place of a
	// street or two; 9 (400 m) is as wide as a whole zone.
	MinZoneRes = 10
	// MinZoneWidthM and MaxZoneWidthM bound the width asked of a zone.
	MinZoneWidthM, MaxZoneWidthM = 100, 2000
)

// Tasking is a ranked list of patrol zones, the tasking group's sheet.
//
// A zone is a connected group of hot spot cells (Gi* bin > 0, FDR-corrected
// at 90 % or more) no wider than MaxWidthM, a wider group split along its
// weakest links (hotspot.GroupZones, on each cell's value of the measure Gi*
// ran on). Zones are ranked by harm (CCHI days), then count.
type Tasking struct {
	Layer          string   `json:"layer"`
	Res            int      `json:"res"`
	K              int      `json:"k"`
	Measure        Measure  `json:"measure"` // what Gi* ran on
	Period         Period   `json:"period"`
	PreviousPeriod Period   `json:"previous_period"`
	Types          []string `json:"types"`
	MaxWidthM      float64  `json:"max_width_m"`
	HotCells       int      `json:"hot_cells"` // significant hot cells found
	// SetAside counts the period's crimes at places that are not patrol
	// targets, left out when placing the zones (0 with IncludeSetAside);
	// SetAsidePlaces says where.
	SetAside       int64           `json:"set_aside"`
	SetAsidePlaces []LocationCount `json:"set_aside_places"`
	Zones          []Zone          `json:"zones"`
	MonthOnly      bool            `json:"month_only"` // no incident has a time of day
	Method         string          `json:"method"`
	Dosage         string          `json:"dosage"`
	ExcludedTypes  []ExcludedType  `json:"excluded_types"`
	Notes          []string        `json:"notes"`
	DataVersion    uint64          `json:"data_version"`
	Computed       time.Time       `json:"computed"`
}

// Zone is one patrol zone.
type Zone struct {
	ID    string     `json:"id"` // "Z1" is the highest-harm zone
	Rank  int        `json:"rank"`
	Cells []geo.Cell `json:"cells"`
	// Outline is the zone's boundary (WGS84 lon/lat, RFC 7946 winding);
	// Center a point inside it to head for.
	Outline orb.MultiPolygon `json:"-"`
	Center  orb.Point        `json:"center"`
	Bound   [4]float64       `json:"bbox"`
	AreaKm2 float64          `json:"area_km2"`
	// WidthM is how far the zone is across, in metres (hotspot.ZoneWidthM).
	WidthM float64 `json:"width_m"`
	// Areas names the layer's areas the zone's cells lie in; TownCentres
	// the areas of the TownCentreLayer (when loaded) that its cells touch.
	Areas       []string        `json:"areas"`
	TownCentres []string        `json:"town_centres"`
	Count       int64           `json:"count"`
	Harm        float64         `json:"harm"`
	Cost        float64         `json:"cost"`
	ByType      []TypeFigures   `json:"by_type"`   // most harm first
	Locations   []LocationCount `json:"locations"` // the busiest police.uk locations
	// SetAside counts the zone's crimes at places that are not patrol targets
	// (included in Count, left out when placing it).
	SetAside int64   `json:"set_aside"`
	MaxBin   int     `json:"max_bin"`
	MaxZ     float64 `json:"max_z"`
	// Change compares Count with the previous period of the same length.
	Change *hotspot.Change `json:"change"`
	// Trend is the Mann-Kendall test of the zone's monthly counts over the
	// loaded months up to the period's end; TrendWord says it in words.
	Trend     *hotspot.MannKendall `json:"trend"`
	TrendWord string               `json:"trend_word"`
	Monthly   []int64              `json:"monthly"`
	Months    []data.Month         `json:"months"`
	// Emerging is the emerging hot spot category of the zone's hottest
	// cell over the trend's months (Months), never the tasking period
	// alone: a series of one month makes every hot cell "New".
	Emerging string       `json:"emerging"`
	Dose     hotspot.Dose `json:"dose"`
	Peak     Peak         `json:"peak"`
}

// TypeFigures is one crime type's share of a zone.
type TypeFigures struct {
	Type  string  `json:"type"`
	Count int64   `json:"count"`
	Harm  float64 `json:"harm"`
}

// LocationCount is a police.uk location ("On or near ...") and its count.
type LocationCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Peak is when a zone's incidents happen, where the data say.
type Peak struct {
	MonthOnly bool     `json:"month_only"` // no times: police.uk gives the month only
	Days      []string `json:"days"`       // busiest days of the week, busiest first
	Hours     []int    `json:"hours"`      // busiest hours of the day (0..23), busiest first
	Timed     int64    `json:"timed"`      // incidents with a time of day
	// Week counts the zone's crimes with a time of day by weekday (Monday
	// first) and hour of the committed-from time, windows over the
	// engine's MaxWindow left out: the sheet's heat table.
	Week hotspot.WeekGrid `json:"week"`
	// Claim is the peak the sheet states ("Fri-Sat 22:00-03:00, 41% of 120
	// crimes"), only from 20 crimes or more whose hours differ from an even
	// spread (chi-square at 5%); otherwise "no clear peak" with the count.
	Claim hotspot.Peak `json:"claim"`
}

const taskingMethod = "Patrol zones are connected groups of H3 cells that Getis-Ord Gi* finds to be hot spots " +
	"(90% confidence or more after false discovery rate control; the study area runs on past the layer's edge by the " +
	"neighbourhood's width, with the crimes there, so cells at the edge keep their neighbours), each small enough to cover on foot: a group wider than the " +
	"limit is split where it is weakest, in its quietest cells, ranked by harm (Cambridge Crime Harm Index days)."

const taskingDosage = "Koper curve: visible stops of 10-15 minutes deter longest; vary the times and return at least " +
	"every two hours in the peak period. A 10-16 minute stop cut the chance of crime in the next 30 minutes to 4%, " +
	"against 15% after a drive-through. Hot spot policing works (Braga et al. 2019) and crime is more likely to fall " +
	"nearby than to move. The dose follows each zone's demand (its crimes a day in the period, places that are not " +
	"patrol targets left out): 2 visits a day for each crime expected in a day, between 2 and 8 (every two hours " +
	"through a 16-hour day); under one crime a week, monitor instead."

// Tasking finds the patrol zones for a period.
func (e *Engine) Tasking(ctx context.Context, q TaskingQuery) (*Tasking, error) {
	if q.Top == 0 {
		q.Top = DefaultTop
	}
	if q.MaxWidthM == 0 {
		q.MaxWidthM = hotspot.DefaultZoneWidthM
	}
	if q.Res == 0 {
		q.Res = DefaultZoneRes
	}
	if q.Top < 1 || q.Top > 100 {
		return nil, fmt.Errorf("%w: top=%d: ask for 1 to 100 zones", ErrBadQuery, q.Top)
	}
	if !(q.MaxWidthM >= MinZoneWidthM && q.MaxWidthM <= MaxZoneWidthM) {
		return nil, fmt.Errorf("%w: a zone %g m wide is not one patrol's beat; choose a width from %d to %d m (default %d)",
			ErrBadQuery, q.MaxWidthM, MinZoneWidthM, MaxZoneWidthM, hotspot.DefaultZoneWidthM)
	}
	if q.Res < MinZoneRes || q.Res > MaxGridRes {
		return nil, fmt.Errorf("%w: patrol zones are built of H3 cells of about 150 m or 55 m across; choose resolution %d or %d, not %d",
			ErrBadQuery, MinZoneRes, MaxGridRes, q.Res)
	}
	k := q.K
	if k == 0 {
		k = DefaultK
	}
	hq := HotspotQuery{Layer: q.Layer, Res: q.Res, K: q.K, From: q.From, To: q.To, Types: q.Types, Measure: q.Measure, Beyond: k}
	pq, err := e.prepareGrid(ctx, hq, 12, Count, Harm)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%d|%g|%t", pq.keyBase, q.Top, q.MaxWidthM, q.IncludeSetAside)
	return compute(ctx, e, pq.sum, "tasking", key, func(ctx context.Context) (*Tasking, error) {
		return e.tasking(ctx, pq, hq, q)
	})
}

func (e *Engine) tasking(ctx context.Context, pq *prepared, hq HotspotQuery, q TaskingQuery) (*Tasking, error) {
	hs, err := e.Hotspots(ctx, hq)
	if err != nil {
		return nil, err
	}
	g := pq.g
	prev := pq.p.before()
	out := &Tasking{Layer: g.layer, Res: g.res, K: g.k, Measure: hs.Measure, Period: pq.p, PreviousPeriod: prev,
		Types: nonNil(pq.types), MaxWidthM: q.MaxWidthM, Method: taskingMethod, Dosage: taskingDosage,
		ExcludedTypes: e.excluded(scopeTypes(pq.sum, pq.types)), Notes: nonNil(pq.notes),
		DataVersion: pq.sum.Version, Computed: e.now(), Zones: []Zone{}, SetAsidePlaces: []LocationCount{}}
	aside := &asideCounts{}
	if !q.IncludeSetAside {
		if aside, err = e.setAside(ctx, pq); err != nil {
			return nil, err
		}
		if aside.total > 0 {
			if hs, err = e.hotspotsWithout(ctx, pq, hs, aside); err != nil {
				return nil, err
			}
			out.SetAside = aside.total
			for name, n := range aside.places {
				out.SetAsidePlaces = append(out.SetAsidePlaces, LocationCount{Name: name, Count: n})
			}
			slices.SortFunc(out.SetAsidePlaces, func(a, b LocationCount) int {
				if c := cmp.Compare(b.Count, a.Count); c != 0 {
					return c
				}
				return cmp.Compare(a.Name, b.Name)
			})
		}
	}

	// The hot cells and their groups.
	hot := map[geo.Cell]int{} // cell -> index in hs.Cells
	for i, c := range hs.Cells {
		if c.Bin > 0 {
			hot[c.Cell] = i
		}
	}
	out.HotCells = len(hot)
	if len(hot) == 0 {
		out.Notes = append(out.Notes, "no cell is a significant hot spot in this period at 90% confidence after false discovery rate control; widen the period or the crime types")
		return out, nil
	}
	offer := make([]hotspot.ZoneCell, 0, len(hot))
	for c, i := range hot {
		w := float64(hs.Cells[i].Count)
		if hs.Measure == Harm {
			w = hs.Cells[i].Harm
		}
		offer = append(offer, hotspot.ZoneCell{Cell: c, Weight: w})
	}
	groups, err := hotspot.GroupZones(offer, q.MaxWidthM)
	if err != nil {
		return nil, fmt.Errorf("engine: tasking: %w", err)
	}

	// Per cell and type for the period and the previous one; per cell and
	// month for the trend: three aggregate queries.
	inZone := map[geo.Cell]int{}
	for zi, cells := range groups {
		for _, c := range cells {
			inZone[c] = zi
		}
	}
	base := data.Query{From: pq.p.From, To: pq.p.To, Types: pq.types, By: data.GroupBy{CellRes: g.res, Type: true}}
	rows, err := e.store.Aggregate(ctx, base)
	if err != nil {
		return nil, fmt.Errorf("engine: tasking: %w", err)
	}
	zones := make([]Zone, len(groups))
	byType := make([]map[string]int64, len(groups))
	for i := range byType {
		byType[i] = map[string]int64{}
	}
	for _, r := range rows {
		if zi, ok := inZone[r.Cell]; ok {
			byType[zi][r.Type] += r.Count
		}
	}
	prevCount := make([]int64, len(groups))
	if pq.ld.covers(prev) {
		pr := base
		pr.From, pr.To, pr.By = prev.From, prev.To, data.GroupBy{CellRes: g.res}
		rows, err := e.store.Aggregate(ctx, pr)
		if err != nil {
			return nil, fmt.Errorf("engine: tasking: %w", err)
		}
		for _, r := range rows {
			if zi, ok := inZone[r.Cell]; ok {
				prevCount[zi] += r.Count
			}
		}
	}
	trendFrom := max(pq.ld.first(), pq.p.To-35)
	months := []data.Month{}
	for m := trendFrom; m <= pq.p.To; m++ {
		months = append(months, m)
	}
	mq := base
	mq.From, mq.By = trendFrom, data.GroupBy{CellRes: g.res, Month: true}
	mrows, err := e.store.Aggregate(ctx, mq)
	if err != nil {
		return nil, fmt.Errorf("engine: tasking: %w", err)
	}
	monthly := make([][]int64, len(groups))
	for i := range monthly {
		monthly[i] = make([]int64, len(months))
	}
	for _, r := range mrows {
		if zi, ok := inZone[r.Cell]; ok {
			monthly[zi][int(r.Month-trendFrom)] += r.Count
		}
	}
	emq := hq // the emerging category over the trend's span, not the period's
	emq.From, emq.To = trendFrom, pq.p.To
	em, emErr := e.Emerging(ctx, emq)
	emergingOf := map[geo.Cell]string{}
	if emErr == nil {
		for _, c := range em.Cells {
			emergingOf[c.Cell] = c.Label
		}
	} else {
		out.Notes = append(out.Notes, "emerging hot spot categories are not available: "+UserMessage(emErr))
	}
	locs, peaks, timed, err := e.zoneIncidents(ctx, pq, g.res, inZone, len(groups))
	if err != nil {
		return nil, err
	}
	out.MonthOnly = timed == 0
	var towns *geo.Layer
	if slices.Contains(pq.sum.Layers, TownCentreLayer) {
		if towns, _, err = e.store.Layer(ctx, TownCentreLayer); err != nil {
			return nil, fmt.Errorf("engine: tasking: %w", err)
		}
	}

	for zi, cells := range groups {
		z := &zones[zi]
		z.Cells = cells
		for _, c := range cells {
			z.SetAside += aside.cells[c]
		}
		z.Monthly, z.Months = monthly[zi], months
		for t, n := range byType[zi] {
			h, c := e.weigh(t, n)
			z.Count += n
			z.Harm += h
			z.Cost += c
			z.ByType = append(z.ByType, TypeFigures{Type: t, Count: n, Harm: round2(h)})
		}
		slices.SortFunc(z.ByType, func(a, b TypeFigures) int {
			if c := cmp.Compare(b.Harm, a.Harm); c != 0 {
				return c
			}
			if c := cmp.Compare(b.Count, a.Count); c != 0 {
				return c
			}
			return cmp.Compare(a.Type, b.Type)
		})
		z.Harm, z.Cost = round2(z.Harm), round2(z.Cost)
		if pq.ld.covers(prev) {
			ch := hotspot.Compare(float64(z.Count), float64(prevCount[zi]))
			z.Change = &ch
		}
		if len(months) >= 3 {
			xs := make([]float64, len(months))
			for i, v := range z.Monthly {
				xs[i] = float64(v)
			}
			if mk, err := hotspot.MannKendallTest(xs); err == nil {
				z.Trend = &mk
				z.TrendWord = hotspot.DirectionWord(mk.Direction(TrendAlpha))
			}
		}
		areas := map[string]bool{}
		var hottest HotCell
		hottest.Z = math.Inf(-1)
		for _, c := range cells {
			hc := hs.Cells[hot[c]]
			for _, a := range hc.Areas {
				areas[a] = true
			}
			if hc.Z > hottest.Z {
				hottest = hc
			}
			z.MaxBin = max(z.MaxBin, hc.Bin)
		}
		z.MaxZ = round2(hottest.Z)
		z.Emerging = emergingOf[hottest.Cell]
		for a := range areas {
			z.Areas = append(z.Areas, a)
		}
		sort.Strings(z.Areas)
		z.TownCentres = townCentres(towns, cells)
		z.Locations = locs[zi]
		z.Peak = peaks[zi]
		z.Peak.MonthOnly = out.MonthOnly
		if z.Outline, err = geo.Outline(cells); err != nil {
			return nil, err
		}
		b := z.Outline.Bound()
		z.Bound = [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
		z.Center = hottest.Cell.Center()
		for _, c := range cells {
			z.AreaKm2 += c.AreaM2() / 1e6
		}
		z.AreaKm2 = round2(z.AreaKm2)
		z.WidthM = math.Round(hotspot.ZoneWidthM(cells))
	}
	slices.SortStableFunc(zones, func(a, b Zone) int {
		if c := cmp.Compare(b.Harm, a.Harm); c != 0 {
			return c
		}
		return cmp.Compare(b.Count, a.Count)
	})
	if len(zones) > q.Top {
		out.Notes = append(out.Notes, fmt.Sprintf("%d zones found; the %d with most harm are listed", len(zones), q.Top))
		zones = zones[:q.Top]
	}
	var totalHarm float64
	for _, z := range zones {
		totalHarm += z.Harm
	}
	for i := range zones {
		zones[i].Rank = i + 1
		zones[i].ID = fmt.Sprintf("Z%d", i+1)
		pk := zones[i].Peak
		zones[i].Dose = hotspot.PatrolDose(zones[i].Count-zones[i].SetAside, pq.p.days(), pk.MonthOnly, pk.Days, pk.Hours)
	}
	out.Zones = zones
	return out, nil
}

// zoneIncidents walks the period's incidents once for the busiest locations
// and the peak days and hours of each zone.
func (e *Engine) zoneIncidents(ctx context.Context, pq *prepared, res int, inZone map[geo.Cell]int, n int) ([][]LocationCount, []Peak, int64, error) {
	locCount := make([]map[string]int64, n)
	days := make([][7]int64, n)
	hours := make([][24]int64, n)
	timedN := make([]int64, n)
	weeks := make([]hotspot.WeekGrid, n)
	limit := int(e.maxWindow / time.Minute)
	for i := range locCount {
		locCount[i] = map[string]int64{}
	}
	cellOf := map[orb.Point]geo.Cell{}
	var timed int64
	err := e.store.Incidents(ctx, data.Query{From: pq.p.From, To: pq.p.To, Types: pq.types}, func(in *data.Incident) error {
		if in.Cell == 0 {
			return nil
		}
		c, ok := cellOf[in.Point]
		if !ok {
			var err error
			if c, err = geo.CellAt(in.Point, res); err != nil {
				return nil
			}
			cellOf[in.Point] = c
		}
		zi, ok := inZone[c]
		if !ok {
			return nil
		}
		name := in.Name
		if name == "" {
			name = "(no location name)"
		}
		locCount[zi][name]++
		day, hour, _ := data.SplitMinute(in.Minute)
		if day > 0 {
			t := time.Date(in.Month.Year(), time.Month(in.Month.Num()), day, 0, 0, 0, 0, time.UTC)
			days[zi][t.Weekday()]++
			if hour >= 0 {
				hours[zi][hour]++
				timedN[zi]++
				timed++
				if in.Span <= limit {
					weeks[zi].Add(in.ClockTime())
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, 0, fmt.Errorf("engine: tasking: %w", err)
	}
	locs := make([][]LocationCount, n)
	peaks := make([]Peak, n)
	for zi := range locCount {
		for name, c := range locCount[zi] {
			locs[zi] = append(locs[zi], LocationCount{Name: name, Count: c})
		}
		slices.SortFunc(locs[zi], func(a, b LocationCount) int {
			if c := cmp.Compare(b.Count, a.Count); c != 0 {
				return c
			}
			return cmp.Compare(a.Name, b.Name)
		})
		if len(locs[zi]) > 5 {
			locs[zi] = locs[zi][:5]
		}
		peaks[zi] = Peak{Timed: timedN[zi], Days: busiestDays(days[zi]), Hours: busiestHours(hours[zi]), Week: weeks[zi]}
		if timedN[zi] > 0 {
			peaks[zi].Claim = hotspot.FindPeak(&weeks[zi])
		}
	}
	return locs, peaks, timed, nil
}

// townCentres names the areas of towns that hold a zone cell's centre or a
// corner of it (a town centre is often smaller than a cell).
func townCentres(towns *geo.Layer, cells []geo.Cell) []string {
	out := []string{}
	if towns == nil {
		return out
	}
	seen := map[int]bool{}
	for _, c := range cells {
		pts := append(orb.Ring{c.Center()}, c.Boundary()...)
		for _, p := range pts {
			if i := towns.Locate(p); i >= 0 && !seen[i] {
				seen[i] = true
				out = append(out, towns.Areas[i].Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

func busiestDays(d [7]int64) []string {
	idx := []int{0, 1, 2, 3, 4, 5, 6}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(d[b], d[a]) })
	var out []string
	for _, i := range idx[:3] {
		if d[i] > 0 {
			out = append(out, time.Weekday(i).String())
		}
	}
	return out
}

func busiestHours(h [24]int64) []int {
	idx := make([]int, 24)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(h[b], h[a]) })
	var out []int
	for _, i := range idx[:4] {
		if h[i] > 0 {
			out = append(out, i)
		}
	}
	return out
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
