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
	var removed []string
	if target, ok := d.targets.Get(st.Target.Name); ok {
		ns, name := st.Target.Namespace, st.Target.ObjectName
		// Routes first: none may lead to a Service being deleted.
		routing, err := cluster.DeleteRouting(ctx, target.Client, target.Dynamic, ns, ref)
		if err != nil {
			return err
		}
		background := metav1.DeletePropagationBackground
		opts := metav1.DeleteOptions{PropagationPolicy: &background}
		if err := target.Client.AppsV1().Deployments(ns).Delete(ctx, name, opts); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete deployment %s/%s: %w", ns, name, err)
		}
		if err := cluster.DeleteDeployment(ctx, target.Client, ns, manifest.CanaryName(name)); err != nil {
			return err
		}
		if err := target.Client.CoreV1().Services(ns).Delete(ctx, name, opts); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete service %s/%s: %w", ns, name, err)
		}
		removed = append(routing, "apps/v1 Deployment "+ns+"/"+name, "v1 Service "+ns+"/"+name)
		switch err := target.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Delete(ctx, name, opts); {
		case err == nil:
			removed = append(removed, "autoscaling/v2 HorizontalPodAutoscaler "+ns+"/"+name)
		case !apierrors.IsNotFound(err):
			return fmt.Errorf("delete horizontalpodautoscaler %s/%s: %w", ns, name, err)
		}
		for alias := range st.Aliases {
			svc := kube.AliasServiceName(ref.Owner, ref.Project, ref.Name, alias)
			if err := cluster.DeleteService(ctx, target.Client, ns, svc); err != nil {
				return err
			}
			removed = append(removed, "v1 Service "+ns+"/"+svc)
		}
		pinned, err := cluster.Pinned(ctx, target.Client, ns, ref)
		if err != nil {
			return err
		}
		for _, p := range pinned {
			if err := cluster.DeleteDeployment(ctx, target.Client, ns, p); err != nil {
				return err
			}
			removed = append(removed, "apps/v1 Deployment "+ns+"/"+p)
		}
	}
	meta := events.ByService(events.ActorRolloutWorker, st.TerminationOp, telemetry.TraceParent(ctx))
	d.log.InfoContext(ctx, "deployment terminated", "deployment", ref.String(), "objects", removed)
	return d.history.Append(ctx, &st, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideTerminationDone(s, removed)
	}, func(events.Message) string { return fmt.Sprintf("%s/terminated/%d", ref, st.LastSeq) })
}
