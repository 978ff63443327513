package data

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/internal/fixture"
)

// snapshot is what a store holds, compared across restarts and crashes.
type snapshot struct {
	Incidents int64
	Months    int
	ByMT      map[string]int64
	Version   uint64
}

func snap(tb testing.TB, s Store) snapshot {
	tb.Helper()
	ctx := context.Background()
	sum, err := s.Summary(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	rows, err := s.Aggregate(ctx, Query{By: GroupBy{Month: true, Type: true}})
	if err != nil {
		tb.Fatal(err)
	}
	sn := snapshot{Incidents: sum.Incidents, Months: len(sum.Months), ByMT: map[string]int64{}, Version: sum.Version}
	for _, r := range rows {
		sn.ByMT[r.Month.String()+"|"+r.Type] = r.Count
	}
	return sn
}

func sameData(a, b snapshot) bool {
	return a.Incidents == b.Incidents && a.Months == b.Months && reflect.DeepEqual(a.ByMT, b.ByMT)
}

func TestReimportReplacesNeverDoubles(t *testing.T) {
	parts, _ := cleveland(t)
	dir := t.TempDir()
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Replace(ctx, parts); err != nil {
		t.Fatal(err)
	}
	before := snap(t, s)
	// police.uk republishes a month: import the latest again, twice
	for i := 0; i < 2; i++ {
		if err := s.Replace(ctx, parts[len(parts)-1:]); err != nil {
			t.Fatal(err)
		}
	}
	after := snap(t, s)
	if !sameData(before, after) || after.Incidents != 269438 {
		t.Fatalf("re-import changed the data: %d -> %d incidents", before.Incidents, after.Incidents)
	}
	if after.Version == before.Version {
		t.Error("version did not change")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// restart: the same data comes back, and only the live files remain
	s2, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if re := snap(t, s2); !sameData(after, re) {
		t.Fatalf("restart lost data: %d -> %d incidents", after.Incidents, re.Incidents)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "partitions", "*.hsp"))
	if len(files) != 35 {
		t.Errorf("%d partition files on disk, want 35 (replaced ones removed)", len(files))
	}
	// incidents come back whole
	var n int
	var first Incident
	err = s2.Incidents(ctx, Query{From: MonthOf(2025, 11), To: MonthOf(2025, 11)}, func(in *Incident) error {
		if n == 0 {
			first = *in
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := parts[len(parts)-1]; n != want.Len() || first.ID != want.Incident(0).ID || first.Name != want.Incident(0).Name {
		t.Errorf("incidents of 2025-11: %d (first %+v), want %d (first %+v)", n, first, want.Len(), want.Incident(0))
	}
}

func TestSecondOpenRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = OpenMem(dir, MemOptions{})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second open: %v", err)
	}
}

func TestDamagedStoreFiles(t *testing.T) {
	parts, _ := cleveland(t)
	setup := func(t *testing.T) string {
		dir := t.TempDir()
		s, err := OpenMem(dir, MemOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Replace(context.Background(), parts[:3]); err != nil {
			t.Fatal(err)
		}
		s.Close()
		return dir
	}
	partFile := func(t *testing.T, dir string) string {
		fs, _ := filepath.Glob(filepath.Join(dir, "partitions", "*2023-02.hsp"))
		if len(fs) != 1 {
			t.Fatalf("partition files %v", fs)
		}
		return fs[0]
	}
	locTableFile := func(t *testing.T, dir string) string {
		fs, _ := filepath.Glob(filepath.Join(dir, "locations", "*.hsl"))
		if len(fs) != 1 {
			t.Fatalf("location table files %v", fs)
		}
		return fs[0]
	}
	cases := []struct {
		name  string
		harm  func(t *testing.T, dir string)
		is    error
		wants []string
	}{
		{"flipped byte in a partition", func(t *testing.T, dir string) {
			p := partFile(t, dir)
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 0xFF
			os.WriteFile(p, b, 0o644)
		}, ErrCorrupt, []string{"damaged", "checksum", "2023-02", "re-import Cleveland Police 2023-02"}},
		{"truncated partition", func(t *testing.T, dir string) {
			p := partFile(t, dir)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-100], 0o644)
		}, ErrCorrupt, []string{"damaged", "2023-02"}},
		{"missing partition", func(t *testing.T, dir string) {
			os.Remove(partFile(t, dir))
		}, ErrCorrupt, []string{"missing", "2023-02"}},
		{"manifest not JSON", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, manifestName), []byte("{not json"), 0o644)
		}, ErrCorrupt, []string{"manifest.json", "not valid JSON"}},
		{"manifest from a newer version", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, manifestName))
			os.WriteFile(filepath.Join(dir, manifestName), []byte(strings.Replace(string(b), fmt.Sprintf(`"format": %d`, manifestFormat), `"format": 7`, 1)), 0o644)
		}, ErrNewerFormat, []string{"newer version", "format 7", "upgrade"}},
		{"partition from a newer version", func(t *testing.T, dir string) {
			p := partFile(t, dir)
			b, _ := os.ReadFile(p)
			binary.LittleEndian.PutUint16(b[4:], 9)
			os.WriteFile(p, b, 0o644)
		}, ErrNewerFormat, []string{"newer version", "partition format 9"}},
		{"flipped byte in the location table", func(t *testing.T, dir string) {
			p := locTableFile(t, dir)
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 0xFF
			os.WriteFile(p, b, 0o644)
		}, ErrCorrupt, []string{"damaged", "location table", "checksum", "restore the data directory from a backup"}},
		{"missing location table", func(t *testing.T, dir string) {
			os.Remove(locTableFile(t, dir))
		}, ErrCorrupt, []string{"location table", "missing", "import the data again into an empty one"}},
		{"location table from a newer version", func(t *testing.T, dir string) {
			p := locTableFile(t, dir)
			b, _ := os.ReadFile(p)
			binary.LittleEndian.PutUint16(b[4:], 9)
			os.WriteFile(p, b, 0o644)
		}, ErrNewerFormat, []string{"newer version", "location table format 9", "upgrade hotspots"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := setup(t)
			tc.harm(t, dir)
			s, err := OpenMem(dir, MemOptions{})
			if err == nil {
				s.Close()
				t.Fatal("opened a damaged store")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestKillDuringImport runs a real import in a child process and kill -9s
// it part-way (after some partition files are written, at the commit, and
// at timed moments), then reopens the store: it must hold exactly the data
// from before, or (if the kill came after the commit) exactly the new data.
func TestKillDuringImport(t *testing.T) {
	if os.Getenv("HOTSPOTS_KILL_CHILD") != "" {
		return // the child's work is in TestKillChild
	}
	if testing.Short() {
		t.Skip("short")
	}
	parts, _ := cleveland(t)
	dir := t.TempDir()
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// previous state: the first year only
	if err := s.Replace(context.Background(), parts[:12]); err != nil {
		t.Fatal(err)
	}
	prev := snap(t, s)
	s.Close()
	prevDir := dir

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	kills := []struct {
		name    string
		when    string        // kill when the child prints a line starting so
		delay   time.Duration // then wait this long
		mayLand bool          // a kill after this point may find the new data
	}{
		{"after 10 partition files", "wrote 10", 0, false},
		{"at the commit", "commit", 0, false},
		{"just after reading", "read", 0, false},
		{"timed 50ms after reading", "read", 50 * time.Millisecond, true},
		{"timed 150ms after reading", "read", 150 * time.Millisecond, true},
	}
	sawOld := 0
	for _, k := range kills {
		t.Run(k.name, func(t *testing.T) {
			dir := copyDir(t, prevDir)
			cmd := exec.Command(exe, "-test.run=^TestKillChild$", "-test.v")
			cmd.Env = append(os.Environ(), "HOTSPOTS_KILL_CHILD="+dir, "HOTSPOTS_KILL_AT="+k.when)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			killed := false
			for sc.Scan() {
				line := sc.Text()
				if strings.HasPrefix(line, "step: "+k.when) {
					time.Sleep(k.delay)
					cmd.Process.Signal(syscall.SIGKILL)
					killed = true
					break
				}
			}
			go func() {
				for sc.Scan() {
				}
			}()
			cmd.Wait()
			if !killed {
				t.Fatalf("child never reached %q", k.when)
			}
			s, err := OpenMem(dir, MemOptions{})
			if err != nil {
				t.Fatalf("reopening after kill -9: %v", err)
			}
			got := snap(t, s)
			s.Close()
			switch {
			case sameData(got, prev):
				sawOld++
			case k.mayLand && got.Incidents == 269438 && got.Months == 35:
				// the kill came after the commit: the new data, whole
			default:
				t.Fatalf("after kill -9 the store holds %d incidents in %d months; want the previous %d in %d", got.Incidents, got.Months, prev.Incidents, prev.Months)
			}
		})
	}
	if sawOld < 3 {
		t.Errorf("only %d kills found the previous state", sawOld)
	}
}

// TestKillChild is the child of TestKillDuringImport: it imports all 35
// months (Import, streamed), printing each step so the parent can kill it
// there.
func TestKillChild(t *testing.T) {
	dir := os.Getenv("HOTSPOTS_KILL_CHILD")
	if dir == "" {
		t.Skip("only run as the child of TestKillDuringImport")
	}
	at := os.Getenv("HOTSPOTS_KILL_AT")
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wrote := 0
	var mu sync.Mutex
	s.hook = func(step string) {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasPrefix(step, "wrote") {
			wrote++
			step = fmt.Sprintf("wrote %d", wrote)
		}
		fmt.Println("step: " + step)
		if strings.HasPrefix(step, at) {
			time.Sleep(10 * time.Second) // wait to be killed
		}
	}
	fmt.Println("step: read")
	// the streamed import: months are written while files are still read
	if _, err := Import(context.Background(), s, []string{fixture.Path(t, fixture.Cleveland)}, ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	fmt.Println("step: done")
}

// copyDir copies a data directory (flat: its files and one level of folders).
func copyDir(tb testing.TB, src string) string {
	tb.Helper()
	dst := tb.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return dst
}

// TestSlowReaderDoesNotBlockImport holds an Incidents walk open (a slow
// download) while a month is re-imported and the store is queried: both
// must finish without waiting for the walk.
func TestSlowReaderDoesNotBlockImport(t *testing.T) {
	parts, _ := cleveland(t)
	s, err := OpenMem(t.TempDir(), MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Replace(ctx, parts[len(parts)-2:]); err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	walked := make(chan int, 1)
	go func() {
		n := 0
		s.Incidents(ctx, Query{}, func(*Incident) error {
			if n == 0 {
				close(started)
				<-release
			}
			n++
			return nil
		})
		walked <- n
	}()
	<-started
	done := make(chan error, 1)
	go func() {
		if err := s.Replace(ctx, parts[len(parts)-1:]); err != nil {
			done <- err
			return
		}
		_, err := s.Aggregate(ctx, Query{By: GroupBy{Month: true}})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the import waited for a slow reader")
	}
	close(release)
	if n := <-walked; n != parts[len(parts)-2].Len()+parts[len(parts)-1].Len() {
		t.Errorf("the walk saw %d incidents, want the two months it started with", n)
	}
}
