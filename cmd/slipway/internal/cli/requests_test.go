package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// jsonEqual fails unless got is the JSON of want.
func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("body\n%s\nwant\n%s", got, want)
	}
}

func TestCreateSendsTheSpecTheFlagsSay(t *testing.T) {
	api := newFakeAPI(t)
	api.reply("POST", "/v1/projects/acme/fraud/deployments", 200, opSucceeded)
	res := api.runner().run(t, "deployments", "create", "acme/fraud/scorer", "--image", "ghcr.io/acme/scorer:1.0",
		"--min", "2", "--max", "5", "--target-cpu", "65", "--env", "LOG=debug", "--env", "B=x=y", "--secret", "HF_TOKEN=hf/token@2", "--secret", "DB=db/password",
		"--instance-type", "cpu-small", "--target", "eu", "--environment", "staging", "--label", "team=risk", "--label", "tier=gold",
		"--max-surge", "1", "--max-unavailable", "0", "--progress-deadline", "5m", "--bake", "2m", "--wait", "30s")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	req := api.last("POST", "/v1/projects/acme/fraud/deployments")
	jsonEqual(t, req.Body, `{"name":"scorer","target":"eu","environment":"staging","labels":{"team":"risk","tier":"gold"},
		"spec":{"image":"ghcr.io/acme/scorer:1.0","scaling":{"min":2,"max":5,"targetCPUPercent":65},"env":{"LOG":"debug","B":"x=y"},
		"secrets":[{"env":"HF_TOKEN","name":"hf","key":"token","version":"2"},{"env":"DB","name":"db","key":"password"}],
		"instanceType":"cpu-small","rollout":{"maxSurge":"1","maxUnavailable":"0","progressDeadlineSeconds":300,"bakeSeconds":120}}}`)
	if got := req.Query["wait"]; !reflect.DeepEqual(got, []string{"30s"}) {
		t.Errorf("wait %v, want 30s", got)
	}
	if got := req.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q", got)
	}
	if got := req.Header.Get("Idempotency-Key"); got != "test-key" {
		t.Errorf("Idempotency-Key %q, want the generated one", got)
	}
	if got := req.Header.Get("Authorization"); got != "" {
		t.Errorf("Authorization %q without a token", got)
	}
}

func TestCreateFromAFileWithFlagsOnTop(t *testing.T) {
	dir := t.TempDir()
	specOnly := filepath.Join(dir, "spec.yaml")
	os.WriteFile(specOnly, []byte("image: ghcr.io/acme/scorer:1.0\nreplicas: 3\nenv:\n  A: \"1\"\nreadinessProbe:\n  path: /ready\n"), 0o644)
	request := filepath.Join(dir, "request.json")
	os.WriteFile(request, []byte(`{"name":"scorer","environment":"prod","labels":{"team":"risk"},"spec":{"image":"i:1","port":9000}}`), 0o644)

	api := newFakeAPI(t)
	api.reply("POST", "/v1/projects/acme/fraud/deployments", 202, opRunning)
	rn := api.runner()
	if res := rn.run(t, "deployments", "create", "acme/fraud/scorer", "-f", specOnly, "--replicas", "4", "--env", "B=2"); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	jsonEqual(t, api.last("POST", "/v1/projects/acme/fraud/deployments").Body,
		`{"name":"scorer","spec":{"image":"ghcr.io/acme/scorer:1.0","replicas":4,"env":{"A":"1","B":"2"},"readinessProbe":{"path":"/ready"}}}`)

	if res := rn.run(t, "deployments", "create", "acme/fraud/scorer", "-f", request, "--label", "tier=gold", "--image", "i:2"); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	jsonEqual(t, api.last("POST", "/v1/projects/acme/fraud/deployments").Body,
		`{"name":"scorer","environment":"prod","labels":{"team":"risk","tier":"gold"},"spec":{"image":"i:2","port":9000}}`)

	rn.stdin = `{"image":"from-stdin"}`
	if res := rn.run(t, "deployments", "create", "acme/fraud/scorer", "-f", "-"); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	jsonEqual(t, api.last("POST", "/v1/projects/acme/fraud/deployments").Body, `{"name":"scorer","spec":{"image":"from-stdin"}}`)

	if res := rn.run(t, "deployments", "create", "acme/fraud/other", "-f", request); res.code != 2 {
		t.Fatalf("a file naming another deployment: exit %d, want 2", res.code)
	}
}

func TestUpdateSendsAMergePatch(t *testing.T) {
	api := newFakeAPI(t)
	api.reply("PATCH", scorerPath, 202, opRunning)
	res := api.runner().run(t, "deployments", "update", "acme/fraud/scorer", "--image", "x:2", "--env", "A-", "--env", "B=2",
		"--min", "2", "--max", "5", "--progress-deadline", "600", "--message", "bigger", "--if-match", "42", "--idempotency-key", "mine")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	req := api.last("PATCH", scorerPath)
	jsonEqual(t, req.Body, `{"message":"bigger","spec":{"image":"x:2","env":{"A":null,"B":"2"},"scaling":{"min":2,"max":5},"replicas":null,
		"rollout":{"progressDeadlineSeconds":600}}}`)
	for h, want := range map[string]string{"Content-Type": "application/merge-patch+json", "If-Match": `"42"`, "Idempotency-Key": "mine"} {
		if got := req.Header.Get(h); got != want {
			t.Errorf("%s %q, want %q", h, got, want)
		}
	}

	if res := api.runner().run(t, "deployments", "update", "acme/fraud/scorer", "--replicas", "3", "--secret", "T=s/k"); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	jsonEqual(t, api.last("PATCH", scorerPath).Body, `{"spec":{"replicas":3,"scaling":null,"secrets":[{"env":"T","name":"s","key":"k"}]}}`)
}

func TestLifecycleCommandsSendTheirRequests(t *testing.T) {
	api := newFakeAPI(t)
	for _, r := range []struct{ method, path string }{{"DELETE", scorerPath}, {"POST", scorerPath + "/rollback"},
		{"POST", scorerPath + "/rollout/pause"}, {"POST", scorerPath + "/rollout/abort"}, {"POST", scorerPath + "/rollout/promote"}} {
		api.reply(r.method, r.path, 202, opRunning)
	}
	rn := api.runner()
	for _, args := range [][]string{
		{"deployments", "delete", "acme/fraud/scorer", "--free-name"},
		{"rollback", "acme/fraud/scorer", "--to", "v3", "--message", "too slow"},
		{"rollout", "pause", "acme/fraud/scorer"},
		{"rollout", "abort", "acme/fraud/scorer", "--message", "bad metrics", "--wait", "1m"},
		{"rollout", "promote", "acme/fraud/scorer", "--full", "--message", "metrics look good"},
	} {
		if res := rn.run(t, args...); res.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, res.code, res.stderr)
		}
	}
	if got := api.last("DELETE", scorerPath).Query["freeName"]; !reflect.DeepEqual(got, []string{"true"}) {
		t.Errorf("freeName %v", got)
	}
	jsonEqual(t, api.last("POST", scorerPath+"/rollback").Body, `{"revision":3,"message":"too slow"}`)
	if pause := api.last("POST", scorerPath+"/rollout/pause"); pause.Body != "" || pause.Header.Get("Content-Type") != "" {
		t.Errorf("pause without a message sent %q (%s)", pause.Body, pause.Header.Get("Content-Type"))
	}
	jsonEqual(t, api.last("POST", scorerPath+"/rollout/promote").Body, `{"full":true,"message":"metrics look good"}`)
	abort := api.last("POST", scorerPath+"/rollout/abort")
	jsonEqual(t, abort.Body, `{"message":"bad metrics"}`)
	if !reflect.DeepEqual(abort.Query["wait"], []string{"1m0s"}) {
		t.Errorf("wait %v", abort.Query["wait"])
	}
}

func TestListSendsTheFilters(t *testing.T) {
	api := newFakeAPI(t)
	api.reply("GET", "/v1/deployments", 200, `{"items":[]}`)
	res := api.runner().run(t, "deployments", "list", "--project", "acme/fraud", "--target", "eu", "--environment", "prod",
		"--label", "team=risk", "--label", "tier=gold", "--search", "sco", "--status", "running", "--health", "degraded",
		"-q", "image~scorer", "--include-terminated", "--sort", "-createdAt", "--limit", "10")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	want := map[string][]string{"project": {"acme/fraud"}, "target": {"eu"}, "environment": {"prod"}, "label": {"team=risk", "tier=gold"},
		"search": {"sco"}, "status": {"running"}, "health": {"degraded"}, "q": {"image~scorer"}, "includeTerminated": {"true"},
		"sort": {"-createdAt"}, "limit": {"10"}}
	if got := api.last("GET", "/v1/deployments").Query; !reflect.DeepEqual(got, want) {
		t.Fatalf("query %v\nwant %v", got, want)
	}
	if res.stdout != "NAME   REVISION   PHASE   HEALTH   READY   IMAGE   AGE\n" {
		t.Fatalf("an empty list is a header only, got %q", res.stdout)
	}
}

// Without --idempotency-key every invocation sends a new random key, so
// running the same command line twice is two commands.
func TestDefaultIdempotencyKeysAreNewPerInvocation(t *testing.T) {
	api := newFakeAPI(t)
	api.reply("POST", scorerPath+"/rollout/resume", 202, opRunning)
	keys := map[string]bool{}
	for range 2 {
		app, _, _ := plainApp(t, api.srv.URL)
		if code := app.Run(t.Context(), []string{"rollout", "resume", "acme/fraud/scorer"}); code != 0 {
			t.Fatalf("exit %d", code)
		}
		keys[api.last("POST", scorerPath+"/rollout/resume").Header.Get("Idempotency-Key")] = true
	}
	if len(keys) != 2 {
		t.Fatalf("keys %v: want two different keys", keys)
	}
}
