package driver

import (
	"context"
	"fmt"

	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// setPaused applies the rollout's paused flag to its Deployment. The
// driver watching the rollout keeps watching: a paused Deployment makes no
// progress and hits no deadline, so nothing is decided until it resumes.
func (d *Driver) setPaused(ctx context.Context, ref events.DeploymentRef, revision int) error {
	st, err := d.history.Load(ctx, ref)
	if err != nil {
		return err
	}
	if st.Terminated || st.Rollout == nil || st.Rollout.Revision != revision || st.Rollout.Phase.Terminal() {
		return nil
	}
	if c := st.Rollout.Canary; rollout.CanaryApplies(st, revision) && (c == nil || c.Kind != events.StepComplete) {
		// The main Deployment runs the stable revision until the canary
		// completes: rendering the new one into it would replace the stable
		// pods. The canary's driver reads the pause from the history.
		return nil
	}
	target, ok := d.targets.Get(st.Target.Name)
	if !ok {
		return fmt.Errorf("target %s is not configured in this worker", st.Target.Name)
	}
	objs := manifest.Render(ref, st.Target, st.Revisions[revision], target.InstanceTypes, st.Rollout.Paused)
	if err := cluster.Apply(ctx, target.Client, objs); err != nil {
		return err
	}
	d.log.InfoContext(ctx, "rollout paused state applied", "deployment", ref.String(), "revision", revision, "paused", st.Rollout.Paused)
	return nil
}

// afterAbort rolls back to the last good revision once a rollout was aborted.
func (d *Driver) afterAbort(ctx context.Context, ref events.DeploymentRef, revision int) error {
	st, err := d.history.Load(ctx, ref)
	if err != nil {
		return err
	}
	return d.rollBack(ctx, &st, ref, revision)
}
