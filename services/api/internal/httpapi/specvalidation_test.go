package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/readmodel"
)

// legacyWorld is the world where every deployment runs a valid spec, but
// revision 7 and the plan pr-legacy hold an image accepted before image
// references were parsed.
type legacyWorld struct{ *world }

const legacyImage = "UPPER/Case:1"

func (w legacyWorld) Deployment(ctx context.Context, id string) (readmodel.Deployment, error) {
	d, err := w.world.Deployment(ctx, id)
	d.Spec = &events.Spec{Image: "ghcr.io/acme/scorer:1", Env: map[string]string{"LOG_LEVEL": "info"}}
	return d, err
}

func (w legacyWorld) Revision(ctx context.Context, id string, n int) (readmodel.Revision, error) {
	r, err := w.world.Revision(ctx, id, n)
	if n == 7 {
		r.Spec = &events.Spec{Image: legacyImage}
	}
	return r, err
}

func (w legacyWorld) Promotion(ctx context.Context, id string) (readmodel.Promotion, error) {
	p, err := w.world.Promotion(ctx, id)
	if id == "pr-legacy" {
		p.Plan = json.RawMessage(`{"spec":{"image":"` + legacyImage + `"}}`)
	} else {
		p.Plan = json.RawMessage(`{"spec":{"image":"ghcr.io/acme/scorer:2"}}`)
	}
	return p, err
}

func legacyAPI() http.Handler {
	w := &world{}
	return New(Deps{Reads: legacyWorld{w}, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: hooks{}, Tokens: memTokens{},
		Access: w, Auth: principals, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }})
}

// Every way a spec reaches the api (create, PATCH merge, promotion plan
// and apply) answers a spec the cluster would refuse with a 400 naming the
// field, before any command is submitted.
func TestSpecsTheClusterWouldRefuseAre400s(t *testing.T) {
	const dep = "/v1/projects/acme/fraud/deployments"
	tests := []struct {
		name, method, path, contentType, body string
		field                                 string // "" = accepted
	}{
		{"create with a bad image", "POST", dep, "application/json",
			`{"name":"new","spec":{"image":"a:b:c"}}`, "spec.image"},
		{"create with NUL in an annotation key", "POST", dep, "application/json",
			`{"name":"new","spec":{"image":"x:1","podAnnotations":{"a\u0000b":"x"}}}`, "spec.podAnnotations.a\x00b"},
		{"create with a token in env", "POST", dep, "application/json",
			`{"name":"new","spec":{"image":"x:1","env":{"GH":"ghp_aB3aB3aB3aB3aB3aB3aB3aB3aB3aB3aB3aB3"}}}`, "spec.env.GH"},
		{"create with a space in a path", "POST", dep, "application/json",
			`{"name":"new","spec":{"image":"x:1","endpoints":[{"name":"p","path":"/a b"}]}}`, "spec.endpoints[0].path"},
		{"create valid", "POST", dep, "application/json",
			`{"name":"new","spec":{"image":"localhost:5000/x@sha256:` + sha + `"}}`, ""},
		{"patch with a bad image", "PATCH", dep + "/scorer", "application/merge-patch+json",
			`{"spec":{"image":"-rf/evil"}}`, "spec.image"},
		{"patch with a secret name", "PATCH", dep + "/scorer", "application/merge-patch+json",
			`{"spec":{"env":{"DATABASE_URL":"x"}}}`, "spec.env.DATABASE_URL"},
		{"create a canary naming an undeclared check", "POST", dep, "application/json",
			`{"name":"new","spec":{"image":"x:1","rollout":{"strategy":"canary","steps":[{"setWeight":10},{"analysis":{"checks":["errors"]}}]}}}`,
			"spec.rollout.steps[1].analysis.checks[0]"},
		{"create a canary with a weight above 100", "POST", dep, "application/json",
			`{"name":"new","spec":{"image":"x:1","rollout":{"strategy":"canary","steps":[{"setWeight":110}]}}}`, "spec.rollout.steps[0].setWeight"},
		{"create a canary with a check", "POST", dep, "application/json",
			`{"name":"new","spec":{"image":"x:1","rollout":{"strategy":"canary","steps":[{"setWeight":10},{"analysis":{"checks":["errors"]}}],
			"checks":[{"name":"errors","query":"sum(rate(e{revision=\"{{.Revision}}\"}[1m]))","condition":{"operator":"<","threshold":0.05}}]}}}`, ""},
		{"patch to a canary without steps", "PATCH", dep + "/scorer", "application/merge-patch+json",
			`{"spec":{"rollout":{"strategy":"canary"}}}`, "spec.rollout.steps"},
		{"patch valid", "PATCH", dep + "/scorer", "application/merge-patch+json", `{"spec":{"image":"ghcr.io/acme/scorer:2"}}`, ""},
		{"promote a legacy revision", "POST", "/v1/promotions", "application/json",
			`{"source":"acme/fraud/scorer","sourceRevision":7,"target":"acme/fraud/canary"}`, "source.spec.image"},
		{"promote with a credential in env", "POST", "/v1/promotions", "application/json",
			`{"source":"acme/fraud/scorer","target":"acme/fraud/canary","env":{"DB":"postgres://u:pw@db/x"}}`, "env.DB"},
		{"promote valid", "POST", "/v1/promotions", "application/json",
			`{"source":"acme/fraud/scorer","sourceRevision":3,"target":"acme/fraud/canary"}`, ""},
		{"apply a legacy plan", "POST", "/v1/promotions/pr-legacy/apply", "", "", "plan.spec.image"},
		{"apply a valid plan", "POST", "/v1/promotions/pr-1/apply", "", "", ""},
	}
	h := legacyAPI()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, bytes.NewBufferString(tt.body))
			req.Header.Set("Authorization", "Bearer global")
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if tt.field == "" {
				if rec.Code >= 400 {
					t.Fatalf("%d %s, want accepted", rec.Code, rec.Body)
				}
				return
			}
			var p struct {
				Errors []events.FieldError `json:"errors"`
			}
			if rec.Code != http.StatusBadRequest || rec.Header().Get("Content-Type") != "application/problem+json" ||
				json.Unmarshal(rec.Body.Bytes(), &p) != nil || len(p.Errors) == 0 || p.Errors[0].Field != tt.field {
				t.Fatalf("%d %s, want a 400 problem naming %q", rec.Code, rec.Body, tt.field)
			}
		})
	}
}

var sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
