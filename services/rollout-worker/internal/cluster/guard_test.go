package cluster

import (
	"errors"
	"strconv"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/simcluster"
)

func revisionDeployment(rev int, image string) *appsac.DeploymentApplyConfiguration {
	return appsac.Deployment("scorer", "default").
		WithAnnotations(map[string]string{kube.AnnotationRevision: strconv.Itoa(rev), "image": image})
}

func liveImage(t *testing.T, c kubernetes.Interface) string {
	t.Helper()
	d, err := c.AppsV1().Deployments("default").Get(t.Context(), "scorer", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d.Annotations["image"]
}

// TestAnOlderRevisionNeverOverwritesANewer: the main Deployment takes a
// revision only if it does not already carry a later one (a rollout
// overtaken between its check and its apply used to put its older spec
// back, and the newer rollout then waited forever for its template).
func TestAnOlderRevisionNeverOverwritesANewer(t *testing.T) {
	c := simcluster.New(simcluster.Options{}).Client()
	ctx := t.Context()
	if err := applyNotOlder(ctx, c, revisionDeployment(2, "v2")); err != nil {
		t.Fatalf("create at revision 2: %v", err)
	}
	if err := applyNotOlder(ctx, c, revisionDeployment(3, "v3")); err != nil {
		t.Fatalf("revision 3 over 2: %v", err)
	}
	if err := applyNotOlder(ctx, c, revisionDeployment(2, "v2")); !errors.Is(err, ErrNewerApplied) {
		t.Fatalf("revision 2 over 3: %v, want ErrNewerApplied", err)
	}
	if got := liveImage(t, c); got != "v3" {
		t.Fatalf("live image %q after the refused older apply, want v3", got)
	}
	if err := applyNotOlder(ctx, c, revisionDeployment(3, "v3-again")); err != nil {
		t.Fatalf("revision 3 again (pause, drift revert): %v", err)
	}
}

// TestAGuardedApplyLosingTheRaceJudgesAgain: when the Deployment changes
// between the read and the write (a 409 on the resourceVersion condition),
// the apply reads again; if a newer revision got there, it stops.
func TestAGuardedApplyLosingTheRaceJudgesAgain(t *testing.T) {
	ctx := t.Context()
	c := fake.NewClientset(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "scorer", Namespace: "default",
		ResourceVersion: "5", Annotations: map[string]string{kube.AnnotationRevision: "2", "image": "v2"}}})
	var patches int
	c.PrependReactor("patch", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		patches++
		// Revision 4 was applied after revision 3 read the Deployment.
		gvr := appsv1.SchemeGroupVersion.WithResource("deployments")
		if err := c.Tracker().Update(gvr, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "scorer", Namespace: "default",
			ResourceVersion: "6", Annotations: map[string]string{kube.AnnotationRevision: "4", "image": "v4"}}}, "default"); err != nil {
			t.Error(err)
		}
		return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "apps", Resource: "deployments"}, "scorer", errors.New("modified"))
	})
	if err := applyNotOlder(ctx, c, revisionDeployment(3, "v3")); !errors.Is(err, ErrNewerApplied) {
		t.Fatalf("revision 3 after losing to 4: %v, want ErrNewerApplied", err)
	}
	if patches != 1 {
		t.Errorf("%d patches, want 1: the second read must find revision 4 and write nothing", patches)
	}
	if got := liveImage(t, c); got != "v4" {
		t.Fatalf("live image %q, want v4", got)
	}
}
