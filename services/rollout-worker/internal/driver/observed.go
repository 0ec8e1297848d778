package driver

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/cluster"
)

// observedSync bounds how long the first rollout on a target waits for its
// Deployment cache's first list; until it has come, rollouts read the
// Deployment directly.
const observedSync = 2 * kube.ProbeTimeout

// deploymentCaches holds one cluster.DeploymentCache per target and
// namespace, started by the first rollout there: every rollout on the
// target then watches its Deployment through one list and watch.
type deploymentCaches struct {
	*targetCaches[*cluster.DeploymentCache]
}

func newDeploymentCaches(targets Targets) deploymentCaches {
	return deploymentCaches{newTargetCaches(targets, func(_ context.Context, t *kube.Target, ns string) (*cluster.DeploymentCache, error) {
		return cluster.NewDeploymentCache(t.Client, ns)
	})}
}

// watch is cluster.Watch through t's cache in ns, or directly while that
// cache has no first list (the target unreachable when it started, or a
// client without informers).
func (dc deploymentCaches) watch(ctx context.Context, t *kube.Target, ns, name string, resync time.Duration,
	fn func(*appsv1.Deployment) bool) error {
	if c, ok := dc.synced(ctx, t, ns); ok {
		return c.Watch(ctx, name, resync, fn)
	}
	return cluster.Watch(ctx, t.Client, ns, name, resync, fn)
}

// pinned is cluster.Pinned through t's cache in ns (this worker's own
// writes counted while the watch has not brought them), or a direct LIST
// while that cache has no first list.
func (dc deploymentCaches) pinned(ctx context.Context, t *kube.Target, ns string, ref events.DeploymentRef) (cluster.PinnedSet, error) {
	if c, ok := dc.synced(ctx, t, ns); ok {
		return c.Pinned(ref)
	}
	return cluster.Pinned(ctx, t.Client, ns, ref)
}

// applyPinned applies a pinned Deployment of ref and tells t's cache in ns.
func (dc deploymentCaches) applyPinned(ctx context.Context, t *kube.Target, ref events.DeploymentRef, tmpl int,
	dep *appsac.DeploymentApplyConfiguration) error {
	rv, err := cluster.ApplyDeploymentVersion(ctx, t.Client, dep)
	if err != nil {
		return err
	}
	if c, ok := dc.started(t, *dep.Namespace); ok {
		c.ExpectApplied(ref, tmpl, *dep.Name, rv)
	}
	return nil
}

// deletePinned deletes a pinned Deployment of ref and tells t's cache in ns.
func (dc deploymentCaches) deletePinned(ctx context.Context, t *kube.Target, ns string, ref events.DeploymentRef, tmpl int,
	p cluster.PinnedCopy) error {
	if err := cluster.DeleteDeployment(ctx, t.Client, ns, p.Name); err != nil {
		return err
	}
	if c, ok := dc.started(t, ns); ok {
		c.ExpectDeleted(ref, tmpl, p)
	}
	return nil
}
