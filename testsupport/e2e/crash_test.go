package e2e_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube/localplane"
	"slipway.dev/pkg/topology"
	"slipway.dev/testsupport/e2e"
	"slipway.dev/testsupport/kubeplane"
)

// TestWorkerCrashMidRollout SIGKILLs the rollout worker that drives an
// update while the rollout is in progress: a second worker finishes it,
// and the history has exactly one revision 2, one start and one success
// of its rollout, and no event twice.
//
// The update's pods become Ready 3s after they start (KWOK's ready-delay
// annotation), so the 4-pod rollout lasts about 12s: long enough to kill
// its driver in the middle. The first worker is the only one running when
// the rollout starts, so it is the driver; the second starts before the kill.
func TestWorkerCrashMidRollout(t *testing.T) {
	s := e2e.NewStack(t, e2e.AsServiceAccounts())
	const name = "sturdy"
	create(t, s, name, rolloutSpec("example.invalid/sturdy:1.0", replicas))

	began := time.Now()
	op := accepted(t, patch(t, s, name, map[string]any{"message": "slow pods",
		"spec": map[string]any{"image": "example.invalid/sturdy:2.0",
			"podAnnotations": map[string]string{localplane.ReadyDelayAnnotation: "3s"}}}, ""))
	pollDeployment(t, s, name, 30*time.Second, "rollout of revision 2 progressing", func(d deploymentView) bool {
		return d.Rollout != nil && d.Rollout.Revision == 2 && d.Rollout.Phase == "Progressing"
	})
	t.Logf("METRIC progressing_after=%s", since(began))
	// Progressing is recorded before the driver applies revision 2: kill it
	// only once the Deployment carries the new template, or the rollout
	// "finished" (revision 1's) before anything was interrupted.
	deadline := time.Now().Add(30 * time.Second)
	for {
		dep, err := s.Plane.Client().AppsV1().Deployments(s.Namespace).Get(t.Context(), s.ObjectName(ref(name)), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if dep.Generation >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revision 2 never applied: generation %d", dep.Generation)
		}
		time.Sleep(20 * time.Millisecond)
	}
	second := s.StartWorker()
	s.Kill(s.Workers[0])
	killed := time.Now()
	dep, err := s.Plane.Client().AppsV1().Deployments(s.Namespace).Get(t.Context(), s.ObjectName(ref(name)), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if done, _, _ := kubeplane.RolloutStatus(dep); done {
		t.Fatalf("the Kubernetes rollout had finished before the kill: nothing was interrupted (status %+v)", dep.Status)
	}
	t.Logf("killed %s with %d of %d replicas updated; %s takes over", s.Workers[0].Name,
		dep.Status.UpdatedReplicas, replicas, second.Name)

	resp := s.API.Do(t, http.MethodGet, "/v1/operations/"+op.ID+"?wait="+opWait, nil)
	done := finish(t, s, resp)
	t.Logf("METRIC finished_after_kill=%s (rollout lease %s) update_total=%s", since(killed), topology.RolloutLease, since(began))
	if done.Status != "succeeded" || done.Revision != 2 {
		t.Fatalf("update operation: %+v, want succeeded for revision 2", done)
	}
	d := getDeployment(t, s, name)
	if d.Revision != 2 || d.RunningRevision != 2 || d.Phase != "Running" {
		t.Fatalf("after takeover: %+v", d)
	}

	recs := history(t, s, name)
	for _, c := range []struct {
		typ  string
		want int
	}{
		{typeRevisionCreated, 1},
		{typeRolloutStarted, 1},
		{typeRolloutSucceeded, 1},
	} {
		if got := len(find(t, recs, c.typ, 2)); got != c.want {
			t.Errorf("%d %s events for revision 2, want %d", got, c.typ, c.want)
		}
	}
	seen := map[string]uint64{}
	for _, r := range recs {
		if first, dup := seen[r.Envelope.ID]; dup {
			t.Errorf("event id %s at %d and %d", r.Envelope.ID, first, r.Seq)
		}
		seen[r.Envelope.ID] = r.Seq
	}
	if t.Failed() {
		t.Logf("history: %v", typesOf(recs))
	}
}

// TestWorkerCrashMidBake SIGKILLs the worker while the rollout bakes: the
// worker that adopts it bakes until the same time (it is in the history),
// then the rollout succeeds, once.
func TestWorkerCrashMidBake(t *testing.T) {
	s := e2e.NewStack(t, e2e.AsServiceAccounts())
	const name = "baker"
	spec := rolloutSpec("example.invalid/baker:1.0", 2)
	spec["rollout"].(map[string]any)["bakeSeconds"] = 20
	resp := s.API.Do(t, http.MethodPost, deploymentsPath(), map[string]any{"name": name, "spec": spec})
	op := accepted(t, resp)
	poll(t, 60*time.Second, "the rollout baking", func() (bool, string) {
		r := s.API.Do(t, http.MethodGet, deploymentsPath()+"/"+name, nil)
		var d deploymentView
		if r.Status == http.StatusOK {
			r.Decode(t, &d)
		}
		return d.Rollout != nil && d.Rollout.Phase == "Baking", string(r.Body)
	})
	second := s.StartWorker()
	s.Kill(s.Workers[0])
	killed := time.Now()
	done := finish(t, s, s.API.Do(t, http.MethodGet, "/v1/operations/"+op.ID+"?wait="+opWait, nil))
	t.Logf("METRIC bake_finished_after_kill=%s (rollout lease %s; %s adopted it)", since(killed), topology.RolloutLease, second.Name)
	if done.Status != "succeeded" {
		t.Fatalf("operation: %+v", done)
	}
	recs := history(t, s, name)
	var until, succeededAt time.Time
	for _, r := range recs {
		switch r.Envelope.Type {
		case "slipway.deployment.rollout_baking.v1":
			var b events.RolloutBaking
			if err := json.Unmarshal(r.Envelope.Data, &b); err != nil {
				t.Fatal(err)
			}
			until = b.Until
		case typeRolloutSucceeded:
			succeededAt = r.Envelope.Time
		}
	}
	if n := len(find(t, recs, "slipway.deployment.rollout_baking.v1", 1)); n != 1 {
		t.Errorf("%d rollout_baking events, want 1", n)
	}
	if n := len(find(t, recs, typeRolloutSucceeded, 1)); n != 1 {
		t.Errorf("%d rollout_succeeded events, want 1", n)
	}
	if until.IsZero() || succeededAt.Before(until) {
		t.Errorf("succeeded at %s, before the bake's end %s", succeededAt, until)
	}
}
