package cluster

import (
	"context"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"slipway.dev/pkg/kube"
)

// DeploymentCache keeps a target namespace's Slipway-managed Deployments
// from one list and watch (a shared informer), each cut to what a rollout
// observes, and wakes the rollouts waiting on a Deployment when it changes.
// It replaces a GET and a watch per rollout, made again every resync: with
// a thousand rollouts in flight those were a thousand requests every two
// seconds, which used up the worker's client rate and held every apply
// back behind them (issue 15). Safe for concurrent use.
type DeploymentCache struct {
	client   kubernetes.Interface
	ns       string
	informer cache.SharedIndexInformer
	factory  informers.SharedInformerFactory
	stop     chan struct{}
	mu       sync.Mutex
	waiters  map[string]map[chan struct{}]struct{}
	writes   map[string]pinWrite // this worker's pinned writes the watch may not have brought yet
	// expectFor bounds how long a write of this worker's counts over the
	// cache (floorFor; tests shorten it).
	expectFor time.Duration
}

// NewDeploymentCache starts the informer of client's managed Deployments
// in ns. Close stops it.
func NewDeploymentCache(client kubernetes.Interface, ns string) (*DeploymentCache, error) {
	managed := kube.LabelManagedBy + "=" + kube.ManagedByValue
	f := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(ns),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = managed }))
	c := &DeploymentCache{client: client, ns: ns, factory: f, informer: f.Apps().V1().Deployments().Informer(),
		stop: make(chan struct{}), waiters: map[string]map[chan struct{}]struct{}{}, writes: map[string]pinWrite{}, expectFor: floorFor}
	if err := c.informer.SetTransform(slimObserved); err != nil {
		return nil, err
	}
	if err := c.informer.AddIndexers(cache.Indexers{pinnedIndex: indexPinned}); err != nil {
		return nil, err
	}
	wake := func(obj any) {
		if d, ok := obj.(*appsv1.Deployment); ok {
			c.wake(d.Name)
		} else if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			if d, ok := t.Obj.(*appsv1.Deployment); ok {
				c.wake(d.Name)
			}
		}
	}
	if _, err := c.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: wake,
		UpdateFunc: func(_, obj any) { wake(obj) }, DeleteFunc: wake}); err != nil {
		return nil, err
	}
	f.Start(c.stop)
	return c, nil
}

// Close stops the informer; Watch calls under way go on with direct reads.
func (c *DeploymentCache) Close() {
	close(c.stop)
	go c.factory.Shutdown() // waits for the informer's goroutines; the caller does not
}

// Sync waits within ctx for the first list; false when it did not come.
func (c *DeploymentCache) Sync(ctx context.Context) bool {
	return cache.WaitForCacheSync(ctx.Done(), c.informer.HasSynced)
}

// wake tells every rollout waiting on name that it changed. A waiter that
// has not read the last wake-up yet loses nothing: it reads the cache.
func (c *DeploymentCache) wake(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for ch := range c.waiters[name] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (c *DeploymentCache) subscribe(name string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	if c.waiters[name] == nil {
		c.waiters[name] = map[chan struct{}]struct{}{}
	}
	c.waiters[name][ch] = struct{}{}
	c.mu.Unlock()
	return ch, func() {
		c.mu.Lock()
		delete(c.waiters[name], ch)
		if len(c.waiters[name]) == 0 {
			delete(c.waiters, name)
		}
		c.mu.Unlock()
	}
}

func (c *DeploymentCache) cached(name string) *appsv1.Deployment {
	o, ok, err := c.informer.GetIndexer().GetByKey(c.ns + "/" + name)
	if err != nil || !ok {
		return nil
	}
	d, _ := o.(*appsv1.Deployment)
	return d
}

// floorFor is how long a Watch prefers its first direct read to a cache
// that has not caught up with it (a Deployment just applied, not yet
// listed or watched): past it the cache is trusted, so a Deployment
// deleted meanwhile is seen missing.
const floorFor = 30 * time.Second

// Watch is cluster.Watch from the cache: fn is called with the Deployment
// (nil when missing) at once, on each change and at least every resync,
// until fn returns true or ctx ends. Its first read is a direct GET, the
// floor: until the cache holds that version or a newer one (a Deployment
// just applied), fn gets the floor, never an older cached copy, which
// would read as another template running.
func (c *DeploymentCache) Watch(ctx context.Context, name string, resync time.Duration, fn func(*appsv1.Deployment) bool) error {
	changed, unsubscribe := c.subscribe(name)
	defer unsubscribe()
	floor, err := c.client.AppsV1().Deployments(c.ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		floor = nil
	case err != nil:
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	floorUntil := time.Now().Add(floorFor)
	if fn(floor) {
		return nil
	}
	timer := time.NewTimer(resync)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.stop: // closed: its target was replaced
			return Watch(ctx, c.client, c.ns, name, resync, fn)
		case <-changed:
		case <-timer.C:
			timer.Reset(resync)
		}
		d := c.cached(name)
		if floor != nil {
			if !older(d, floor) || time.Now().After(floorUntil) {
				floor = nil
			} else {
				d = floor
			}
		}
		if fn(d) {
			return nil
		}
	}
}

// older reports whether the cached copy d is older than the floor read
// directly: missing while the floor exists, or of a lower resource
// version. Resource versions are etcd revisions, compared as numbers; one
// that is not a number counts as not older.
func older(d, floor *appsv1.Deployment) bool {
	if d == nil {
		return true
	}
	a, b := version(d.ResourceVersion), version(floor.ResourceVersion)
	return a != 0 && b != 0 && a < b
}

// slimObserved keeps what Observe and Available read: identity, resource
// version, generation, labels, the replicas wanted, the template's labels
// and the status. Idempotent; other types pass through.
func slimObserved(obj any) (any, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return obj, nil
	}
	out := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: d.Name, Namespace: d.Namespace, UID: d.UID,
		ResourceVersion: d.ResourceVersion, Generation: d.Generation, Labels: d.Labels}, Status: d.Status}
	out.Spec.Replicas = d.Spec.Replicas
	out.Spec.Template.Labels = d.Spec.Template.Labels
	return out, nil
}

// Synced reports whether the first list has come.
func (c *DeploymentCache) Synced() bool { return c.informer.HasSynced() }
