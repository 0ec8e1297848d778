package driver

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// RerouteTarget renders the routing of every deployment on t again, after
// its routing setting changed: the deployments are found by their managed
// Deployments in the target's namespace (the worker has no index of
// deployments per target). Each deployment is re-rendered as when what it
// serves changes (reconcileRoutes); failures are logged, and the next
// change of the deployment renders again. Every worker does this; the
// RoutingChanged event's id makes it one event per deployment.
func (d *Driver) RerouteTarget(ctx context.Context, t *kube.Target) {
	listCtx, cancel := context.WithTimeout(ctx, 2*kube.ProbeTimeout)
	list, err := t.Client.AppsV1().Deployments(t.Namespace).List(listCtx, metav1.ListOptions{
		LabelSelector: kube.LabelManagedBy + "=" + kube.ManagedByValue})
	cancel()
	if err != nil {
		d.log.WarnContext(ctx, "routing changed: cannot list the target's deployments; they are re-rendered on their next change",
			"target", t.Name, "err", kube.SafeError(err))
		return
	}
	seen := map[string]bool{}
	for _, dep := range list.Items {
		ref := events.DeploymentRef{Owner: dep.Labels[kube.LabelOwner], Project: dep.Labels[kube.LabelProject], Name: dep.Labels[kube.LabelDeployment]}
		if ref.Owner == "" || ref.Project == "" || ref.Name == "" || seen[ref.String()] {
			continue
		}
		seen[ref.String()] = true
		d.RoutesBestEffort(ctx, ref)
	}
	d.log.InfoContext(ctx, "routing changed: deployments re-rendered", "target", t.Name, "routing", t.Routing.EffectiveKind(),
		"deployments", len(seen))
}
