package driver

import (
	"context"
	"fmt"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/analysis"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// backgroundTick is how often the background analysis reads its history
// when no measurement is due sooner.
const backgroundTick = 250 * time.Millisecond

// runBackground measures revision's background checks
// (rollout.DecideBackground decides, this acts) from the rollout's start
// until it ends or ctx is done: the whole rollout, steps, the main
// Deployment's rolling update and its bake. It has a fold of its own (the
// drive loop's is not shared across goroutines) and appends through the
// same optimistic append, so its failure or pause is seen by the drive
// loop at its next read of the history: a failure ends the canary's split
// and rolls back, as a failed analysis step does.
func (d *Driver) runBackground(ctx context.Context, ref events.DeploymentRef, revision int, target *kube.Target, meta events.Meta) {
	st, err := d.history.Load(ctx, ref)
	if err != nil || !rollout.BackgroundApplies(st, revision) {
		return
	}
	appendFn := func(decide func(rollout.State) []events.Message) error {
		return d.history.Append(ctx, &st, ref, meta, decide, func(m events.Message) string {
			return fmt.Sprintf("%s/r%d/%s", ref, revision, idSuffix(m))
		})
	}
	for ctx.Err() == nil {
		if err := d.catchUp(ctx, &st, ref); err != nil {
			d.backgroundWait(ctx, time.Time{})
			continue
		}
		if r := st.Rollout; !ours(st, revision) || r == nil || r.Revision != revision || r.Phase.Terminal() {
			return
		}
		next := rollout.DecideBackground(st, revision, time.Now().UTC())
		switch {
		case len(next.Events) > 0:
			err = appendFn(func(s rollout.State) []events.Message {
				return rollout.DecideBackground(s, revision, time.Now().UTC()).Events
			})
		case len(next.Measure) > 0:
			err = d.measureBackground(ctx, &st, ref, revision, target, next.Measure, appendFn)
		default:
			d.backgroundWait(ctx, next.Until)
		}
		if err != nil && ctx.Err() == nil {
			d.log.WarnContext(ctx, "background analysis: will try again", "deployment", ref.String(), "revision", revision, "err", err)
			d.backgroundWait(ctx, time.Time{})
		}
	}
}

// backgroundWait waits until until (when sooner than a tick), a tick, or ctx.
func (d *Driver) backgroundWait(ctx context.Context, until time.Time) {
	wait := backgroundTick
	if !until.IsZero() {
		wait = min(max(time.Until(until), 0), backgroundTick)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// measureBackground takes the due measurements of the background checks
// and appends each (rollout.DecideBackgroundMeasured drops one the
// background no longer wants).
func (d *Driver) measureBackground(ctx context.Context, st *rollout.State, ref events.DeploymentRef, revision int, target *kube.Target,
	checks []string, appendFn func(func(rollout.State) []events.Message) error) error {
	attempt := st.Rollout.Background.Attempt
	return d.measureChecks(ctx, st, ref, revision, target, checks, "background measured", appendFn,
		func(s rollout.State, name string, m analysis.Measurement) []events.Message {
			return rollout.DecideBackgroundMeasured(s, revision, attempt, name, m)
		})
}
