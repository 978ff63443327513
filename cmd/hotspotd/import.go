package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"time"

	"github.com/stockton-csp/hotspots/data"
)

const importAbout = `Imports police.uk street-level crime files and force CSV exports.

PATH may be a .csv, a .csv.gz, a folder (searched for those and .zip files),
or the .zip that police.uk's download page gives. Each (source, force, month)
found replaces the stored one whole: re-importing a month never doubles it.

police.uk files are recognised by their header and are the source police.uk.
Any other file is a source of its own, named with --source (such as
--source cleveland-rms): importing a force export never touches police.uk's
months, nor the reverse. Columns are found by common names (Month or Date or
Committed From, Crime type or Offence, Longitude and Latitude or Easting and
Northing); name them with the -*-col flags if not. A force export with Home
Office columns (Offence Subgroup, Offence Group, Offence Description, HO Code)
is read at the finest level the classification knows; an offence it does not
know is kept, reported once with its count, and shown as Unknown. Committed
From/To are kept to the minute (UK clock time).

Rows that cannot be used are reported with file, line, field and reason
(and written to --rejects). A file that is mostly unusable, truncated or
empty stops the import and nothing is changed; so does a row that runs on
over many lines (a stray quote), a file over 1 GB uncompressed, or a full
disk. The same month in two files (a download saved twice) is kept once,
with a warning naming both.`

// importGCPercent is the garbage collector's target of `hotspotd import`
// (GOGC): see importCmd.
const importGCPercent = 25

func (m *Main) importCmd(ctx context.Context, args []string) error {
	fs := m.newFlags("import", "import [flags] PATH...", importAbout)
	sf := m.storeFlags(fs)
	asJSON := fs.Bool("json", false, "print the report as JSON (its last line is one JSON object)")
	rejects := fs.String("rejects", "", "write rejected rows to this CSV file")
	force := fs.String("force", "", "force name for rows of files with no force column")
	source := fs.String("source", "", "name of the source of files that are not police.uk's, such as cleveland-rms (required for them)")
	maxWindow := fs.Duration("max-window", 7*24*time.Hour, "committed-from/to windows longer than this are kept but left out of time analysis")
	maxReject := fs.Float64("max-rejected", 0.5, "refuse a file when more than this share of its rows is unusable")
	var mp data.Mapping
	fs.StringVar(&mp.Month, "month-col", "", "column holding the month (YYYY-MM)")
	fs.StringVar(&mp.Date, "date-col", "", "column holding the date or date and time")
	fs.StringVar(&mp.Time, "time-col", "", "column holding the time, when separate from the date")
	fs.StringVar(&mp.Type, "type-col", "", "column holding the crime type")
	fs.StringVar(&mp.Lon, "lon-col", "", "column holding the longitude (WGS84)")
	fs.StringVar(&mp.Lat, "lat-col", "", "column holding the latitude (WGS84)")
	fs.StringVar(&mp.Easting, "easting-col", "", "column holding the British National Grid easting")
	fs.StringVar(&mp.Northing, "northing-col", "", "column holding the British National Grid northing")
	fs.StringVar(&mp.Force, "force-col", "", "column holding the force")
	fs.StringVar(&mp.ID, "id-col", "", "column holding the crime reference")
	fs.StringVar(&mp.Location, "location-col", "", "column holding the location description")
	fs.StringVar(&mp.Outcome, "outcome-col", "", "column holding the outcome")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("%w: import needs at least one PATH", errUsage)
	}
	// An import's heap only grows, towards the store it builds; with Go's
	// default (collect when the heap has doubled) its peak is about twice
	// that store. Collecting at a quarter's growth keeps the peak near the
	// store for about 4% more CPU (issue 14: 5.4 million rows peaked at
	// 674-730 MB, now 468 MB, against 366 MB for the server restarted on
	// them). The server's own imports are left alone.
	defer debug.SetGCPercent(debug.SetGCPercent(importGCPercent))
	start := m.Now()
	store, err := m.openStore(sf)
	if err != nil {
		return err
	}
	rep, err := importPaths(ctx, store, fs.Args(), data.ReadOptions{Mapping: mp, Force: *force, Source: *source, MaxWindow: *maxWindow, MaxRejectShare: *maxReject}, *rejects)
	if rep != nil && err == nil {
		m.printReport(rep, *asJSON, m.Now().Sub(start))
	}
	if err != nil {
		if rep != nil && *asJSON {
			b, _ := json.Marshal(struct {
				*data.Report
				Error string `json:"error"`
			}{rep, err.Error()})
			fmt.Fprintln(m.Stdout, string(b))
		}
		return fmt.Errorf("import failed, nothing was changed: %w", err)
	}
	return nil
}

// importPaths reads paths and stores what they hold in one atomic step
// (streamed into the data folder's store, month by month).
func importPaths(ctx context.Context, store data.Store, paths []string, opts data.ReadOptions, rejectsPath string) (*data.Report, error) {
	if rejectsPath != "" {
		f, err := os.Create(rejectsPath)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		opts.Rejects = f
	}
	return data.Import(ctx, store, paths, opts)
}

func (m *Main) printReport(rep *data.Report, asJSON bool, took time.Duration) {
	if asJSON {
		b, _ := json.Marshal(rep)
		fmt.Fprintln(m.Stdout, string(b))
		return
	}
	w := m.Stdout
	fmt.Fprintf(w, "Read %d rows from %d files in %.1fs: stored %d, rejected %d, %d with no location (kept, counted, not mapped).\n",
		rep.RowsRead, len(rep.Files), took.Seconds(), rep.Stored, rep.Rejected, rep.NoLocation)
	if rep.Duplicates > 0 {
		fmt.Fprintf(w, "Passed over %d rows: second copies of months another file holds (see the warnings).\n", rep.Duplicates)
	}
	months := make([]string, 0, len(rep.Months))
	for k := range rep.Months {
		months = append(months, k)
	}
	sort.Strings(months)
	if len(months) > 0 {
		fmt.Fprintf(w, "Months %s to %s (%d), %d force-month partitions replaced.\n", months[0], months[len(months)-1], len(months), rep.Partitions)
	}
	for _, f := range rep.Files {
		if f.Skipped != "" {
			fmt.Fprintf(w, "Skipped %s: %s.\n", f.File, f.Skipped)
		}
		for t, n := range f.UnknownType {
			fmt.Fprintf(w, "Note: %s has crime type %q (%d rows), not a police.uk type; kept under its own name.\n", f.File, t, n)
		}
		if f.NoLocation > 0 {
			fmt.Fprintf(w, "Note: %s has %d rows with no coordinates.\n", f.File, f.NoLocation)
		}
	}
	for _, x := range rep.Warnings {
		fmt.Fprintf(w, "Warning: %s.\n", x)
	}
	for _, u := range rep.UnknownOffences {
		fmt.Fprintf(w, "Note: offence %q (%d rows) is not in the Home Office classification; kept, and counted as Unknown.\n", u.Name, u.Count)
	}
	if rep.LongWindows > 0 {
		fmt.Fprintf(w, "Note: %d rows have a committed-from/to window longer than the limit; kept, and left out of time analysis.\n", rep.LongWindows)
	}
	if len(rep.Reasons) > 0 {
		fmt.Fprintln(w, "Rejected rows by reason:")
		for r, n := range rep.Reasons {
			fmt.Fprintf(w, "  %6d  %s\n", n, r)
		}
		for i, p := range rep.Problems {
			if i == 5 {
				fmt.Fprintf(w, "  ... (%d more; use --rejects FILE for all)\n", rep.Rejected-5)
				break
			}
			fmt.Fprintln(w, "  "+p.String())
		}
	}
}
