// Package worker is the rollout worker: it decides deployment commands
// against each deployment's event history and drives the resulting rollouts
// on Kubernetes, publishing events as they progress.
//
// Run only wires. Each actor is a package under internal/ that reaches the
// bus and the clusters through small interfaces it declares: the command
// handler (commands), the rollout driver (driver), the drift checker
// (drift), the target registry and reachability checks (targets). Their
// one implementation of the histories on JetStream is internal/history.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/topology"
	"slipway.dev/services/rollout-worker/internal/analysis"
	"slipway.dev/services/rollout-worker/internal/commands"
	"slipway.dev/services/rollout-worker/internal/drift"
	"slipway.dev/services/rollout-worker/internal/driver"
	"slipway.dev/services/rollout-worker/internal/history"
	"slipway.dev/services/rollout-worker/internal/slots"
)

// Run serves until ctx ends, then stops taking work, hands rollouts in
// flight back to the stream for another worker, and returns.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("rollout-worker config: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	targets, err := connectTargets(cfg)
	if err != nil {
		return err
	}
	conn, err := bus.Connect(ctx, cfg.NATSURL, "slipway-rollout-worker", bus.WithReplicas(cfg.StreamReplicas))
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.EnsureTopology(ctx); err != nil {
		return err
	}
	if err := publishTargets(ctx, conn, targets); err != nil {
		return err
	}
	maxRollouts := cfg.MaxRollouts
	if maxRollouts <= 0 {
		maxRollouts = 64
	}
	resync := cfg.Resync
	if resync <= 0 {
		resync = 2 * time.Second
	}
	slotsKV, err := conn.KeyValue(ctx, events.BucketRolloutSlots)
	if err != nil {
		return fmt.Errorf("rollout slots: %w", err)
	}
	histories := history.New(conn)
	var provider analysis.Provider
	if cfg.PrometheusURL != "" {
		p, err := analysis.NewPrometheus(cfg.PrometheusURL)
		if err != nil {
			return err
		}
		provider = p
	}
	d := driver.New(driver.Options{History: histories, Targets: targets, Slots: slotLimits{slots.New(slotsKV, driver.SlotLease)},
		Log: log, Resync: resync, MaxRollouts: maxRollouts, TargetTimeout: orDefault(cfg.TargetTimeout, defaultTargetTimeout),
		Analysis: provider})
	// Goroutines beside the consumers': reachability, drift checks, reroutes.
	var wg sync.WaitGroup
	reach, err := followTargets(ctx, conn, targets, cfg, log, func(t *kube.Target) {
		wg.Go(func() { d.RerouteTarget(ctx, t) })
	})
	if err != nil {
		return err
	}
	cmds, err := conn.Consumer(ctx, events.StreamCommands, topology.RolloutWorkerConsumer())
	if err != nil {
		return fmt.Errorf("command consumer: %w", err)
	}
	drv, err := conn.Consumer(ctx, events.StreamEvents, topology.RolloutDriverConsumer())
	if err != nil {
		return fmt.Errorf("rollout consumer: %w", err)
	}
	h := commands.New(histories, targets, log)
	wg.Go(func() { reach.Run(ctx) })

	// A decision in progress finishes even while shutting down: it is short,
	// and finishing it spares a redelivery.
	decideCtx := context.WithoutCancel(ctx)
	cmdSub, err := cmds.Consume(func(m jetstream.Msg) { h.Handle(decideCtx, m) })
	if err != nil {
		return fmt.Errorf("consume commands: %w", err)
	}
	drvSub, err := drv.Consume(func(m jetstream.Msg) { d.Handle(ctx, m) }, jetstream.PullMaxMessages(maxRollouts))
	if err != nil {
		cmdSub.Stop()
		return fmt.Errorf("consume rollouts: %w", err)
	}
	regSub, err := consumeTargetCommands(ctx, decideCtx, conn, targets, log)
	if err != nil {
		cmdSub.Stop()
		drvSub.Stop()
		return err
	}
	if cfg.DriftInterval > 0 {
		policy := cfg.DriftPolicy
		if policy == "" {
			policy = DriftPolicyRevert
		}
		dc := drift.New(histories, targets, log, cfg.DriftInterval, policy, d.RoutesBestEffort)
		wg.Go(func() { dc.Run(ctx) })
	}
	log.InfoContext(ctx, "rollout worker started", "targets", len(targets.All()), "default_target", targets.Default)
	<-ctx.Done()
	cmdSub.Drain()
	regSub.Drain()
	drvSub.Stop()
	<-cmdSub.Closed()
	<-regSub.Closed()
	d.Wait()
	wg.Wait()
	log.Info("rollout worker stopped")
	return nil
}

func connectTargets(cfg Config) (*kube.Targets, error) {
	if cfg.Targets != nil {
		return cfg.Targets.Clone(), nil // registrations change this worker's set only
	}
	var ts []*kube.Target
	var errs []error
	for _, tc := range cfg.TargetConfigs {
		t, err := kube.Connect(tc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ts = append(ts, t)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return kube.NewTargets(ts...)
}

// slotLimits is the driver's Slots on the slots bucket.
type slotLimits struct{ s *slots.Slots }

func (l slotLimits) Acquire(ctx context.Context, target string, limit int, holder string) (driver.Slot, error) {
	slot, err := l.s.Acquire(ctx, target, limit, holder)
	if slot == nil {
		return nil, err // a nil *slots.Slot in a driver.Slot would not be nil
	}
	return slot, err
}
