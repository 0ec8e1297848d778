package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
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
// dyn may be nil unless r has HTTPRoutes; without it, existing HTTPRoutes
// are not looked for.
func ReconcileRouting(ctx context.Context, client kubernetes.Interface, dyn dynamic.Interface, ns string, ref events.DeploymentRef, r manifest.Routing) ([]string, error) {
	if len(r.HTTPRoutes) > 0 {
		if dyn == nil {
			return nil, ErrNoDynamicClient
		}
		if err := servesHTTPRoutes(ctx, client); err != nil {
			return nil, err
		}
	}
	var objects []string
	keepSvc, keepIng, keepRoute := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, svc := range r.VersionServices {
		if err := ApplyService(ctx, client, svc); err != nil {
			return nil, fmt.Errorf("apply service %s/%s: %w", ns, *svc.Name, err)
		}
		keepSvc[*svc.Name] = true
		objects = append(objects, describeService+ns+"/"+*svc.Name)
	}
	for _, ing := range r.Ingresses {
		if err := traced(ctx, "kubernetes apply Ingress", ns+"/"+*ing.Name, func(ctx context.Context) error {
			_, err := client.NetworkingV1().Ingresses(ns).Apply(ctx, ing, applyOpts)
			return err
		}); err != nil {
			return nil, fmt.Errorf("apply ingress %s/%s: %w", ns, *ing.Name, err)
		}
		keepIng[*ing.Name] = true
		objects = append(objects, describeIngress+ns+"/"+*ing.Name)
	}
	for _, route := range r.HTTPRoutes {
		name := route.GetName()
		if err := traced(ctx, "kubernetes apply HTTPRoute", ns+"/"+name, func(ctx context.Context) error {
			_, err := dyn.Resource(manifest.HTTPRouteGVR).Namespace(ns).Apply(ctx, name, route, applyOpts)
			return err
		}); err != nil {
			return nil, fmt.Errorf("apply httproute %s/%s: %w", ns, name, err)
		}
		keepRoute[name] = true
		objects = append(objects, describeHTTPRoute+ns+"/"+name)
	}
	if _, err := deleteRouting(ctx, client, dyn, ns, ref, keepSvc, keepIng, keepRoute); err != nil {
		return nil, err
	}
	return objects, nil
}

// DeleteRouting deletes every routing object of a deployment (already gone
// is fine) and returns what it deleted. A cluster without the Gateway API
// has no HTTPRoutes to delete.
func DeleteRouting(ctx context.Context, client kubernetes.Interface, dyn dynamic.Interface, ns string, ref events.DeploymentRef) ([]string, error) {
	return deleteRouting(ctx, client, dyn, ns, ref, nil, nil, nil)
}

func deleteRouting(ctx context.Context, client kubernetes.Interface, dyn dynamic.Interface, ns string, ref events.DeploymentRef,
	keepSvc, keepIng, keepRoute map[string]bool) ([]string, error) {
	sel := labels.SelectorFromSet(manifest.RouteSelector(ref))
	opts := metav1.ListOptions{LabelSelector: sel.String()}
	var deleted []string
	if dyn != nil {
		list, err := dyn.Resource(manifest.HTTPRouteGVR).Namespace(ns).List(ctx, opts)
		switch {
		case apierrors.IsNotFound(err) || apierrors.IsForbidden(err):
			// No Gateway API on this cluster, or no right to it: no
			// HTTPRoutes of Slipway's either.
		case err != nil:
			return nil, fmt.Errorf("list httproutes of %s: %w", ref, err)
		default:
			for _, item := range list.Items {
				if keepRoute[item.GetName()] || !sel.Matches(labels.Set(item.GetLabels())) {
					continue
				}
				err := dyn.Resource(manifest.HTTPRouteGVR).Namespace(ns).Delete(ctx, item.GetName(), metav1.DeleteOptions{})
				if err != nil && !apierrors.IsNotFound(err) {
					return nil, fmt.Errorf("delete httproute %s/%s: %w", ns, item.GetName(), err)
				}
				deleted = append(deleted, describeHTTPRoute+ns+"/"+item.GetName())
			}
		}
	}
	ings, err := client.NetworkingV1().Ingresses(ns).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list ingresses of %s: %w", ref, err)
	}
	for _, item := range ings.Items {
		if keepIng[item.Name] || !sel.Matches(labels.Set(item.Labels)) {
			continue
		}
		err := client.NetworkingV1().Ingresses(ns).Delete(ctx, item.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("delete ingress %s/%s: %w", ns, item.Name, err)
		}
		deleted = append(deleted, describeIngress+ns+"/"+item.Name)
	}
	svcs, err := client.CoreV1().Services(ns).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list version services of %s: %w", ref, err)
	}
	for _, item := range svcs.Items {
		if keepSvc[item.Name] || !sel.Matches(labels.Set(item.Labels)) {
			continue
		}
		if err := DeleteService(ctx, client, ns, item.Name); err != nil {
			return nil, err
		}
		deleted = append(deleted, describeService+ns+"/"+item.Name)
	}
	sort.Strings(deleted)
	return deleted, nil
}

// servesHTTPRoutes asks discovery whether the cluster serves HTTPRoutes.
func servesHTTPRoutes(ctx context.Context, client kubernetes.Interface) error {
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
