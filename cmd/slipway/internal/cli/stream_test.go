package cli_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const promotionID = "op-c16935ce45836d6b8dc46e86"

func TestGoldenPromotionsAndAudit(t *testing.T) {
	api := newFakeAPI(t)
	api.replyFile("GET", "/v1/promotions/"+promotionID, 200, "promotion-needs-input.json")
	api.replyFile("GET", "/v1/promotions/op-3be9a76d985adcb8127fcae5", 200, "promotion-applied.json")
	api.replyFile("GET", "/v1/audit", 200, "audit.json")
	rn := api.runner()
	for _, tt := range []struct {
		golden string
		args   []string
	}{
		{"promotions-get-needs-input.table", []string{"promotions", "get", promotionID}},
		{"promotions-get-needs-input.json", []string{"promotions", "get", promotionID, "-o", "json"}},
		{"promotions-get-applied.table", []string{"promotion", "get", "op-3be9a76d985adcb8127fcae5"}},
		{"audit.table", []string{"audit"}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			res := rn.run(t, tt.args...)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			golden(t, tt.golden, res.stdout)
		})
	}
}

func TestPromotionsCreate(t *testing.T) {
	api := newFakeAPI(t)
	rn := api.runner()
	api.replyFile("POST", "/v1/promotions", 200, "promotion-needs-input.json")
	res := rn.run(t, "promotions", "create", "acme/fraud/scorer", "scorer", "--project", "acme/fraud-prod", "--dry-run",
		"--source-revision", "v1", "--env", "A=1", "--use-source-env", "NEW_FLAG", "--message", "to prod", "--wait", "30s")
	if res.code != 0 {
		t.Fatalf("a dry run that needs input: exit %d: %s", res.code, res.stderr)
	}
	jsonEqual(t, api.last("POST", "/v1/promotions").Body, `{"source":"acme/fraud/scorer","target":"acme/fraud-prod/scorer",
		"sourceRevision":1,"dryRun":true,"env":{"A":"1"},"useSourceEnv":["NEW_FLAG"],"message":"to prod"}`)

	res = rn.run(t, "promotions", "create", "acme/fraud/scorer", "acme/fraud-prod/scorer", "--wait", "30s")
	if res.code != 1 || !strings.Contains(res.stderr, "was not applied: give --env NAME=VALUE or --use-source-env NAME for NEW_FLAG") {
		t.Fatalf("a promotion to apply that needs input: exit %d: %s", res.code, res.stderr)
	}

	// Secret references new in the source: the decisions are sent; one still missing is said.
	res = rn.run(t, "promotions", "create", "acme/fraud/scorer", "acme/fraud-prod/scorer", "--dry-run",
		"--secret", "OPENAI_API_KEY=openai-prod/api-key", "--use-source-secret", "HF_TOKEN")
	if res.code != 0 {
		t.Fatalf("a dry run with secret decisions: exit %d: %s", res.code, res.stderr)
	}
	jsonEqual(t, api.last("POST", "/v1/promotions").Body, `{"source":"acme/fraud/scorer","target":"acme/fraud-prod/scorer","dryRun":true,
		"secrets":{"OPENAI_API_KEY":{"name":"openai-prod","key":"api-key"}},"useSourceSecrets":["HF_TOKEN"]}`)
	if res = rn.run(t, "promotions", "create", "a/b/c", "a/b/d", "--secret", "K=s/k@3"); res.code != 2 {
		t.Fatalf("a versioned secret decision: exit %d: %s", res.code, res.stderr)
	}
	api.reply("POST", "/v1/promotions", 200, strings.Replace(fixtureText(t, "promotion-needs-input.json"),
		`"missing":["NEW_FLAG"]`, `"missing":[],"missingSecrets":["OPENAI_API_KEY"]`, 1))
	res = rn.run(t, "promotions", "create", "acme/fraud/scorer", "acme/fraud-prod/scorer", "--wait", "30s")
	if res.code != 1 || !strings.Contains(res.stderr, "give --secret ENV=secret/key or --use-source-secret ENV for OPENAI_API_KEY") ||
		!strings.Contains(res.stdout, "Needs secrets for: OPENAI_API_KEY") {
		t.Fatalf("a promotion to apply that needs a secret decision: exit %d:\n%s\n%s", res.code, res.stdout, res.stderr)
	}

	api.reply("POST", "/v1/promotions/"+promotionID+"/apply", 202, strings.ReplaceAll(opRunning, "op-1", "op-2"))
	res = rn.run(t, "promotions", "apply", promotionID)
	if res.code != 0 || !strings.Contains(res.stderr, "slipway wait op-2") || !strings.Contains(res.stderr, "promotions get "+promotionID) {
		t.Fatalf("apply accepted: exit %d: %s", res.code, res.stderr)
	}
}

// events prints each event as it comes and, when the stream ends, resumes
// after the last one with Last-Event-ID.
func TestEventsFollowAndResume(t *testing.T) {
	for _, format := range []string{"table", "json"} {
		t.Run(format, func(t *testing.T) {
			api := newFakeAPI(t)
			var calls atomic.Int32
			api.handle("GET", "/v1/events", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				if calls.Add(1) == 1 {
					w.Write([]byte(strings.Replace(fixtureText(t, "events.sse"), "retry: 2000", "retry: 1", 1)))
					return // the stream ends: the CLI reconnects
				}
				w.Write([]byte(": slipway events\n\n"))
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			})
			rn := api.runner()
			rn.timeout = 500 * time.Millisecond // then the CLI is stopped, as by Ctrl-C
			res := rn.run(t, "events", "--deployment", "acme/fraud-prod/scorer", "--type", "slipway.deployment.*", "--after", "0", "-o", format)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			golden(t, "events."+format, res.stdout)
			reqs := api.requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2 (one resume)", len(reqs))
			}
			first, resume := reqs[0], reqs[1]
			if first.Query["deployment"][0] != "acme/fraud-prod/scorer" || first.Query["type"][0] != "slipway.deployment.*" ||
				first.Query["after"][0] != "0" {
				t.Errorf("query %v", first.Query)
			}
			if got := resume.Header.Get("Last-Event-ID"); got != "8" {
				t.Errorf("resumed with Last-Event-ID %q, want 8 (the last event received)", got)
			}
		})
	}
}
