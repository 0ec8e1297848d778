package monitor

import (
	"context"
	"slices"
	"sync"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/follow"
)

// targetChange is a target registered or replaced (t), or removed (t nil).
type targetChange struct {
	name string
	t    *kube.Target
}

// followTargets follows the targets registered through the API. Changes
// arrive on the returned channel, which Run's loop applies between
// evaluations, so the caches have one owner.
func (m *monitor) followTargets(ctx context.Context, b *bus.Conn, ts *kube.Targets, conn kube.Connector) (<-chan targetChange, error) {
	if conn.Home == nil {
		conn.Home = kube.HomeClient(ts)
	}
	changes := make(chan targetChange, 16)
	// The registrations present at start are applied here, before Run's
	// loop reads the channel; later ones go through it.
	var mu sync.Mutex
	var initial []targetChange
	started := false
	err := follow.Targets(ctx, b, ts, conn, func(name string, t *kube.Target) {
		mu.Lock()
		if !started {
			initial = append(initial, targetChange{name: name, t: t})
			mu.Unlock()
			return
		}
		mu.Unlock()
		select {
		case changes <- targetChange{name: name, t: t}:
		case <-ctx.Done():
		}
	}, m.log)
	mu.Lock()
	started = true
	pending := initial
	mu.Unlock()
	for _, ch := range pending {
		m.applyChange(ctx, ch)
	}
	return changes, err
}

// applyChange starts informers on a registered target (replacing those of
// its previous registration) or stops them. It never waits for a target:
// informers of an unreachable one retry on their own, and its deployments
// are simply not seen until it answers.
func (m *monitor) applyChange(ctx context.Context, ch targetChange) {
	if stop, ok := m.registered[ch.name]; ok {
		stop()
		delete(m.registered, ch.name)
		m.caches = slices.DeleteFunc(m.caches, func(c *caches) bool {
			if c.target.Name == ch.name {
				go c.shutdown()
				return true
			}
			return false
		})
	}
	if ch.t == nil {
		m.full = true
		m.log.InfoContext(ctx, "stopped watching a removed target", "target", ch.name)
		return
	}
	m.full = true // every deployment is sampled again, those of a removed target forgotten
	c, err := newCaches(ch.t, m.dirty)
	if err != nil {
		m.log.WarnContext(ctx, "informers of a registered target", "target", ch.name, "err", err)
		return
	}
	tctx, stop := context.WithCancel(ctx)
	for _, f := range c.factories {
		f.Start(tctx.Done())
	}
	if m.registered == nil {
		m.registered = map[string]context.CancelFunc{}
	}
	m.registered[ch.name] = stop
	m.caches = append(m.caches, c)
	m.log.InfoContext(ctx, "watching a registered target", "target", ch.name)
}
