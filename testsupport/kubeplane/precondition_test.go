package kubeplane_test

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"

	"slipway.dev/testsupport/kubeplane"
)

// TestApplyWithAResourceVersionIsConditional: the API server takes a
// resourceVersion in a server-side apply as a precondition. The worker's
// guard against an older revision overwriting a newer one relies on it
// (services/rollout-worker/internal/cluster/guard.go), and the simulated
// cluster imitates it.
func TestApplyWithAResourceVersionIsConditional(t *testing.T) {
	cms := kubeplane.Shared(t).Client().CoreV1().ConfigMaps("default")
	opts := metav1.ApplyOptions{FieldManager: "precondition-test", Force: true}
	apply := func(rv, value string) error {
		cfg := coreac.ConfigMap("precondition", "default").WithData(map[string]string{"v": value})
		if rv != "" {
			cfg.WithResourceVersion(rv)
		}
		_, err := cms.Apply(t.Context(), cfg, opts)
		return err
	}
	if err := apply("", "1"); err != nil {
		t.Fatal(err)
	}
	first, err := cms.Get(t.Context(), "precondition", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := apply(first.ResourceVersion, "2"); err != nil {
		t.Fatalf("apply at the live version: %v", err)
	}
	if err := apply(first.ResourceVersion, "3"); !apierrors.IsConflict(err) {
		t.Fatalf("apply at a former version: %v, want a 409 conflict", err)
	}
	got, err := cms.Get(t.Context(), "precondition", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Data["v"] != "2" {
		t.Fatalf("value %q, want 2", got.Data["v"])
	}
}
