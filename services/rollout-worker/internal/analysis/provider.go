package analysis

import (
	"context"
	"time"
)

// Provider answers a query with one number: the query's value at a time.
// An answer that is not one number (no series, several, an error) is an
// error, which Measure makes inconclusive.
type Provider interface {
	Query(ctx context.Context, promql string, at time.Time) (float64, error)
}

// Take takes one measurement of c at at through p: the query rendered for
// v.Revision, and for a ratio check once more for v.StableRevision.
func Take(ctx context.Context, p Provider, c Check, v Vars, at time.Time) Measurement {
	o := Observation{At: at, Canary: query(ctx, p, c, v, at)}
	if c.Condition.Ratio && v.StableRevision != "" {
		sv := v
		sv.Revision = v.StableRevision
		s := query(ctx, p, c, sv, at)
		o.Stable = &s
	}
	return Measure(c, o)
}

func query(ctx context.Context, p Provider, c Check, v Vars, at time.Time) Sample {
	q, err := c.Render(v)
	if err != nil {
		return Sample{Err: err}
	}
	value, err := p.Query(ctx, q, at)
	return Sample{Value: value, Err: err}
}
