package devstack_test

import (
	"net/http"
	"strings"
	"testing"

	"slipway.dev/pkg/events"
)

type promotionView struct {
	ID, Status, Reason, DiffText string
	Missing                      []string
	SourceRevision               int
	TargetRevision               int
}

// TestPromotionFromStagingToProduction walks the reviewed promotion: a dry
// run flags an env key new in staging, applying is refused until it has a
// value, the applied promotion keeps production's scaling and values, a
// stale plan is refused, and promoting again diffs against what runs now.
func TestPromotionFromStagingToProduction(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	waitForTargets(t, api)
	create := func(name, env, image string, replicas int, vars map[string]string) {
		body := map[string]any{"name": name, "environment": env, "spec": map[string]any{"image": image, "replicas": replicas, "env": vars,
			"readinessProbe": map[string]any{"path": "/ready"}}}
		if r := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", body); r.Status != http.StatusOK {
			t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
		}
	}
	create("scorer-staging", "staging", "ghcr.io/acme/scorer:2.0", 1, map[string]string{"DB_URL": "postgres://staging", "FEATURE_X": "on"})
	create("scorer-prod", "production", "ghcr.io/acme/scorer:1.0", 3, map[string]string{"DB_URL": "postgres://prod"})
	req := map[string]any{"source": "acme/fraud/scorer-staging", "target": "acme/fraud/scorer-prod", "dryRun": true}

	var plan promotionView
	r := api.Do(t, http.MethodPost, "/v1/promotions?wait=30s", req)
	if r.Status != http.StatusOK {
		t.Fatalf("dry run: %d %s", r.Status, r.Body)
	}
	r.Decode(t, &plan)
	if plan.Status != "needs-input" || strings.Join(plan.Missing, ",") != "FEATURE_X" || plan.SourceRevision != 1 ||
		!strings.Contains(plan.DiffText, `~ spec.image: "ghcr.io/acme/scorer:1.0" -> "ghcr.io/acme/scorer:2.0"`) || strings.Contains(plan.DiffText, "DB_URL") {
		t.Fatalf("dry run plan: %+v", plan)
	}
	p := api.Do(t, http.MethodPost, "/v1/promotions/"+plan.ID+"/apply?wait=30s", nil).ExpectProblem(t, http.StatusUnprocessableEntity)
	if !p.HasField("env.FEATURE_X") {
		t.Fatalf("an incomplete plan must name the missing key: %+v", p)
	}

	// With a value for the flagged key, the promotion applies and rolls out.
	req["dryRun"], req["env"] = false, map[string]string{"FEATURE_X": "off"}
	var applied promotionView
	r = api.Do(t, http.MethodPost, "/v1/promotions?wait=60s", req)
	r.Decode(t, &applied)
	if r.Status != http.StatusOK || applied.Status != "applied" {
		t.Fatalf("promotion: %d %s", r.Status, r.Body)
	}
	var prod struct {
		Revision, RunningRevision int
		Image                     string
		Replicas                  events.Replicas
		Spec                      events.Spec
	}
	api.Do(t, http.MethodGet, deploymentsPath+"/scorer-prod", nil).Decode(t, &prod)
	if prod.RunningRevision != 2 || prod.Image != "ghcr.io/acme/scorer:2.0" || prod.Replicas.Desired != 3 ||
		prod.Spec.Env["DB_URL"] != "postgres://prod" || prod.Spec.Env["FEATURE_X"] != "off" || prod.Spec.Readiness == nil {
		t.Fatalf("production after promotion: %+v", prod)
	}
	var rev revisionView
	api.Do(t, http.MethodGet, deploymentsPath+"/scorer-prod/revisions/2", nil).Decode(t, &rev)
	if rev.Cause != events.CausePromoted || rev.CauseText != "promoted from acme/fraud/scorer-staging@v1" {
		t.Fatalf("promoted revision: %+v", rev)
	}

	// Promoting again diffs against what production runs now: nothing.
	req["dryRun"] = true
	var again promotionView
	api.Do(t, http.MethodPost, "/v1/promotions?wait=30s", req).Decode(t, &again)
	if again.Status != "planned" || again.DiffText != "no changes" || again.TargetRevision != 2 {
		t.Fatalf("second plan: %+v", again)
	}

	// A plan made before the target changed is refused as stale.
	patch(t, api, "scorer-staging", map[string]any{"spec": map[string]any{"image": "ghcr.io/acme/scorer:3.0"}})
	var fresh promotionView
	api.Do(t, http.MethodPost, "/v1/promotions?wait=30s", req).Decode(t, &fresh)
	patch(t, api, "scorer-prod", map[string]any{"spec": map[string]any{"replicas": 4}})
	stale := api.Do(t, http.MethodPost, "/v1/promotions/"+fresh.ID+"/apply?wait=30s", nil).ExpectProblem(t, http.StatusPreconditionFailed)
	if stale.Reason != events.ReasonPreconditionFailed {
		t.Fatalf("stale plan: %+v", stale)
	}

	// Bad requests.
	for _, body := range []string{
		`{"source":"acme/fraud/scorer-prod","target":"acme/fraud/scorer-prod"}`,
		`{"source":"acme/fraud","target":"acme/fraud/scorer-prod"}`,
		`{"source":"acme/fraud/scorer-staging","target":"acme/fraud/scorer-prod","env":{"1X":"y"}}`,
		`{"source":"acme/fraud/scorer-staging","target":"acme/fraud/scorer-prod","colour":"red"}`,
	} {
		api.Do(t, http.MethodPost, "/v1/promotions", body).ExpectProblem(t, http.StatusBadRequest)
	}
	api.Do(t, http.MethodPost, "/v1/promotions", `{"source":"acme/fraud/nope","target":"acme/fraud/scorer-prod"}`).ExpectProblem(t, http.StatusNotFound)
	api.Do(t, http.MethodGet, "/v1/promotions/op-nope", nil).ExpectProblem(t, http.StatusNotFound)
}
