package cluster

import (
	"fmt"
	"maps"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

var modelRef = events.DeploymentRef{Owner: "acme", Project: "vision", Name: "resnet"}

// pinnedOf is a pinned Deployment of ref for template tmpl at version rv.
func pinnedOf(ref events.DeploymentRef, tmpl int, rv string) *appsv1.Deployment {
	d := managed(kube.PinnedName(ref.Name, tmpl), "")
	d.ResourceVersion = rv
	d.Labels = map[string]string{kube.LabelManagedBy: kube.ManagedByValue, kube.LabelOwner: ref.Owner,
		kube.LabelProject: ref.Project, kube.LabelPinnedOf: ref.Name, kube.LabelRevision: fmt.Sprint(tmpl)}
	return d
}

func pinnedNames(set PinnedSet) map[int]string {
	out := map[int]string{}
	for tmpl, p := range set {
		out[tmpl] = p.Name
	}
	return out
}

// TestPinnedIsReadFromTheCache: a rollout finds its deployment's pinned
// Deployments, and only those, without a request: each made a LIST before,
// which the API server answers by scanning every Deployment.
func TestPinnedIsReadFromTheCache(t *testing.T) {
	other := events.DeploymentRef{Owner: "acme", Project: "vision", Name: "vit"}
	cs := fake.NewClientset(pinnedOf(modelRef, 2, "5"), pinnedOf(modelRef, 4, "6"), pinnedOf(other, 2, "7"),
		managed(modelRef.Name, "4"))
	c := syncedCache(t, cs)
	cs.ClearActions()

	got, err := c.Pinned(modelRef)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{2: "resnet-t2", 4: "resnet-t4"}
	if !maps.Equal(pinnedNames(got), want) {
		t.Errorf("Pinned = %v, want %v", pinnedNames(got), want)
	}
	if n := len(cs.Actions()); n != 0 {
		t.Errorf("%d requests (%v), want none", n, verbs(cs))
	}
	direct, err := Pinned(t.Context(), cs, "models", modelRef)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(direct, got) {
		t.Errorf("from the cache %v, listed %v: want the same", got, direct)
	}
}

// TestPinnedCountsThisWorkersWritesBeforeTheWatch: a pinned Deployment
// this worker just applied or deleted reads as applied or deleted while the
// watch has not brought the change, so it is neither left behind (applied,
// then unwanted at once) nor missing (deleted, then wanted again); once the
// watch brings it, or anything newer, the cache decides again.
func TestPinnedCountsThisWorkersWritesBeforeTheWatch(t *testing.T) {
	gone := pinnedOf(modelRef, 2, "5")
	cs := fake.NewClientset(gone)
	held := watch.NewFake()
	defer held.Stop()
	cs.PrependWatchReactor("deployments", func(k8stesting.Action) (bool, watch.Interface, error) { return true, held, nil })
	c := syncedCache(t, cs)

	c.ExpectApplied(modelRef, 3, "resnet-t3", "8")
	c.ExpectDeleted(modelRef, 2, PinnedCopy{Name: gone.Name, ResourceVersion: "5"})
	pinned := func() map[int]string {
		t.Helper()
		got, err := c.Pinned(modelRef)
		if err != nil {
			t.Fatal(err)
		}
		return pinnedNames(got)
	}
	if got, want := pinned(), map[int]string{3: "resnet-t3"}; !maps.Equal(got, want) {
		t.Fatalf("before the watch: %v, want %v", got, want)
	}

	// The watch brings both writes: the cache alone answers.
	held.Add(pinnedOf(modelRef, 3, "8"))
	held.Delete(gone)
	waitFor(t, func() bool { return c.cached("resnet-t3") != nil && c.cached(gone.Name) == nil })
	if got, want := pinned(), map[int]string{3: "resnet-t3"}; !maps.Equal(got, want) {
		t.Fatalf("after the watch: %v, want %v", got, want)
	}
	if n := writes(c); n != 0 {
		t.Errorf("%d writes still expected, want 0", n)
	}

	// Someone else creates the deleted one again: newer than the delete.
	c.ExpectDeleted(modelRef, 3, PinnedCopy{Name: "resnet-t3", ResourceVersion: "8"})
	held.Modify(pinnedOf(modelRef, 3, "9"))
	waitFor(t, func() bool { return c.cached("resnet-t3").ResourceVersion == "9" })
	if got, want := pinned(), map[int]string{3: "resnet-t3"}; !maps.Equal(got, want) {
		t.Fatalf("created again: %v, want %v", got, want)
	}
}

// TestAnExpectedWriteLapses: past expectFor the cache decides, so an
// applied copy someone else deleted before the watch showed it is not
// counted forever.
func TestAnExpectedWriteLapses(t *testing.T) {
	c := syncedCache(t, fake.NewClientset())
	c.expectFor = 0
	c.ExpectApplied(modelRef, 3, "resnet-t3", "8")
	got, err := c.Pinned(modelRef)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 || writes(c) != 0 {
		t.Errorf("Pinned = %v with %d writes expected, want none", pinnedNames(got), writes(c))
	}
}

func writes(c *DeploymentCache) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.writes)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-t.Context().Done():
			t.Fatal("condition never held")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestIndexPinned: only pinned Deployments are indexed, by the deployment
// they pin revisions of.
func TestIndexPinned(t *testing.T) {
	for _, tc := range []struct {
		obj  any
		want []string
	}{
		{pinnedOf(modelRef, 2, "1"), []string{"acme/vision/resnet"}},
		{managed("resnet", "2"), nil},
		{&metav1.Status{}, nil},
	} {
		got, err := indexPinned(tc.obj)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("indexPinned(%T) = %v, %v; want %v", tc.obj, got, err, tc.want)
		}
	}
}
