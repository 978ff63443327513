package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/internal/fixture"
)

// TestShutdownFinishesImport starts an upload import, shuts the server down
// while the upload is still arriving, and checks the import completed and
// was stored before the server stopped.
func TestShutdownFinishesImport(t *testing.T) {
	month := fixture.Read(t, fixture.ClevelandMonth("2025-11"))
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	m := NewMain()
	var logs bytes.Buffer
	m.Stdout, m.Stderr = io.Discard, &logs
	m.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	ready := make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, []string{"serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--no-sample"})
	}()
	addr := <-ready

	// The body arrives in two halves with a pause between them; the server
	// is told to stop during the pause.
	pr, pw := io.Pipe()
	go func() {
		pw.Write(month[:len(month)/2])
		time.Sleep(300 * time.Millisecond)
		pw.Write(month[len(month)/2:])
		pw.Close()
	}()
	respc := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Post("http://"+addr+"/api/v1/import?filename=2025-11-cleveland-street.csv", "text/csv", pr)
		if err != nil {
			t.Errorf("upload: %v", err)
			respc <- nil
			return
		}
		respc <- resp
	}()
	time.Sleep(100 * time.Millisecond)
	cancel() // SIGTERM
	resp := <-respc
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
	m.Close()
	if resp == nil || resp.StatusCode != 200 {
		t.Fatalf("upload during shutdown: %v", resp)
	}
	resp.Body.Close()
	s, err := data.OpenMem(dir, data.MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sum, _ := s.Summary(context.Background())
	if len(sum.Months) != 1 || sum.Months[0].String() != "2025-11" || sum.Incidents == 0 {
		t.Errorf("after shutdown the store holds %+v", sum)
	}
}
