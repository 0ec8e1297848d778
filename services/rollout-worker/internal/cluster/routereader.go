package cluster

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
// ReconcileRouting and DeleteRouting tell it of each object they
// applied or deleted, so a reader whose view lags (a cache) still finds
// the one and does not insist on the other.
type RouteReader interface {
	Routing(ctx context.Context, ref events.DeploymentRef) (RouteObjects, error)
	RouteWrites
}

// RouteWrites hears of this worker's writes to routing objects.
type RouteWrites interface {
	Applied(ref events.DeploymentRef, kind RouteKind, name string)
	Deleted(kind RouteKind, name string)
}

// RouteLister reads a deployment's routing objects with a label-selected
// LIST of each kind: exact, but the API server answers each by scanning
// every object of its kind in the namespace. RouteCache is the reader of a
// fleet; RouteLister remains for a target without a synced cache.
type RouteLister struct {
	Client    kubernetes.Interface
	Dynamic   dynamic.Interface // nil: no HTTPRoutes looked for
	Namespace string
	// Tell, when set, hears of the writes (a cache started, not yet
	// synced, that must count them once it is).
	Tell RouteWrites
}

// Applied tells Tell: the next LIST shows the object anyway.
func (l RouteLister) Applied(ref events.DeploymentRef, kind RouteKind, name string) {
	if l.Tell != nil {
		l.Tell.Applied(ref, kind, name)
	}
}

// Deleted tells Tell.
func (l RouteLister) Deleted(kind RouteKind, name string) {
	if l.Tell != nil {
		l.Tell.Deleted(kind, name)
	}
}

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

// WithRecorded is have, plus the routing objects ref's last reconcile
// recorded (RoutingChanged.Objects, as "v1 Service ns/name"), perhaps
// another worker's, whose writes this worker's cache may not show yet: the
// history is read consistently, the cache only eventually.
func WithRecorded(have RouteReader, ns string, objects []string) RouteReader {
	return recorded{RouteReader: have, objects: parseRecorded(ns, objects)}
}

type recorded struct {
	RouteReader
	objects RouteObjects
}

func (r recorded) Routing(ctx context.Context, ref events.DeploymentRef) (RouteObjects, error) {
	out, err := r.RouteReader.Routing(ctx, ref)
	if err != nil {
		return nil, err
	}
	for kind, names := range r.objects {
		for _, name := range names {
			if !slices.Contains(out[kind], name) {
				out[kind] = append(out[kind], name)
			}
		}
	}
	return out, nil
}

// parseRecorded reads the objects of ns out of their descriptions; others
// (another namespace, an unknown kind) are left out.
func parseRecorded(ns string, objects []string) RouteObjects {
	out := RouteObjects{}
	for _, o := range objects {
		for _, kind := range []RouteKind{RouteHTTPRoute, RouteIngress, RouteService} {
			if name, ok := strings.CutPrefix(o, kind.describe()+ns+"/"); ok && name != "" && !strings.Contains(name, "/") {
				out[kind] = append(out[kind], name)
			}
		}
	}
	return out
}
