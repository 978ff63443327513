package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
)

// Uploads that are refused or fail change nothing, and what the server
// holds in memory is what a restart reads from disk (issue 9, items 2, 3
// and 6).

// emptyServer serves an empty store in a temporary folder; store wraps it
// when a test needs to change what the store does.
func emptyServer(tb testing.TB, wrap func(data.Store) data.Store) (*data.MemStore, *httptest.Server) {
	tb.Helper()
	ms, err := data.OpenMem(tb.TempDir(), data.MemOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ms.Close() })
	var store data.Store = ms
	if wrap != nil {
		store = wrap(ms)
	}
	eng, err := engine.New(store, engine.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(store, eng, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return ms, ts
}

// synthCSV is a police.uk file of n rows for month at one point, with crime
// type and outcome by row.
func synthCSV(month string, n int, typ, outcome func(i int) string) []byte {
	var b bytes.Buffer
	b.WriteString(data.PoliceUKHeader + "\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%064x,%s,Cleveland Police,Cleveland Police,-1.318300,54.564500,On or near High Street,E01012218,Stockton-on-Tees 014C,%s,%s,\n", i+1, month, typ(i), outcome(i))
	}
	return b.Bytes()
}

// reopened closes the server's store and opens its folder again, as a
// restart would, returning the summary read from disk.
func reopened(tb testing.TB, ms *data.MemStore) data.Summary {
	tb.Helper()
	dir := ms.Dir()
	ms.Close()
	again, err := data.OpenMem(dir, data.MemOptions{})
	if err != nil {
		tb.Fatalf("the store does not reopen: %v", err)
	}
	defer again.Close()
	sum, err := again.Summary(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return sum
}

func sameSummary(a, b data.Summary) bool {
	a.Version, b.Version = 0, 0
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// The attack: an upload with more than 65,535 distinct outcomes answered
// 500, bumped the version, and left a store that never opened again.
func TestUploadManyOutcomes(t *testing.T) {
	ms, ts := emptyServer(t, nil)
	body := synthCSV("2025-11", 70000, func(int) string { return "Burglary" }, func(i int) string { return fmt.Sprintf("outcome %05d", i) })
	code, resp := call(t, "POST", ts.URL+"/api/v1/import?filename=many-outcomes.csv", "", body)
	if code != 200 {
		t.Fatalf("%d %s", code, resp)
	}
	mem, _ := ms.Summary(context.Background())
	if mem.Incidents != 70000 || ms.Version() != 1 {
		t.Fatalf("memory holds %d incidents at version %d, want 70000 at 1", mem.Incidents, ms.Version())
	}
	if disk := reopened(t, ms); !sameSummary(mem, disk) {
		t.Errorf("memory %+v, disk %+v", mem, disk)
	}
}

// Crime types past the store's limit are refused (422) before anything is
// written: the version stays, and disk and memory agree.
func TestUploadTooManyCrimeTypes(t *testing.T) {
	ms, ts := emptyServer(t, nil)
	name := func(prefix string) func(int) string {
		return func(i int) string { return fmt.Sprintf("%s%d", prefix, i) }
	}
	none := func(int) string { return "" }
	code, resp := call(t, "POST", ts.URL+"/api/v1/import?filename=a.csv", "", synthCSV("2025-10", 4000, name("a"), none))
	if code != 200 {
		t.Fatalf("%d %s", code, resp)
	}
	mem, _ := ms.Summary(context.Background())
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"one file with 6,000", synthCSV("2025-11", 6000, name("b"), none)},
		{"4,000 stored and 2,000 more", synthCSV("2025-11", 2000, name("b"), none)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, resp := call(t, "POST", ts.URL+"/api/v1/import?filename=b.csv", "", tc.body)
			if code != 422 || !strings.Contains(string(resp), "nothing was changed") || !strings.Contains(string(resp), "crime type") {
				t.Errorf("%d %s", code, resp)
			}
			if ms.Version() != 1 {
				t.Errorf("version %d after a refused import, want 1", ms.Version())
			}
		})
	}
	if disk := reopened(t, ms); !sameSummary(mem, disk) {
		t.Errorf("memory %+v, disk %+v", mem, disk)
	}
}

// A month with a stray quote at row 101 is refused naming the line, and
// the stored month stays.
func TestUploadStrayQuote(t *testing.T) {
	ms, ts := emptyServer(t, nil)
	f, err := os.Open(filepath.Join("..", "data", "sample", "policeuk", "cleveland", "2025-11-cleveland-street.csv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	month, _ := io.ReadAll(zr)
	if code, resp := call(t, "POST", ts.URL+"/api/v1/import?filename=2025-11-cleveland-street.csv", "", month); code != 200 {
		t.Fatalf("%d %s", code, resp)
	}
	lines := strings.SplitAfter(string(month), "\n")
	fields := strings.SplitN(lines[101], ",", 7)
	fields[6] = `"` + fields[6]
	lines[101] = strings.Join(fields, ",")
	code, resp := call(t, "POST", ts.URL+"/api/v1/import?filename=2025-11-cleveland-street.csv", "", []byte(strings.Join(lines, "")))
	if code != 422 || !strings.Contains(string(resp), "line 102") || !strings.Contains(string(resp), "nothing was changed") {
		t.Errorf("%d %s", code, resp)
	}
	if sum, _ := ms.Summary(context.Background()); sum.Incidents != 7371 || ms.Version() != 1 {
		t.Errorf("the store holds %d at version %d, want the 7371 of 2025-11 at 1", sum.Incidents, ms.Version())
	}
}

// fullDisk is a store whose disk is full: every change fails as MemStore's
// does on ENOSPC (data's own test checks that MemStore then removes its
// files; make reliability does it on a real full file system).
type fullDisk struct{ data.Store }

func (f fullDisk) Replace(context.Context, []*data.Partition) error {
	return &data.DiskFullError{Dir: "/srv/hotspots", Err: syscall.ENOSPC}
}

func TestUploadDiskFull(t *testing.T) {
	_, ts := emptyServer(t, func(s data.Store) data.Store { return fullDisk{s} })
	body := synthCSV("2025-11", 10, func(int) string { return "Burglary" }, func(int) string { return "" })
	code, resp := call(t, "POST", ts.URL+"/api/v1/import?filename=x.csv", "", body)
	var e struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}
	json.Unmarshal(resp, &e)
	if code != 507 || e.Status != 507 || !strings.HasPrefix(e.Error, "the disk holding /srv/hotspots is full") {
		t.Errorf("%d %s", code, resp)
	}
	if code, resp := call(t, "GET", ts.URL+"/api/v1/summary", "", nil); code != 200 {
		t.Errorf("reads after a full disk: %d %s", code, resp)
	}
}
