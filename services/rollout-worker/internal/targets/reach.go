package targets

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/cluster"
)

// Reachability checks every target's API server periodically (discovery
// /version, kube.ProbeTimeout each, all targets at once) and publishes each
// result to the target status bucket, where the api reads it. Every worker
// checks; the last check wins. An unreachable target only costs its own
// probe's time.
type Reachability struct {
	targets  *kube.Targets
	kv       StatusBucket
	interval time.Duration
	worker   string
	log      *slog.Logger
}

// StatusBucket is where target statuses are published (the target status
// KV bucket), keyed by target name.
type StatusBucket interface {
	Put(ctx context.Context, key string, value []byte) (uint64, error)
}

// NewReachability checks the targets in ts every interval and publishes
// their status in kv, signed by worker (this worker's host name).
func NewReachability(ts *kube.Targets, kv StatusBucket, interval time.Duration, worker string, log *slog.Logger) *Reachability {
	return &Reachability{targets: ts, kv: kv, interval: interval, worker: worker, log: log}
}

// Run checks every target at once, then every interval, until ctx ends.
func (r *Reachability) Run(ctx context.Context) {
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		r.checkAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Reachability) checkAll(ctx context.Context) {
	var wg sync.WaitGroup
	for _, t := range r.targets.All() {
		wg.Add(1)
		go func() { defer wg.Done(); r.Check(ctx, t) }()
	}
	wg.Wait()
}

// Check probes t and publishes its status.
func (r *Reachability) Check(ctx context.Context, t *kube.Target) {
	st := events.TargetStatus{CheckedBy: r.worker}
	version, err := cluster.Probe(ctx, t)
	st.LastCheckedAt = time.Now().UTC()
	if err != nil {
		st.LastError = kube.SafeError(err)
	} else {
		st.Reachable, st.ServerVersion = true, version
	}
	if ctx.Err() != nil {
		return
	}
	if cur, ok := r.targets.Get(t.Name); !ok || cur != t {
		return // removed or replaced meanwhile: its status is not this one
	}
	b, _ := json.Marshal(st) // a TargetStatus always encodes
	if _, err := r.kv.Put(ctx, t.Name, b); err != nil {
		r.log.WarnContext(ctx, "publish target status", "target", t.Name, "err", err)
	}
}
