// Package worker is the rollout worker: it decides deployment commands
// against each deployment's event history and drives the resulting rollouts
// on Kubernetes, publishing events as they progress.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/topology"
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
	conn, err := bus.Connect(ctx, cfg.NATSURL, "slipway-rollout-worker")
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
	slotsKV, err := conn.JS.KeyValue(ctx, events.BucketRolloutSlots)
	if err != nil {
		return fmt.Errorf("rollout slots: %w", err)
	}
	d := &driver{bus: conn, targets: targets, log: log, resync: resync, slots: make(chan struct{}, maxRollouts),
		limits: slots.New(slotsKV, slotLease), targetTimeout: orDefault(cfg.TargetTimeout, defaultTargetTimeout)}
	reach, err := followTargets(ctx, conn, targets, cfg, log, func(t *kube.Target) {
		d.wg.Add(1)
		go func() { defer d.wg.Done(); d.rerouteTarget(ctx, t) }()
	})
	if err != nil {
		return err
	}
	cmds, err := conn.JS.CreateOrUpdateConsumer(ctx, events.StreamCommands, topology.RolloutWorkerConsumer())
	if err != nil {
		return fmt.Errorf("command consumer: %w", err)
	}
	drv, err := conn.JS.CreateOrUpdateConsumer(ctx, events.StreamEvents, topology.RolloutDriverConsumer())
	if err != nil {
		return fmt.Errorf("rollout consumer: %w", err)
	}
	h := &commandHandler{bus: conn, targets: targets, log: log}
	d.wg.Add(1)
	go func() { defer d.wg.Done(); reach.run(ctx) }()

	// A decision in progress finishes even while shutting down: it is short,
	// and finishing it spares a redelivery.
	decideCtx := context.WithoutCancel(ctx)
	cmdSub, err := cmds.Consume(func(m jetstream.Msg) { h.handle(decideCtx, m) })
	if err != nil {
		return fmt.Errorf("consume commands: %w", err)
	}
	drvSub, err := drv.Consume(func(m jetstream.Msg) { d.handle(ctx, m) }, jetstream.PullMaxMessages(maxRollouts))
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
		dc := newDriftChecker(conn, targets, log, cfg.DriftInterval, policy, d.routesBestEffort)
		d.wg.Add(1)
		go func() { defer d.wg.Done(); dc.run(ctx) }()
	}
	log.InfoContext(ctx, "rollout worker started", "targets", len(targets.All()), "default_target", targets.Default)
	<-ctx.Done()
	cmdSub.Drain()
	regSub.Drain()
	drvSub.Stop()
	<-cmdSub.Closed()
	<-regSub.Closed()
	d.wg.Wait()
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
