package worker

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// errNoClient: a target is known but the worker has no client for it.
var errNoClient = errors.New("no client for the target")

// reachability checks every target's API server periodically (discovery
// /version, kube.ProbeTimeout each, all targets at once) and publishes each
// result to the target status bucket, where the api reads it. Every worker
// checks; the last check wins. An unreachable target only costs its own
// probe's time.
type reachability struct {
	targets  *kube.Targets
	kv       jetstream.KeyValue
	interval time.Duration
	worker   string
	log      *slog.Logger
}

func (r *reachability) run(ctx context.Context) {
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

func (r *reachability) checkAll(ctx context.Context) {
	var wg sync.WaitGroup
	for _, t := range r.targets.All() {
		wg.Add(1)
		go func() { defer wg.Done(); r.check(ctx, t) }()
	}
	wg.Wait()
}

// check probes t and publishes its status.
func (r *reachability) check(ctx context.Context, t *kube.Target) {
	st := events.TargetStatus{CheckedBy: r.worker}
	version, err := probe(ctx, t)
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

// probe checks that t answers; a target without a working client says why.
func probe(ctx context.Context, t *kube.Target) (string, error) {
	switch {
	case t.ConnectErr != nil:
		return "", t.ConnectErr
	case t.Client == nil:
		return "", errNoClient
	}
	return kube.Probe(ctx, t.Client)
}
