package systemtest

import (
	"net/http"
	"testing"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/testsupport/apitest"
)

// TestFailedRolloutRollsBackAutomatically updates to pods that never become
// ready: the rollout fails at its progress deadline, says why on the
// operation, and the worker rolls back to the last good revision.
func TestFailedRolloutRollsBackAutomatically(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("fragile", 3))
	r := patch(t, api, "fragile", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:broken",
		"podAnnotations": map[string]string{"sim.slipway.dev/never-ready": "true"},
		"rollout":        map[string]any{"progressDeadlineSeconds": 5}}})
	op := r.JSON(t)
	if r.Status != http.StatusOK || op["status"] != "failed" || op["reason"] != events.ReasonProgressDeadlineExceeded {
		t.Fatalf("the failed rollout's operation must say why: %d %s", r.Status, r.Body)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		d, _ := getDeployment(t, api, "fragile")
		if d.Revision == 3 && d.RunningRevision == 3 && d.Phase == "Running" {
			break
		}
		if time.Now().After(deadline) {
			for _, env := range history(t, s.NATSURL, events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "fragile"}) {
				t.Logf("%s %s", env.Type, env.Data)
			}
			t.Fatalf("the automatic rollback did not finish: %+v", d)
		}
		time.Sleep(100 * time.Millisecond)
	}
	d, _ := getDeployment(t, api, "fragile")
	if d.Image != "ghcr.io/acme/scorer:1.0" || d.Replicas.Available != 3 {
		t.Fatalf("after rollback: %+v", d)
	}
	if rev, img := templateRevision(t, s, "fragile"); rev != "1" || img != "ghcr.io/acme/scorer:1.0" {
		t.Fatalf("the rollback must run revision 1's pod template again: %s %s", rev, img)
	}
	var rollback events.RevisionCreated
	for _, env := range history(t, s.NATSURL, events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "fragile"}) {
		if env.Type == rollback.Type() {
			msg, _ := env.Decode()
			rollback = msg.(events.RevisionCreated)
		}
	}
	if rollback.Revision.Cause != events.CauseAutoRollback || rollback.Revision.RollbackOf != 1 || rollback.Revision.Message == "" {
		t.Fatalf("rollback revision: %+v", rollback.Revision)
	}
}

// TestNewUpdateSupersedesRolloutInFlight: the newest revision wins, and the
// superseded rollout's operation ends saying so.
func TestNewUpdateSupersedesRolloutInFlight(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("busy", 2))
	stuck := api.Do(t, http.MethodPatch, deploymentsPath+"/busy", map[string]any{"spec": map[string]any{"image": "i:stuck",
		"podAnnotations": map[string]string{"sim.slipway.dev/never-ready": "true"}}})
	if stuck.Status != http.StatusAccepted {
		t.Fatalf("update: %d %s", stuck.Status, stuck.Body)
	}
	stuckOp := stuck.Header.Get("Location")
	eventually(t, 30*time.Second, "the stuck rollout to start", func() bool {
		d, _ := getDeployment(t, api, "busy")
		return d.Rollout.Revision == 2 && d.Rollout.Phase == "Progressing"
	})
	fix := patch(t, api, "busy", map[string]any{"spec": map[string]any{"image": "i:good", "podAnnotations": nil}})
	if fix.Status != http.StatusOK || fix.JSON(t)["status"] != "succeeded" || fix.JSON(t)["revision"] != float64(3) {
		t.Fatalf("superseding update: %d %s", fix.Status, fix.Body)
	}
	old := api.Do(t, http.MethodGet, stuckOp+"?wait=30s", nil).JSON(t)
	if old["status"] != "failed" || old["reason"] != events.ReasonSuperseded {
		t.Fatalf("superseded operation: %v", old)
	}
	if d, _ := getDeployment(t, api, "busy"); d.RunningRevision != 3 || d.Image != "i:good" {
		t.Fatalf("after supersede: %+v", d)
	}
}

var eventually = apitest.Eventually

// TestCrashLoopingRolloutFailsBeforeItsDeadline: the health monitor sees the
// new pods crash-loop, and the rollout fails at once (its deadline is ten
// minutes away) and rolls back.
func TestCrashLoopingRolloutFailsBeforeItsDeadline(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("crashy", 3))
	r := patch(t, api, "crashy", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:segfault",
		"podAnnotations": map[string]string{"sim.slipway.dev/crash-loop": "true"}}})
	op := r.JSON(t)
	if r.Status != http.StatusOK || op["status"] != "failed" || op["reason"] != events.ReasonCrashLoopBackOff {
		t.Fatalf("the crash-looping rollout must fail with the health reason: %d %s", r.Status, r.Body)
	}
	eventually(t, 60*time.Second, "the automatic rollback", func() bool {
		d := peekDeployment(t, api, "crashy")
		return d.RunningRevision == 3 && d.Image == "ghcr.io/acme/scorer:1.0"
	})
}
