//go:build reliability

package main

// The long checks of `make reliability` (not part of `make test`): they run
// the real binary as a child process and print a table.
//
//	kill -9 an import at 30 random moments; every reopen must be whole
//	64 clients of random heavy queries for 20 s, resident memory sampled
//	decompression bombs and 3 million repeated rows uploaded
//	a full disk (a small tmpfs; needs root, skipped otherwise)

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/data"
)

// rssLimit stops the query load before it takes the machine (a shared
// one, in development): a server past it is killed and the check fails.
const rssLimit = 8 << 30

var relTable []string

func relRow(check, result, measured string) {
	relTable = append(relTable, fmt.Sprintf("| %s | %s | %s |", check, result, measured))
}

func TestReliability(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "hotspotd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sample, err := filepath.Abs(filepath.Join("..", "..", "data", "sample", "policeuk", "cleveland"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("kill -9 during import", func(t *testing.T) { killLoop(t, bin, sample) })
	t.Run("queries, bombs", func(t *testing.T) { loadAndBombs(t, bin, sample) })
	t.Run("full disk", func(t *testing.T) { fullDisk(t, bin, sample) })
	fmt.Println()
	fmt.Println("| check | result | measured |")
	fmt.Println("|---|---|---|")
	for _, r := range relTable {
		fmt.Println(r)
	}
}

type state struct {
	incidents int64
	months    int
}

func readState(tb testing.TB, dir string) (state, error) {
	tb.Helper()
	s, err := data.OpenMem(dir, data.MemOptions{})
	if err != nil {
		return state{}, err
	}
	defer s.Close()
	sum, err := s.Summary(context.Background())
	return state{sum.Incidents, len(sum.Months)}, err
}

func copyTree(tb testing.TB, src, dst string) {
	tb.Helper()
	if out, err := exec.Command("cp", "-a", src+"/.", dst).CombinedOutput(); err != nil {
		tb.Fatalf("cp: %v %s", err, out)
	}
}

// killLoop: a store of 12 months; an import of all 35 months is killed at a
// random moment (within 1.2 times its full run), 30 times; each time the
// store must reopen holding the 12 months or the 35, whole.
func killLoop(t *testing.T, bin, sample string) {
	files, _ := filepath.Glob(filepath.Join(sample, "*.csv.gz"))
	sort.Strings(files)
	base := t.TempDir()
	if out, err := exec.Command(bin, append([]string{"import", "--data-dir", base}, files[:12]...)...).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	old, err := readState(t, base)
	if err != nil {
		t.Fatal(err)
	}
	full := t.TempDir()
	start := time.Now()
	if out, err := exec.Command(bin, "import", "--data-dir", full, sample).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	took := time.Since(start)
	want, _ := readState(t, full)
	var olds, news, bad int
	var orphans int
	for i := 0; i < 30; i++ {
		dir := t.TempDir()
		copyTree(t, base, dir)
		cmd := exec.Command(bin, "import", "--data-dir", dir, sample)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.Int64N(int64(took) * 12 / 10)))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		before, _ := filepath.Glob(filepath.Join(dir, "partitions", "*"))
		got, err := readState(t, dir)
		after, _ := filepath.Glob(filepath.Join(dir, "partitions", "*"))
		orphans = max(orphans, len(before)-len(after))
		switch {
		case err != nil:
			bad++
			t.Errorf("kill %d: the store does not reopen: %v", i, err)
		case got == old:
			olds++
		case got == want:
			news++
		default:
			bad++
			t.Errorf("kill %d: reopened with %+v, neither %+v nor %+v", i, got, old, want)
		}
	}
	relRow("kill -9 of `import` (35 months onto 12) at 30 random moments in 0-"+took.Round(10*time.Millisecond).String()+"*1.2",
		pass(bad == 0), fmt.Sprintf("%d reopened with the 12 months, %d with all 35, %d otherwise; up to %d files of an unfinished import removed at reopen", olds, news, bad, max(orphans, 0)))
}

func pass(ok bool) string {
	if ok {
		return "pass"
	}
	return "**FAIL**"
}

// server is a `hotspotd serve` child.
type server struct {
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
}

func freeAddr(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startServer(tb testing.TB, bin, dir string, extra ...string) *server {
	tb.Helper()
	addr := freeAddr(tb)
	s := &server{logs: &bytes.Buffer{}, base: "http://" + addr}
	s.cmd = exec.Command(bin, append([]string{"serve", "--data-dir", dir, "--addr", addr}, extra...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.stop)
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	tb.Fatalf("serve not ready: %s", s.logs)
	return nil
}

func (s *server) stop() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Signal(syscall.SIGKILL)
		s.cmd.Wait()
	}
}

// rss is the child's resident memory in bytes (0 once it has gone).
func (s *server) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// sampler records the peak of rss every 100 ms until stopped; past
// rssLimit it kills the server.
type sampler struct {
	peak atomic.Int64
	stop chan struct{}
	done chan struct{}
	over atomic.Bool
}

func sampleRSS(s *server) *sampler {
	sm := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(sm.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			r := s.rss()
			if r > sm.peak.Load() {
				sm.peak.Store(r)
			}
			if r > rssLimit {
				sm.over.Store(true)
				s.cmd.Process.Signal(syscall.SIGKILL)
			}
			select {
			case <-sm.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return sm
}

func (sm *sampler) end() int64 {
	close(sm.stop)
	<-sm.done
	return sm.peak.Load()
}

func mb(b int64) string { return fmt.Sprintf("%d MB", b>>20) }

// heavyQuery is one random heavy request, as a viewer with the map would
// make them and an attacker would choose them.
func heavyQuery(r *rand.Rand) string {
	layers := []string{"wards", "lsoa-2011", "authorities", "town-centres", "wards-2013"}
	l := layers[r.IntN(len(layers))]
	m := func() string { return fmt.Sprintf("%d-%02d", 2023+r.IntN(3), 1+r.IntN(12)) }
	from, to := m(), m()
	if from > to {
		from, to = to, from
	}
	if to > "2025-11" {
		to = "2025-11"
	}
	if from > to {
		from = to
	}
	span := fmt.Sprintf("from=%s&to=%s", from, to)
	switch r.IntN(7) {
	case 0, 1:
		return fmt.Sprintf("/api/v1/hotspots?layer=%s&res=%d&k=%d&%s", l, 7+r.IntN(5), 1+r.IntN(3), span)
	case 2:
		return fmt.Sprintf("/api/v1/emerging?layer=%s&res=%d", l, 7+r.IntN(5))
	case 3:
		return fmt.Sprintf("/api/v1/tasking?layer=%s&top=10&%s", l, span)
	case 4:
		return fmt.Sprintf("/api/v1/layers/%s/ranking?measure=harm&%s", l, span)
	case 5:
		return fmt.Sprintf("/api/v1/export/incidents.csv?layer=%s&%s", l, span)
	default:
		return fmt.Sprintf("/tiles/cells/%d/%d/%d.mvt?%s", 12, 2025+r.IntN(4), 1300+r.IntN(4), span)
	}
}

func loadAndBombs(t *testing.T, bin, samplePath string) {
	dir := t.TempDir()
	start := time.Now()
	srv := startServer(t, bin, dir) // loads the bundled sample
	relRow("`serve` on an empty folder loads the sample", "ready", time.Since(start).Round(100*time.Millisecond).String()+", "+mb(srv.rss())+" resident")
	idle := srv.rss()

	// 64 clients of random heavy queries for 20 s
	const clients, run = 64, 20 * time.Second
	sm := sampleRSS(srv)
	var mu sync.Mutex
	codes := map[int]int{}
	var lat []time.Duration
	var failed atomic.Int64
	var firstErr string
	stopAt := time.Now().Add(run)
	client := &http.Client{Timeout: 3 * time.Minute}
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 9))
			for time.Now().Before(stopAt) {
				q := heavyQuery(r)
				t0 := time.Now()
				resp, err := client.Get(srv.base + q)
				if err != nil {
					if failed.Add(1) == 1 {
						mu.Lock()
						firstErr = fmt.Sprintf("%s after %s: %v", q, time.Since(t0).Round(time.Second), err)
						mu.Unlock()
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				codes[resp.StatusCode]++
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		}(uint64(c))
	}
	wg.Wait()
	took := time.Since(stopAt.Add(-run))
	time.Sleep(5 * time.Second)
	after := srv.rss()
	peak := sm.end()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(time.Millisecond)
	}
	var cs []string
	for c, n := range codes {
		cs = append(cs, fmt.Sprintf("%d x%d", c, n))
	}
	sort.Strings(cs)
	relRow(fmt.Sprintf("%d clients of random heavy queries for %s (all ended after %s)", clients, run, took.Round(time.Second)),
		pass(!sm.over.Load() && failed.Load() == 0),
		fmt.Sprintf("resident %s idle, peak %s, %s 5 s after; %d answered (%s), %d connections failed; p50 %s, p99 %s",
			mb(idle), mb(peak), mb(after), len(lat), strings.Join(cs, ", "), failed.Load(), pct(0.5), pct(0.99)))
	if failed.Load() > 0 {
		t.Errorf("%d connections failed under the query load; the first: %s", failed.Load(), firstErr)
	}
	if sm.over.Load() {
		t.Errorf("resident memory passed %s; the server was killed", mb(rssLimit))
		srv = startServer(t, bin, dir)
	}

	// decompression bombs and repeated rows, uploaded
	line := func(w io.Writer, n int) {
		io.WriteString(w, data.PoliceUKHeader+"\n")
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for i := 0; i < n; i++ {
			w.Write(chunk)
		}
	}
	var zbuf, gbuf, dbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	ze, _ := zw.CreateHeader(&zip.FileHeader{Name: "2025-11/2025-11-cleveland-street.csv", Method: zip.Deflate})
	line(ze, 600)
	zw.Close()
	gw, _ := gzip.NewWriterLevel(&gbuf, gzip.BestCompression)
	line(gw, 600)
	gw.Close()
	dw, _ := gzip.NewWriterLevel(&dbuf, gzip.BestCompression)
	bw := bufio.NewWriter(dw)
	bw.WriteString(data.PoliceUKHeader + "\n")
	const dupRow = "89a15cee092a2e19b263fafad0a8e6ac8fa336b22e2b145a118651dbff9072c3,2025-11,Cleveland Police,Cleveland Police,-1.311583,54.472215,On or near Park/Open Space,E01027617,Hambleton 003D,Drugs,Awaiting court outcome,\n"
	for i := 0; i < 3_000_000; i++ {
		bw.WriteString(dupRow)
	}
	bw.Flush()
	dw.Close()
	before, _ := http.Get(srv.base + "/api/v1/summary")
	var sumBefore, sumAfter struct{ Incidents int64 }
	json.NewDecoder(before.Body).Decode(&sumBefore)
	before.Body.Close()
	for _, b := range []struct {
		name, file, what string
		body             []byte
	}{
		{"zip bomb", "bomb.zip", "one 600 MB line", zbuf.Bytes()},
		{"gzip bomb", "bomb.csv.gz", "one 600 MB line", gbuf.Bytes()},
		{"repeated rows", "2025-11-cleveland-street.csv.gz", "3,000,000 copies of one crime (" + mb(int64(len(dupRow))*3e6) + ")", dbuf.Bytes()},
	} {
		runtimeIdle := srv.rss()
		sm := sampleRSS(srv)
		t0 := time.Now()
		resp, err := http.Post(srv.base+"/api/v1/import?filename="+b.file, "application/octet-stream", bytes.NewReader(b.body))
		took := time.Since(t0)
		peak := sm.end()
		if err != nil {
			relRow(b.name, "**FAIL**", err.Error())
			t.Errorf("%s: %v", b.name, err)
			continue
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct{ Error string }
		json.Unmarshal(msg, &e)
		if len(e.Error) > 90 {
			e.Error = e.Error[:90] + "..."
		}
		relRow(fmt.Sprintf("%s: %s KB holding %s", b.name, strconv.Itoa(len(b.body)>>10), b.what), pass(resp.StatusCode == 422),
			fmt.Sprintf("%d in %s, resident %s before, peak %s: %q", resp.StatusCode, took.Round(10*time.Millisecond), mb(runtimeIdle), mb(peak), e.Error))
		if resp.StatusCode != 422 {
			t.Errorf("%s: %d %s", b.name, resp.StatusCode, msg)
		}
	}
	after2, _ := http.Get(srv.base + "/api/v1/summary")
	json.NewDecoder(after2.Body).Decode(&sumAfter)
	after2.Body.Close()
	if sumAfter.Incidents != sumBefore.Incidents {
		t.Errorf("the refused uploads changed the store: %d incidents, were %d", sumAfter.Incidents, sumBefore.Incidents)
	}
}

// fullDisk: a store on a 24 MB tmpfs, the disk filled to its last 64 KB;
// an upload answers 507 naming the disk, leaves no files, reads go on, and
// the same upload works once space is freed.
func fullDisk(t *testing.T, bin, sample string) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt).CombinedOutput(); err != nil {
		relRow("full disk", "skipped", "cannot mount a tmpfs here (needs root): "+strings.TrimSpace(string(out)))
		t.Skipf("mount: %v %s", err, out)
	}
	defer exec.Command("umount", "-l", mnt).Run()
	dir := filepath.Join(mnt, "store")
	files, _ := filepath.Glob(filepath.Join(sample, "*.csv.gz"))
	sort.Strings(files)
	if out, err := exec.Command(bin, append([]string{"import", "--data-dir", dir}, files[:12]...)...).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	srv := startServer(t, bin, dir, "--no-sample")
	// fill the disk, then free 64 KB
	filler := filepath.Join(mnt, "filler")
	f, _ := os.Create(filler)
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	st, _ := os.Stat(filler)
	os.Truncate(filler, st.Size()-64<<10)
	month := readGz(t, files[len(files)-1])
	list := func() string {
		var names []string
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				names = append(names, strings.TrimPrefix(p, dir))
			}
			return nil
		})
		return strings.Join(names, " ")
	}
	summary := func() (int, int64) {
		resp, err := http.Get(srv.base + "/api/v1/summary")
		if err != nil {
			return 0, 0
		}
		defer resp.Body.Close()
		var s struct{ Incidents int64 }
		json.NewDecoder(resp.Body).Decode(&s)
		return resp.StatusCode, s.Incidents
	}
	beforeFiles := list()
	_, beforeN := summary()
	post := func() (int, string) {
		resp, err := http.Post(srv.base+"/api/v1/import?filename=2025-11-cleveland-street.csv", "text/csv", bytes.NewReader(month))
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, msg := post()
	afterFiles := list()
	readCode, readN := summary()
	ok := code == 507 && strings.Contains(msg, "the disk holding "+dir+" is full") && afterFiles == beforeFiles && readCode == 200 && readN == beforeN
	relRow("upload of a month onto a full 24 MB tmpfs", pass(ok), fmt.Sprintf("%d %s; files left behind: %v; reads after: %d, %d incidents (were %d)",
		code, strings.TrimSpace(msg), afterFiles != beforeFiles, readCode, readN, beforeN))
	if !ok {
		t.Errorf("full disk: %d %s; files %q, were %q; read %d %d", code, msg, afterFiles, beforeFiles, readCode, readN)
	}
	os.Remove(filler)
	code, msg = post()
	_, n := summary()
	ok = code == 200 && n == beforeN+7371
	relRow("the same upload once space is freed", pass(ok), fmt.Sprintf("%d; %d incidents (+%d)", code, n, n-beforeN))
	if !ok {
		t.Errorf("after freeing space: %d %s, %d incidents", code, msg, n)
	}
	srv.stop()
}

func readGz(tb testing.TB, path string) []byte {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
