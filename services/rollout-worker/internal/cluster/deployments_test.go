package cluster

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"slipway.dev/pkg/kube"
)

func managed(name, rev string) *appsv1.Deployment {
	d := deployment(rev, 1, 1, 1, 1, 1, 1, nil)
	d.Name, d.Namespace = name, "models"
	d.Labels = map[string]string{kube.LabelManagedBy: kube.ManagedByValue}
	return d
}

// syncedCache starts a cache of cs's Deployments in models, stopped with
// the test, and waits for its first list.
func syncedCache(t *testing.T, cs *fake.Clientset) *DeploymentCache {
	t.Helper()
	c, err := NewDeploymentCache(cs, "models")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if !c.Sync(t.Context()) {
		t.Fatal("no first list")
	}
	return c
}

// verbs counts the client's requests by verb.
func verbs(cs *fake.Clientset) map[string]int {
	n := map[string]int{}
	for _, a := range cs.Actions() {
		n[a.GetVerb()]++
	}
	return n
}

// TestRolloutsInFlightCostOneWatch: a hundred rollouts watching their
// Deployments for many resync periods cost one list and one watch, and one
// GET each when they start; each still sees its own Deployment change.
// cluster.Watch, per rollout, made a GET and a watch every resync.
func TestRolloutsInFlightCostOneWatch(t *testing.T) {
	const rollouts = 100
	cs := fake.NewClientset()
	for i := range rollouts {
		if _, err := cs.AppsV1().Deployments("models").Create(t.Context(), managed(fmt.Sprint("m", i), "1"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c := syncedCache(t, cs)
	cs.ClearActions()

	const resync = 10 * time.Millisecond
	var wg sync.WaitGroup
	seen := make([]chan struct{}, rollouts)
	for i := range rollouts {
		seen[i] = make(chan struct{})
		name := fmt.Sprint("m", i)
		calls := 0
		wg.Go(func() {
			err := c.Watch(t.Context(), name, resync, func(d *appsv1.Deployment) bool {
				calls++
				if calls == 1 {
					close(seen[i]) // started: its GET is done
				}
				return d != nil && d.Spec.Template.Labels[kube.LabelRevision] == "2"
			})
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
	}
	for i := range rollouts {
		<-seen[i]
	}
	time.Sleep(20 * resync) // twenty resyncs: each would have re-read and re-watched
	for i := range rollouts {
		if _, err := cs.AppsV1().Deployments("models").Update(t.Context(), managed(fmt.Sprint("m", i), "2"), metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	got := verbs(cs)
	if got["get"] != rollouts || got["watch"] != 0 || got["list"] != 0 {
		t.Fatalf("requests %v, want %d gets (one per rollout) and no list or watch beyond the cache's", got, rollouts)
	}
}

// TestAJustAppliedDeploymentIsNotReadStale: while the cache has not caught
// up with a Deployment just applied (its watch silent here), a rollout
// reads it as its own GET returned it, never as missing or as an older
// copy, which would read as another template running.
func TestAJustAppliedDeploymentIsNotReadStale(t *testing.T) {
	cs := fake.NewClientset()
	silent := watch.NewFake()
	defer silent.Stop()
	cs.PrependWatchReactor("deployments", func(k8stesting.Action) (bool, watch.Interface, error) { return true, silent, nil })
	c := syncedCache(t, cs)
	if _, err := cs.AppsV1().Deployments("models").Create(t.Context(), managed("m", "2"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	var reads []*appsv1.Deployment
	_ = c.Watch(ctx, "m", 10*time.Millisecond, func(d *appsv1.Deployment) bool {
		reads = append(reads, d)
		return len(reads) == 5
	})
	if len(reads) != 5 {
		t.Fatalf("%d reads, want 5 (the first and four resyncs)", len(reads))
	}
	for i, d := range reads {
		if d == nil || d.Spec.Template.Labels[kube.LabelRevision] != "2" {
			t.Fatalf("read %d: %v, want the applied Deployment", i, d)
		}
	}
}

func TestOlder(t *testing.T) {
	at := func(rv string) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{ResourceVersion: rv}}
	}
	for _, tc := range []struct {
		cached *appsv1.Deployment
		want   bool
	}{{nil, true}, {at("9"), true}, {at("10"), false}, {at("11"), false}, {at("x"), false}} {
		if got := older(tc.cached, at("10")); got != tc.want {
			t.Errorf("older(%v, 10) = %v, want %v", tc.cached, got, tc.want)
		}
	}
}

// TestSlimObservedKeepsWhatObserveReads: Observe reads the same from the
// slimmed copy as from the whole Deployment.
func TestSlimObservedKeepsWhatObserveReads(t *testing.T) {
	d := managed("m", "3")
	d.Spec.Template.Spec.Containers = nil
	slim, err := slimObserved(d)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(0, 0)
	want, okWant := Observe(d, 3, 3, now)
	got, okGot := Observe(slim.(*appsv1.Deployment), 3, 3, now)
	if okGot != okWant || fmt.Sprint(got) != fmt.Sprint(want) || Available(slim.(*appsv1.Deployment)) != Available(d) {
		t.Fatalf("slimmed: %v %v, whole: %v %v", got, okGot, want, okWant)
	}
	if _, err := slimObserved(runtime.Object(&appsv1.ReplicaSet{})); err != nil {
		t.Fatal(err)
	}
}
