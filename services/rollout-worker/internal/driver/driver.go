// Package driver is the rollout driver: it takes the events that need
// Kubernetes changes (a revision to roll out, a pause, an abort, an alias
// move, a termination) from the driver consumer, acts on the deployment's
// target and records what happened in the deployment's history. It reaches
// the histories, the targets and the per-target rollout slots through the
// interfaces in deps.go; "is this rollout still ours?" is ours (ours.go).
package driver

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/pkg/topology"
	"slipway.dev/services/rollout-worker/internal/analysis"
)

// Driver runs rollouts. It reacts to events that need Kubernetes changes
// (a new revision) by applying the revision and watching it until the
// rollout ends. The triggering event stays unacknowledged meanwhile, with a
// heartbeat (InProgress) every third of the lease; if this worker dies the
// event is redelivered to another, which folds the history and continues
// where the events say the rollout is. Decide first, actuate after, both
// idempotent: a second driver of the same rollout appends nothing twice.
type Driver struct {
	history History
	targets Targets
	limits  Slots
	log     *slog.Logger
	resync  time.Duration
	// inFlight bounds the rollouts this worker drives at once.
	inFlight chan struct{}
	// targetTimeout is how long a rollout waits for an unreachable target
	// before it fails with reason TargetUnavailable.
	targetTimeout time.Duration
	// analysis measures canaries' checks (nil: none configured; every
	// measurement is then inconclusive).
	analysis analysis.Provider
	// providers are the targets' own Prometheus servers, by address.
	providers *providerCache
	// probes answer whether a target is reachable, one probe for all the
	// rollouts that ask at once.
	probes *targetProbes
	// observed watches the Deployments of rollouts in flight, one list
	// and watch per target.
	observed deploymentCaches
	// routes find the routing objects of routed deployments, one list and
	// watch per kind and target.
	routes routeCaches
	wg     sync.WaitGroup
}

// Options are what a Driver works with.
type Options struct {
	History History
	Targets Targets
	// Slots limits rollouts per target across workers.
	Slots Slots
	Log   *slog.Logger
	// Resync is how often a watched Deployment is re-read without watch events.
	Resync time.Duration
	// MaxRollouts bounds the rollouts driven at once (> 0).
	MaxRollouts   int
	TargetTimeout time.Duration
	// Analysis answers canaries' check queries (Prometheus) on targets
	// that name no Prometheus of their own; nil: those checks are
	// inconclusive and pause their canaries.
	Analysis analysis.Provider
	// NewProvider makes the provider of a target's own Prometheus
	// (kube.TargetConfig.PrometheusURL), once per address; nil:
	// analysis.NewPrometheus.
	NewProvider func(address string) (analysis.Provider, error)
}

// New returns a driver; it does nothing until Handle is called.
func New(o Options) *Driver {
	return &Driver{history: freshHistory{o.History}, targets: o.Targets, limits: o.Slots, log: o.Log, resync: o.Resync,
		inFlight: make(chan struct{}, o.MaxRollouts), targetTimeout: o.TargetTimeout, analysis: o.Analysis,
		providers: newProviderCache(o.NewProvider), probes: newTargetProbes(probeTarget, targetRetry),
		observed: newDeploymentCaches(o.Targets), routes: newRouteCaches(o.Targets)}
}

// Wait returns once the work Handle started has ended.
func (d *Driver) Wait() { d.wg.Wait() }

// Handle takes on the work an event of the driver consumer asks for, in a
// goroutine of its own, and settles msg when it ends (see run). It blocks
// while the driver already drives as many rollouts as it may.
func (d *Driver) Handle(ctx context.Context, msg jetstream.Msg) {
	rec, err := bus.Decode(0, msg.Data())
	if err != nil {
		d.log.ErrorContext(ctx, "dropping malformed event", "subject", msg.Subject(), "err", err)
		_ = msg.TermWithReason("malformed event")
		return
	}
	ref, refOK := events.ParseDeploymentSubject(msg.Subject())
	work := d.workFor(ref, rec)
	if work == nil || !refOK {
		_ = msg.Ack()
		return
	}
	if meta, err := msg.Metadata(); err == nil {
		ctx = atLeast(ctx, meta.Sequence.Stream) // see errStaleHistory
	}
	select {
	case d.inFlight <- struct{}{}:
	case <-ctx.Done():
		_ = msg.Nak()
		return
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer func() { <-d.inFlight }()
		ctx := telemetry.FromTraceParent(ctx, rec.Envelope.TraceParent)
		ctx, span := telemetry.Tracer("slipway/rollout-worker").Start(ctx, rec.Envelope.Type)
		defer span.End()
		d.run(ctx, msg, ref, work)
	}()
}

// workFor returns what an event asks the driver to do on Kubernetes, or nil.
func (d *Driver) workFor(ref events.DeploymentRef, rec bus.Record) func(context.Context) error {
	switch m := rec.Message.(type) {
	case events.DeploymentTerminated:
		return func(ctx context.Context) error { return d.terminate(ctx, ref) }
	case events.RolloutPaused:
		return func(ctx context.Context) error { return d.setPaused(ctx, ref, m.Revision) }
	case events.RolloutResumed:
		return func(ctx context.Context) error { return d.setPaused(ctx, ref, m.Revision) }
	case events.RolloutAborted:
		return func(ctx context.Context) error { return d.afterAbort(ctx, ref, m.Revision) }
	case events.AliasSet:
		return func(ctx context.Context) error { return d.moveAlias(ctx, ref, m.Alias, m.Revision) }
	case events.AliasDeleted:
		return func(ctx context.Context) error { return d.deleteAlias(ctx, ref, m.Alias) }
	case events.RolloutSucceeded:
		// The per-version path moves to the new revision; keepWarm: the
		// revision that was running may now have to stay pinned.
		return func(ctx context.Context) error { return d.reconcileServing(ctx, ref) }
	}
	if revision, ok := needsRollout(rec.Message); ok {
		return func(ctx context.Context) error { return d.drive(ctx, ref, revision, rec.Envelope) }
	}
	return nil
}

// needsRollout says which revision an event asks the driver to roll out.
func needsRollout(m events.Message) (int, bool) {
	switch e := m.(type) {
	case events.DeploymentCreated:
		return e.Revision.Number, true
	case events.RevisionCreated:
		return e.Revision.Number, true
	case events.DriftDetected:
		if e.Adopted != nil {
			return e.Adopted.Number, true
		}
	}
	return 0, false
}

// run does one piece of work for the event in msg, heartbeating meanwhile,
// and settles msg: ack when done, nak when it must be done again.
func (d *Driver) run(ctx context.Context, msg jetstream.Msg, ref events.DeploymentRef, work func(context.Context) error) {
	hbCtx, stopHB := context.WithCancel(ctx)
	defer stopHB()
	go heartbeat(hbCtx, msg)
	metrics.RolloutsInFlight.Inc()
	err := work(ctx)
	metrics.RolloutsInFlight.Dec()
	stopHB()
	switch {
	case err == nil:
		_ = msg.Ack()
	case ctx.Err() != nil:
		// Shutting down: hand the rollout to another worker now rather than after the lease.
		_ = msg.Nak()
	default:
		d.log.ErrorContext(ctx, "work interrupted; will retry", "deployment", ref.String(), "err", err)
		_ = msg.NakWithDelay(2 * time.Second)
	}
}

func heartbeat(ctx context.Context, msg jetstream.Msg) {
	t := time.NewTicker(topology.RolloutLease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = msg.InProgress()
		}
	}
}
