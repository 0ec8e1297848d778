package cli_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	opSucceeded = `{"id":"op-1","kind":"update_deployment","deployment":"acme/fraud/scorer","status":"succeeded","reason":"RolloutComplete","revision":2,"actor":"user:anonymous","acceptedAt":"2026-11-24T12:00:00Z","updatedAt":"2026-11-24T12:00:01Z","finishedAt":"2026-11-24T12:00:01Z"}`
	opFailed    = `{"id":"op-1","kind":"update_deployment","deployment":"acme/fraud/scorer","status":"failed","reason":"ProgressDeadlineExceeded","message":"revision 2 made no progress for 5s","revision":2,"actor":"user:anonymous","acceptedAt":"2026-11-24T12:00:00Z","updatedAt":"2026-11-24T12:00:06Z","finishedAt":"2026-11-24T12:00:06Z"}`
	opRunning   = `{"id":"op-1","kind":"update_deployment","deployment":"acme/fraud/scorer","status":"running","revision":2,"actor":"user:anonymous","acceptedAt":"2026-11-24T12:00:00Z","updatedAt":"2026-11-24T12:00:00Z"}`
	opRejected  = `{"id":"op-1","kind":"create_deployment","deployment":"acme/fraud/scorer","status":"rejected","reason":"AlreadyExists","message":"deployment acme/fraud/scorer already exists","actor":"user:anonymous","acceptedAt":"2026-11-24T12:00:00Z","updatedAt":"2026-11-24T12:00:00Z","finishedAt":"2026-11-24T12:00:00Z"}`
	rejected409 = `{"type":"https://slipway.dev/problems/rejected","title":"The command was rejected","status":409,"detail":"deployment acme/fraud/scorer already exists","instance":"/v1/operations/op-1","operation":"op-1","reason":"AlreadyExists"}`
	invalid400  = `{"type":"https://slipway.dev/problems/validation","title":"The request is invalid","status":400,"detail":"invalid: spec.replicas: must be between 0 and 500","instance":"/v1/projects/acme/fraud/deployments","errors":[{"field":"spec.replicas","message":"must be between 0 and 500"}]}`
	unavailable = `{"type":"https://slipway.dev/problems/unavailable","title":"A dependency is unavailable","status":503,"detail":"nats: no connection","instance":"/v1/projects/acme/fraud/deployments"}`
)

// deploymentWith is a deployment whose current rollout is revision 2 of
// operation op-1, in phase phase.
func deploymentWith(phase string, finished bool) string {
	fin := ""
	if finished {
		fin = `,"finishedAt":"2026-11-24T12:00:06Z"`
	}
	return `{"id":"acme/fraud/scorer","revision":2,"phase":"Progressing","health":"Progressing","replicas":{"desired":2,"updated":1,"ready":2,"available":2},` +
		`"image":"x","rollout":{"revision":2,"fromRevision":1,"phase":"` + phase + `","replicas":{"desired":2,"updated":1,"ready":2,"available":2},"operationId":"op-1"` + fin + `},` +
		`"createdAt":"2026-11-24T12:00:00Z"}`
}

func TestExitCodes(t *testing.T) {
	closed := httptest.NewServer(nil)
	closed.Close() // nothing listens there any more
	tests := []struct {
		name    string
		setup   func(api *fakeAPI)
		server  string // instead of the fake's
		args    []string
		code    int
		stderr  string // a fragment stderr must have
		timeout time.Duration
	}{
		{name: "wait: operation succeeded", setup: func(a *fakeAPI) { a.reply("GET", "/v1/operations/op-1", 200, opSucceeded) },
			args: []string{"wait", "op-1"}, code: 0},
		{name: "wait: operation failed", setup: func(a *fakeAPI) { a.reply("GET", "/v1/operations/op-1", 200, opFailed) },
			args: []string{"wait", "op-1"}, code: 1, stderr: "operation op-1 failed: ProgressDeadlineExceeded"},
		{name: "wait: operation rejected", setup: func(a *fakeAPI) { a.reply("GET", "/v1/operations/op-1", 409, rejected409) },
			args: []string{"wait", "op-1"}, code: 1, stderr: "reason AlreadyExists, operation op-1"},
		{name: "wait: operation read as rejected", setup: func(a *fakeAPI) { a.reply("GET", "/v1/operations/op-1", 200, opRejected) },
			args: []string{"wait", "op-1"}, code: 1, stderr: "operation op-1 was rejected: AlreadyExists: deployment acme/fraud/scorer already exists"},
		{name: "operations get: rejected is read", setup: func(a *fakeAPI) { a.reply("GET", "/v1/operations/op-1", 200, opRejected) },
			args: []string{"operations", "get", "op-1"}, code: 0},
		{name: "rollout status --watch: rejected", setup: func(a *fakeAPI) {
			a.reply("GET", scorerPath, 200, deploymentWith("Progressing", false))
			a.reply("GET", "/v1/operations/op-1", 200, opRejected)
		}, args: []string{"rollout", "status", "acme/fraud/scorer", "--watch"}, code: 1, stderr: "rejected"},
		{name: "wait: unknown operation", setup: func(a *fakeAPI) {},
			args: []string{"wait", "op-1"}, code: 1, stderr: "(404)"},
		{name: "wait: operation still running at the timeout", setup: func(a *fakeAPI) { a.reply("GET", "/v1/operations/op-1", 202, opRunning) },
			args: []string{"wait", "op-1", "--timeout", "50ms"}, code: 1, stderr: "timed out after 50ms waiting for operation op-1"},
		{name: "wait: deployment rollout succeeded", setup: func(a *fakeAPI) {
			a.reply("GET", scorerPath, 200, deploymentWith("Succeeded", true))
		}, args: []string{"wait", "acme/fraud/scorer"}, code: 0},
		{name: "wait: deployment rollout failed", setup: func(a *fakeAPI) {
			a.reply("GET", scorerPath, 200, deploymentWith("Progressing", false))
			a.reply("GET", "/v1/operations/op-1", 200, opFailed)
		}, args: []string{"wait", "scorer", "--project", "acme/fraud"}, code: 1, stderr: "revision 2 failed: ProgressDeadlineExceeded"},
		{name: "wait: deployment rollout aborted", setup: func(a *fakeAPI) {
			a.reply("GET", scorerPath, 200, deploymentWith("Aborted", true))
		}, args: []string{"wait", "acme/fraud/scorer"}, code: 1, stderr: "was aborted"},
		{name: "wait: deployment rollout running at the timeout", setup: func(a *fakeAPI) {
			a.reply("GET", scorerPath, 200, deploymentWith("Progressing", false))
			a.reply("GET", "/v1/operations/op-1", 202, opRunning)
		}, args: []string{"wait", "acme/fraud/scorer", "--timeout", "50ms"}, code: 1, stderr: "timed out"},
		{name: "rollout status --watch: failed", setup: func(a *fakeAPI) {
			a.reply("GET", scorerPath, 200, deploymentWith("Progressing", false))
			a.reply("GET", "/v1/operations/op-1", 200, opFailed)
		}, args: []string{"rollout", "status", "acme/fraud/scorer", "--watch"}, code: 1},
		{name: "rollout status --watch: succeeded", setup: func(a *fakeAPI) {
			a.reply("GET", scorerPath, 200, deploymentWith("Progressing", false))
			a.reply("GET", "/v1/operations/op-1", 200, opSucceeded)
		}, args: []string{"rollout", "status", "acme/fraud/scorer", "--watch"}, code: 0},
		{name: "update --wait: operation failed", setup: func(a *fakeAPI) { a.reply("PATCH", scorerPath, 200, opFailed) },
			args: []string{"deployments", "update", "acme/fraud/scorer", "--image", "x:2", "--wait", "60s"}, code: 1, stderr: "ProgressDeadlineExceeded"},
		{name: "update --wait: succeeded", setup: func(a *fakeAPI) { a.reply("PATCH", scorerPath, 200, opSucceeded) },
			args: []string{"deployments", "update", "acme/fraud/scorer", "--image", "x:2", "--wait", "60s"}, code: 0},
		{name: "update: accepted, not waited for", setup: func(a *fakeAPI) { a.reply("PATCH", scorerPath, 202, opRunning) },
			args: []string{"deployments", "update", "acme/fraud/scorer", "--image", "x:2"}, code: 0, stderr: "slipway wait op-1"},
		{name: "create: rejected", setup: func(a *fakeAPI) { a.reply("POST", "/v1/projects/acme/fraud/deployments", 409, rejected409) },
			args: []string{"deployments", "create", "acme/fraud/scorer", "--image", "x", "--wait", "1m"}, code: 1, stderr: "already exists"},
		{name: "create: invalid", setup: func(a *fakeAPI) { a.reply("POST", "/v1/projects/acme/fraud/deployments", 400, invalid400) },
			args: []string{"deployments", "create", "acme/fraud/scorer", "--image", "x", "--replicas", "900"}, code: 1, stderr: "  - spec.replicas: must be between 0 and 500"},
		{name: "create: API unavailable", setup: func(a *fakeAPI) { a.reply("POST", "/v1/projects/acme/fraud/deployments", 503, unavailable) },
			args: []string{"deployments", "create", "acme/fraud/scorer", "--image", "x"}, code: 1, stderr: "(503)"},
		{name: "unreachable server", server: closed.URL,
			args: []string{"deployments", "get", "acme/fraud/scorer"}, code: 2, stderr: "cannot reach the Slipway API at " + closed.URL},
		{name: "unreachable server while waiting", server: closed.URL,
			args: []string{"wait", "op-1"}, code: 2, stderr: "cannot reach"},
		{name: "bad server URL", server: "localhost:8080",
			args: []string{"deployments", "get", "acme/fraud/scorer"}, code: 2, stderr: "not an http(s) URL"},
		{name: "no command", args: []string{}, code: 2, stderr: "Usage: slipway COMMAND"},
		{name: "unknown command", args: []string{"deploy-all"}, code: 2, stderr: `unknown command "deploy-all"`},
		{name: "group without a command", args: []string{"deployments"}, code: 2, stderr: "create, get, list, update, delete"},
		{name: "unknown subcommand", args: []string{"rollout", "restart", "a/b/c"}, code: 2, stderr: `unknown command "restart"`},
		{name: "unknown flag", args: []string{"deployments", "get", "a/b/c", "--colour"}, code: 2, stderr: "flag provided but not defined: -colour"},
		{name: "bad output format", args: []string{"deployments", "get", "a/b/c", "-o", "xml"}, code: 2, stderr: `--output "xml"`},
		{name: "missing deployment", args: []string{"deployments", "get"}, code: 2, stderr: "want one deployment"},
		{name: "bare name without --project", args: []string{"deployments", "get", "scorer"}, code: 2, stderr: "--project owner/project"},
		{name: "create without a spec", setup: func(a *fakeAPI) { a.reply("POST", "/v1/projects/acme/fraud/deployments", 400, invalid400) },
			args: []string{"deployments", "create", "a/b/c", "--env", "NOEQUALS"}, code: 2, stderr: `--env "NOEQUALS"`},
		{name: "update with nothing to change", args: []string{"deployments", "update", "a/b/c"}, code: 2, stderr: "nothing to change"},
		{name: "wait too long", args: []string{"deployments", "delete", "a/b/c", "--wait", "11m"}, code: 2, stderr: "from 0s to 10m0s"},
		{name: "rollback without --to", args: []string{"rollback", "a/b/c"}, code: 2, stderr: "--to N is required"},
		{name: "bad revision", args: []string{"revisions", "get", "a/b/c", "three"}, code: 2, stderr: `revision "three"`},
		{name: "bad secret", args: []string{"deployments", "create", "a/b/c", "--image", "x", "--secret", "TOKEN=nokey"}, code: 2, stderr: "ENV=secret/key"},
		{name: "unknown shell", args: []string{"completion", "powershell"}, code: 2, stderr: "bash, zsh or fish"},
		{name: "help", args: []string{"help"}, code: 0},
		{name: "command help", args: []string{"deployments", "create", "-h"}, code: 0, stderr: "-max-surge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			if tt.setup != nil {
				tt.setup(api)
			}
			rn := api.runner()
			if tt.server != "" {
				rn.server = tt.server
			}
			res := rn.run(t, tt.args...)
			if res.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, tt.code, res.stdout, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.stderr) {
				t.Fatalf("stderr lacks %q:\n%s", tt.stderr, res.stderr)
			}
		})
	}
}

// A problem is reported with its title, status, detail and each field.
func TestGoldenProblem(t *testing.T) {
	api := newFakeAPI(t)
	api.reply("POST", "/v1/projects/acme/fraud/deployments", 400, fixtureText(t, "problem-validation.json"))
	res := api.runner().run(t, "deployments", "create", "acme/fraud/Bad_Name", "--image", "x", "--replicas", "-1")
	if res.code != 1 || res.stdout != "" {
		t.Fatalf("exit %d, stdout %q; want 1 and nothing", res.code, res.stdout)
	}
	golden(t, "problem-validation.txt", res.stderr)
}
