package driver

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// moveAlias points an alias's Service at a revision's pods. When pods of
// that pod template are ready (main or pinned), the move is only a selector
// change: instant, and no request lands on an unready pod. Otherwise the
// revision is started first as a pinned Deployment, and the alias moves when
// it is available. The revision is pinned either way, so a later rollout of
// the main Deployment never takes an alias's pods away.
func (d *Driver) moveAlias(ctx context.Context, ref events.DeploymentRef, alias string, revision int) error {
	st, err := d.history.Load(ctx, ref)
	if err != nil {
		return err
	}
	a, ok := st.Aliases[alias]
	if !ok || a.Pending != revision || st.Terminated {
		return nil // moved elsewhere, deleted, or terminated meanwhile
	}
	target, ok := d.targets.Get(st.Target.Name)
	if !ok {
		return fmt.Errorf("target %s is not configured in this worker", st.Target.Name)
	}
	rev := st.Revisions[revision]
	tmpl := rev.PodTemplateRevision()
	ready, err := cluster.PodsReady(ctx, target.Client, st.Target.Namespace, ref, tmpl)
	if err != nil {
		return err
	}
	pinned := manifest.RenderPinned(ref, st.Target, rev, target.InstanceTypes)
	if err := d.observed.applyPinned(ctx, target, ref, tmpl, pinned); err != nil {
		return err
	}
	meta := events.ByService(events.ActorRolloutWorker, a.OperationID, telemetry.TraceParent(ctx))
	warm := ready > 0
	if !warm {
		moving, err := d.awaitAvailable(ctx, &st, target, ref, alias, revision, *pinned.Name, meta)
		if err != nil || !moving {
			return err
		}
	}
	if err := cluster.ApplyService(ctx, target.Client, manifest.RenderAliasService(ref, st.Target, alias, tmpl)); err != nil {
		return err
	}
	if err := d.history.Append(ctx, &st, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideAliasMoved(s, alias, revision, warm)
	}, func(events.Message) string { return fmt.Sprintf("%s/alias/%s/%d/%d", ref, alias, revision, st.LastSeq) }); err != nil {
		return err
	}
	d.log.InfoContext(ctx, "alias moved", "deployment", ref.String(), "alias", alias, "revision", revision, "warm", warm)
	return d.reconcileServing(ctx, ref)
}

// awaitAvailable waits until the pinned Deployment of a move is available,
// reporting true, or until the move ended otherwise, reporting false: it
// failed (its pods crash-loop or cannot pull their image, as the health
// monitor reports, or it passed its progress deadline; AliasMoveFailed is
// appended and the pinned Deployment removed), or a newer move of the alias,
// its deletion or a termination superseded it. The history is read on every
// change of the Deployment and at least every resync, so a health report is
// noticed without a change of the Deployment.
func (d *Driver) awaitAvailable(ctx context.Context, st *rollout.State, target *kube.Target, ref events.DeploymentRef,
	alias string, revision int, name string, meta events.Meta) (bool, error) {
	tmpl := st.Revisions[revision].PodTemplateRevision()
	available, ended := false, false
	var stepErr error
	err := d.observed.watch(ctx, target, st.Target.Namespace, name, d.resync, func(dep *appsv1.Deployment) bool {
		if stepErr = d.catchUp(ctx, st, ref); stepErr != nil {
			return true
		}
		if a := st.Aliases[alias]; a.Pending != revision || st.Terminated {
			ended = true
			return true
		}
		if dep == nil {
			return false
		}
		// A failure reported by the monitor wins over availability: pods
		// that crash after turning ready must not receive the alias.
		if obs, ok := cluster.Observe(dep, revision, tmpl, time.Now().UTC()); ok {
			stepErr = d.history.Append(ctx, st, ref, meta, func(s rollout.State) []events.Message {
				return rollout.DecideAliasProgress(s, alias, obs)
			}, func(events.Message) string {
				return fmt.Sprintf("%s/alias/%s/%s/failed", ref, alias, meta.CorrelationID)
			})
			if a := st.Aliases[alias]; stepErr != nil || a.Pending != revision {
				ended = stepErr == nil
				return true
			}
		}
		available = cluster.Available(dep)
		return available
	})
	if err := errors.Join(err, stepErr); err != nil {
		return false, err
	}
	if ended {
		d.log.WarnContext(ctx, "alias move ended before its revision became available", "deployment", ref.String(),
			"alias", alias, "revision", revision)
		return false, d.reconcileServing(ctx, ref)
	}
	return available, nil
}

// deleteAlias removes the alias's Service, then the pinned Deployments
// nothing needs any more.
func (d *Driver) deleteAlias(ctx context.Context, ref events.DeploymentRef, alias string) error {
	st, err := d.history.Load(ctx, ref)
	if err != nil {
		return err
	}
	if _, back := st.Aliases[alias]; back {
		return nil // set again since
	}
	target, ok := d.targets.Get(st.Target.Name)
	if !ok {
		return nil
	}
	// The routes stop leading to the alias before its Service goes.
	if err := d.reconcileRoutes(ctx, ref); err != nil {
		return err
	}
	if err := cluster.DeleteService(ctx, target.Client, st.Target.Namespace, kube.AliasServiceName(ref.Owner, ref.Project, ref.Name, alias)); err != nil {
		return err
	}
	return d.reconcilePinned(ctx, ref)
}

// reconcileServing brings the routes, then the pinned Deployments and a
// canary Deployment, in line with what the deployment serves now: routes
// first, so none leads to a pinned or canary revision while it is deleted.
func (d *Driver) reconcileServing(ctx context.Context, ref events.DeploymentRef) error {
	routesErr := d.reconcileRoutes(ctx, ref)
	return errors.Join(routesErr, d.reconcilePinned(ctx, ref), d.endCanary(ctx, ref))
}

// reconcilePinned keeps exactly the pinned Deployments the state needs:
// those of aliases and of the last keepWarm good revisions.
func (d *Driver) reconcilePinned(ctx context.Context, ref events.DeploymentRef) error {
	st, err := d.history.Load(ctx, ref)
	if err != nil {
		return err
	}
	target, ok := d.targets.Get(st.Target.Name)
	if !ok || !st.Exists {
		return nil
	}
	want := rollout.PinnedTemplates(st)
	if st.Terminated {
		want = map[int]bool{}
	}
	have, err := d.observed.pinned(ctx, target, st.Target.Namespace, ref)
	if err != nil {
		return err
	}
	for tmpl, p := range have {
		if !want[tmpl] {
			if err := d.observed.deletePinned(ctx, target, st.Target.Namespace, ref, tmpl, p); err != nil {
				return err
			}
		}
	}
	for tmpl := range want {
		if _, ok := have[tmpl]; ok {
			continue
		}
		if rev, ok := latestWithTemplate(st, tmpl); ok {
			if err := d.observed.applyPinned(ctx, target, ref, tmpl, manifest.RenderPinned(ref, st.Target, rev, target.InstanceTypes)); err != nil {
				return err
			}
		}
	}
	return nil
}

func latestWithTemplate(st rollout.State, tmpl int) (events.Revision, bool) {
	for n := st.Current; n > 0; n-- {
		if r, ok := st.Revisions[n]; ok && r.PodTemplateRevision() == tmpl {
			return r, true
		}
	}
	return events.Revision{}, false
}
