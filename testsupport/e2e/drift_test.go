package e2e_test

import (
	"context"
	"encoding/json"
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
	s := e2e.NewStack(t, e2e.AsServiceAccounts())
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

// TestDeletedDeploymentIsRecreated deletes a deployment's Kubernetes
// Deployment as `kubectl delete deployment` would: the worker's drift check
// notices it is gone, recreates it (revert policy) and records the deletion,
// and the pods come back ready.
func TestDeletedDeploymentIsRecreated(t *testing.T) {
	s := e2e.NewStack(t, e2e.AsServiceAccounts())
	const name = "undeletable"
	create(t, s, name, rolloutSpec("example.invalid/undeletable:1.0", 2))
	cs, obj := s.Plane.Client(), s.ObjectName(ref(name))
	deps := cs.AppsV1().Deployments(s.Namespace)
	before, err := deps.Get(t.Context(), obj, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	background := metav1.DeletePropagationBackground
	if err := deps.Delete(t.Context(), obj, metav1.DeleteOptions{PropagationPolicy: &background}); err != nil {
		t.Fatal(err)
	}
	recs := pollHistory(t, s, name, 90*time.Second, "a drift_detected event for the deletion", func(recs []bus.Record) bool {
		return len(find(t, recs, typeDriftDetected, 0)) > 0
	})
	t.Logf("METRIC deletion_drift_event=%s (worker drift interval %s)", since(began), e2e.DriftInterval)
	var ev struct {
		Object  string `json:"object"`
		Deleted bool   `json:"deleted"`
		Action  string `json:"action"`
	}
	for _, r := range recs {
		if r.Envelope.Type == typeDriftDetected {
			if err := json.Unmarshal(r.Envelope.Data, &ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !ev.Deleted || ev.Action != "reverted" || ev.Object != "apps/v1 Deployment "+s.Namespace+"/"+obj {
		t.Fatalf("drift event: %+v", ev)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	for {
		d, err := deps.Get(ctx, obj, metav1.GetOptions{})
		if err == nil && d.UID != before.UID && d.Status.ReadyReplicas == 2 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("deployment not recreated with 2 ready replicas within 90s (last error %v)", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Logf("METRIC deletion_recreated_ready=%s", since(began))
}
