package simcluster

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"
)

// TestApplyHonoursResourceVersion: as on the API server, an apply that names
// a resourceVersion succeeds only against that version of the object.
func TestApplyHonoursResourceVersion(t *testing.T) {
	ctx := guard(t)
	deps := New(Options{}).Client().CoreV1().ConfigMaps("ns") // no controller writes them
	apply := func(rv string, image string) error {
		cfg := coreac.ConfigMap("d", "ns").WithAnnotations(map[string]string{"image": image})
		if rv != "" {
			cfg.WithResourceVersion(rv)
		}
		_, err := deps.Apply(ctx, cfg, metav1.ApplyOptions{FieldManager: "test", Force: true})
		return err
	}
	if err := apply("", "a"); err != nil {
		t.Fatal(err)
	}
	first, err := deps.Get(ctx, "d", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if first.ResourceVersion == "" {
		t.Fatal("a stored object has no resourceVersion")
	}
	if err := apply(first.ResourceVersion, "b"); err != nil {
		t.Fatalf("apply at the live version: %v", err)
	}
	if err := apply(first.ResourceVersion, "c"); !apierrors.IsConflict(err) {
		t.Fatalf("apply at a former version: %v, want a conflict", err)
	}
	if err := apply("", "d"); err != nil {
		t.Fatalf("apply without a version: %v", err)
	}
	got, err := deps.Get(ctx, "d", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Annotations["image"] != "d" {
		t.Errorf("image annotation %q, want d (c must not have been written)", got.Annotations["image"])
	}
}
