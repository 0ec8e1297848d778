package systemtest

import (
	"net/http"
	"testing"
	"time"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/events"
)

// TestRolloutsWaitForASlotOnTheirTarget: with one rollout at a time on the
// target, a second deployment's rollout is queued until the first ends.
func TestRolloutsWaitForASlotOnTheirTarget(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstack.Options{MaxConcurrentRollouts: 1})
	stuck := map[string]any{"name": "hog", "spec": map[string]any{"image": "i:1",
		"podAnnotations": map[string]string{"sim.slipway.dev/never-ready": "true"}}}
	if r := api.Do(t, http.MethodPost, deploymentsPath, stuck); r.Status != http.StatusAccepted {
		t.Fatalf("create hog: %d %s", r.Status, r.Body)
	}
	eventually(t, 30*time.Second, "the first rollout to start", func() bool {
		return peekDeployment(t, api, "hog").Rollout.Phase == "Progressing"
	})
	waiting := api.Do(t, http.MethodPost, deploymentsPath, createBody("patient", 1))
	eventually(t, 30*time.Second, "the second rollout to queue", func() bool {
		return peekDeployment(t, api, "patient").Rollout.Phase == "Queued"
	})
	if d, _ := getDeployment(t, api, "patient"); d.Replicas.Ready != 0 {
		t.Fatalf("a queued rollout must not touch the cluster: %+v", d)
	}
	// The first rollout ends (aborted; it has no good revision to return to): its slot frees.
	if r := api.Do(t, http.MethodPost, deploymentsPath+"/hog/rollout/abort?wait=30s", nil); r.Status != http.StatusOK {
		t.Fatalf("abort: %d %s", r.Status, r.Body)
	}
	done := api.Do(t, http.MethodGet, waiting.Header.Get("Location")+"?wait=60s", nil)
	if done.Status != http.StatusOK || done.JSON(t)["status"] != "succeeded" {
		t.Fatalf("the queued rollout: %d %s", done.Status, done.Body)
	}
	types := countTypes(history(t, s.NATSURL, events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "patient"}))
	if types[events.RolloutQueued{}.Type()] != 1 {
		t.Fatalf("history: %v", types)
	}
}
