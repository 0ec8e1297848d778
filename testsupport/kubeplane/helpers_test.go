package kubeplane_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/testsupport/kubeplane"
)

// deployment returns a RollingUpdate Deployment (maxSurge 1, maxUnavailable
// 0) of replicas pods labelled app=name, placed on the KWOK node.
func deployment(name string, replicas int32, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxSurge:       new(intstr.FromInt32(1)),
					MaxUnavailable: new(intstr.FromInt32(0)),
				},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers:   []corev1.Container{{Name: "server", Image: image}},
					Tolerations:  []corev1.Toleration{kubeplane.Toleration()},
					NodeSelector: kubeplane.NodeSelector(),
				},
			},
		},
	}
}

// patchTemplate applies a strategic-merge patch to the Deployment's pod
// template: a new image and, when non-empty, extra annotations. A patch
// cannot conflict with the controller's status writes.
func patchTemplate(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name, image string, annotations map[string]string) {
	t.Helper()
	meta := ""
	for k, v := range annotations {
		if meta != "" {
			meta += ","
		}
		meta += fmt.Sprintf("%q:%q", k, v)
	}
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{%s}},"spec":{"containers":[{"name":"server","image":%q}]}}}}`, meta, image)
	if _, err := cs.AppsV1().Deployments(ns).Patch(ctx, name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch deployment %s: %v", name, err)
	}
}

// readyWatcher follows the EndpointSlices of one Service and records the
// number of distinct ready endpoints after every event.
type readyWatcher struct {
	slices map[string]map[string]bool // slice name -> endpoint -> ready
	counts []int                      // ready endpoints after each event
}

// ready returns the number of distinct ready endpoints over all slices.
func (w *readyWatcher) ready() int {
	seen := map[string]bool{}
	for _, eps := range w.slices {
		for ep, ok := range eps {
			if ok {
				seen[ep] = true
			}
		}
	}
	return len(seen)
}

func (w *readyWatcher) apply(ev watch.Event) {
	s, ok := ev.Object.(*discoveryv1.EndpointSlice)
	if !ok {
		return
	}
	if ev.Type == watch.Deleted {
		delete(w.slices, s.Name)
	} else {
		w.slices[s.Name] = endpointReadiness(s)
	}
	w.counts = append(w.counts, w.ready())
}

func endpointReadiness(s *discoveryv1.EndpointSlice) map[string]bool {
	eps := map[string]bool{}
	for _, ep := range s.Endpoints {
		id := ep.Addresses[0]
		if ep.TargetRef != nil {
			id = ep.TargetRef.Name
		}
		// A nil Ready condition means ready (discovery/v1 contract).
		eps[id] = ep.Conditions.Ready == nil || *ep.Conditions.Ready
	}
	return eps
}

// watchReady lists then watches the EndpointSlices of Service ns/svc. It
// returns the watcher and the watch; stop the watch when done.
func watchReady(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, svc string) (*readyWatcher, watch.Interface) {
	t.Helper()
	sel := metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc}
	list, err := cs.DiscoveryV1().EndpointSlices(ns).List(ctx, sel)
	if err != nil {
		t.Fatalf("list EndpointSlices: %v", err)
	}
	w := &readyWatcher{slices: map[string]map[string]bool{}}
	for i := range list.Items {
		w.slices[list.Items[i].Name] = endpointReadiness(&list.Items[i])
	}
	w.counts = append(w.counts, w.ready())
	sel.ResourceVersion = list.ResourceVersion
	wi, err := cs.DiscoveryV1().EndpointSlices(ns).Watch(ctx, sel)
	if err != nil {
		t.Fatalf("watch EndpointSlices: %v", err)
	}
	return w, wi
}

// drainUntil applies watch events until cond holds or timeout passes.
func (w *readyWatcher) drainUntil(t *testing.T, wi watch.Interface, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case ev, ok := <-wi.ResultChan():
			if !ok {
				t.Fatal("EndpointSlice watch closed early")
			}
			w.apply(ev)
		case <-deadline:
			t.Fatalf("EndpointSlices: condition not met within %s (ready counts seen %v)", timeout, w.counts)
		}
	}
}

// names returns the sorted endpoint identities (pod names) in all slices.
func (w *readyWatcher) names() []string {
	var out []string
	for _, eps := range w.slices {
		for ep := range eps {
			if !slices.Contains(out, ep) {
				out = append(out, ep)
			}
		}
	}
	slices.Sort(out)
	return out
}
