package systemtest

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

// TestPromotionDecidesNewSecretReferences: staging adds the secret env var
// OPENAI_API_KEY; the dry run lists it as missing (with both env values that
// differ, and only references), applying is refused naming it until it is
// decided, and the promotion with the decision gives production the target
// secret it named.
func TestPromotionDecidesNewSecretReferences(t *testing.T) {
	t.Parallel()
	_, api := start(t, devstackOptions())
	waitForTargets(t, api)
	create := func(name string, spec map[string]any) {
		if r := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", map[string]any{"name": name, "spec": spec}); r.Status != http.StatusOK {
			t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
		}
	}
	create("llm-staging", map[string]any{"image": "ghcr.io/acme/llm:2.0", "env": map[string]string{"MODEL": "large"},
		"secrets": []map[string]string{{"env": "OPENAI_API_KEY", "name": "openai-staging", "key": "api-key"}}})
	create("llm-prod", map[string]any{"image": "ghcr.io/acme/llm:1.0", "env": map[string]string{"MODEL": "small"}})
	req := map[string]any{"source": "acme/fraud/llm-staging", "target": "acme/fraud/llm-prod", "dryRun": true}

	var plan struct {
		promotionView
		MissingSecrets []string
		Plan           struct {
			Env     []map[string]string
			Secrets []struct {
				Env, Flag, Resolution string
				Source, Target        *events.SecretRef
			}
		}
	}
	r := api.Do(t, http.MethodPost, "/v1/promotions?wait=30s", req)
	r.Decode(t, &plan)
	if r.Status != http.StatusOK || plan.Status != "needs-input" || len(plan.Missing) != 0 ||
		strings.Join(plan.MissingSecrets, ",") != "OPENAI_API_KEY" || len(plan.Plan.Secrets) != 1 ||
		plan.Plan.Secrets[0].Flag != "new-in-source" || plan.Plan.Secrets[0].Source.Name != "openai-staging" {
		t.Fatalf("dry run: %d %s", r.Status, r.Body)
	}
	if len(plan.Plan.Env) != 1 || plan.Plan.Env[0]["flag"] != "differs" || plan.Plan.Env[0]["sourceValue"] != "large" ||
		plan.Plan.Env[0]["targetValue"] != "small" || plan.Plan.Env[0]["kept"] != "target" {
		t.Fatalf("the plan shows env values that differ, and which is kept: %+v", plan.Plan.Env)
	}
	p := api.Do(t, http.MethodPost, "/v1/promotions/"+plan.ID+"/apply?wait=30s", nil).ExpectProblem(t, http.StatusUnprocessableEntity)
	if !p.HasField("secrets.OPENAI_API_KEY") {
		t.Fatalf("an undecided secret reference must be named: %+v", p)
	}
	// Applying without a decision is refused too; bad decisions are 400s naming the field.
	req["dryRun"] = false
	api.Do(t, http.MethodPost, "/v1/promotions?wait=30s", req).ExpectProblem(t, http.StatusUnprocessableEntity)
	for body, field := range map[string]string{
		`{"source":"acme/fraud/llm-staging","target":"acme/fraud/llm-prod","secrets":{"OPENAI_API_KEY":{"name":"Not A Name","key":"api-key"}}}`: "secrets.OPENAI_API_KEY.name",
		`{"source":"acme/fraud/llm-staging","target":"acme/fraud/llm-prod","secrets":{"1X":{"name":"s","key":"k"}}}`:                            "secrets.1X",
		`{"source":"acme/fraud/llm-staging","target":"acme/fraud/llm-prod","secrets":{"K":{"name":"s","key":"k"}},"useSourceSecrets":["K"]}`:    "useSourceSecrets[0]",
	} {
		if p := api.Do(t, http.MethodPost, "/v1/promotions", body).ExpectProblem(t, http.StatusBadRequest); !p.HasField(field) {
			t.Fatalf("%s: %+v", body, p)
		}
	}

	// Decided: production's own secret.
	req["secrets"] = map[string]any{"OPENAI_API_KEY": map[string]string{"name": "openai-prod", "key": "api-key"}}
	var applied promotionView
	r = api.Do(t, http.MethodPost, "/v1/promotions?wait=60s", req)
	r.Decode(t, &applied)
	if r.Status != http.StatusOK || applied.Status != "applied" {
		t.Fatalf("promotion with the decision: %d %s", r.Status, r.Body)
	}
	var prod struct{ Spec events.Spec }
	api.Do(t, http.MethodGet, deploymentsPath+"/llm-prod", nil).Decode(t, &prod)
	if len(prod.Spec.Secrets) != 1 || prod.Spec.Secrets[0] != (events.SecretRef{Env: "OPENAI_API_KEY", Name: "openai-prod", Key: "api-key"}) ||
		prod.Spec.Env["MODEL"] != "small" || prod.Spec.Image != "ghcr.io/acme/llm:2.0" {
		t.Fatalf("production after promotion: %+v", prod.Spec)
	}
}
