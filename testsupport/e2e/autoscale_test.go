package e2e_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/testsupport/e2e"
)

// TestAutoscalerOwnsReplicas runs a deployment with spec.scaling on the real
// control plane (kube-controller-manager's HPA controller included, without
// a metrics server): the worker renders a HorizontalPodAutoscaler, the
// Deployment starts at the minimum, and the apiserver's server-side apply
// never resets replicas to its default of 1 when Slipway's applies leave
// them out: after a rollout, after the count was scaled by another manager,
// after a fixed count took them back. Terminate removes the autoscaler.
func TestAutoscalerOwnsReplicas(t *testing.T) {
	s := e2e.NewStack(t, e2e.AsServiceAccounts())
	const name = "elastic"
	cs, obj := s.Plane.Client(), s.ObjectName(ref(name))
	deps, hpas := cs.AppsV1().Deployments(s.Namespace), cs.AutoscalingV2().HorizontalPodAutoscalers(s.Namespace)
	expect := func(step string, want int32, hpaMin, hpaMax int32) {
		t.Helper()
		d, err := deps.Get(t.Context(), obj, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if got := d.Spec.Replicas; got == nil || *got != want {
			t.Fatalf("%s: replicas %s, want %d", step, deref(got), want)
		}
		h, err := hpas.Get(t.Context(), obj, metav1.GetOptions{})
		switch {
		case hpaMax == 0 && !apierrors.IsNotFound(err):
			t.Fatalf("%s: autoscaler still there (%v)", step, err)
		case hpaMax == 0:
		case err != nil:
			t.Fatalf("%s: autoscaler: %v", step, err)
		case *h.Spec.MinReplicas != hpaMin || h.Spec.MaxReplicas != hpaMax || h.Spec.ScaleTargetRef.Name != obj:
			t.Fatalf("%s: autoscaler %+v", step, h.Spec)
		}
	}
	update := func(step string, spec map[string]any) {
		t.Helper()
		if op := finish(t, s, patch(t, s, name, map[string]any{"spec": spec}, opWait)); op.Status != "succeeded" {
			t.Fatalf("%s: %+v", step, op)
		}
	}
	scaling := func(lo, hi int) map[string]any { return map[string]any{"min": lo, "max": hi} }

	create(t, s, name, map[string]any{"image": "example.invalid/elastic:1.0", "scaling": scaling(2, 4)})
	expect("created", 2, 2, 4)
	update("new image", map[string]any{"image": "example.invalid/elastic:2.0"})
	expect("after a rollout", 2, 2, 4)

	// Scaled by someone else (as the HPA does with load): the count stays.
	scale, err := deps.GetScale(t.Context(), obj, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = 3
	if _, err := deps.UpdateScale(t.Context(), obj, scale, metav1.UpdateOptions{FieldManager: "e2e-autoscaler"}); err != nil {
		t.Fatal(err)
	}
	update("wider range and new image", map[string]any{"image": "example.invalid/elastic:3.0", "scaling": scaling(2, 6)})
	expect("after the scale and a rollout", 3, 2, 6)

	update("fixed count", map[string]any{"scaling": nil, "replicas": 1})
	expect("fixed", 1, 0, 0)
	update("autoscaled again", map[string]any{"replicas": nil, "scaling": scaling(2, 5), "image": "example.invalid/elastic:4.0"})
	expect("autoscaled again", 2, 2, 5)
	update("and rolled again", map[string]any{"image": "example.invalid/elastic:5.0"})
	expect("autoscaled and rolled again", 2, 2, 5)

	r := s.API.Do(t, http.MethodDelete, deploymentsPath()+"/"+name+"?wait="+opWait, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("terminate: %d %s", r.Status, r.Body)
	}
	poll(t, 30*time.Second, "autoscaler deleted", func() (bool, string) {
		_, err := hpas.Get(t.Context(), obj, metav1.GetOptions{})
		return apierrors.IsNotFound(err), "get: " + errString(err)
	})
}

func deref(n *int32) string {
	if n == nil {
		return "unset"
	}
	return strconv.Itoa(int(*n))
}

func errString(err error) string {
	if err == nil {
		return "found"
	}
	return err.Error()
}
