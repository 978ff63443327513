//go:build scale

package main

// `make bench-scale`: the national-scale figures of issue 14, measured on a
// data set scalegen makes (75 copies of Cleveland: 20.2 million incidents,
// 6,150 areas; SCALE_COPIES changes it), and printed as a table. It is not
// part of `make test`: generating takes a minute and the checks several.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/tiles"
)

var table []string

func row(what, measured, target string) {
	table = append(table, fmt.Sprintf("| %s | %s | %s |", what, measured, target))
}

func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func gib(b int64) string { return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30)) }

func TestScale(t *testing.T) {
	copies, areaCopies := 75, 0
	if s := os.Getenv("SCALE_COPIES"); s != "" {
		copies, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("SCALE_AREA_COPIES"); s != "" { // more wards than crime: the ranking of 8,528 areas is 104
		areaCopies, _ = strconv.Atoi(s)
	}
	areas := 82 * max(copies, areaCopies)
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	gen := filepath.Join(root, ".scale-data", strconv.Itoa(copies))
	if areaCopies > copies {
		gen += "-areas" + strconv.Itoa(areaCopies)
	}
	if _, err := os.Stat(filepath.Join(gen, "areas.geojson")); err != nil {
		start := time.Now()
		n, err := Generate(gen, copies, areaCopies)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("generated %d rows in %v", n, time.Since(start))
	}
	bin := filepath.Join(t.TempDir(), "hotspotd")
	if out, err := exec.Command("go", "build", "-o", bin, "../hotspotd").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	ctx := context.Background()

	// Import, end to end, as a user runs it: its own process, peak memory
	// from the kernel's accounting.
	if out, err := exec.Command(bin, "areas", "import", "--data-dir", dir, "--layer", "areas", filepath.Join(gen, "areas.geojson")).CombinedOutput(); err != nil {
		t.Fatalf("areas import: %v\n%s", err, out)
	}
	start := time.Now()
	cmd := exec.Command(bin, "import", "--data-dir", dir, "--json", filepath.Join(gen, "incidents"))
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out[max(0, len(out)-2000):])
	}
	peakImport := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10

	// Restart: open what the import stored.
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rssBefore := rss()
	start = time.Now()
	s, err := data.OpenMem(dir, data.MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	restart := time.Since(start)
	defer s.Close()
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	sum, err := s.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := sum.Incidents
	steadyRSS := rss() - rssBefore
	row("import, end to end (`hotspotd import`, its own process)", fmt.Sprintf("%d rows in %.1f s: %.0f rows/s; peak resident %s (%.1fx the steady state)",
		n, took.Seconds(), float64(n)/took.Seconds(), gib(peakImport), float64(peakImport)/float64(steadyRSS)), ">= 500,000 rows/s, peak <= 1.5x steady")
	row("steady state", fmt.Sprintf("%.0f bytes per incident (heap), resident %s", float64(after.HeapAlloc-before.HeapAlloc)/float64(n), gib(steadyRSS)), "<= 100 bytes, <= 3 GB")
	row("restart (open the stored data)", fmt.Sprintf("%.2f s", restart.Seconds()), "<= 2 s")

	eng, err := engine.New(s, engine.Options{CacheEntries: -1})
	if err != nil {
		t.Fatal(err)
	}
	// Ranking of every area over 12 months, uncached: the first makes the
	// store's roll-ups by area, then a median of 5.
	var rk []time.Duration
	for range 6 {
		start := time.Now()
		r, err := eng.Ranking(ctx, engine.RankingQuery{Layer: "areas"})
		if err != nil {
			t.Fatal(err)
		}
		rk = append(rk, time.Since(start))
		if len(r.Areas) != areas {
			t.Fatalf("%d areas ranked", len(r.Areas))
		}
	}
	slices.Sort(rk[1:])
	row(fmt.Sprintf("ranking of %d areas, 12 months (uncached)", areas),
		fmt.Sprintf("%s (median of 5); the first, which makes the store's roll-ups by area: %s", ms(rk[3]), ms(rk[0])), "<= 100 ms")

	// Hot spots: the whole layer, as one answer.
	start = time.Now()
	h, err := eng.Hotspots(ctx, engine.HotspotQuery{Layer: "areas", Res: 9})
	if err != nil {
		row("hot spots, the whole layer at resolution 9", "refused: "+err.Error(), "")
	} else {
		row("hot spots, the whole layer at resolution 9", fmt.Sprintf("%s for %d cells", ms(time.Since(start)), len(h.Cells)), "")
	}

	cached, err := engine.New(s, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A borough: Stockton-on-Tees's box in a copy of Cleveland. The first
	// question of a query computes the study area (once per layer and
	// resolution), its neighbourhood sizes (once per k) and the query's
	// moments and FDR cut-offs; later boxes of the same query use them.
	borough := func(c int) orb.Bound {
		dlon, dlat := offset(c)
		return orb.Bound{Min: orb.Point{-1.45 + dlon, 54.46 + dlat}, Max: orb.Point{-1.2 + dlon, 54.65 + dlat}}
	}
	start = time.Now()
	hb, err := cached.Hotspots(ctx, engine.HotspotQuery{Layer: "areas", Res: 9, BBox: borough(firstCopy)})
	if err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	// A new query (one crime type) on the kept study area: its moments and
	// FDR cut-offs only.
	start = time.Now()
	if _, err := cached.Hotspots(ctx, engine.HotspotQuery{Layer: "areas", Res: 9, Types: []string{"Burglary"}, BBox: borough(firstCopy)}); err != nil {
		t.Fatal(err)
	}
	newQuery := time.Since(start)
	var bt []time.Duration
	for i := range 9 {
		start := time.Now()
		if _, err := cached.Hotspots(ctx, engine.HotspotQuery{Layer: "areas", Res: 9, BBox: borough(firstCopy + (i*7+3)%copies)}); err != nil {
			t.Fatal(err)
		}
		bt = append(bt, time.Since(start))
	}
	slices.Sort(bt)
	row(fmt.Sprintf("hot spots for a bounding box of one borough (%d cells at resolution 9 of %d)", len(hb.Cells), hb.StudyCells),
		fmt.Sprintf("first question of the first query %s (study area, neighbourhoods, moments and FDR of %d cells); first question of a new query (Burglary; the study area kept) %s; then a median of %s over 9 other boroughs",
			ms(first), hb.StudyCells, ms(newQuery), ms(bt[4])), "<= 100 ms")

	// The warm-up `hotspotd serve` runs at start and after each import.
	warmed, err := engine.New(s, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wr, err := warmed.Warm(ctx, "areas")
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if _, err := warmed.Hotspots(ctx, engine.HotspotQuery{Layer: "areas", Res: 9, BBox: borough(firstCopy + 1)}); err != nil {
		t.Fatal(err)
	}
	row("warm-up of the default view (serve, at start and after each import; in the background)",
		fmt.Sprintf("%s for %d questions (%d too large for the bounds, drawn tile by tile); a borough's hot spots after it: %s", ms(wr.Took), wr.Steps, wr.Refused, ms(time.Since(start))), "")

	rng := rand.New(rand.NewPCG(1, 2))
	tileRound := func(r *tiles.Renderer, set tiles.Set, what string) {
		var tt []time.Duration
		fails := 0
		var firstErr error
		for range 200 {
			z := 6 + rng.IntN(11)
			c := rng.IntN(copies) + firstCopy
			dlon, dlat := offset(c)
			lon, lat := -1.3+dlon+rng.Float64()*0.4, 54.5+dlat+rng.Float64()*0.2
			x, y := lonLatTile(lon, lat, z)
			ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			start := time.Now()
			_, err := r.Render(ctx, tiles.Tile{Z: z, X: x, Y: y}, tiles.Query{Set: set, Layer: "areas"})
			tt = append(tt, time.Since(start))
			cancel()
			if err != nil {
				fails++
				if firstErr == nil {
					firstErr = err
				}
			}
		}
		slices.Sort(tt)
		m := fmt.Sprintf("p50 %s, p99 %s, max %s; %d failed", ms(tt[100]), ms(tt[197]), ms(tt[199]), fails)
		if firstErr != nil {
			m += " (" + firstErr.Error() + ")"
		}
		row(what, m, "p99 <= 50 ms")
	}
	r, err := tiles.New(cached, s, tiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rw, err := tiles.New(warmed, s, tiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []tiles.Set{tiles.Cells, tiles.Areas, tiles.Hotspots} {
		// 200 tiles never drawn before after the warm-up; then, with no
		// warm-up, a first round that pays for each resolution's figures
		// and statistics on the way (cached per query), and a second
		tileRound(rw, set, fmt.Sprintf("200 uncached %s tiles, z6..z16 anywhere, after the warm-up", set))
		tileRound(r, set, fmt.Sprintf("200 uncached %s tiles, no warm-up, first round (each resolution's figures computed on the way)", set))
		tileRound(r, set, fmt.Sprintf("200 more uncached %s tiles, no warm-up, second round", set))
	}

	types := sum.Types
	var wg sync.WaitGroup
	var mu sync.Mutex
	peak, errs := rss(), 0
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				mu.Lock()
				peak = max(peak, rss())
				mu.Unlock()
			}
		}
	}()
	start = time.Now()
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cached.Hotspots(ctx, engine.HotspotQuery{Layer: "areas", Res: 9, Types: []string{types[i%len(types)].Type}, BBox: borough(firstCopy + i)})
			if err != nil {
				mu.Lock()
				errs++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(stop)
	row("8 concurrent heavy queries (hot spots of a borough, res 9, a crime type each: each computes its own moments and FDR over the whole layer)", fmt.Sprintf("%s; %d refused; resident peak %s", ms(time.Since(start)), errs, gib(peak)), "no 503 within the bound, resident <= 3 GB")

	fmt.Printf("\nNational scale, %d copies of Cleveland (SYNTHETIC, scalegen): %d incidents, %d areas, on %d cores\n\n", copies, n, areas, runtime.NumCPU())
	fmt.Println("| what | measured | target |")
	fmt.Println("|---|---|---|")
	for _, l := range table {
		fmt.Println(l)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// lonLatTile is the Web Mercator tile of zoom z holding (lon, lat).
func lonLatTile(lon, lat float64, z int) (int, int) {
	n := math.Exp2(float64(z))
	x := int((lon + 180) / 360 * n)
	r := lat * math.Pi / 180
	y := int((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n)
	return x, y
}
