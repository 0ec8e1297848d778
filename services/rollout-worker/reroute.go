package worker

import (
	"context"
	"reflect"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// routingChanges tells which registered targets changed their routing
// setting: a registration replaced with another routing. The first sight of
// a target (a worker starting, a new registration) is no change.
type routingChanges struct {
	mu   sync.Mutex
	last map[string]*events.Routing
}

// changed records t's routing (t nil: removed) and reports whether it
// differs from the one seen before for the same name.
func (c *routingChanges) changed(name string, t *kube.Target) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[string]*events.Routing{}
	}
	prev, seen := c.last[name]
	if t == nil {
		delete(c.last, name)
		return false
	}
	c.last[name] = t.Routing
	return seen && !reflect.DeepEqual(prev, t.Routing)
}

// rerouteTarget renders the routing of every deployment on t again, after
// its routing setting changed: the deployments are found by their managed
// Deployments in the target's namespace (the worker has no index of
// deployments per target). Each deployment is re-rendered as when what it
// serves changes (reconcileRoutes); failures are logged, and the next
// change of the deployment renders again. Every worker does this; the
// RoutingChanged event's id makes it one event per deployment.
func (d *driver) rerouteTarget(ctx context.Context, t *kube.Target) {
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
		d.routesBestEffort(ctx, ref)
	}
	d.log.InfoContext(ctx, "routing changed: deployments re-rendered", "target", t.Name, "routing", t.Routing.EffectiveKind(),
		"deployments", len(seen))
}
