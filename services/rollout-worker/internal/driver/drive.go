package driver

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// drive rolls revision out: it records the start, applies the revision's
// objects, watches its Deployment and records progress until the rollout
// ends (or bakes and ends), and rolls back automatically after a failure.
// It does nothing for a rollout that is no longer ours or has ended.
func (d *Driver) drive(ctx context.Context, ref events.DeploymentRef, revision int, cause events.Envelope) error {
	st, err := d.history.Load(ctx, ref)
	if err != nil {
		return err
	}
	if st.Current == revision && st.Rollout != nil && st.Rollout.Revision == revision &&
		(st.Rollout.Phase == rollout.PhaseFailed || st.Rollout.Phase == rollout.PhaseAborted) {
		return d.rollBack(ctx, &st, ref, revision) // failed before a previous driver could roll back
	}
	if !ours(st, revision) || st.Rollout == nil || st.Rollout.Revision != revision || st.Rollout.Phase.Terminal() {
		return nil // superseded, terminated or already finished
	}
	meta := events.ByService(events.ActorRolloutWorker, st.Rollout.OperationID, telemetry.TraceParent(ctx))
	meta.CausationID = cause.ID
	appendFn := func(decide func(rollout.State) []events.Message) error {
		return d.history.Append(ctx, &st, ref, meta, decide, func(m events.Message) string {
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
	if !ours(st, revision) {
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
	if _, held := st.Revisions[revision]; held && !ours(st, revision) {
		return nil // superseded or terminated while it waited for its start (a stale reload is retried below)
	}
	if rollout.BackgroundApplies(st, revision) {
		// Background checks run beside everything below until this
		// returns: the rollout ended, or the worker stops (the next
		// driver starts them again where the history says they are).
		bgCtx, stopBackground := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			d.runBackground(bgCtx, ref, revision, target, meta)
		}()
		defer func() { stopBackground(); <-done }()
	}
	// A canary runs its steps beside the untouched main Deployment; the
	// main Deployment rolls to the new revision only once they are done.
	// Any other rollout first ends what a superseded canary left (routes,
	// then its Deployment).
	if rollout.CanaryApplies(st, revision) {
		complete, err := d.driveCanary(ctx, &st, ref, revision, target, appendFn)
		if err != nil || !complete {
			if err != nil {
				return err
			}
			return d.rollBack(ctx, &st, ref, revision)
		}
	} else if err := d.endCanary(ctx, ref); err != nil {
		return err
	}
	// Pin what must outlive this rollout (aliased and keepWarm revisions)
	// before the main Deployment starts replacing their pods.
	if err := d.reconcilePinned(ctx, ref); err != nil {
		return err
	}
	rev, ok := st.Revisions[revision]
	if !ok || st.Rollout == nil {
		// An append that found the history moved reloaded it from a replica
		// still behind (see errStaleHistory): retry rather than render a
		// revision the state does not hold (a nil dereference before).
		return fmt.Errorf("%s revision %d: %w", ref, revision, errStaleHistory)
	}
	objs := manifest.Render(ref, st.Target, rev, target.InstanceTypes, st.Rollout.Paused)
	if err := cluster.Apply(ctx, target.Client, objs); err != nil {
		if errors.Is(err, cluster.ErrNewerApplied) {
			d.log.InfoContext(ctx, "rollout overtaken before it applied", "deployment", ref.String(), "revision", revision, "err", err)
			return nil // the newer revision's driver records this one superseded
		}
		if !permanent(err) {
			return err
		}
		if err := appendFn(func(s rollout.State) []events.Message { return rollout.DecideApplyFailed(s, revision, err) }); err != nil {
			return err
		}
		return d.rollBack(ctx, &st, ref, revision)
	}
	if err := d.undoIfTerminated(ctx, &st, ref); err != nil || st.Terminated {
		return err
	}
	d.log.InfoContext(ctx, "rollout applied", "deployment", ref.String(), "revision", revision, "target", target.Name)
	d.RoutesBestEffort(ctx, ref)
	var appendErr error
	werr := d.observed.watch(ctx, target, st.Target.Namespace, st.Target.ObjectName, d.resync, func(dep *appsv1.Deployment) bool {
		if dep == nil {
			return false
		}
		// Others append to the history too (pause, abort, a newer revision):
		// catch up before deciding, or a stalled rollout would never notice.
		if err := d.catchUp(ctx, &st, ref); err != nil {
			appendErr = err
			return true
		}
		if !rolling(st, revision) {
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
		return !rolling(st, revision)
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
func (d *Driver) bake(ctx context.Context, st *rollout.State, ref events.DeploymentRef, revision int,
	appendFn func(func(rollout.State) []events.Message) error) error {
	t := time.NewTicker(bakeTick)
	defer t.Stop()
	for baking(*st, revision) {
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
func (d *Driver) rollBack(ctx context.Context, st *rollout.State, ref events.DeploymentRef, failed int) error {
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
	meta := events.ByService(events.ActorRolloutWorker, op, telemetry.TraceParent(ctx))
	meta.CausationID = fmt.Sprintf("%s/r%d/failed", ref, failed)
	err := d.history.Append(ctx, st, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideAutoRollback(s, failed)
	}, func(m events.Message) string { return fmt.Sprintf("%s/r%d/auto-rollback", ref, failed) })
	if err == nil && st.Current != failed {
		d.log.WarnContext(ctx, "rollout failed; rolled back automatically", "deployment", ref.String(),
			"failed_revision", failed, "rollback_revision", st.Current, "reason", st.Revisions[st.Current].Message)
	}
	return err
}

// catchUp reloads st when the deployment's history has grown since it was folded.
func (d *Driver) catchUp(ctx context.Context, st *rollout.State, ref events.DeploymentRef) error {
	last, err := d.history.LastSeq(ctx, ref)
	if err != nil || last == st.LastSeq {
		return err
	}
	fresh, err := d.history.Load(ctx, ref)
	if err != nil {
		return err
	}
	*st = fresh
	return nil
}

// superseded reports whether a newer revision replaced this one.
func (d *Driver) superseded(ctx context.Context, ref events.DeploymentRef, revision int) bool {
	st, err := d.history.Load(ctx, ref)
	return err == nil && !ours(st, revision)
}

// permanent reports whether the target refused the objects for a reason a
// retry will not fix.
func permanent(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || apierrors.IsBadRequest(err)
}

// idSuffix names terminal, start and canary events deterministically per
// revision (a retry after a lost ack, or a step driven again, is
// deduplicated by Nats-Msg-Id); progress events get a time-based suffix.
func idSuffix(m events.Message) string {
	switch e := m.(type) {
	case events.RolloutProgressed:
		return "progress-" + fmt.Sprint(time.Now().UnixNano())
	case events.CanaryStepStarted:
		return fmt.Sprintf("canary-step-%d", e.Step)
	case events.AnalysisMeasured:
		if e.Background {
			return fmt.Sprintf("measured-bg-%d-%s-%d", e.Attempt, e.Check, e.Index)
		}
		return fmt.Sprintf("measured-%d-%d-%s-%d", e.Step, e.Attempt, e.Check, e.Index)
	case events.AnalysisInconclusive:
		if e.Background {
			return fmt.Sprintf("inconclusive-bg-%d-%s-%d", e.Attempt, e.Check, e.Measurements)
		}
		return fmt.Sprintf("inconclusive-%d-%d-%s-%d", e.Step, e.Attempt, e.Check, e.Measurements)
	default:
		return m.Type()
	}
}
