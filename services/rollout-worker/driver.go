package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/pkg/topology"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
	"slipway.dev/services/rollout-worker/internal/slots"
)

// driver runs rollouts. It reacts to events that need Kubernetes changes
// (a new revision) by applying the revision and watching it until the
// rollout ends. The triggering event stays unacknowledged meanwhile, with a
// heartbeat (InProgress) every third of the lease; if this worker dies the
// event is redelivered to another, which folds the history and continues
// where the events say the rollout is. Decide first, actuate after, both
// idempotent: a second driver of the same rollout appends nothing twice.
type driver struct {
	bus     *bus.Conn
	targets *kube.Targets
	log     *slog.Logger
	resync  time.Duration
	slots   chan struct{}
	limits  *slots.Slots
	// targetTimeout is how long a rollout waits for an unreachable target
	// before it fails with reason TargetUnavailable.
	targetTimeout time.Duration
	wg            sync.WaitGroup
}

func (d *driver) handle(ctx context.Context, msg jetstream.Msg) {
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
	select {
	case d.slots <- struct{}{}:
	case <-ctx.Done():
		_ = msg.Nak()
		return
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer func() { <-d.slots }()
		ctx := telemetry.FromTraceParent(ctx, rec.Envelope.TraceParent)
		ctx, span := telemetry.Tracer("slipway/rollout-worker").Start(ctx, rec.Envelope.Type)
		defer span.End()
		d.run(ctx, msg, ref, work)
	}()
}

// workFor returns what an event asks the driver to do on Kubernetes, or nil.
func (d *driver) workFor(ref events.DeploymentRef, rec bus.Record) func(context.Context) error {
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
	rev, ok := events.RevisionOf(m)
	return rev.Number, ok
}

// run does one piece of work for the event in msg, heartbeating meanwhile,
// and settles msg: ack when done, nak when it must be done again.
func (d *driver) run(ctx context.Context, msg jetstream.Msg, ref events.DeploymentRef, work func(context.Context) error) {
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

func (d *driver) drive(ctx context.Context, ref events.DeploymentRef, revision int, cause events.Envelope) error {
	st, err := loadState(ctx, d.bus, ref)
	if err != nil {
		return err
	}
	if st.Current == revision && st.Rollout != nil && st.Rollout.Revision == revision &&
		(st.Rollout.Phase == rollout.PhaseFailed || st.Rollout.Phase == rollout.PhaseAborted) {
		return d.rollBack(ctx, &st, ref, revision) // failed before a previous driver could roll back
	}
	if st.Terminated || st.Current != revision || st.Rollout == nil || st.Rollout.Revision != revision || st.Rollout.Phase.Terminal() {
		return nil // superseded, terminated or already finished
	}
	meta := events.Meta{Actor: "system:rollout-worker", CorrelationID: st.Rollout.OperationID, CausationID: cause.ID,
		TraceParent: telemetry.TraceParent(ctx)}
	appendFn := func(decide func(rollout.State) []events.Message) error {
		return appendDecided(ctx, d.bus, &st, ref, meta, decide, func(m events.Message) string {
			return fmt.Sprintf("%s/r%d/%s", ref, revision, idSuffix(m))
		})
	}
	target, err := d.awaitTarget(ctx, st.Target.Name, d.targetTimeout)
	if unavailable := (*targetUnavailableError)(nil); errors.As(err, &unavailable) {
		// No automatic rollback: it would wait for the same target. The
		// deployment says why; a later change retries.
		return appendFn(func(s rollout.State) []events.Message {
			return rollout.DecideTargetUnavailable(s, revision, unavailable.target, unavailable.waited, unavailable.cause)
		})
	}
	if err != nil {
		return err
	}
	slotCtx, stopSlot := context.WithCancel(ctx)
	defer stopSlot()
	slot, err := d.awaitSlot(slotCtx, &st, ref, revision, target, appendFn)
	if err != nil {
		return err
	}
	if st.Terminated || st.Current != revision {
		return nil
	}
	if slot != nil {
		// Released when the rollout ends or gives way; kept (until its lease
		// runs out, or another worker adopts the rollout) when this worker stops.
		defer func() {
			if ctx.Err() == nil {
				_ = slot.Release(context.WithoutCancel(ctx))
			}
		}()
	}
	if err := appendFn(func(s rollout.State) []events.Message { return rollout.DecideStart(s, revision) }); err != nil {
		return err
	}
	// Pin what must outlive this rollout (aliased and keepWarm revisions)
	// before the main Deployment starts replacing their pods.
	if err := d.reconcilePinned(ctx, ref); err != nil {
		return err
	}
	rev := st.Revisions[revision]
	objs := manifest.Render(ref, st.Target, rev, target.InstanceTypes, st.Rollout.Paused)
	if err := cluster.Apply(ctx, target.Client, objs); err != nil {
		if !permanent(err) {
			return err
		}
		if err := appendFn(func(s rollout.State) []events.Message { return rollout.DecideApplyFailed(s, revision, err) }); err != nil {
			return err
		}
		return d.rollBack(ctx, &st, ref, revision)
	}
	d.log.InfoContext(ctx, "rollout applied", "deployment", ref.String(), "revision", revision, "target", target.Name)
	d.routesBestEffort(ctx, ref)
	var appendErr error
	werr := cluster.Watch(ctx, target.Client, st.Target.Namespace, st.Target.ObjectName, d.resync, func(dep *appsv1.Deployment) bool {
		if dep == nil {
			return false
		}
		// Others append to the history too (pause, abort, a newer revision):
		// catch up before deciding, or a stalled rollout would never notice.
		if err := d.catchUp(ctx, &st, ref); err != nil {
			appendErr = err
			return true
		}
		if st.Terminated || st.Current != revision || st.Rollout == nil || st.Rollout.Phase.Terminal() || st.Rollout.Phase == rollout.PhaseBaking {
			return true
		}
		obs, ok := cluster.Observe(dep, revision, rev.PodTemplateRevision(), time.Now().UTC())
		if !ok {
			// Another template runs: a newer revision took over, or someone
			// changed the Deployment (drift, reported by the drift check).
			return d.superseded(ctx, ref, revision)
		}
		if appendErr = appendFn(func(s rollout.State) []events.Message { return rollout.DecideProgress(s, obs) }); appendErr != nil {
			return true
		}
		return st.Terminated || st.Current != revision || st.Rollout == nil || st.Rollout.Phase.Terminal() || st.Rollout.Phase == rollout.PhaseBaking
	})
	if err := errors.Join(werr, appendErr); err != nil {
		return err
	}
	if err := d.bake(ctx, &st, ref, revision, appendFn); err != nil {
		return err
	}
	return d.rollBack(ctx, &st, ref, revision)
}

// bakeTick is how often a baking rollout reads its history (health changes,
// pause, abort, a newer revision) and the clock.
const bakeTick = 250 * time.Millisecond

// bake waits out a baking rollout: it ends succeeded at its time, or failed
// when the health monitor reports its pods failing first (then rolled back
// by the caller). Nothing to do unless the rollout bakes.
func (d *driver) bake(ctx context.Context, st *rollout.State, ref events.DeploymentRef, revision int,
	appendFn func(func(rollout.State) []events.Message) error) error {
	t := time.NewTicker(bakeTick)
	defer t.Stop()
	for st.Current == revision && !st.Terminated && st.Rollout != nil && st.Rollout.Phase == rollout.PhaseBaking {
		if err := appendFn(func(s rollout.State) []events.Message { return rollout.DecideBake(s, revision, time.Now().UTC()) }); err != nil {
			return err
		}
		if st.Rollout.Phase != rollout.PhaseBaking {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if err := d.catchUp(ctx, st, ref); err != nil {
			return err
		}
	}
	return nil
}

// rollBack appends an automatic rollback after a failed rollout; the
// rollback revision's own event then drives its rollout like any other.
func (d *driver) rollBack(ctx context.Context, st *rollout.State, ref events.DeploymentRef, failed int) error {
	if st.Terminated || st.Rollout == nil || st.Rollout.Revision != failed ||
		(st.Rollout.Phase != rollout.PhaseFailed && st.Rollout.Phase != rollout.PhaseAborted) {
		return nil
	}
	// The rollback after an abort belongs to the abort's operation, which
	// ends when the last good revision runs again.
	op := st.Rollout.AbortOperation
	if op == "" {
		op = st.Rollout.OperationID + ".rollback"
	}
	meta := events.Meta{Actor: "system:rollout-worker", CorrelationID: op,
		CausationID: fmt.Sprintf("%s/r%d/failed", ref, failed), TraceParent: telemetry.TraceParent(ctx)}
	err := appendDecided(ctx, d.bus, st, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideAutoRollback(s, failed)
	}, func(m events.Message) string { return fmt.Sprintf("%s/r%d/auto-rollback", ref, failed) })
	if err == nil && st.Current != failed {
		d.log.WarnContext(ctx, "rollout failed; rolled back automatically", "deployment", ref.String(),
			"failed_revision", failed, "rollback_revision", st.Current, "reason", st.Revisions[st.Current].Message)
	}
	return err
}

// catchUp reloads st when the deployment's history has grown since it was folded.
func (d *driver) catchUp(ctx context.Context, st *rollout.State, ref events.DeploymentRef) error {
	last, err := d.bus.LastSeq(ctx, events.DeploymentSubject(ref))
	if err != nil || last == st.LastSeq {
		return err
	}
	fresh, err := loadState(ctx, d.bus, ref)
	if err != nil {
		return err
	}
	*st = fresh
	return nil
}

// superseded reports whether a newer revision replaced this one.
func (d *driver) superseded(ctx context.Context, ref events.DeploymentRef, revision int) bool {
	st, err := loadState(ctx, d.bus, ref)
	return err == nil && (st.Current != revision || st.Terminated)
}

// permanent reports whether the target refused the objects for a reason a
// retry will not fix.
func permanent(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || apierrors.IsBadRequest(err)
}

// idSuffix names terminal and start events deterministically per revision
// (a retry after a lost ack is deduplicated by Nats-Msg-Id); progress events
// get a time-based suffix.
func idSuffix(m events.Message) string {
	switch m.(type) {
	case events.RolloutProgressed:
		return "progress-" + fmt.Sprint(time.Now().UnixNano())
	default:
		return m.Type()
	}
}
