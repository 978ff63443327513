package data

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// forceExport is the synthetic force export bundled in testdata (41,631
// Stockton records, SYNTHETIC).
var forceExport = filepath.Join("..", "testdata", "force_export_synthetic", "stockton_force_export_2023-12_2025-11.csv.gz")

func TestReadForceExport(t *testing.T) {
	parts, rep, err := ReadIncidents(context.Background(), []string{forceExport}, ReadOptions{Source: "cleveland-rms", Force: "Cleveland Police"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.RowsRead != 41631 || rep.Stored != 41631 || rep.Rejected != 0 {
		t.Fatalf("read %d stored %d rejected %d, want 41,631 stored (the export's README)", rep.RowsRead, rep.Stored, rep.Rejected)
	}
	// 7 records have no group or subgroup ("Offence not yet classified"):
	// kept, reported once with their count
	if len(rep.UnknownOffences) != 1 || rep.UnknownOffences[0] != (UnknownOffence{Name: "Offence not yet classified", Count: 7}) {
		t.Errorf("unknown offences %v, want Offence not yet classified x7", rep.UnknownOffences)
	}
	if len(parts) != 24 {
		t.Errorf("%d partitions, want 24 months", len(parts))
	}
	// counts by subgroup, from `cut -d, -f3 | sort | uniq -c` on the CSV
	want := map[string]int{
		"Violence without injury": 5726, "Violence with injury": 4986, "Stalking and harassment": 4744,
		"Criminal damage": 4544, "Shoplifting": 4524, "Public order offences": 3369,
		"All other theft offences": 2948, "Vehicle offences": 2331, "Miscellaneous crimes against society": 1502,
		"Residential burglary": 1473, "Possession of drugs": 1367, "Other sexual offences": 827, "Rape": 600,
		"Non-residential burglary": 574, "Robbery of personal property": 455, "Possession of weapons offences": 432,
		"Trafficking of drugs": 329, "Arson": 306, "Bicycle theft": 280, "Theft from the person": 152,
		"Death or serious injury caused by illegal driving": 75, "Robbery of business property": 61,
		"Homicide": 19, "Offence not yet classified": 7,
	}
	got := map[string]int{}
	spans := 0
	for _, p := range parts {
		if p.Source != "cleveland-rms" || p.Force != "Cleveland Police" {
			t.Fatalf("partition %s %s %s", p.Source, p.Force, p.Month)
		}
		for i := 0; i < p.Len(); i++ {
			in := p.Incident(i)
			got[in.Type]++
			if in.Span > 0 {
				spans++
			}
			if !HasTime(in.Minute) {
				t.Fatalf("%s incident %d has no time of day", p.Month, i)
			}
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d, want %d", k, got[k], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("types %v", got)
	}
	// the first record: 14/02/2025 21:08 to 15/02/2025 03:08, 6 hours
	p := parts[14]
	if p.Month.String() != "2025-02" {
		t.Fatalf("partition 14 is %s", p.Month)
	}
	found := false
	for i := 0; i < p.Len(); i++ {
		if in := p.Incident(i); in.ID == "CL/00000001/25" {
			found = true
			if in.Minute != 13*1440+21*60+8 || in.Span != 360 || in.Type != "Vehicle offences" {
				t.Errorf("CL/00000001/25: minute %d span %d type %q; want %d, 360, Vehicle offences", in.Minute, in.Span, in.Type, 13*1440+21*60+8)
			}
		}
	}
	if !found || spans == 0 {
		t.Errorf("first record found %v, %d records with windows", found, spans)
	}
}

// Each of bad_rows.csv's five rows is refused with its file, line, field and
// reason; the good rows beside them import.
func TestForceExportBadRows(t *testing.T) {
	bad, err := os.ReadFile(filepath.Join("..", "testdata", "force_export_synthetic", "bad_rows.csv"))
	if err != nil {
		t.Fatal(err)
	}
	good := firstLines(t, forceExport, 11)[1:] // ten good records after the header
	dir := t.TempDir()
	p := filepath.Join(dir, "mixed.csv")
	if err := os.WriteFile(p, []byte(string(bad)+strings.Join(good, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var rejects strings.Builder
	_, rep, err := ReadIncidents(context.Background(), []string{p}, ReadOptions{Source: "cleveland-rms", Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stored != 10 || rep.Rejected != 5 {
		t.Fatalf("stored %d rejected %d, want 10 and 5", rep.Stored, rep.Rejected)
	}
	want := []struct {
		line        int
		field, text string
	}{
		{2, "Committed From", `"31/02/2025 10:00" is not a date`},
		{3, "Latitude/Longitude", "no coordinates"},
		{4, "Committed From", `"14/05/2025 25:10" is not a date`},
		{5, "Committed To", "committed-to 13/05/2025 09:00 is before committed-from 14/05/2025 10:00"},
		{6, "Latitude", "latitude 91.5 is out of range"},
	}
	for i, w := range want {
		pr := rep.Problems[i]
		if pr.File != p || pr.Line != w.line || pr.Field != w.field || !strings.Contains(pr.Reason, w.text) {
			t.Errorf("row %d: %s line %d field %q: %s\nwant line %d field %q reason containing %q", i+1, pr.File, pr.Line, pr.Field, pr.Reason, w.line, w.field, w.text)
		}
	}
	if n := strings.Count(rejects.String(), "\n"); n != 6 {
		t.Errorf("rejects file has %d lines, want a header and 5 rows:\n%s", n, rejects.String())
	}
	// bad_rows.csv alone is refused whole: nothing to store
	parts, _, err := ReadIncidents(context.Background(), []string{filepath.Join("..", "testdata", "force_export_synthetic", "bad_rows.csv")}, ReadOptions{Source: "cleveland-rms"})
	if !errors.Is(err, ErrRefused) || parts != nil {
		t.Errorf("bad rows alone: %d partitions, err %v; want refused", len(parts), err)
	}
}

// A crime at 01:30 on the last Sunday of October (the clocks go back at
// 02:00, so 01:30 happens twice) is one record, kept once at that clock
// time; a window across the change counts clock minutes.
func TestForceExportClockChange(t *testing.T) {
	body := "Occurrence Ref,Offence Group,Offence Subgroup,Offence Description,Committed From,Committed To,Latitude,Longitude,Location\n" +
		"A,Violence against the person,Violence with injury,x,26/10/2025 01:30,,54.56,-1.31,Here\n" +
		"B,Theft offences,Residential burglary,x,26/10/2025 00:30,26/10/2025 02:30,54.56,-1.31,Here\n" +
		"C,Theft offences,Residential burglary,x,30/03/2025 01:30,,54.56,-1.31,Here\n" +
		"D,Theft offences,Residential burglary,x,01/10/2025 08:00,11/10/2025 08:00,54.56,-1.31,Here\n"
	p := filepath.Join(t.TempDir(), "dst.csv")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	parts, rep, err := ReadIncidents(context.Background(), []string{p}, ReadOptions{Source: "rms"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stored != 4 || rep.LongWindows != 1 {
		t.Fatalf("stored %d, long windows %d; want 4 and 1 (D's 10 days)", rep.Stored, rep.LongWindows)
	}
	var oct *Partition
	for _, q := range parts {
		if q.Month.String() == "2025-10" {
			oct = q
		}
	}
	if oct == nil || oct.Len() != 3 {
		t.Fatalf("October holds %v", oct)
	}
	a, b := oct.Incident(0), oct.Incident(1)
	if a.ID != "A" || a.Minute != 25*1440+90 || a.Span != 0 {
		t.Errorf("A: %s minute %d span %d; want 01:30 on the 26th once (minute %d)", a.ID, a.Minute, a.Span, 25*1440+90)
	}
	if b.Span != 120 {
		t.Errorf("B spans %d clock minutes, want 120", b.Span)
	}
}

func firstLines(tb testing.TB, gz string, n int) []string {
	tb.Helper()
	f, err := os.Open(gz)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	var out []string
	for len(out) < n && sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// The fast reader of dd/mm/yyyy HH:MM agrees with the general one and
// refuses what it refuses.
func TestUKDateTime(t *testing.T) {
	for _, s := range []string{"14/02/2025 21:08", "29/02/2024 00:00", "31/12/2025 23:59", "01/01/2025 00:00"} {
		m1, n1, ok1 := ukDateTime(s)
		m2, n2, ok2 := func() (Month, int, bool) {
			for _, l := range dateLayouts {
				if tm, err := time.Parse(l, s); err == nil {
					return MonthOf(tm.Year(), int(tm.Month())), (tm.Day()-1)*1440 + tm.Hour()*60 + tm.Minute(), true
				}
			}
			return 0, 0, false
		}()
		if !ok1 || !ok2 || m1 != m2 || n1 != n2 {
			t.Errorf("%s: fast %v %d %v, general %v %d %v", s, m1, n1, ok1, m2, n2, ok2)
		}
	}
	for _, s := range []string{"31/02/2025 10:00", "29/02/2025 10:00", "14/05/2025 25:10", "14/05/2025 10:60", "2025-05-14 10:00", "14/5/2025 10:00"} {
		if _, _, ok := ukDateTime(s); ok {
			t.Errorf("%s accepted", s)
		}
	}
}
