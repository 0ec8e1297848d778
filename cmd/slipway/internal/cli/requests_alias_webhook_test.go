package cli_test

import (
	"net/http"
	"reflect"
	"testing"
)

// The alias and webhook commands call their routes with the bodies and
// parameters their flags say.
func TestAliasAndWebhookRequests(t *testing.T) {
	const aliasPath = scorerPath + "/aliases/canary"
	api := newFakeAPI(t)
	api.reply("PUT", aliasPath, 200, opSucceeded)
	api.reply("DELETE", aliasPath, 202, opRunning)
	api.replyFile("POST", "/v1/webhooks", 201, "webhook-created.json")
	api.handle("DELETE", webhookPath, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	api.replyFile("GET", webhookPath+"/deliveries", 200, "webhook-deliveries.json")
	api.reply("GET", "/v1/tokens/tok-1", 200, `{"id":"tok-1","name":"ci","globalAdmin":false,"grants":[{"project":"acme/fraud","role":"deployer"}],"createdBy":"user:admin","createdAt":"2026-11-24T12:00:00Z","expiresAt":null,"revokedAt":null}`)
	rn := api.runner()
	tests := []struct {
		name         string
		args         []string
		method, path string
		body         string // "" for none
		query        map[string][]string
		stdout       string // "" to skip
	}{
		{name: "aliases set", args: []string{"aliases", "set", "acme/fraud/scorer", "canary", "--revision", "v2", "--message", "try it", "--wait", "1m"},
			method: "PUT", path: aliasPath, body: `{"revision":2,"message":"try it"}`, query: map[string][]string{"wait": {"1m0s"}}},
		{name: "aliases delete", args: []string{"alias", "rm", "scorer", "canary", "--project", "acme/fraud"},
			method: "DELETE", path: aliasPath, query: map[string][]string{}},
		{name: "webhooks create", args: []string{"webhooks", "create", "https://hooks.example.com/x", "--event", "slipway.deployment.rollout_*", "--event", "*",
			"--project", "acme/fraud", "--description", "pager"},
			method: "POST", path: "/v1/webhooks", body: `{"url":"https://hooks.example.com/x","events":["slipway.deployment.rollout_*","*"],"project":"acme/fraud","description":"pager"}`},
		{name: "webhooks delete", args: []string{"webhooks", "delete", "wh_0dcf4b577db5891b07105c14"}, method: "DELETE", path: webhookPath,
			stdout: "deleted wh_0dcf4b577db5891b07105c14\n"},
		{name: "webhooks deliveries", args: []string{"webhooks", "deliveries", "wh_0dcf4b577db5891b07105c14", "--state", "dead", "--limit", "3"},
			method: "GET", path: webhookPath + "/deliveries", query: map[string][]string{"state": {"dead"}, "limit": {"3"}}},
		{name: "tokens get", args: []string{"tokens", "get", "tok-1"}, method: "GET", path: "/v1/tokens/tok-1",
			stdout: "ID      NAME   ROLES                 CREATED BY   EXPIRES   REVOKED\ntok-1   ci     acme/fraud=deployer   user:admin   -         -\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := rn.run(t, tt.args...)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			req := api.last(tt.method, tt.path)
			if tt.body != "" {
				jsonEqual(t, req.Body, tt.body)
			} else if req.Body != "" {
				t.Errorf("body %q, want none", req.Body)
			}
			if tt.query != nil && !reflect.DeepEqual(req.Query, tt.query) {
				t.Errorf("query %v, want %v", req.Query, tt.query)
			}
			if tt.stdout != "" && res.stdout != tt.stdout {
				t.Errorf("stdout %q, want %q", res.stdout, tt.stdout)
			}
		})
	}
	if got := api.last("PUT", aliasPath).Header.Get("Idempotency-Key"); got != "test-key" {
		t.Errorf("aliases set sent Idempotency-Key %q, want the generated one", got)
	}
}

// Usage mistakes exit 2 before any request; API refusals exit 1.
func TestAliasAndWebhookExitCodes(t *testing.T) {
	api := newFakeAPI(t)
	api.reply("GET", "/v1/webhooks/wh_nope", 404, `{"type":"https://slipway.dev/problems/not-found","title":"Not found","status":404,"detail":"webhook wh_nope: not found"}`)
	api.reply("POST", "/v1/webhooks", 400, `{"type":"https://slipway.dev/problems/validation","title":"The request is invalid","status":400,"detail":"invalid","errors":[{"field":"events[0]","message":"not a known event type"}]}`)
	rn := api.runner()
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"aliases", "set", "acme/fraud/scorer", "canary"}, 2},
		{[]string{"aliases", "set", "acme/fraud/scorer", "canary", "--revision", "two"}, 2},
		{[]string{"aliases", "delete", "acme/fraud/scorer"}, 2},
		{[]string{"aliases", "history", "acme/fraud/scorer"}, 2},
		{[]string{"webhooks", "create", "https://x.example.com"}, 2},
		{[]string{"webhooks", "redeliver", "wh_1"}, 2},
		{[]string{"webhooks", "get", "wh_nope"}, 1},
		{[]string{"webhooks", "create", "https://x.example.com", "--event", "nope"}, 1},
	} {
		if res := rn.run(t, tt.args...); res.code != tt.code {
			t.Errorf("%v: exit %d, want %d; stderr %s", tt.args, res.code, tt.code, res.stderr)
		}
	}
	for _, r := range api.requests() {
		if r.Path != "/v1/webhooks/wh_nope" && r.Path != "/v1/webhooks" {
			t.Errorf("a usage mistake sent %s %s", r.Method, r.Path)
		}
	}
}
