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
