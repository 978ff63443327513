package engine

import (
	"context"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

// Summary is what is stored as the engine's source sees it: that source's
// incidents, months, forces and crime types, and every layer.
func (e *Engine) Summary(ctx context.Context) (*data.Summary, error) { return e.summary(ctx) }

// Layer fetches an area layer by name (data.ErrNoLayer when there is none).
func (e *Engine) Layer(ctx context.Context, name string) (*geo.Layer, error) {
	sum, err := e.summary(ctx)
	if err != nil {
		return nil, err
	}
	return e.layer(ctx, sum, name)
}

// Records calls fn for each incident record matching q, of the engine's
// source and passing its time filter, in month order. fn must not keep the
// pointer.
func (e *Engine) Records(ctx context.Context, q data.Query, fn func(*data.Incident) error) error {
	return e.store.Incidents(ctx, q, fn)
}
