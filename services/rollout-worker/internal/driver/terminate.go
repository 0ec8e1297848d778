package driver

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// terminate removes a terminated deployment's Kubernetes objects (already
// gone is fine) and records that they are gone.
func (d *Driver) terminate(ctx context.Context, ref events.DeploymentRef) error {
	st, err := d.history.Load(ctx, ref)
	if err != nil {
		return err
	}
	if !st.Terminated || st.TerminationDone {
		return nil
	}
	removed, err := d.removeObjects(ctx, ref, st)
	if err != nil {
		return err
	}
	meta := events.ByService(events.ActorRolloutWorker, st.TerminationOp, telemetry.TraceParent(ctx))
	d.log.InfoContext(ctx, "deployment terminated", "deployment", ref.String(), "objects", removed)
	return d.history.Append(ctx, &st, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideTerminationDone(s, removed)
	}, func(events.Message) string { return fmt.Sprintf("%s/terminated/%d", ref, st.LastSeq) })
}

// removeObjects deletes every Kubernetes object of a terminated deployment
// (already gone is fine) and returns what it removed.
func (d *Driver) removeObjects(ctx context.Context, ref events.DeploymentRef, st rollout.State) ([]string, error) {
	var removed []string
	target, ok := d.targets.Get(st.Target.Name)
	if !ok {
		return nil, nil
	}
	ns, name := st.Target.Namespace, st.Target.ObjectName
	// Routes first: none may lead to a Service being deleted. Termination is
	// the last look at a deployment's objects, and rare: it LISTs (as for
	// pinned Deployments below) rather than trust a cache that may lag
	// another worker's write; a rollout's reconcile reads the caches.
	lister := cluster.RouteLister{Client: target.Client, Dynamic: target.Dynamic, Namespace: ns}
	routing, err := cluster.DeleteRouting(ctx, target.Client, target.Dynamic, lister, ns, ref)
	if err != nil {
		return nil, err
	}
	background := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &background}
	if err := target.Client.AppsV1().Deployments(ns).Delete(ctx, name, opts); err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("delete deployment %s/%s: %w", ns, name, err)
	}
	if err := cluster.DeleteDeployment(ctx, target.Client, ns, manifest.CanaryName(name)); err != nil {
		return nil, err
	}
	if err := target.Client.CoreV1().Services(ns).Delete(ctx, name, opts); err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("delete service %s/%s: %w", ns, name, err)
	}
	removed = append(routing, "apps/v1 Deployment "+ns+"/"+name, "v1 Service "+ns+"/"+name)
	switch err := target.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Delete(ctx, name, opts); {
	case err == nil:
		removed = append(removed, "autoscaling/v2 HorizontalPodAutoscaler "+ns+"/"+name)
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("delete horizontalpodautoscaler %s/%s: %w", ns, name, err)
	}
	for alias := range st.Aliases {
		svc := kube.AliasServiceName(ref.Owner, ref.Project, ref.Name, alias)
		if err := cluster.DeleteService(ctx, target.Client, ns, svc); err != nil {
			return nil, err
		}
		removed = append(removed, "v1 Service "+ns+"/"+svc)
	}
	pinned, err := cluster.Pinned(ctx, target.Client, ns, ref)
	if err != nil {
		return nil, err
	}
	for tmpl, p := range pinned {
		if err := d.observed.deletePinned(ctx, target, ns, ref, tmpl, p); err != nil {
			return nil, err
		}
		removed = append(removed, "apps/v1 Deployment "+ns+"/"+p.Name)
	}
	return removed, nil
}

// undoIfTerminated deletes a deployment's objects again when its history,
// read after an apply, says it was terminated meanwhile: the terminate's
// driver (perhaps another worker's) may have deleted them before the apply
// recreated them. Either the terminate's deletion comes after the apply, or
// this read, made after the apply, finds the termination it followed.
func (d *Driver) undoIfTerminated(ctx context.Context, st *rollout.State, ref events.DeploymentRef) error {
	if err := d.catchUp(ctx, st, ref); err != nil || !st.Terminated {
		return err
	}
	removed, err := d.removeObjects(ctx, ref, *st)
	d.log.InfoContext(ctx, "terminated while its rollout applied: objects removed again", "deployment", ref.String(), "objects", removed)
	return err
}
