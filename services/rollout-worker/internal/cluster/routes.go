package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

// ErrGatewayAPIMissing: the cluster does not serve Gateway API HTTPRoutes.
var ErrGatewayAPIMissing = errors.New("the cluster does not serve " + manifest.HTTPRouteGVR.GroupVersion().String() +
	" HTTPRoute: install the Gateway API CRDs, or set the target's routing to ingress or none")

// ErrNoDynamicClient: the target has no dynamic client to write HTTPRoutes with.
var ErrNoDynamicClient = errors.New("this worker has no dynamic client for the target, so it cannot write HTTPRoutes")

// Object descriptions of routing objects, as events list them.
const (
	describeService   = "v1 Service "
	describeIngress   = "networking.k8s.io/v1 Ingress "
	describeHTTPRoute = "gateway.networking.k8s.io/v1 HTTPRoute "
)

// ReconcileRouting makes a deployment's routing objects in ns exactly r:
// it applies the per-version Services, then the HTTPRoutes or Ingresses
// (server-side apply, Slipway's field manager, forced), then deletes the
// routing objects of the deployment r does not have — routes before
// Services, so no route ever points at a deleted Service. It returns the
// objects r has. With gateway routing it first checks that the cluster
// serves HTTPRoutes (ErrGatewayAPIMissing) and writes nothing otherwise.
// have finds the objects to delete, and hears of each one applied. dyn may
// be nil unless r has HTTPRoutes; without it, existing HTTPRoutes are not
// looked for.
func ReconcileRouting(ctx context.Context, client kubernetes.Interface, dyn dynamic.Interface, have RouteReader, ns string,
	ref events.DeploymentRef, r manifest.Routing) ([]string, error) {
	if len(r.HTTPRoutes) > 0 {
		if dyn == nil {
			return nil, ErrNoDynamicClient
		}
		if err := ServesHTTPRoutes(ctx, client); err != nil {
			return nil, err
		}
	}
	var objects []string
	keep := map[RouteKind]map[string]bool{RouteService: {}, RouteIngress: {}, RouteHTTPRoute: {}}
	applied := func(kind RouteKind, name string) {
		have.Applied(ref, kind, name)
		keep[kind][name] = true
		objects = append(objects, kind.describe()+ns+"/"+name)
	}
	for _, svc := range r.VersionServices {
		if err := ApplyService(ctx, client, svc); err != nil {
			return nil, fmt.Errorf("apply service %s/%s: %w", ns, *svc.Name, err)
		}
		applied(RouteService, *svc.Name)
	}
	for _, ing := range r.Ingresses {
		if err := traced(ctx, "kubernetes apply Ingress", ns+"/"+*ing.Name, func(ctx context.Context) error {
			_, err := client.NetworkingV1().Ingresses(ns).Apply(ctx, ing, applyOpts)
			return err
		}); err != nil {
			return nil, fmt.Errorf("apply ingress %s/%s: %w", ns, *ing.Name, err)
		}
		applied(RouteIngress, *ing.Name)
	}
	for _, route := range r.HTTPRoutes {
		name := route.GetName()
		if err := traced(ctx, "kubernetes apply HTTPRoute", ns+"/"+name, func(ctx context.Context) error {
			_, err := dyn.Resource(manifest.HTTPRouteGVR).Namespace(ns).Apply(ctx, name, route, applyOpts)
			return err
		}); err != nil {
			return nil, fmt.Errorf("apply httproute %s/%s: %w", ns, name, err)
		}
		applied(RouteHTTPRoute, name)
	}
	if _, err := deleteRouting(ctx, client, dyn, have, ns, ref, keep); err != nil {
		return nil, err
	}
	return objects, nil
}

// DeleteRouting deletes every routing object of a deployment that have
// finds (already gone is fine) and returns what it deleted. A cluster
// without the Gateway API has no HTTPRoutes to delete.
func DeleteRouting(ctx context.Context, client kubernetes.Interface, dyn dynamic.Interface, have RouteReader, ns string,
	ref events.DeploymentRef) ([]string, error) {
	return deleteRouting(ctx, client, dyn, have, ns, ref, nil)
}

// deleteRouting deletes ref's routing objects that have finds and keep
// does not name, HTTPRoutes and Ingresses before Services, and returns what
// it deleted (an object already gone is not reported).
func deleteRouting(ctx context.Context, client kubernetes.Interface, dyn dynamic.Interface, have RouteReader, ns string,
	ref events.DeploymentRef, keep map[RouteKind]map[string]bool) ([]string, error) {
	found, err := have.Routing(ctx, ref)
	if err != nil {
		return nil, err
	}
	var deleted []string
	for _, kind := range []RouteKind{RouteHTTPRoute, RouteIngress, RouteService} {
		for _, name := range found[kind] {
			if keep[kind][name] {
				continue
			}
			gone, err := deleteRoute(ctx, client, dyn, kind, ns, name)
			if err != nil {
				return nil, err
			}
			have.Deleted(kind, name)
			if gone {
				deleted = append(deleted, kind.describe()+ns+"/"+name)
			}
		}
	}
	sort.Strings(deleted)
	return deleted, nil
}

// deleteRoute deletes one routing object; false when it was already gone.
func deleteRoute(ctx context.Context, client kubernetes.Interface, dyn dynamic.Interface, kind RouteKind, ns, name string) (bool, error) {
	var err error
	switch kind {
	case RouteHTTPRoute:
		if dyn == nil {
			return false, ErrNoDynamicClient
		}
		err = dyn.Resource(manifest.HTTPRouteGVR).Namespace(ns).Delete(ctx, name, metav1.DeleteOptions{})
	case RouteIngress:
		err = client.NetworkingV1().Ingresses(ns).Delete(ctx, name, metav1.DeleteOptions{})
	default:
		err = client.CoreV1().Services(ns).Delete(ctx, name, metav1.DeleteOptions{})
	}
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("delete %s%s/%s: %w", kind.describe(), ns, name, err)
	}
	return true, nil
}

// ServesHTTPRoutes asks discovery whether the cluster serves HTTPRoutes:
// nil when it does, ErrGatewayAPIMissing when it does not.
func ServesHTTPRoutes(ctx context.Context, client kubernetes.Interface) error {
	gv := manifest.HTTPRouteGVR.GroupVersion().String()
	var list *metav1.APIResourceList
	err := traced(ctx, "kubernetes discovery", gv, func(context.Context) error {
		var err error
		list, err = client.Discovery().ServerResourcesForGroupVersion(gv)
		return err
	})
	switch {
	case apierrors.IsNotFound(err):
		return ErrGatewayAPIMissing
	case err != nil:
		return fmt.Errorf("discover %s: %w", gv, err)
	}
	for _, r := range list.APIResources {
		if r.Name == manifest.HTTPRouteGVR.Resource {
			return nil
		}
	}
	return ErrGatewayAPIMissing
}
