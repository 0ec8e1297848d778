package cluster

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/simcluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

// TestAutoscalerTakesReplicasWithoutAReset walks a deployment through
// fixed and autoscaled revisions and checks the replica count at each
// apply: created at the minimum, never reset to the default when Slipway
// leaves replicas to the autoscaler, the autoscaler's count kept, clamped
// into a new range, and taken back by a fixed count (autoscaler deleted).
func TestAutoscalerTakesReplicasWithoutAReset(t *testing.T) {
	client := simcluster.New(simcluster.Options{}).Client()
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	target := events.TargetInfo{Namespace: "models", ObjectName: kube.ObjectName("acme", "fraud", "scorer")}
	n := func(v int32) *int32 { return &v }
	scaling := func(lo, hi int32) *events.Scaling { return &events.Scaling{Min: lo, Max: hi} }

	steps := []struct {
		name       string
		image      string
		replicas   *int32
		scaling    *events.Scaling
		autoscaled int32 // the autoscaler's count written before this step (0: none)
		want       int32
		wantHPA    bool
	}{
		{name: "created autoscaled starts at the minimum", image: "img:1", scaling: scaling(2, 4), want: 2, wantHPA: true},
		{name: "a new image keeps the count", image: "img:2", scaling: scaling(2, 4), want: 2, wantHPA: true},
		{name: "the autoscaler's count is kept", image: "img:3", scaling: scaling(2, 6), autoscaled: 5, want: 5, wantHPA: true},
		{name: "a fixed count takes replicas back", image: "img:3", replicas: n(3), want: 3},
		{name: "autoscaled again keeps the fixed count", image: "img:4", scaling: scaling(1, 8), want: 3, wantHPA: true},
		{name: "and again after a rollout", image: "img:5", scaling: scaling(1, 8), want: 3, wantHPA: true},
		{name: "a fixed count above the next range", image: "img:5", replicas: n(9), want: 9},
		{name: "is clamped into it", image: "img:6", scaling: scaling(2, 4), want: 4, wantHPA: true},
	}
	for i, st := range steps {
		if st.autoscaled > 0 {
			scaleAs(t, client, target, "horizontal-pod-autoscaler", st.autoscaled)
		}
		spec := events.Spec{Image: st.image, Replicas: st.replicas, Scaling: st.scaling}.WithDefaults()
		objs := manifest.Render(ref, target, events.Revision{Number: i + 1, Spec: spec}, nil, false)
		if err := Apply(t.Context(), client, objs); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		live, err := client.AppsV1().Deployments(target.Namespace).Get(t.Context(), target.ObjectName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := replicasOf(live); got != st.want || live.Spec.Template.Spec.Containers[0].Image != st.image {
			t.Fatalf("%s: replicas %d image %s, want %d %s", st.name, got, live.Spec.Template.Spec.Containers[0].Image, st.want, st.image)
		}
		hpa, err := client.AutoscalingV2().HorizontalPodAutoscalers(target.Namespace).Get(t.Context(), target.ObjectName, metav1.GetOptions{})
		switch {
		case !st.wantHPA && !apierrors.IsNotFound(err):
			t.Fatalf("%s: autoscaler still there: %v", st.name, err)
		case st.wantHPA && err != nil:
			t.Fatalf("%s: autoscaler: %v", st.name, err)
		case st.wantHPA && (*hpa.Spec.MinReplicas != st.scaling.Min || hpa.Spec.MaxReplicas != st.scaling.Max ||
			hpa.Spec.ScaleTargetRef.Name != target.ObjectName || hpa.Spec.ScaleTargetRef.Kind != "Deployment"):
			t.Fatalf("%s: autoscaler spec %+v", st.name, hpa.Spec)
		}
		// On creation Slipway's apply sets the minimum; its next apply hands it over.
		if st.wantHPA && i > 0 && ownsReplicas(live, kube.FieldManager) {
			t.Fatalf("%s: Slipway still owns replicas: %s", st.name, live.ManagedFields)
		}
	}
}

// scaleAs writes the Deployment's replicas as another controller would (an update).
func scaleAs(t *testing.T, client kubernetes.Interface, target events.TargetInfo, manager string, n int32) {
	t.Helper()
	deps := client.AppsV1().Deployments(target.Namespace)
	live, err := deps.Get(t.Context(), target.ObjectName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	live.Spec.Replicas = &n
	if _, err := deps.Update(t.Context(), live, metav1.UpdateOptions{FieldManager: manager}); err != nil {
		t.Fatal(err)
	}
}
