// Package engine answers the questions the partnership's analysts ask of the
// stored crime data: which areas carry most crime, harm or cost (Ranking);
// the town-centre table of crime by category with its period-on-period
// changes, for an area or one H3 cell (Profile, CellProfile); where the
// statistically significant hot and cold spots lie on an H3 grid (Hotspots,
// Getis-Ord Gi*); how they move month by month (Trends, CellTrend,
// Emerging); how concentrated crime is (Concentration); how well each way
// of drawing a hotspot map would have predicted the next month (Evaluate);
// and where to send patrols (Tasking).
//
// It sits between the transports (web, tiles, cmd) and the data: the
// data.Store does the counting (figures come from Store.Aggregate; only the
// busiest locations and peak times of patrol zones, and the map's incident
// points, walk incidents), package hotspot does the statistics, and
// the engine chooses the periods, applies the weights, assembles the answer
// and caches it. A result is cached under the store's Version and the
// normalised query, so a question is computed once per state of the data;
// identical questions asked at the same moment share one computation.
// Results are shared between callers: treat them as read-only.
//
// Conventions used throughout:
//   - Periods are whole calendar months, both ends inclusive (data.Month).
//     A zero To is the latest month loaded; a zero From is To-11 (twelve
//     months) unless a method says otherwise.
//   - "Previous period" is the period of the same length immediately before;
//     "year earlier" is the same months a year before. Either is left out
//     (nil) when the data do not cover it wholly, so a comparison never
//     reads a month that was not loaded as zero crime.
//   - Counts are incidents as police.uk records them: crimes and, unless the
//     query's Types leave it out, anti-social behaviour.
//   - Harm is Cambridge Crime Harm Index days (count x days per crime type);
//     cost is GBP at 2015/16 prices (count x Home Office unit cost). Types
//     a table does not weigh are listed in excluded_types.
//   - Rates are per 1,000 residents over the whole period, not annualised.
//   - Cells are H3 cells ("89194609...ffff" in JSON); a cell's value counts
//     every incident whose point lies in it. Study cells of a layer are the
//     cells whose centres lie inside one of its areas (H3 centre
//     containment), zero-crime cells included.
//   - Errors begin "engine:" and wrap the cause; input an analyst can fix
//     wraps ErrBadQuery, a month not loaded ErrNoMonth, no data at all
//     ErrNoData; layers and areas that do not exist wrap data.ErrNoLayer
//     and data.ErrNoArea.
package engine
