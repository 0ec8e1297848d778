package drift

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"slipway.dev/pkg/kube"
)

// informerCaches are Caches kept by shared informers: per target, the
// Slipway-managed Deployments, Services and HPAs of its namespace, each
// stripped to what the drift check reads. A round reads them without an API
// call; the informers cost one watch per kind and target. Not safe for
// concurrent use: the drift check's goroutine owns it.
type informerCaches struct {
	byName map[string]*targetCache
}

// targetCache is one target's informers.
type targetCache struct {
	target             *kube.Target
	factory            informers.SharedInformerFactory
	stop               chan struct{}
	deps, svcs, hpas   cache.SharedIndexInformer
	depIndex, svcIndex cache.Indexer
	hpaIndex           cache.Indexer
}

func newInformerCaches() *informerCaches {
	return &informerCaches{byName: map[string]*targetCache{}}
}

// Objects starts t's informers on first use (and again when the target was
// replaced) and then waits, within ctx and at most 2×kube.ProbeTimeout, for
// their first lists of Deployments and Services; later rounds do not wait:
// an unreachable target costs its informers' retries, not the rounds.
func (c *informerCaches) Objects(ctx context.Context, t *kube.Target) (Objects, bool) {
	tc := c.byName[t.Name]
	if tc == nil || tc.target != t {
		if tc != nil {
			tc.close()
		}
		var err error
		if tc, err = newTargetCache(t); err != nil {
			return nil, false
		}
		c.byName[t.Name] = tc
		waitCtx, cancel := context.WithTimeout(ctx, 2*kube.ProbeTimeout)
		cache.WaitForCacheSync(waitCtx.Done(), tc.deps.HasSynced, tc.svcs.HasSynced)
		cancel()
	}
	return tc, tc.deps.HasSynced() && tc.svcs.HasSynced()
}

// Retain stops the informers of targets not in ts.
func (c *informerCaches) Retain(ts []*kube.Target) {
	keep := make(map[string]*kube.Target, len(ts))
	for _, t := range ts {
		keep[t.Name] = t
	}
	for name, tc := range c.byName {
		if keep[name] != tc.target {
			tc.close()
			delete(c.byName, name)
		}
	}
}

// close stops every target's informers.
func (c *informerCaches) close() { c.Retain(nil) }

func newTargetCache(t *kube.Target) (*targetCache, error) {
	managed := kube.LabelManagedBy + "=" + kube.ManagedByValue
	f := informers.NewSharedInformerFactoryWithOptions(t.Client, 0, informers.WithNamespace(t.Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = managed }))
	tc := &targetCache{target: t, factory: f, stop: make(chan struct{}),
		deps: f.Apps().V1().Deployments().Informer(), svcs: f.Core().V1().Services().Informer(),
		hpas: f.Autoscaling().V2().HorizontalPodAutoscalers().Informer()}
	for _, err := range []error{tc.deps.SetTransform(slimDriftDeployment), tc.svcs.SetTransform(slimDriftService),
		tc.hpas.SetTransform(slimDriftAutoscaler)} {
		if err != nil {
			return nil, err
		}
	}
	tc.depIndex, tc.svcIndex, tc.hpaIndex = tc.deps.GetIndexer(), tc.svcs.GetIndexer(), tc.hpas.GetIndexer()
	f.Start(tc.stop)
	return tc, nil
}

func (tc *targetCache) close() {
	close(tc.stop)
	go tc.factory.Shutdown() // waits for the informers' goroutines; the round does not
}

func (tc *targetCache) Deployments() []*appsv1.Deployment {
	objs := tc.depIndex.List()
	out := make([]*appsv1.Deployment, 0, len(objs))
	for _, o := range objs {
		if d, ok := o.(*appsv1.Deployment); ok {
			out = append(out, d)
		}
	}
	return out
}

func (tc *targetCache) Deployment(name string) *appsv1.Deployment {
	return cached[appsv1.Deployment](tc.depIndex, tc.target.Namespace, name)
}

func (tc *targetCache) Service(name string) *corev1.Service {
	return cached[corev1.Service](tc.svcIndex, tc.target.Namespace, name)
}

func (tc *targetCache) Autoscaler(name string) (*autoscalingv2.HorizontalPodAutoscaler, bool) {
	if !tc.hpas.HasSynced() {
		return nil, false
	}
	return cached[autoscalingv2.HorizontalPodAutoscaler](tc.hpaIndex, tc.target.Namespace, name), true
}

func cached[T any](idx cache.Indexer, ns, name string) *T {
	o, ok, err := idx.GetByKey(ns + "/" + name)
	if err != nil || !ok {
		return nil
	}
	t, _ := o.(*T)
	return t
}

// The transforms keep what the drift check reads: identity, the resource
// version (which says whether an object changed since it was checked),
// Slipway's labels, the Deployment's generation (drift event ids), a
// Service's selector and ports, an HPA's spec. Each builds a new object and
// is idempotent; other types pass through.

var driftLabels = []string{kube.LabelOwner, kube.LabelProject, kube.LabelDeployment, kube.LabelManagedBy}

func slimDriftMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	out := metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion,
		Generation: m.Generation}
	for _, k := range driftLabels {
		if v, ok := m.Labels[k]; ok {
			if out.Labels == nil {
				out.Labels = make(map[string]string, len(driftLabels))
			}
			out.Labels[k] = v
		}
	}
	return out
}

func slimDriftDeployment(obj any) (any, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return obj, nil
	}
	return &appsv1.Deployment{ObjectMeta: slimDriftMeta(d.ObjectMeta)}, nil
}

func slimDriftService(obj any) (any, error) {
	s, ok := obj.(*corev1.Service)
	if !ok {
		return obj, nil
	}
	return &corev1.Service{ObjectMeta: slimDriftMeta(s.ObjectMeta),
		Spec: corev1.ServiceSpec{Selector: s.Spec.Selector, Ports: s.Spec.Ports}}, nil
}

func slimDriftAutoscaler(obj any) (any, error) {
	h, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok {
		return obj, nil
	}
	return &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: slimDriftMeta(h.ObjectMeta), Spec: h.Spec}, nil
}
