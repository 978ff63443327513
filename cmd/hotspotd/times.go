package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"

	"github.com/stockton-csp/hotspots/engine"
)

const timesAbout = `Shows when crime happens, from a source with times (a force export with
Committed From/To): crimes by weekday and hour of the committed-from time, the
aoristic hours (each crime's weight spread evenly over its committed-from/to
window, Ratcliffe 2002), and the peak, claimed only from 20 crimes or more whose
hours differ from an even spread (chi-square at 5%). Windows longer than 7 days
are left out and counted. --area limits it to one area of --layer; without it,
everywhere the source covers.`

func (m *Main) times(ctx context.Context, args []string) error {
	var q query
	fs := m.newFlags("times", "times [--area CODE|NAME] [flags]", timesAbout)
	m.queryFlags(fs, &q, "table, csv, json")
	area := fs.String("area", "", "area code or name (default: everywhere)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat(q.format, "table", "csv", "json"); err != nil {
		return err
	}
	eng, from, to, _, err := m.open(&q)
	if err != nil {
		return err
	}
	tp, err := eng.Times(ctx, engine.TimeQuery{Layer: q.layer, Area: *area, From: from, To: to, Types: q.types})
	if err != nil {
		return err
	}
	days := []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	switch q.format {
	case "json":
		return writeJSONTo(m.Stdout, tp)
	case "csv":
		w := csv.NewWriter(m.Stdout)
		w.Write([]string{"weekday", "hour", "count", "aoristic"})
		for d, name := range days {
			for h := 0; h < 24; h++ {
				w.Write([]string{name, strconv.Itoa(h), num(tp.Grid[d][h], 0), num(tp.Aoristic[d][h], 6)})
			}
		}
		w.Flush()
		return w.Error()
	}
	out := m.Stdout
	where := "everywhere in source " + tp.Source
	if tp.Name != "" {
		where = fmt.Sprintf("%s (%s), source %s", tp.Name, tp.Code, tp.Source)
	}
	fmt.Fprintf(out, "%s, %s: %d crimes with a time of day, by committed-from time\n\n", where, tp.Period, tp.Counted)
	t := &table{head: []string{"Hour"}, right: []bool{false}}
	for _, d := range days {
		t.head = append(t.head, d)
		t.right = append(t.right, true)
	}
	t.head, t.right = append(t.head, "All", "Aoristic"), append(t.right, true, true)
	hours, ao := tp.Grid.Hours(), tp.Aoristic.Hours()
	for h := 0; h < 24; h++ {
		row := []string{fmt.Sprintf("%02d:00", h)}
		for d := range days {
			row = append(row, num(tp.Grid[d][h], 0))
		}
		t.add(append(row, num(hours[h], 0), num(ao[h], 1))...)
	}
	if err := t.write(out); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nPeak: %s\n", tp.Peak.Text)
	for _, n := range tp.Notes {
		fmt.Fprintf(out, "Note: %s\n", n)
	}
	return nil
}
