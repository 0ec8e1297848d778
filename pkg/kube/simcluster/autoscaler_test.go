package simcluster

import (
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAutoscalerHoldsReplicasInRange: a Deployment below its autoscaler's
// minimum is scaled up to it, one above the maximum down to it, and the
// simulated controllers then roll the pods to that count.
func TestAutoscalerHoldsReplicasInRange(t *testing.T) {
	ctx := t.Context()
	c := New(Options{ReadyAfter: -1})
	deps := c.Client().AppsV1().Deployments("ns")
	hpas := c.Client().AutoscalingV2().HorizontalPodAutoscalers("ns")
	if _, err := deps.Apply(ctx, deploymentApply("web", "model:v1", 1), forceApply); err != nil {
		t.Fatal(err)
	}
	lo := int32(3)
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{MinReplicas: &lo, MaxReplicas: 5,
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}},
	}
	if _, err := hpas.Create(ctx, hpa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d := syncUntil(t, c, "web", 20, nil)
	if *d.Spec.Replicas != 3 {
		t.Fatalf("replicas %d, want the minimum 3", *d.Spec.Replicas)
	}
	checkPods(t, c.Client(), d)

	if _, err := deps.Apply(ctx, deploymentApply("web", "model:v1", 8), forceApply); err != nil {
		t.Fatal(err)
	}
	d = syncUntil(t, c, "web", 20, nil)
	if *d.Spec.Replicas != 5 {
		t.Fatalf("replicas %d, want the maximum 5", *d.Spec.Replicas)
	}
	checkPods(t, c.Client(), d)

	if err := hpas.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := deps.Apply(ctx, deploymentApply("web", "model:v1", 8), forceApply); err != nil {
		t.Fatal(err)
	}
	if d = syncUntil(t, c, "web", 20, nil); *d.Spec.Replicas != 8 {
		t.Fatalf("replicas %d without an autoscaler, want 8", *d.Spec.Replicas)
	}
}
