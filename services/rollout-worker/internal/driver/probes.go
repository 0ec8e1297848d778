package driver

import (
	"context"
	"sync"
	"time"

	"slipway.dev/pkg/kube"
)

// targetProbes shares the probes of targets among the rollouts awaiting
// them: at most one probe of a target runs at a time, and its answer
// serves every rollout that asks within fresh of it. A change to a fleet
// starts a thousand rollouts at once; each probing on its own sent a
// thousand /version requests a round, and those queued behind the
// rollouts' own requests until the target looked unreachable (issue 15).
type targetProbes struct {
	probe func(context.Context, *kube.Target) error
	fresh time.Duration
	now   func() time.Time
	mu    sync.Mutex
	// calls holds each target's last probe, running or answered. A
	// registration that replaces a target is a new *kube.Target, so it is
	// probed anew; answers older than fresh are dropped as others come.
	calls map[*kube.Target]*probeCall
}

// probeCall is one probe; err and at are set before done is closed.
type probeCall struct {
	done chan struct{}
	err  error
	at   time.Time
}

func newTargetProbes(probe func(context.Context, *kube.Target) error, fresh time.Duration) *targetProbes {
	return &targetProbes{probe: probe, fresh: fresh, now: time.Now, calls: map[*kube.Target]*probeCall{}}
}

// check returns t's probe answer: one no older than fresh, the one under
// way, or a new one that the caller runs. The probe runs without the
// caller's cancellation (others wait for it; kube.Probe bounds it), and a
// caller whose ctx ends stops waiting with ctx's error.
func (p *targetProbes) check(ctx context.Context, t *kube.Target) error {
	p.mu.Lock()
	c, ok := p.calls[t]
	if !ok || p.stale(c) {
		c = &probeCall{done: make(chan struct{})}
		p.forgetStale()
		p.calls[t] = c
		p.mu.Unlock()
		c.err = p.probe(context.WithoutCancel(ctx), t)
		c.at = p.now()
		close(c.done)
		return c.err
	}
	p.mu.Unlock()
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stale reports whether c has answered longer than fresh ago. Callers hold mu.
func (p *targetProbes) stale(c *probeCall) bool {
	select {
	case <-c.done:
		return p.now().Sub(c.at) >= p.fresh
	default:
		return false
	}
}

// forgetStale drops answers older than fresh. Callers hold mu.
func (p *targetProbes) forgetStale() {
	for t, c := range p.calls {
		if p.stale(c) {
			delete(p.calls, t)
		}
	}
}
