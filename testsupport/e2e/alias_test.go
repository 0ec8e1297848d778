package e2e_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"slipway.dev/pkg/kube"
	"slipway.dev/testsupport/e2e"
	"slipway.dev/testsupport/kubeplane"
)

// TestAliasSwitchKeepsReadyEndpoints: an alias keeps ready endpoints behind
// its Service at every observed moment while the main deployment rolls to a
// new revision (the aliased revision stays pinned) and while the alias then
// switches to the new revision (instant: its pods are ready).
func TestAliasSwitchKeepsReadyEndpoints(t *testing.T) {
	s := e2e.NewStack(t, e2e.AsServiceAccounts())
	const name = "aliased"
	create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", replicas))
	began := time.Now()
	setAlias(t, s, name, "production", 1)
	t.Logf("METRIC alias_set=%s", since(began))

	svc := kube.AliasServiceName(owner, project, name, "production")
	w, err := kubeplane.WatchReadyEndpoints(context.WithoutCancel(t.Context()), s.Plane.Client(), s.Namespace, svc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	if err := w.WaitFor(t.Context(), 60*time.Second, func(ready []string) bool { return len(ready) >= 1 }); err != nil {
		t.Fatal(err)
	}
	w.Reset()

	began = time.Now()
	op := finish(t, s, patch(t, s, name, map[string]any{"spec": map[string]any{"image": "example.invalid/scorer:2.0"}}, opWait))
	if op.Status != "succeeded" || op.Revision != 2 {
		t.Fatalf("update: %+v", op)
	}
	t.Logf("METRIC main_rollout_with_alias=%s", since(began))
	began = time.Now()
	setAlias(t, s, name, "production", 2)
	t.Logf("METRIC alias_switch=%s", since(began))
	// The alias now selects revision 2's pods; give the slices time to show them.
	time.Sleep(2 * time.Second)
	counts := w.Counts()
	t.Logf("METRIC alias_ready_counts=%v", counts)
	if low := slices.Min(counts); low < 1 {
		t.Fatalf("the alias had no ready endpoint at some moment (after each observation: %v)", counts)
	}
}

func setAlias(t *testing.T, s *e2e.Stack, name, alias string, revision int) {
	t.Helper()
	r := s.API.Do(t, http.MethodPut, deploymentsPath()+"/"+name+"/aliases/"+alias+"?wait=120s", map[string]any{"revision": revision})
	if r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("alias %s -> v%d: %d %s", alias, revision, r.Status, r.Body)
	}
}
