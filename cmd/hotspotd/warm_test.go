package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// lockedBuffer is a bytes.Buffer safe for a logger and a test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// TestKeepWarm: the server warms the default layer's map when it starts,
// again when the data change (a layer replaced), and stops when asked; below
// --warm-from incidents it warms nothing.
func TestKeepWarm(t *testing.T) {
	ctx := context.Background()
	store, err := data.OpenMem(t.TempDir(), data.MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	parts, _, err := data.ReadIncidents(ctx, []string{fixture.Path(t, fixture.Cleveland)}, data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wards, _, err := data.ReadAreaFiles([]string{fixture.Path(t, fixture.StocktonWards)}, geo.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Replace(ctx, parts[len(parts)-12:]); err != nil {
		t.Fatal(err)
	}
	if err := store.PutLayer(ctx, "wards", wards, data.LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(store, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go keepWarm(wctx, slog.New(slog.NewTextHandler(&logs, nil)), store, eng, 0, done)
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for logs.count("warmed the map's default view") < n {
			if time.Now().After(deadline) {
				t.Fatalf("not warmed %d times:\n%s", n, logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor(1)
	if logs.count("layer=wards") != 1 {
		t.Errorf("warmed another layer than wards:\n%s", logs.String())
	}
	if err := store.PutLayer(ctx, "wards", wards[:5], data.LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	waitFor(2)
	stop()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("keepWarm did not stop")
	}
	if n := logs.count("failed"); n != 0 {
		t.Errorf("%d failures logged:\n%s", n, logs.String())
	}

	var quiet lockedBuffer
	done = make(chan struct{})
	wctx, stop = context.WithCancel(ctx)
	go keepWarm(wctx, slog.New(slog.NewTextHandler(&quiet, nil)), store, eng, 1_000_000, done)
	time.Sleep(time.Second)
	stop()
	<-done
	if quiet.String() != "" {
		t.Errorf("warmed 12 months of Cleveland below --warm-from 1,000,000:\n%s", quiet.String())
	}
}
