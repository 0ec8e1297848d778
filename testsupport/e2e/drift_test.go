package e2e_test

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"slipway.dev/pkg/bus"
	"slipway.dev/testsupport/e2e"
)

// TestDriftIsDetectedAndReverted changes the image of a deployment's
// Kubernetes Deployment behind Slipway's back, as `kubectl set image`
// would: a drift_detected event appears in the history, the read model
// shows the drift, and the default policy (revert) puts Slipway's image back.
func TestDriftIsDetectedAndReverted(t *testing.T) {
	s := e2e.NewStack(t)
	const name, image = "steady", "example.invalid/steady:1.0"
	create(t, s, name, rolloutSpec(image, 2))
	cs, obj := s.Plane.Client(), s.ObjectName(ref(name))

	began := time.Now()
	setImage(t, cs, s.Namespace, obj, "example.invalid/hotfix:6.6.6")
	pollHistory(t, s, name, 90*time.Second, "a drift_detected event", func(recs []bus.Record) bool {
		return len(find(t, recs, typeDriftDetected, 0)) > 0
	})
	t.Logf("METRIC drift_event=%s (worker drift interval %s)", since(began), e2e.DriftInterval)
	d := pollDeployment(t, s, name, 30*time.Second, "drift in the read model", deploymentView.hasDrift)
	t.Logf("drift: %s", d.Drift)

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for {
		dep, err := cs.AppsV1().Deployments(s.Namespace).Get(ctx, obj, metav1.GetOptions{})
		if err == nil && containerImage(dep) == image {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("image not reverted to %s within 60s (now %s, last error %v)", image, containerImage(dep), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Logf("METRIC drift_reverted=%s", since(began))
}

// setImage updates the Deployment's first container image through a
// client that is not Slipway (field manager kubectl-set, like `kubectl set
// image`), retrying on conflicts with the controllers' status writes.
func setImage(t *testing.T, cs kubernetes.Interface, ns, name, image string) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		dep, err := cs.AppsV1().Deployments(ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		dep.Spec.Template.Spec.Containers[0].Image = image
		_, err = cs.AppsV1().Deployments(ns).Update(t.Context(), dep, metav1.UpdateOptions{FieldManager: "kubectl-set"})
		return err
	})
	if err != nil {
		t.Fatalf("set image of %s/%s: %v", ns, name, err)
	}
}

func containerImage(dep *appsv1.Deployment) string {
	if dep == nil || len(dep.Spec.Template.Spec.Containers) == 0 {
		return ""
	}
	return dep.Spec.Template.Spec.Containers[0].Image
}
