package simcluster

import (
	"slices"
	"strings"
	"sync"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

var (
	podsResource        = corev1.SchemeGroupVersion.WithResource("pods")
	autoscalersResource = autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers")
)

// changes is what the simulated controllers learn from the tracker's writes,
// so that a tick costs what changed instead of a List of the fleet: the
// Deployments written since the last tick (directly, or through a pod or
// autoscaler of theirs), which pods each Deployment owns and which
// autoscalers target it. It is fed under the tracker's per-resource lock, in
// storage order, and never calls back into the tracker.
type changes struct {
	mu     sync.Mutex
	dirty  map[types.NamespacedName]struct{}             // Deployments to examine next tick
	owner  map[types.NamespacedName]podOwner             // pod → its controlling Deployment
	pods   map[types.NamespacedName]map[string]types.UID // Deployment → pod name → owner uid
	target map[types.NamespacedName]types.NamespacedName // autoscaler → target Deployment
	hpas   map[types.NamespacedName]map[string]struct{}  // Deployment → autoscaler names
	gone   []types.UID                                   // pods deleted since the last takeGone
}

// podOwner is a pod's controller reference to a Deployment.
type podOwner struct {
	deployment types.NamespacedName
	uid        types.UID
}

// podRef is one pod of a Deployment's name as the index knows it.
type podRef struct {
	name  string
	owner types.UID
}

func newChanges() *changes {
	return &changes{
		dirty:  map[types.NamespacedName]struct{}{},
		owner:  map[types.NamespacedName]podOwner{},
		pods:   map[types.NamespacedName]map[string]types.UID{},
		target: map[types.NamespacedName]types.NamespacedName{},
		hpas:   map[types.NamespacedName]map[string]struct{}{},
	}
}

// observe records one stored write (obj is the stored state) or deletion
// (obj is the last state) of key; the eventTracker calls it.
func (c *changes) observe(gvr schema.GroupVersionResource, key types.NamespacedName, obj runtime.Object, deleted bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch gvr {
	case deploymentsResource:
		c.dirty[key] = struct{}{}
	case podsResource:
		pod, _ := obj.(*corev1.Pod)
		c.observePod(key, pod, deleted)
	case autoscalersResource:
		hpa, _ := obj.(*autoscalingv2.HorizontalPodAutoscaler)
		c.observeAutoscaler(key, hpa, deleted)
	}
}

// observePod moves key to the Deployment that now controls it (none once
// deleted) and marks the old and new owner dirty.
func (c *changes) observePod(key types.NamespacedName, pod *corev1.Pod, deleted bool) {
	if was, ok := c.owner[key]; ok {
		delete(c.owner, key)
		removeName(c.pods, was.deployment, key.Name)
		c.dirty[was.deployment] = struct{}{}
	}
	if pod == nil {
		return
	}
	if deleted {
		c.gone = append(c.gone, pod.UID)
		return
	}
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != "Deployment" {
		return
	}
	o := podOwner{types.NamespacedName{Namespace: key.Namespace, Name: ref.Name}, ref.UID}
	c.owner[key] = o
	set := c.pods[o.deployment]
	if set == nil {
		set = map[string]types.UID{}
		c.pods[o.deployment] = set
	}
	set[key.Name] = o.uid
	c.dirty[o.deployment] = struct{}{}
}

// observeAutoscaler indexes an autoscaler by the Deployment it targets and
// marks the old and new target dirty.
func (c *changes) observeAutoscaler(key types.NamespacedName, hpa *autoscalingv2.HorizontalPodAutoscaler, deleted bool) {
	if was, ok := c.target[key]; ok {
		delete(c.target, key)
		removeName(c.hpas, was, key.Name)
		c.dirty[was] = struct{}{}
	}
	if deleted || hpa == nil || hpa.Spec.ScaleTargetRef.Kind != "Deployment" {
		return
	}
	d := types.NamespacedName{Namespace: key.Namespace, Name: hpa.Spec.ScaleTargetRef.Name}
	c.target[key] = d
	set := c.hpas[d]
	if set == nil {
		set = map[string]struct{}{}
		c.hpas[d] = set
	}
	set[key.Name] = struct{}{}
	c.dirty[d] = struct{}{}
}

// takeDirty returns the Deployments written since the last call and starts
// a new set.
func (c *changes) takeDirty() map[types.NamespacedName]struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.dirty
	c.dirty = map[types.NamespacedName]struct{}{}
	return out
}

// takeGone returns the uids of the pods deleted since the last call.
func (c *changes) takeGone() []types.UID {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.gone
	c.gone = nil
	return out
}

// podsOf returns the pods whose controller reference names Deployment d (of
// any uid), sorted by name so that Step's tie-breaks repeat.
func (c *changes) podsOf(d types.NamespacedName) []podRef {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]podRef, 0, len(c.pods[d]))
	for name, uid := range c.pods[d] {
		out = append(out, podRef{name, uid})
	}
	slices.SortFunc(out, func(a, b podRef) int { return strings.Compare(a.name, b.name) })
	return out
}

// autoscalersOf returns the names of the autoscalers targeting Deployment
// d, sorted.
func (c *changes) autoscalersOf(d types.NamespacedName) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.hpas[d]))
	for name := range c.hpas[d] {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func removeName[V any](index map[types.NamespacedName]map[string]V, d types.NamespacedName, name string) {
	delete(index[d], name)
	if len(index[d]) == 0 {
		delete(index, d)
	}
}
