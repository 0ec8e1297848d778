package cluster

import (
	"context"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

// routeOfIndex indexes routing objects by the deployment they route.
const routeOfIndex = "route-of"

// RouteCache keeps a target namespace's routing objects of Slipway's
// (per-version Services, Ingresses and, where the cluster serves them,
// HTTPRoutes) from one list and watch per kind, each cut to its identity
// and labels, indexed by the deployment they route. Reconciling a
// deployment's routes made three label-selected LISTs, each a scan of every
// object of its kind in the namespace on the API server: routing the
// changes of a fleet of N cost N² label matches, as pinned Deployments did
// (issue 15). Safe for concurrent use.
type RouteCache struct {
	dyn       dynamic.Interface
	ns        string
	informers map[RouteKind]cache.SharedIndexInformer
	stop      chan struct{}
	shutdown  []func()
	mu        sync.Mutex
	applied   map[routeObject]routeApply // this worker's applies the watch may not have brought yet
	// expectFor bounds how long an apply of this worker's counts over the
	// cache (floorFor; tests shorten it).
	expectFor time.Duration
}

type routeObject struct {
	kind RouteKind
	name string
}

type routeApply struct {
	ref string
	at  time.Time
}

// NewRouteCache starts the informers of the routing objects in ns:
// Services and Ingresses from client, HTTPRoutes from dyn when
// withHTTPRoutes (the cluster serves them; otherwise Routing lists them, so
// CRDs installed later are still found). Close stops them.
func NewRouteCache(client kubernetes.Interface, dyn dynamic.Interface, ns string, withHTTPRoutes bool) (*RouteCache, error) {
	selector := kube.LabelManagedBy + "=" + kube.ManagedByValue + "," + kube.LabelRouteOf
	tweak := func(o *metav1.ListOptions) { o.LabelSelector = selector }
	f := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(ns), informers.WithTweakListOptions(tweak))
	c := &RouteCache{dyn: dyn, ns: ns, stop: make(chan struct{}), applied: map[routeObject]routeApply{}, expectFor: floorFor,
		informers: map[RouteKind]cache.SharedIndexInformer{
			RouteService: f.Core().V1().Services().Informer(),
			RouteIngress: f.Networking().V1().Ingresses().Informer(),
		}}
	c.shutdown = append(c.shutdown, f.Shutdown)
	starts := []func(<-chan struct{}){f.Start}
	if withHTTPRoutes && dyn != nil {
		df := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dyn, 0, ns, tweak)
		c.informers[RouteHTTPRoute] = df.ForResource(manifest.HTTPRouteGVR).Informer()
		c.shutdown, starts = append(c.shutdown, df.Shutdown), append(starts, df.Start)
	}
	for _, inf := range c.informers {
		if err := inf.SetTransform(slimRoute); err != nil {
			return nil, err
		}
		if err := inf.AddIndexers(cache.Indexers{routeOfIndex: indexRouteOf}); err != nil {
			return nil, err
		}
	}
	for _, start := range starts {
		start(c.stop)
	}
	return c, nil
}

// Close stops the informers.
func (c *RouteCache) Close() {
	close(c.stop)
	go func() { // waits for the informers' goroutines; the caller does not
		for _, s := range c.shutdown {
			s()
		}
	}()
}

// Sync waits within ctx for every informer's first list; false when one
// did not come.
func (c *RouteCache) Sync(ctx context.Context) bool {
	var synced []cache.InformerSynced
	for _, inf := range c.informers {
		synced = append(synced, inf.HasSynced)
	}
	return cache.WaitForCacheSync(ctx.Done(), synced...)
}

// Synced reports whether every informer's first list has come.
func (c *RouteCache) Synced() bool {
	for _, inf := range c.informers {
		if !inf.HasSynced() {
			return false
		}
	}
	return true
}

// Applied records that this worker applied name of kind for ref: Routing
// finds it for expectFor, whatever the cache holds (a copy it still holds
// from before a delete says nothing of the apply after it), unless this
// worker deletes it first.
func (c *RouteCache) Applied(ref events.DeploymentRef, kind RouteKind, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.applied) >= 1024 {
		for o, a := range c.applied {
			if c.lapsed(a) {
				delete(c.applied, o)
			}
		}
	}
	c.applied[routeObject{kind, name}] = routeApply{ref: ref.String(), at: time.Now()}
}

// Deleted forgets this worker's apply of name: a copy the cache still
// holds of it is found, and deleting it again finds it gone.
func (c *RouteCache) Deleted(kind RouteKind, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.applied, routeObject{kind, name})
}

// Routing is RouteLister.Routing from the cache, this worker's applies of
// the last expectFor included. HTTPRoutes are listed
// when the cache has no informer for them. A copy the cache still holds
// of an object just deleted is found too: deleting it again finds it gone.
func (c *RouteCache) Routing(ctx context.Context, ref events.DeploymentRef) (RouteObjects, error) {
	out := RouteObjects{}
	for kind, inf := range c.informers {
		objs, err := inf.GetIndexer().ByIndex(routeOfIndex, ref.String())
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if m, err := meta.Accessor(o); err == nil {
				out[kind] = append(out[kind], m.GetName())
			}
		}
	}
	if _, ok := c.informers[RouteHTTPRoute]; !ok && c.dyn != nil {
		routes, err := listHTTPRoutes(ctx, c.dyn, c.ns, ref)
		if err != nil {
			return nil, err
		}
		out[RouteHTTPRoute] = routes
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for o, a := range c.applied {
		switch {
		case c.lapsed(a):
			delete(c.applied, o)
		case a.ref == ref.String() && !slices.Contains(out[o.kind], o.name):
			out[o.kind] = append(out[o.kind], o.name)
		}
	}
	for _, names := range out {
		slices.Sort(names)
	}
	return out, nil
}

// lapsed reports whether an apply of this worker's no longer counts over
// the cache: by then its watch has brought it, or someone else deleted it
// since, which the cache then rightly lacks. Callers hold mu.
func (c *RouteCache) lapsed(a routeApply) bool { return time.Since(a.at) >= c.expectFor }

// indexRouteOf keys a routing object by the deployment it routes.
func indexRouteOf(obj any) ([]string, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil
	}
	l := m.GetLabels()
	of, ok := l[kube.LabelRouteOf]
	if !ok {
		return nil, nil
	}
	return []string{events.DeploymentRef{Owner: l[kube.LabelOwner], Project: l[kube.LabelProject], Name: of}.String()}, nil
}

// slimRoute keeps a routing object's identity, version and labels: all
// Routing reads. Idempotent; other types pass through.
func slimRoute(obj any) (any, error) {
	switch o := obj.(type) {
	case *corev1.Service:
		return &corev1.Service{ObjectMeta: slimMeta(o.ObjectMeta)}, nil
	case *networkingv1.Ingress:
		return &networkingv1.Ingress{ObjectMeta: slimMeta(o.ObjectMeta)}, nil
	case *unstructured.Unstructured:
		out := &unstructured.Unstructured{}
		out.SetAPIVersion(o.GetAPIVersion())
		out.SetKind(o.GetKind())
		out.SetName(o.GetName())
		out.SetNamespace(o.GetNamespace())
		out.SetResourceVersion(o.GetResourceVersion())
		out.SetLabels(o.GetLabels())
		return out, nil
	}
	return obj, nil
}

func slimMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion, Labels: m.Labels}
}
