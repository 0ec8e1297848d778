package drift

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubefake "k8s.io/client-go/kubernetes/fake"

	"slipway.dev/pkg/kube"
)

// TestInformerCachesHoldManagedObjectsStripped: the drift caches hold the
// Slipway-managed Deployments and Services of the target namespace, with
// only what the check reads, and a replaced target gets new caches.
func TestInformerCachesHoldManagedObjectsStripped(t *testing.T) {
	managed := map[string]string{kube.LabelManagedBy: kube.ManagedByValue, kube.LabelOwner: "acme", "team": "fraud"}
	replicas := int32(3)
	client := kubefake.NewClientset(
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d1", Namespace: "models", Labels: managed,
			Annotations: map[string]string{"big": "annotation"}, Generation: 4}, Spec: appsv1.DeploymentSpec{Replicas: &replicas}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: "models"}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "d1", Namespace: "models", Labels: managed},
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "d1"}, ClusterIP: "10.0.0.1"}},
	)
	target := &kube.Target{TargetConfig: kube.TargetConfig{Name: "t", Namespace: "models"}, Client: client}
	caches := newInformerCaches()
	defer caches.close()
	objs, ok := caches.Objects(t.Context(), target)
	if !ok {
		t.Fatal("caches not synced")
	}
	deps := objs.Deployments()
	if len(deps) != 1 || deps[0].Name != "d1" || objs.Deployment("other") != nil {
		t.Fatalf("deployments %v: want the managed one only", deps)
	}
	d := objs.Deployment("d1")
	if d.Generation != 4 || d.Spec.Replicas != nil || d.Annotations != nil || d.Labels["team"] != "" || d.Labels[kube.LabelOwner] != "acme" {
		t.Fatalf("deployment not stripped to what drift reads: %+v", d)
	}
	svc := objs.Service("d1")
	if svc == nil || svc.Spec.Selector["app"] != "d1" || svc.Spec.ClusterIP != "" {
		t.Fatalf("service %+v", svc)
	}
	replaced := *target
	caches.Retain([]*kube.Target{&replaced})
	if len(caches.byName) != 0 {
		t.Fatal("the caches of a replaced target are kept")
	}
}
