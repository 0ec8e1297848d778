package e2e_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/testsupport/prometheustest"
)

// TestCanaryBackgroundCheckFailsWhileBaking: a canary whose only analysis
// is a background check passes its steps, completes (the main Deployment
// rolls to the new revision) and bakes; when the new revision's error rate
// rises during the bake, the background check fails the rollout (its
// message says it was while baking and names the check, value and
// condition) and it is rolled back to the stable template, as a failed
// analysis step would be. Every measurement is recorded as a background one.
func TestCanaryBackgroundCheckFailsWhileBaking(t *testing.T) {
	const name = "canary-bg"
	s, prom, _ := canaryStack(t, name, good)
	create(t, s, name, rolloutSpec("example.invalid/scorer:1.0", 2))
	body := canaryPatch(weight(50))
	rollout := body["spec"].(map[string]any)["rollout"].(map[string]any)
	rollout["analysis"] = map[string]any{"background": []any{"error-rate"}}
	rollout["bakeSeconds"] = 120
	op := accepted(t, patch(t, s, name, body, ""))
	pollHistory(t, s, name, 90*time.Second, "the rollout baking, measured in the background", func(recs []bus.Record) bool {
		return slices.Contains(typesOf(recs), "slipway.deployment.rollout_baking.v1") && len(find(t, recs, typeMeasured, 2)) > 0
	})
	if got := mainTemplate(t, s, name); got != "2" {
		t.Fatalf("baking with the main Deployment on template %s, want 2", got)
	}
	prom.Exporter.Set(prometheustest.Series{Namespace: s.Namespace, Deployment: name, Revision: "2"}, bad)
	recs := pollHistory(t, s, name, 60*time.Second, "the rollout failed", func(recs []bus.Record) bool {
		return slices.Contains(typesOf(recs), typeRolloutFailed)
	})
	failed := find(t, recs, typeRolloutFailed, 2)
	if len(failed) != 1 || failed[0].Reason != "AnalysisFailed" {
		t.Fatalf("failures %+v, want one AnalysisFailed", failed)
	}
	for _, r := range recs {
		switch r.Envelope.Type {
		case typeMeasured:
			var m struct {
				Background bool `json:"background"`
			}
			if err := json.Unmarshal(r.Envelope.Data, &m); err != nil || !m.Background {
				t.Fatalf("a measurement that is not the background's: %s", r.Envelope.Data)
			}
		case typeRolloutFailed:
			if d := string(r.Envelope.Data); !strings.Contains(d, "background analysis while baking") || !strings.Contains(d, `check \"error-rate\"`) {
				t.Fatalf("failure %s, want it to say the background check failed while baking", d)
			}
		}
	}
	end := finish(t, s, s.API.Do(t, http.MethodGet, "/v1/operations/"+op.ID+"?wait="+opWait, nil))
	if end.Status != "failed" || end.Reason != "AnalysisFailed" {
		t.Fatalf("operation %+v, want failed with AnalysisFailed", end)
	}
	pollDeployment(t, s, name, 90*time.Second, "rolled back", func(d deploymentView) bool {
		return d.Revision == 3 && d.RunningRevision == 3 && d.Phase == "Running"
	})
	if got := mainTemplate(t, s, name); got != "1" {
		t.Fatalf("main Deployment runs template %s after the rollback, want 1", got)
	}
}
