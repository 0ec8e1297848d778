package e2e_test

import (
	"slices"
	"testing"
	"time"

	"slipway.dev/testsupport/e2e"
)

// TestRollingUpdateKeepsReadyEndpoints creates a 4-replica deployment
// (maxSurge 1, maxUnavailable 0), updates its image, and checks at every
// observed EndpointSlice change of its Service that at least replicas -
// maxUnavailable = 4 endpoints stayed ready, and that the update ends with
// revision 2 running.
func TestRollingUpdateKeepsReadyEndpoints(t *testing.T) {
	s := e2e.NewStack(t, e2e.AsServiceAccounts())
	const name = "scorer"
	began := time.Now()
	create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", replicas))
	t.Logf("METRIC create_rollout=%s", since(began))

	w := watchReady(t, s, name)
	old := waitReadyCount(t, w, replicas, 30*time.Second)
	w.Reset() // judge from the settled first rollout on

	began = time.Now()
	op := finish(t, s, patch(t, s, name, map[string]any{"spec": map[string]any{"image": "example.invalid/scorer:2.0"},
		"message": "model 2.0"}, opWait))
	t.Logf("METRIC update_rollout=%s", since(began))
	if op.Status != "succeeded" || op.Revision != 2 {
		t.Fatalf("update operation: %+v, want succeeded for revision 2", op)
	}
	d := getDeployment(t, s, name)
	if d.Revision != 2 || d.RunningRevision != 2 || d.Phase != "Running" || d.Image != "example.invalid/scorer:2.0" {
		t.Fatalf("after update: %+v", d)
	}
	if err := w.WaitFor(t.Context(), 30*time.Second, func(ready []string) bool {
		return len(ready) == replicas && !slices.ContainsFunc(ready, func(n string) bool { return slices.Contains(old, n) })
	}); err != nil {
		t.Fatal(err)
	}
	counts := w.Counts()
	t.Logf("METRIC endpoints_settled=%s observations=%d ready_counts=%v", since(began), len(counts), counts)
	if low := slices.Min(counts); low < replicas {
		t.Errorf("ready endpoints fell to %d during the update (after each observation: %v)", low, counts)
	}
}
