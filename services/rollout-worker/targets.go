package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/follow"
	"slipway.dev/pkg/topology"
	"slipway.dev/services/rollout-worker/internal/history"
	"slipway.dev/services/rollout-worker/internal/targets"
)

// publishTargets records the targets this worker serves, so the api can
// validate target names and instance types before accepting a command and
// list the targets. Workers of one deployment serve the same targets; the
// last write wins and says the same.
func publishTargets(ctx context.Context, b *bus.Conn, ts *kube.Targets) error {
	kv, err := b.KeyValue(ctx, events.BucketTargets)
	if err != nil {
		return fmt.Errorf("targets bucket: %w", err)
	}
	for _, t := range ts.All() {
		if t.Registered {
			continue // its registration's history publishes it
		}
		rec, err := json.Marshal(t.Record(t.Name == ts.Default))
		if err != nil {
			return err
		}
		if _, err := kv.Put(ctx, t.Name, rec); err != nil {
			return fmt.Errorf("publish target %s: %w", t.Name, err)
		}
	}
	return nil
}

// followTargets connects to the targets registered through the API and
// keeps following their registrations; it returns the reachability checker
// of all targets, which the caller runs. A registered target is checked as
// soon as it is connected; rerouted is called with a registered target
// whose registration was replaced with another routing setting.
func followTargets(ctx context.Context, b *bus.Conn, ts *kube.Targets, cfg Config, log *slog.Logger,
	rerouted func(*kube.Target)) (*targets.Reachability, error) {
	statusKV, err := b.KeyValue(ctx, events.BucketTargetStatus)
	if err != nil {
		return nil, fmt.Errorf("target status bucket: %w", err)
	}
	host, _ := os.Hostname()
	reach := targets.NewReachability(ts, statusKV, orDefault(cfg.TargetCheckInterval, defaultTargetCheckInterval), host, log)
	conn := cfg.Connector
	if conn.Home == nil {
		conn.Home = kube.HomeClient(ts)
	}
	var routings routingChanges
	err = follow.Targets(ctx, b, ts, conn, func(name string, t *kube.Target) {
		if routings.changed(name, t) {
			rerouted(t)
		}
		if t != nil {
			go reach.Check(ctx, t)
		}
	}, log)
	return reach, err
}

// consumeTargetCommands starts deciding target commands (see targets.Registry).
func consumeTargetCommands(ctx, decideCtx context.Context, b *bus.Conn, ts *kube.Targets, log *slog.Logger) (jetstream.ConsumeContext, error) {
	cons, err := b.Consumer(ctx, events.StreamCommands, topology.TargetRegistryConsumer())
	if err != nil {
		return nil, fmt.Errorf("target command consumer: %w", err)
	}
	catalogKV, err := b.KeyValue(ctx, events.BucketTargets)
	if err != nil {
		return nil, fmt.Errorf("targets bucket: %w", err)
	}
	statusKV, err := b.KeyValue(ctx, events.BucketTargetStatus)
	if err != nil {
		return nil, fmt.Errorf("target status bucket: %w", err)
	}
	reg := targets.NewRegistry(history.NewTargets(b), catalogKV, statusKV, ts.Configured, log)
	sub, err := cons.Consume(func(m jetstream.Msg) { reg.Handle(decideCtx, m) })
	if err != nil {
		return nil, fmt.Errorf("consume target commands: %w", err)
	}
	return sub, nil
}
