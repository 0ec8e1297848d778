package cluster

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

// RouteKind is a kind of routing object.
type RouteKind int

// The kinds of routing objects, in the order they are deleted: routes
// before the Services they lead to.
const (
	RouteHTTPRoute RouteKind = iota
	RouteIngress
	RouteService
)

// describe is the kind as events list objects of it.
func (k RouteKind) describe() string {
	switch k {
	case RouteHTTPRoute:
		return describeHTTPRoute
	case RouteIngress:
		return describeIngress
	default:
		return describeService
	}
}

// RouteObjects are the names of a deployment's routing objects by kind.
type RouteObjects map[RouteKind][]string

// RouteReader finds a deployment's routing objects on the cluster.
// ReconcileRoutingFrom tells it of each object it applied, so a reader
// whose view lags (a cache) still finds them.
type RouteReader interface {
	Routing(ctx context.Context, ref events.DeploymentRef) (RouteObjects, error)
	Applied(ref events.DeploymentRef, kind RouteKind, name string)
}

// RouteLister reads a deployment's routing objects with a label-selected
// LIST of each kind: exact, but the API server answers each by scanning
// every object of its kind in the namespace. RouteCache is the reader of a
// fleet; RouteLister remains for a target without a synced cache.
type RouteLister struct {
	Client    kubernetes.Interface
	Dynamic   dynamic.Interface // nil: no HTTPRoutes looked for
	Namespace string
}

// Applied does nothing: the next LIST shows the object.
func (RouteLister) Applied(events.DeploymentRef, RouteKind, string) {}

// Routing lists ref's routing objects. A cluster without the Gateway API,
// or one that forbids reading it, has no HTTPRoutes of Slipway's.
func (l RouteLister) Routing(ctx context.Context, ref events.DeploymentRef) (RouteObjects, error) {
	out := RouteObjects{}
	if l.Dynamic != nil {
		routes, err := listHTTPRoutes(ctx, l.Dynamic, l.Namespace, ref)
		if err != nil {
			return nil, err
		}
		out[RouteHTTPRoute] = routes
	}
	sel := labels.SelectorFromSet(manifest.RouteSelector(ref))
	opts := metav1.ListOptions{LabelSelector: sel.String()}
	ings, err := l.Client.NetworkingV1().Ingresses(l.Namespace).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list ingresses of %s: %w", ref, err)
	}
	for _, item := range ings.Items {
		if sel.Matches(labels.Set(item.Labels)) { // the fake clientset ignores selectors on some calls
			out[RouteIngress] = append(out[RouteIngress], item.Name)
		}
	}
	svcs, err := l.Client.CoreV1().Services(l.Namespace).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list version services of %s: %w", ref, err)
	}
	for _, item := range svcs.Items {
		if sel.Matches(labels.Set(item.Labels)) {
			out[RouteService] = append(out[RouteService], item.Name)
		}
	}
	return out, nil
}

// listHTTPRoutes lists ref's HTTPRoutes in ns; none where the cluster has
// no Gateway API or forbids reading it.
func listHTTPRoutes(ctx context.Context, dyn dynamic.Interface, ns string, ref events.DeploymentRef) ([]string, error) {
	sel := labels.SelectorFromSet(manifest.RouteSelector(ref))
	list, err := dyn.Resource(manifest.HTTPRouteGVR).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	switch {
	case apierrors.IsNotFound(err) || apierrors.IsForbidden(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("list httproutes of %s: %w", ref, err)
	}
	var out []string
	for _, item := range list.Items {
		if sel.Matches(labels.Set(item.GetLabels())) {
			out = append(out, item.GetName())
		}
	}
	return out, nil
}
