package systemtest

import (
	"net/http"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/kube"
)

// TestAutoscaledDeployment: spec.scaling becomes a HorizontalPodAutoscaler
// on the simulated target; the deployment starts at the minimum, keeps a
// count the autoscaler chose through a rollout, and terminating removes it.
func TestAutoscaledDeployment(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	const name = "elastic"
	obj := kube.ObjectName("acme", "fraud", name)
	deps, hpas := s.Target.Client.AppsV1().Deployments("default"), s.Target.Client.AutoscalingV2().HorizontalPodAutoscalers("default")
	body := map[string]any{"name": name, "spec": map[string]any{"image": "ghcr.io/acme/scorer:1.0",
		"scaling": map[string]any{"min": 2, "max": 4, "targetCPUPercent": 70}}}
	if r := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", body); r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	hpa, err := hpas.Get(t.Context(), obj, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != 4 || *hpa.Spec.Metrics[0].Resource.Target.AverageUtilization != 70 {
		t.Fatalf("autoscaler: %+v", hpa.Spec)
	}
	if n := readyPods(t, s, name, 1); n != 2 {
		t.Fatalf("%d ready pods after create, want the minimum 2", n)
	}

	// The autoscaler scales to 3 (as it would under load); a rollout keeps 3.
	live, err := deps.Get(t.Context(), obj, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	three := int32(3)
	live.Spec.Replicas = &three
	if _, err := deps.Update(t.Context(), live, metav1.UpdateOptions{FieldManager: "horizontal-pod-autoscaler"}); err != nil {
		t.Fatal(err)
	}
	r := patch(t, api, name, map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:2.0"}})
	if r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	if n := readyPods(t, s, name, 2); n != 3 {
		t.Fatalf("%d ready pods of revision 2, want the autoscaler's 3", n)
	}
	var d struct{ Scaling struct{ Min, Max int } }
	api.Do(t, http.MethodGet, deploymentsPath+"/"+name, nil).Decode(t, &d)
	if d.Scaling.Min != 2 || d.Scaling.Max != 4 {
		t.Fatalf("read model scaling: %+v", d.Scaling)
	}

	if r := api.Do(t, http.MethodDelete, deploymentsPath+"/"+name+"?wait=60s", nil); r.Status != http.StatusOK {
		t.Fatalf("terminate: %d %s", r.Status, r.Body)
	}
	eventually(t, 30*time.Second, "autoscaler deleted", func() bool {
		_, err := hpas.Get(t.Context(), obj, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
}
