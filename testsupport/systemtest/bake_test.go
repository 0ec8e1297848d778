package systemtest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube/simcluster"
)

// TestBake: a rollout with bakeSeconds bakes after its replicas are all
// available and then succeeds; a revision whose pods start crash-looping
// during the bake (a model server failing after warm-up) fails with the
// health monitor's reason and is rolled back automatically, although every
// replica had been available.
func TestBake(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "baked"}
	body := map[string]any{"name": "baked", "spec": map[string]any{"image": "ghcr.io/acme/scorer:1.0", "replicas": 2,
		"rollout": map[string]any{"maxSurge": "1", "maxUnavailable": "0", "bakeSeconds": 1}}}
	if r := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", body); r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	types := typeOrder(history(t, s.NATSURL, ref))
	baked, succeeded := slices.Index(types, events.RolloutBaking{}.Type()), slices.Index(types, events.RolloutSucceeded{}.Type())
	if baked < 0 || succeeded < baked {
		t.Fatalf("history %v: want rollout_baking, then rollout_succeeded", types)
	}

	// Revision 2's pods are Ready for 15 ticks (1.5 s), then crash-loop; the bake lasts 60 s.
	r := patch(t, api, "baked", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:2.0",
		"podAnnotations": map[string]string{simcluster.AnnotationCrashAfterTicks: "15"},
		"rollout":        map[string]any{"bakeSeconds": 60}}})
	op := r.JSON(t)
	if r.Status != http.StatusOK || op["status"] != "failed" || op["reason"] != events.ReasonCrashLoopBackOff ||
		!strings.Contains(op["message"].(string), "while baking") {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	types = typeOrder(history(t, s.NATSURL, ref))
	if !slices.Contains(types[succeeded+1:], events.RolloutBaking{}.Type()) {
		t.Fatalf("revision 2 never baked: %v", types)
	}
	eventually(t, 60*time.Second, "the automatic rollback to run", func() bool {
		d := peekDeployment(t, api, "baked")
		return d.Revision == 3 && d.RunningRevision == 3 && d.Image == "ghcr.io/acme/scorer:1.0"
	})
	var rev revisionView
	api.Do(t, http.MethodGet, deploymentsPath+"/baked/revisions/3", nil).Decode(t, &rev)
	if rev.Cause != events.CauseAutoRollback {
		t.Fatalf("revision 3: %+v", rev)
	}
}

func typeOrder(envs []events.Envelope) []string {
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.Type
	}
	return out
}
