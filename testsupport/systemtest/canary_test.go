package systemtest

import (
	"net/http"
	"testing"
	"time"
)

// canaryView is the deployment's canary as the API shows it.
type canaryView struct {
	Rollout struct {
		Phase  string `json:"phase"`
		Canary *struct {
			Step           int    `json:"step"`
			Kind           string `json:"kind"`
			Weight         int32  `json:"weight"`
			CanaryReplicas int32  `json:"canaryReplicas"`
			StableReplicas int32  `json:"stableReplicas"`
			Approximated   bool   `json:"approximated"`
		} `json:"canary"`
	} `json:"rollout"`
}

// TestCanaryOnASimulatedTarget: a target without routing runs a canary
// with its weight approximated by pod counts, and the deployment says so;
// a pause until promoted holds it until `rollout promote`, then it ends
// on the new revision.
func TestCanaryOnASimulatedTarget(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	body := map[string]any{"name": "canaried", "spec": map[string]any{"image": "ghcr.io/acme/scorer:1.0", "replicas": 4}}
	if r := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", body); r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	r := api.Do(t, http.MethodPatch, deploymentsPath+"/canaried", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:2.0",
		"rollout": map[string]any{"strategy": "canary", "steps": []any{map[string]any{"setWeight": 25}, map[string]any{"pause": map[string]any{}},
			map[string]any{"setWeight": 50}}}}}, "Content-Type", "application/merge-patch+json")
	if r.Status != http.StatusAccepted {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	op := r.JSON(t)["id"].(string)
	var v canaryView
	eventually(t, 60*time.Second, "the canary at its pause", func() bool {
		api.Do(t, http.MethodGet, deploymentsPath+"/canaried", nil).Decode(t, &v)
		c := v.Rollout.Canary
		return c != nil && c.Step == 1 && c.Kind == "pause"
	})
	if c := v.Rollout.Canary; c.Weight != 25 || c.CanaryReplicas != 1 || c.StableReplicas != 4 || !c.Approximated {
		t.Fatalf("canary %+v: want weight 25 approximated by 1 new pod beside 4 stable", c)
	}
	time.Sleep(time.Second) // held: a pause until promoted does not end by itself
	if d := peekDeployment(t, api, "canaried"); d.RunningRevision != 1 {
		t.Fatalf("running revision %d before the promotion, want 1", d.RunningRevision)
	}
	if r := api.Do(t, http.MethodPost, deploymentsPath+"/canaried/rollout/promote?wait=30s", map[string]any{"full": true}); r.Status != http.StatusOK ||
		r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("promote: %d %s", r.Status, r.Body)
	}
	end := api.Do(t, http.MethodGet, "/v1/operations/"+op+"?wait=60s", nil).JSON(t)
	if end["status"] != "succeeded" {
		t.Fatalf("canary operation %v", end)
	}
	if d := peekDeployment(t, api, "canaried"); d.RunningRevision != 2 || d.Image != "ghcr.io/acme/scorer:2.0" {
		t.Fatalf("after the canary: %+v", d)
	}
	// Promoting with nothing in flight is refused.
	if r := api.Do(t, http.MethodPost, deploymentsPath+"/canaried/rollout/promote?wait=30s", nil); r.Status != http.StatusConflict {
		t.Fatalf("promote with no rollout: %d %s", r.Status, r.Body)
	}
}
