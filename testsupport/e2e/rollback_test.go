package e2e_test

import (
	"slices"
	"testing"
	"time"

	"slipway.dev/pkg/kube/localplane"
	"slipway.dev/testsupport/e2e"
)

// TestNeverReadyUpdateRollsBack updates a deployment to pods that never
// become Ready with a 10s progress deadline: the update's operation fails
// with ProgressDeadlineExceeded, the worker rolls back on its own to a
// revision 3 caused by "auto-rollback" that runs, and at least 4 endpoints
// stay ready throughout.
func TestNeverReadyUpdateRollsBack(t *testing.T) {
	s := e2e.NewStack(t, e2e.AsServiceAccounts())
	const name = "stuck"
	create(t, s, name, rolloutSpec("example.invalid/stuck:1.0", replicas))
	w := watchReady(t, s, name)
	waitReadyCount(t, w, replicas, 30*time.Second)
	w.Reset()

	began := time.Now()
	op := finish(t, s, patch(t, s, name, map[string]any{"message": "pods that never become ready",
		"spec": map[string]any{
			"podAnnotations": map[string]string{localplane.NeverReadyAnnotation: "true"},
			"rollout":        map[string]any{"progressDeadlineSeconds": 10},
		}}, opWait))
	t.Logf("METRIC failed_update=%s (progress deadline 10s)", since(began))
	if op.Status != "failed" || op.Reason != "ProgressDeadlineExceeded" {
		t.Fatalf("update operation: %+v, want failed with ProgressDeadlineExceeded", op)
	}

	d := pollDeployment(t, s, name, 60*time.Second, "revision 3 running", func(d deploymentView) bool {
		return d.Revision == 3 && d.RunningRevision == 3 && d.Phase == "Running"
	})
	t.Logf("METRIC rolled_back=%s", since(began))
	recs := history(t, s, name)
	if rev3 := find(t, recs, typeRevisionCreated, 3); len(rev3) != 1 || rev3[0].Cause != "auto-rollback" {
		t.Errorf("revision 3 events %+v, want one caused by auto-rollback", rev3)
	}
	if failed := find(t, recs, typeRolloutFailed, 2); len(failed) != 1 || failed[0].Reason != "ProgressDeadlineExceeded" {
		t.Errorf("rollout_failed events of revision 2: %+v, want one with ProgressDeadlineExceeded", failed)
	}
	if d.Rollout == nil || d.Rollout.Revision != 3 || d.Rollout.Phase != "Succeeded" {
		t.Errorf("rollout after the rollback: %+v", d.Rollout)
	}

	waitReadyCount(t, w, replicas, 30*time.Second)
	counts := w.Counts()
	t.Logf("ready endpoint counts: %v", counts)
	if low := slices.Min(counts); low < replicas {
		t.Errorf("ready endpoints fell to %d (after each observation: %v)", low, counts)
	}
}
