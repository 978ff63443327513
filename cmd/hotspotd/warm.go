package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/report"
)

// warmEvery is how often keepWarm looks for changed data.
const warmEvery = 5 * time.Second

// defaultWarmFrom is serve's --warm-from: below a million incidents (a
// force's three years) the first question of a query costs milliseconds, so
// nothing is worth computing ahead.
const defaultWarmFrom = 1_000_000

// keepWarm computes what the map's default view asks first (engine.Warm on
// the default layer: study areas, cell figures and streets, hot spot
// statistics, the ranking) when the server starts and again whenever the
// stored data change (an import, a layer replaced), until ctx ends; it
// closes done when it returns. It runs beside the requests: a request for
// something it is computing waits for that one computation rather than
// starting its own, and nothing waits for the warm-up as a whole.
func keepWarm(ctx context.Context, log *slog.Logger, store data.Store, eng *engine.Engine, from int64, done chan<- struct{}) {
	defer close(done)
	warmed, first := uint64(0), true
	for {
		if v := store.Version(); first || v != warmed {
			first, warmed = false, v
			layer, err := report.DefaultLayer(ctx, eng)
			var sum *data.Summary
			if err == nil {
				sum, err = eng.Summary(ctx)
			}
			if err == nil && layer != "" && sum.Incidents >= from {
				var rep engine.WarmReport
				rep, err = eng.Warm(ctx, layer)
				if err == nil {
					log.Info("warmed the map's default view", "layer", layer, "data_version", v, "questions", rep.Steps,
						"too_large", rep.Refused, "took", rep.Took.Round(time.Millisecond))
				}
			}
			if err != nil && ctx.Err() == nil && !errors.Is(err, engine.ErrNoData) {
				log.Warn("warming the map's default view failed; the map computes it on first use", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(warmEvery):
		}
	}
}
