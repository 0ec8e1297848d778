package gatewayapi

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// FieldManager is the server-side apply manager of the installed CRDs.
const FieldManager = "slipway-tests"

// establishTimeout bounds the wait for every CRD to be served.
const establishTimeout = 60 * time.Second

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// pinnedCRDs reads the pinned release's CRDs once per process.
var pinnedCRDs = sync.OnceValues(func() ([]*unstructured.Unstructured, error) {
	r, err := PinnedRelease(context.Background())
	if err != nil {
		return nil, err
	}
	return r.StandardCRDs()
})

// Install server-side applies crds (forcing ownership of their fields, so
// it replaces a stand-in of the same name) and waits until each is
// Established. Applying the same CRDs again changes nothing.
func Install(ctx context.Context, dyn dynamic.Interface, crds []*unstructured.Unstructured) error {
	client := dyn.Resource(crdResource)
	for _, crd := range crds {
		if _, err := client.Apply(ctx, crd.GetName(), crd, metav1.ApplyOptions{FieldManager: FieldManager, Force: true}); err != nil {
			return fmt.Errorf("gatewayapi: apply %s: %w", crd.GetName(), err)
		}
	}
	for _, crd := range crds {
		var last string
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, establishTimeout, true, func(ctx context.Context) (bool, error) {
			got, err := client.Get(ctx, crd.GetName(), metav1.GetOptions{})
			if err != nil {
				last = err.Error()
				return false, nil
			}
			ok, seen := established(got)
			last = seen
			return ok, nil
		})
		if err != nil {
			return fmt.Errorf("gatewayapi: %s not established: %w (last seen: %s)", crd.GetName(), err, last)
		}
	}
	return nil
}

// established reports whether a CRD's Established condition is True, and
// its conditions otherwise.
func established(crd *unstructured.Unstructured) (bool, string) {
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conds {
		if m, _ := c.(map[string]any); m["type"] == "Established" && m["status"] == "True" {
			return true, ""
		}
	}
	return false, fmt.Sprint(conds)
}

// InstallT installs the pinned release's standard CRDs on the control
// plane cfg reaches, failing t when it cannot. They stay installed after t:
// they are cluster-wide, and installing them again is a no-op.
func InstallT(t testing.TB, cfg *rest.Config) {
	t.Helper()
	crds, err := pinnedCRDs()
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("gatewayapi: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*establishTimeout)
	defer cancel()
	if err := Install(ctx, dyn, crds); err != nil {
		t.Fatal(err)
	}
}
