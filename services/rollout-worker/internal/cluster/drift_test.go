package cluster

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/simcluster"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

func TestDetectDriftNamesFieldsAndManagers(t *testing.T) {
	client := simcluster.New(simcluster.Options{}).Client()
	n := int32(2)
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	target := events.TargetInfo{Namespace: "default", ObjectName: kube.ObjectName("acme", "fraud", "scorer")}
	objs := manifest.Render(ref, target, events.Revision{Number: 1, Spec: events.Spec{Image: "img:1", Replicas: &n}.WithDefaults()}, nil, false)
	if err := Apply(t.Context(), client, objs); err != nil {
		t.Fatal(err)
	}
	if d, err := DetectDrift(t.Context(), client, objs); err != nil || d != nil {
		t.Fatalf("no drift expected right after apply: %+v %v", d, err)
	}

	// Someone runs the equivalent of `kubectl set image`.
	deps := client.AppsV1().Deployments("default")
	live, err := deps.Get(t.Context(), target.ObjectName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	live.Spec.Template.Spec.Containers[0].Image = "img:hotfix"
	if _, err := deps.Update(t.Context(), live, metav1.UpdateOptions{FieldManager: "kubectl-set"}); err != nil {
		t.Fatal(err)
	}
	d, err := DetectDrift(t.Context(), client, objs)
	if err != nil || d == nil {
		t.Fatalf("drift not detected: %+v %v", d, err)
	}
	if len(d.Fields) != 1 || !strings.Contains(d.Fields[0], "image") || len(d.Managers) != 1 || d.Managers[0] != "kubectl-set" {
		t.Fatalf("drift: %+v", d)
	}
	// Reverting is a forced apply; afterwards there is no drift.
	if err := Apply(t.Context(), client, objs); err != nil {
		t.Fatal(err)
	}
	if d, err := DetectDrift(t.Context(), client, objs); err != nil || d != nil {
		t.Fatalf("drift after revert: %+v %v", d, err)
	}
	live, _ = deps.Get(t.Context(), target.ObjectName, metav1.GetOptions{})
	if live.Spec.Template.Spec.Containers[0].Image != "img:1" {
		t.Fatalf("image after revert: %s", live.Spec.Template.Spec.Containers[0].Image)
	}
}

// TestDetectServiceDrift: a Service nobody touched costs no call and is no
// drift; one whose selector another manager changed is drift naming the
// field and the manager; a forced apply (revert) ends it.
func TestDetectServiceDrift(t *testing.T) {
	client := simcluster.New(simcluster.Options{}).Client()
	n := int32(1)
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	target := events.TargetInfo{Namespace: "default", ObjectName: kube.ObjectName("acme", "fraud", "scorer")}
	objs := manifest.Render(ref, target, events.Revision{Number: 1, Spec: events.Spec{Image: "img:1", Replicas: &n}.WithDefaults()}, nil, false)
	if err := Apply(t.Context(), client, objs); err != nil {
		t.Fatal(err)
	}
	svcs := client.CoreV1().Services("default")
	live, err := svcs.Get(t.Context(), target.ObjectName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := DetectServiceDrift(t.Context(), client, live, objs.Service); err != nil || d != nil {
		t.Fatalf("untouched Service: %+v %v", d, err)
	}
	if d, err := DetectServiceDrift(t.Context(), client, nil, objs.Service); err != nil || d != nil {
		t.Fatalf("missing Service (deletions are checked elsewhere): %+v %v", d, err)
	}

	// Someone points the Service at other pods (kubectl edit).
	live.Spec.Selector[kube.LabelDeployment] = "impostor"
	if live, err = svcs.Update(t.Context(), live, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	d, err := DetectServiceDrift(t.Context(), client, live, objs.Service)
	if err != nil || d == nil {
		t.Fatalf("selector changed, no drift: %v", err)
	}
	if d.Object != "v1 Service default/"+target.ObjectName || len(d.Managers) != 1 || d.Managers[0] != "kubectl-edit" ||
		len(d.Fields) != 1 || !strings.Contains(d.Fields[0], "selector") || d.Live != nil {
		t.Fatalf("drift: %+v", d)
	}
	if err := Apply(t.Context(), client, objs); err != nil {
		t.Fatal(err)
	}
	live, _ = svcs.Get(t.Context(), target.ObjectName, metav1.GetOptions{})
	if live.Spec.Selector[kube.LabelDeployment] != "scorer" {
		t.Fatalf("selector after revert: %v", live.Spec.Selector)
	}
	if d, err := DetectServiceDrift(t.Context(), client, live, objs.Service); err != nil || d != nil {
		t.Fatalf("after revert: %+v %v", d, err)
	}
}

// TestDetectAutoscalerDrift: no autoscaler in the spec, nothing to check;
// an untouched one is no drift; one whose maximum another manager changed
// is drift naming it; a missing one is drift marked deleted; a revert ends both.
func TestDetectAutoscalerDrift(t *testing.T) {
	client := simcluster.New(simcluster.Options{}).Client()
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	target := events.TargetInfo{Namespace: "default", ObjectName: kube.ObjectName("acme", "fraud", "scorer")}
	objs := manifest.Render(ref, target, events.Revision{Number: 1, Spec: events.Spec{Image: "img:1", Scaling: &events.Scaling{Min: 2, Max: 4}}.WithDefaults()}, nil, false)
	if err := Apply(t.Context(), client, objs); err != nil {
		t.Fatal(err)
	}
	hpas := client.AutoscalingV2().HorizontalPodAutoscalers("default")
	live, err := hpas.Get(t.Context(), target.ObjectName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := DetectAutoscalerDrift(t.Context(), client, live, objs.Autoscaler); err != nil || d != nil {
		t.Fatalf("untouched autoscaler: %+v %v", d, err)
	}
	if d, err := DetectAutoscalerDrift(t.Context(), client, nil, nil); err != nil || d != nil {
		t.Fatalf("no autoscaler in the spec: %+v %v", d, err)
	}
	live.Spec.MaxReplicas = 40
	if live, err = hpas.Update(t.Context(), live, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	d, err := DetectAutoscalerDrift(t.Context(), client, live, objs.Autoscaler)
	if err != nil || d == nil || len(d.Managers) != 1 || d.Managers[0] != "kubectl-edit" || len(d.Fields) != 1 || !strings.Contains(d.Fields[0], "maxReplicas") {
		t.Fatalf("maximum changed: %+v %v", d, err)
	}
	if d, err := DetectAutoscalerDrift(t.Context(), client, nil, objs.Autoscaler); err != nil || d == nil || !d.Deleted {
		t.Fatalf("missing autoscaler: %+v %v", d, err)
	}
	if err := Apply(t.Context(), client, objs); err != nil {
		t.Fatal(err)
	}
	live, _ = hpas.Get(t.Context(), target.ObjectName, metav1.GetOptions{})
	if d, err := DetectAutoscalerDrift(t.Context(), client, live, objs.Autoscaler); err != nil || d != nil || live.Spec.MaxReplicas != 4 {
		t.Fatalf("after revert: max %d, %+v %v", live.Spec.MaxReplicas, d, err)
	}
}
