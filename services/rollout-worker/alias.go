package worker

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
func (d *driver) moveAlias(ctx context.Context, ref events.DeploymentRef, alias string, revision int) error {
	st, err := loadState(ctx, d.bus, ref)
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
	if err := cluster.ApplyDeployment(ctx, target.Client, pinned); err != nil {
		return err
	}
	warm := ready > 0
	if !warm {
		if err := d.awaitAvailable(ctx, target, st.Target.Namespace, *pinned.Name, rev.Spec.Rollout.ProgressDeadlineSeconds); err != nil {
			return err
		}
	}
	if err := cluster.ApplyService(ctx, target.Client, manifest.RenderAliasService(ref, st.Target, alias, tmpl)); err != nil {
		return err
	}
	meta := events.Meta{Actor: "system:rollout-worker", CorrelationID: a.OperationID, TraceParent: telemetry.TraceParent(ctx)}
	if err := appendDecided(ctx, d.bus, &st, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideAliasMoved(s, alias, revision, warm)
	}, func(events.Message) string { return fmt.Sprintf("%s/alias/%s/%d/%d", ref, alias, revision, st.LastSeq) }); err != nil {
		return err
	}
	d.log.InfoContext(ctx, "alias moved", "deployment", ref.String(), "alias", alias, "revision", revision, "warm", warm)
	return d.reconcileServing(ctx, ref)
}

// awaitAvailable waits until a Deployment's replicas are all available, or
// its progress deadline passes.
func (d *driver) awaitAvailable(ctx context.Context, target *kube.Target, ns, name string, deadlineSeconds int32) error {
	limit := time.Duration(deadlineSeconds) * time.Second
	if limit <= 0 {
		limit = 10 * time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	err := cluster.Watch(wctx, target.Client, ns, name, d.resync, func(dep *appsv1.Deployment) bool { return cluster.Available(dep) })
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("deployment %s/%s did not become available within %s: %w", ns, name, limit, err)
	}
	return err
}

// deleteAlias removes the alias's Service, then the pinned Deployments
// nothing needs any more.
func (d *driver) deleteAlias(ctx context.Context, ref events.DeploymentRef, alias string) error {
	st, err := loadState(ctx, d.bus, ref)
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

// reconcileServing brings the routes, then the pinned Deployments, in line
// with what the deployment serves now: routes first, so none leads to a
// pinned revision while it is deleted.
func (d *driver) reconcileServing(ctx context.Context, ref events.DeploymentRef) error {
	routesErr := d.reconcileRoutes(ctx, ref)
	return errors.Join(routesErr, d.reconcilePinned(ctx, ref))
}

// reconcilePinned keeps exactly the pinned Deployments the state needs:
// those of aliases and of the last keepWarm good revisions.
func (d *driver) reconcilePinned(ctx context.Context, ref events.DeploymentRef) error {
	st, err := loadState(ctx, d.bus, ref)
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
	have, err := cluster.Pinned(ctx, target.Client, st.Target.Namespace, ref)
	if err != nil {
		return err
	}
	for tmpl, name := range have {
		if !want[tmpl] {
			if err := cluster.DeleteDeployment(ctx, target.Client, st.Target.Namespace, name); err != nil {
				return err
			}
		}
	}
	for tmpl := range want {
		if _, ok := have[tmpl]; ok {
			continue
		}
		if rev, ok := latestWithTemplate(st, tmpl); ok {
			if err := cluster.ApplyDeployment(ctx, target.Client, manifest.RenderPinned(ref, st.Target, rev, target.InstanceTypes)); err != nil {
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
