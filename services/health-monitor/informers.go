package monitor

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"

	"slipway.dev/pkg/kube"
)

// Index names of the caches.
const (
	// byDeployment indexes Deployments by namespace/owner/project/deployment,
	// from the labels the Deployment's selector matches on, and pods by the
	// deployment they serve (podKey): those of its pinned Deployments too.
	byDeployment = "slipway-deployment"
	// byService indexes EndpointSlices by namespace/service.
	byService = "service"
)

// managedBySlices selects the EndpointSlices the endpoint controller keeps
// for Services with a selector, which is what Slipway's Services are.
const managedBySlices = discoveryv1.LabelManagedBy + "=endpointslice-controller.k8s.io"

// resync is the informers' resync period; evaluation reads the caches on
// its own clock, so resyncs only refresh them.
const resync = 10 * time.Minute

// caches are the informer caches of one target: Slipway's Deployments and
// Pods (label app.kubernetes.io/managed-by=slipway) and the EndpointSlices
// of the target namespace, each stripped to what health needs.
type caches struct {
	target      *kube.Target
	deployments appslisters.DeploymentLister
	depIndex    cache.Indexer
	pods        cache.Indexer
	slices      cache.Indexer
	factories   []informers.SharedInformerFactory
}

// newCaches sets up the informers of t, which mark in dirty the deployments
// whose objects change; start them with start.
func newCaches(t *kube.Target, dirty *dirtySet) (*caches, error) {
	managed := labels.SelectorFromSet(labels.Set{kube.LabelManagedBy: kube.ManagedByValue}).String()
	slipway := informers.NewSharedInformerFactoryWithOptions(t.Client, resync, informers.WithNamespace(t.Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = managed }))
	endpoints := informers.NewSharedInformerFactoryWithOptions(t.Client, resync, informers.WithNamespace(t.Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = managedBySlices }))

	deps := slipway.Apps().V1().Deployments()
	pods := slipway.Core().V1().Pods().Informer()
	slices := endpoints.Discovery().V1().EndpointSlices().Informer()
	c := &caches{target: t, deployments: deps.Lister(), depIndex: deps.Informer().GetIndexer(), pods: pods.GetIndexer(),
		slices: slices.GetIndexer(), factories: []informers.SharedInformerFactory{slipway, endpoints}}
	for _, err := range []error{
		deps.Informer().SetTransform(slimDeployment),
		deps.Informer().AddIndexers(cache.Indexers{byDeployment: deploymentIndex}),
		pods.SetTransform(slimPod),
		pods.AddIndexers(cache.Indexers{byDeployment: podIndex}),
		slices.SetTransform(slimSlice),
		slices.AddIndexers(cache.Indexers{byService: sliceIndex}),
		markOnChange(deps.Informer(), idOfLabelled, dirty),
		markOnChange(pods, idOfLabelled, dirty),
		markOnChange(slices, c.idOfSlice, dirty),
	} {
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// deployment returns the cached Deployment of deployment id (ref.String()).
func (c *caches) deployment(id string) *appsv1.Deployment {
	objs, _ := c.depIndex.ByIndex(byDeployment, c.target.Namespace+"/"+id)
	for _, o := range objs {
		if d, ok := o.(*appsv1.Deployment); ok {
			return d
		}
	}
	return nil
}

// start starts the informers until stop is closed and waits for their first
// lists; it reports false if stop closed first.
func (c *caches) start(stop <-chan struct{}) bool {
	for _, f := range c.factories {
		f.Start(stop)
	}
	for _, f := range c.factories {
		for _, ok := range f.WaitForCacheSync(stop) {
			if !ok {
				return false
			}
		}
	}
	return true
}

// shutdown waits for the informers to stop, once their stop channel closed.
func (c *caches) shutdown() {
	for _, f := range c.factories {
		f.Shutdown()
	}
}

// podsOf returns the pods serving Deployment d's deployment: its own and
// those of its pinned Deployments (revisions kept running for aliases and
// keepWarm), so a revision an alias moves to is watched like the main one.
func (c *caches) podsOf(d *appsv1.Deployment) []*corev1.Pod {
	objs, _ := c.pods.ByIndex(byDeployment, deploymentKey(d.Namespace, d.Labels))
	out := make([]*corev1.Pod, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*corev1.Pod))
	}
	return out
}

// slicesOf returns the EndpointSlices of the Service of Deployment d, which
// has the Deployment's name.
func (c *caches) slicesOf(d *appsv1.Deployment) []*discoveryv1.EndpointSlice {
	objs, _ := c.slices.ByIndex(byService, d.Namespace+"/"+d.Name)
	out := make([]*discoveryv1.EndpointSlice, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*discoveryv1.EndpointSlice))
	}
	return out
}

// deploymentKey is the byDeployment key of an object with Slipway's labels;
// "" when they are missing.
func deploymentKey(namespace string, l map[string]string) string {
	owner, project, name := l[kube.LabelOwner], l[kube.LabelProject], l[kube.LabelDeployment]
	if owner == "" || project == "" || name == "" {
		return ""
	}
	return namespace + "/" + owner + "/" + project + "/" + name
}

func deploymentIndex(obj any) ([]string, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return nil, nil
	}
	if k := deploymentKey(d.Namespace, d.Labels); k != "" {
		return []string{k}, nil
	}
	return nil, nil
}

func podIndex(obj any) ([]string, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, nil
	}
	if k := deploymentKey(p.Namespace, podLabels(p.Labels)); k != "" {
		return []string{k}, nil
	}
	return nil, nil
}

// podLabels are a pod's labels as the deployment's: a pinned Deployment's
// pods carry the deployment only as slipway.dev/instance (the deployment
// label would put them under the main Deployment's selector).
func podLabels(l map[string]string) map[string]string {
	if l[kube.LabelDeployment] != "" || l[kube.LabelInstance] == "" {
		return l
	}
	return map[string]string{kube.LabelOwner: l[kube.LabelOwner], kube.LabelProject: l[kube.LabelProject],
		kube.LabelDeployment: l[kube.LabelInstance]}
}

func sliceIndex(obj any) ([]string, error) {
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok {
		return nil, nil
	}
	if svc := s.Labels[discoveryv1.LabelServiceName]; svc != "" {
		return []string{s.Namespace + "/" + svc}, nil
	}
	return nil, nil
}
