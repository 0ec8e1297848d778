package simcluster

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
)

// guard bounds a test that waits for a condition; it is a failure guard,
// not a timing assertion.
func guard(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func objectMeta(i int) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: fmt.Sprintf("o-%05d", i), Namespace: "ns", Labels: map[string]string{"half": fmt.Sprint(i % 2)}}
}

// kinds are the resources the worker, the monitor and the simulator watch
// or list, each with a way to create the i-th object and open a watch.
var kinds = []struct {
	name   string
	n      int
	create func(context.Context, kubernetes.Interface, int) error
	watch  func(context.Context, kubernetes.Interface, metav1.ListOptions) (watch.Interface, error)
}{
	{"deployments", 10_000, func(ctx context.Context, c kubernetes.Interface, i int) error {
		_, err := c.AppsV1().Deployments("ns").Create(ctx, &appsv1.Deployment{ObjectMeta: objectMeta(i)}, metav1.CreateOptions{})
		return err
	}, func(ctx context.Context, c kubernetes.Interface, o metav1.ListOptions) (watch.Interface, error) {
		return c.AppsV1().Deployments("ns").Watch(ctx, o)
	}},
	{"replicasets", 1000, func(ctx context.Context, c kubernetes.Interface, i int) error {
		_, err := c.AppsV1().ReplicaSets("ns").Create(ctx, &appsv1.ReplicaSet{ObjectMeta: objectMeta(i)}, metav1.CreateOptions{})
		return err
	}, func(ctx context.Context, c kubernetes.Interface, o metav1.ListOptions) (watch.Interface, error) {
		return c.AppsV1().ReplicaSets("ns").Watch(ctx, o)
	}},
	{"pods", 1000, func(ctx context.Context, c kubernetes.Interface, i int) error {
		_, err := c.CoreV1().Pods("ns").Create(ctx, &corev1.Pod{ObjectMeta: objectMeta(i)}, metav1.CreateOptions{})
		return err
	}, func(ctx context.Context, c kubernetes.Interface, o metav1.ListOptions) (watch.Interface, error) {
		return c.CoreV1().Pods("ns").Watch(ctx, o)
	}},
	{"services", 1000, func(ctx context.Context, c kubernetes.Interface, i int) error {
		_, err := c.CoreV1().Services("ns").Create(ctx, &corev1.Service{ObjectMeta: objectMeta(i)}, metav1.CreateOptions{})
		return err
	}, func(ctx context.Context, c kubernetes.Interface, o metav1.ListOptions) (watch.Interface, error) {
		return c.CoreV1().Services("ns").Watch(ctx, o)
	}},
	{"endpointslices", 1000, func(ctx context.Context, c kubernetes.Interface, i int) error {
		_, err := c.DiscoveryV1().EndpointSlices("ns").Create(ctx, &discoveryv1.EndpointSlice{ObjectMeta: objectMeta(i)}, metav1.CreateOptions{})
		return err
	}, func(ctx context.Context, c kubernetes.Interface, o metav1.ListOptions) (watch.Interface, error) {
		return c.DiscoveryV1().EndpointSlices("ns").Watch(ctx, o)
	}},
	{"horizontalpodautoscalers", 1000, func(ctx context.Context, c kubernetes.Interface, i int) error {
		_, err := c.AutoscalingV2().HorizontalPodAutoscalers("ns").Create(ctx, &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: objectMeta(i)}, metav1.CreateOptions{})
		return err
	}, func(ctx context.Context, c kubernetes.Interface, o metav1.ListOptions) (watch.Interface, error) {
		return c.AutoscalingV2().HorizontalPodAutoscalers("ns").Watch(ctx, o)
	}},
}

// TestSlowReaderGetsEveryEvent creates many objects of each kind while two
// watches are open that nobody reads until all creates are done (client-go's
// fake panics with "channel full" at the 101st), then reads every event:
// all of them, in creation order, the label-selected watch only its half.
func TestSlowReaderGetsEveryEvent(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			ctx := guard(t)
			client := New(Options{}).Client()
			all, err := k.watch(ctx, client, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer all.Stop()
			odd, err := k.watch(ctx, client, metav1.ListOptions{LabelSelector: "half=1"})
			if err != nil {
				t.Fatal(err)
			}
			defer odd.Stop()
			for i := range k.n {
				if err := k.create(ctx, client, i); err != nil {
					t.Fatal(err)
				}
			}
			expectAdded(ctx, t, all, k.n, 0, 1)
			expectAdded(ctx, t, odd, k.n/2, 1, 2)
		})
	}
}

// expectAdded reads n events from w and checks they are ADDED for objects
// first, first+step, ... in that order.
func expectAdded(ctx context.Context, t *testing.T, w watch.Interface, n, first, step int) {
	t.Helper()
	for i := range n {
		want := objectMeta(first + i*step).Name
		select {
		case ev := <-w.ResultChan():
			m := ev.Object.(metav1.Object)
			if ev.Type != watch.Added || m.GetName() != want {
				t.Fatalf("event %d: %s %s, want ADDED %s", i, ev.Type, m.GetName(), want)
			}
		case <-ctx.Done():
			t.Fatalf("%d of %d events received", i, n)
		}
	}
}

// TestInformerSeesFleet starts an informer on Deployments with a label
// selector, as the health monitor does, and creates 10,000 Deployments: its
// cache ends up holding exactly the selected half.
func TestInformerSeesFleet(t *testing.T) {
	ctx := guard(t)
	client := New(Options{}).Client()
	f := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace("ns"),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = "half=1" }))
	deps := f.Apps().V1().Deployments()
	store := deps.Informer().GetStore()
	stop := make(chan struct{})
	f.Start(stop)
	defer f.Shutdown()
	defer close(stop) // before Shutdown, which waits for the informers to stop
	f.WaitForCacheSync(ctx.Done())
	const n = 10_000
	for i := range n {
		if _, err := client.AppsV1().Deployments("ns").Create(ctx, &appsv1.Deployment{ObjectMeta: objectMeta(i)}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for len(store.ListKeys()) < n/2 {
		select {
		case <-ctx.Done():
			t.Fatalf("informer holds %d of %d", len(store.ListKeys()), n/2)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if _, ok, _ := store.GetByKey("ns/" + objectMeta(0).Name); ok {
		t.Error("informer holds an object its selector excludes")
	}
}

// TestStoppedWatchLeavesNothing stops watches that have hundreds of events
// unread: their goroutines end, their channels close and the resource
// forgets them, so later writes queue nothing for them.
func TestStoppedWatchLeavesNothing(t *testing.T) {
	ctx := guard(t)
	c := New(Options{})
	deps := c.Client().AppsV1().Deployments("ns")
	before := runtime.NumGoroutine()
	var ws []watch.Interface
	for range 10 {
		w, err := deps.Watch(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	named, err := deps.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + objectMeta(1).Name})
	if err != nil {
		t.Fatal(err)
	}
	ws = append(ws, named)
	for i := range 500 {
		if _, err := deps.Create(ctx, &appsv1.Deployment{ObjectMeta: objectMeta(i)}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	expectAdded(ctx, t, ws[0], 10, 0, 1) // mid-stream
	for _, w := range ws {
		w.Stop()
	}
	for _, w := range ws {
		for range w.ResultChan() { // closed at once, nothing more delivered
		}
	}
	for runtime.NumGoroutine() > before {
		select {
		case <-ctx.Done():
			t.Fatalf("%d goroutines, %d before the watches", runtime.NumGoroutine(), before)
		case <-time.After(10 * time.Millisecond):
		}
	}
	s := c.events.stream(appsv1.SchemeGroupVersion.WithResource("deployments"))
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.watches) != 0 || len(s.byName) != 0 {
		t.Errorf("%d watches and %d named watches still registered", len(s.watches), len(s.byName))
	}
}

// TestWatchFollowsSelectorMembership: an object relabelled out of a watch's
// selector is reported DELETED, and ADDED when it comes back, as by the
// apiserver.
func TestWatchFollowsSelectorMembership(t *testing.T) {
	ctx := guard(t)
	cms := New(Options{}).Client().CoreV1().ConfigMaps("ns")
	w, err := cms.Watch(ctx, metav1.ListOptions{LabelSelector: "half=1"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	cm := &corev1.ConfigMap{ObjectMeta: objectMeta(1)}
	for _, half := range []string{"1", "0", "0", "1", "1"} {
		cm.Labels["half"] = half
		if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); apierrors.IsNotFound(err) {
			_, err = cms.Create(ctx, cm, metav1.CreateOptions{})
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if err := cms.Delete(ctx, cm.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []watch.EventType{watch.Added, watch.Deleted, watch.Added, watch.Modified, watch.Deleted}
	for i, ev := range receive(t, w, len(want)) {
		if ev.Type != want[i] {
			t.Errorf("event %d: %s, want %s", i, ev.Type, want[i])
		}
	}
}

// TestWatchFromListVersion opens a watch from a List's resourceVersion after
// changes: it replays exactly what changed since, in order, deletions
// included; from a version whose deletions are forgotten it answers 410.
func TestWatchFromListVersion(t *testing.T) {
	ctx := guard(t)
	cms := New(Options{}).Client().CoreV1().ConfigMaps("ns")
	for i := range 3 {
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: objectMeta(i)}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := cms.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, objectMeta(0).Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: objectMeta(3)}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	want := []string{"DELETED " + objectMeta(0).Name, "ADDED " + objectMeta(3).Name}
	for i, ev := range receive(t, w, len(want)) {
		if got := string(ev.Type) + " " + ev.Object.(metav1.Object).GetName(); got != want[i] {
			t.Errorf("event %d: %s, want %s", i, got, want[i])
		}
	}

	for i := 10; i < 10+2*minTombstones+1; i++ {
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: objectMeta(i)}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := cms.Delete(ctx, objectMeta(i).Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion}); !apierrors.IsResourceExpired(err) {
		t.Errorf("watch from a forgotten version: %v, want 410 Expired", err)
	}
}
