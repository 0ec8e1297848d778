package api

import (
	"context"
	"log/slog"
	"time"

	"slipway.dev/pkg/bus"
)

// throughFailover runs job again, after a pause that doubles up to 30 s,
// when it stops with an error NATS gives while a cluster fails over
// (bus.Transient); any other error, or ctx ending, ends it. Before, a job
// (the projector, the webhook dispatcher) starting while a node was down
// returned "JetStream system temporarily unavailable" and the api stopped
// (found by the fault-injection suite, testsupport/faults).
func throughFailover(log *slog.Logger, name string, job func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		wait := time.Second
		for {
			err := job(ctx)
			if err == nil || ctx.Err() != nil || !bus.Transient(err) {
				return err
			}
			log.WarnContext(ctx, name+" stopped while NATS fails over; starting it again", "err", err, "in", wait.String())
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
			wait = min(2*wait, 30*time.Second)
		}
	}
}
