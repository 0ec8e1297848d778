package driver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/cluster"
)

// targetRetry is how often a rollout waiting for its target probes it again,
// and how long one probe's answer serves every rollout of that target.
const targetRetry = 2 * time.Second

// probeTarget is a probe of the driver's: whether t's API server answers.
func probeTarget(ctx context.Context, t *kube.Target) error {
	_, err := cluster.Probe(ctx, t)
	return err
}

// targetUnavailableError says a target did not answer within the wait.
type targetUnavailableError struct {
	target string
	waited time.Duration
	cause  error
}

func (e *targetUnavailableError) Error() string {
	return fmt.Sprintf("target %s unreachable for %s: %v", e.target, e.waited.Round(time.Second), e.cause)
}

func (e *targetUnavailableError) Unwrap() error { return e.cause }

// errUnknownTarget: no target of that name, configured or registered.
var errUnknownTarget = errors.New("the target is not known to this worker (not configured, or removed)")

// awaitTarget returns the named target once its API server answers a probe
// (shared with the other rollouts awaiting it: targetProbes).
// It probes again every targetRetry, looking the target up each time (a
// registration may be replaced meanwhile), and gives up after wait with a
// *targetUnavailableError: a rollout on an unreachable target ends with a
// reason instead of holding its worker slot forever. Rollouts on other
// targets never wait for it: each runs in its own goroutine.
func (d *Driver) awaitTarget(ctx context.Context, name string, wait time.Duration) (*kube.Target, error) {
	start := time.Now()
	for {
		t, ok := d.targets.Get(name)
		var err error
		if !ok {
			err = errUnknownTarget
		} else if err = d.probes.check(ctx, t); err == nil {
			return t, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if time.Since(start) >= wait {
			return nil, &targetUnavailableError{target: name, waited: time.Since(start), cause: errors.New(kube.SafeError(err))}
		}
		d.log.WarnContext(ctx, "target unreachable; rollout waits", "target", name, "err", kube.SafeError(err))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(targetRetry, max(wait-time.Since(start), 0))):
		}
	}
}
