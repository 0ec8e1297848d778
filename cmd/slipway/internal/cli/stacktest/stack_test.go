// Package stacktest drives the slipway CLI against a real Slipway
// (devstack: embedded NATS JetStream and FerretDB, a simulated cluster).
package stacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/cmd/slipway/internal/cli"
	api "slipway.dev/services/api"
	"slipway.dev/testsupport/devstacktest"
)

type result struct {
	code           int
	stdout, stderr string
}

func TestCLIAgainstARealStack(t *testing.T) {
	s := devstacktest.Start(t, devstack.Options{ClusterMode: devstack.ClusterSimulated})
	env := map[string]string{"SLIPWAY_SERVER": s.URL, "XDG_CONFIG_HOME": t.TempDir()}
	runFor := func(d time.Duration, args ...string) result {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), d)
		defer cancel()
		var stdout, stderr bytes.Buffer
		app := &cli.App{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }, PollInterval: 100 * time.Millisecond}
		code := app.Run(ctx, args)
		return result{code, stdout.String(), stderr.String()}
	}
	run := func(args ...string) result { return runFor(2*time.Minute, args...) }
	expect := func(code int, args ...string) result {
		t.Helper()
		res := run(args...)
		if res.code != code {
			t.Fatalf("slipway %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.code, code, res.stdout, res.stderr)
		}
		return res
	}
	deployment := func() map[string]any {
		t.Helper()
		var d map[string]any
		if err := json.Unmarshal([]byte(expect(0, "deployments", "get", "acme/fraud/scorer", "-o", "json").stdout), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	eventually(t, "the worker's targets", func() bool {
		return strings.Contains(run("targets", "list").stdout, "simulated")
	})

	// Create and wait: the operation succeeded.
	res := expect(0, "deployments", "create", "acme/fraud/scorer", "--image", "ghcr.io/acme/scorer:1.0", "--replicas", "2",
		"--environment", "staging", "--label", "team=risk", "--max-surge", "1", "--max-unavailable", "0", "--wait", "60s")
	if !strings.Contains(res.stdout, "succeeded") {
		t.Fatalf("create said:\n%s", res.stdout)
	}
	if d := deployment(); d["phase"] != "Running" || d["revision"] != 1.0 {
		t.Fatalf("after create: phase %v, revision %v", d["phase"], d["revision"])
	}
	// The same name again is rejected: exit 1, the reason said.
	res = expect(1, "deployments", "create", "acme/fraud/scorer", "--image", "x", "--wait", "60s")
	if !strings.Contains(res.stderr, "AlreadyExists") {
		t.Fatalf("a second create said:\n%s", res.stderr)
	}

	// Update (with the version from get), diff.
	version := strings.Fields(strings.Split(expect(0, "deployments", "get", "scorer", "--project", "acme/fraud").stdout, "\n")[1])[7]
	expect(0, "deployments", "update", "acme/fraud/scorer", "--image", "ghcr.io/acme/scorer:1.1", "--env", "BATCH=16",
		"--message", "new model", "--if-match", version, "--wait", "60s")
	res = expect(0, "revisions", "diff", "acme/fraud/scorer", "1", "2")
	if !strings.Contains(res.stdout, `~ spec.image: "ghcr.io/acme/scorer:1.0" -> "ghcr.io/acme/scorer:1.1"`) {
		t.Fatalf("diff:\n%s", res.stdout)
	}
	// A stale version is refused.
	expect(1, "deployments", "update", "acme/fraud/scorer", "--replicas", "3", "--if-match", version)

	// A rollout that never becomes ready fails at its deadline and is rolled
	// back: the watch and the wait for its operation exit 1.
	spec := filepath.Join(t.TempDir(), "broken.yaml")
	os.WriteFile(spec, []byte("podAnnotations:\n  sim.slipway.dev/never-ready: \"true\"\n"), 0o644)
	res = expect(0, "deployments", "update", "acme/fraud/scorer", "-f", spec, "--image", "ghcr.io/acme/scorer:2.0",
		"--progress-deadline", "5s", "-o", "json")
	var op struct{ ID string }
	if err := json.Unmarshal([]byte(res.stdout), &op); err != nil || op.ID == "" {
		t.Fatalf("update -o json: %v\n%s", err, res.stdout)
	}
	eventually(t, "revision 3 in the read model", func() bool { return deployment()["revision"] == 3.0 })
	res = expect(1, "rollout", "status", "acme/fraud/scorer", "--watch")
	if strings.Contains(res.stdout, "\x1b") || !strings.Contains(res.stdout, "revision 3  rollout Failed") ||
		!strings.Contains(res.stderr, "ProgressDeadlineExceeded") {
		t.Fatalf("watch:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	}
	expect(1, "wait", op.ID)
	// Revision 4, the automatic rollback, rolls out next.
	eventually(t, "the automatic rollback", func() bool { return deployment()["revision"] == 4.0 })
	expect(0, "wait", "acme/fraud/scorer", "--timeout", "60s")

	// Roll back, control a rollout that is not there, terminate.
	expect(0, "rollback", "acme/fraud/scorer", "--to", "1", "--wait", "60s")
	res = expect(1, "rollout", "pause", "acme/fraud/scorer", "--wait", "30s")
	if !strings.Contains(res.stderr, "NoRolloutInFlight") {
		t.Fatalf("pause said:\n%s", res.stderr)
	}
	// The rejected operation reads fine (exit 0, its status and reason); waiting for it says it was rejected.
	pauseOp := regexp.MustCompile(`op-[0-9a-f]+`).FindString(res.stderr)
	if res = expect(0, "operations", "get", pauseOp); !strings.Contains(res.stdout, "rejected") || !strings.Contains(res.stdout, "NoRolloutInFlight") {
		t.Fatalf("operations get %s:\n%s", pauseOp, res.stdout)
	}
	if res = expect(1, "wait", pauseOp); !strings.Contains(res.stderr, "was rejected: NoRolloutInFlight") {
		t.Fatalf("wait %s:\n%s", pauseOp, res.stderr)
	}
	res = expect(0, "revisions", "list", "acme/fraud/scorer")
	if lines := strings.Count(res.stdout, "\n"); lines != 6 { // a header and revisions 5..1
		t.Fatalf("revisions:\n%s", res.stdout)
	}

	// Promote onto another deployment; the audit log and the event stream show it.
	expect(0, "deployments", "create", "acme/fraud-prod/scorer", "--image", "ghcr.io/acme/scorer:0.9", "--wait", "60s")
	res = expect(0, "promotions", "create", "acme/fraud/scorer", "acme/fraud-prod/scorer", "--wait", "60s")
	if !strings.Contains(res.stdout, "applied") {
		t.Fatalf("promotion:\n%s", res.stdout)
	}
	if res = expect(0, "audit", "--deployment", "acme/fraud-prod/scorer"); !strings.Contains(res.stdout, "promote") {
		t.Fatalf("audit:\n%s", res.stdout)
	}
	res = runFor(2*time.Second, "events", "--deployment", "acme/fraud-prod/scorer", "--after", "0", "-o", "json")
	if res.code != 0 || !strings.Contains(res.stdout, `"type":"slipway.deployment.revision_created.v1"`) {
		t.Fatalf("events: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}

	expect(0, "deployments", "delete", "acme/fraud/scorer", "--wait", "60s")
	res = expect(0, "deployments", "list", "--project", "acme/fraud", "--include-terminated")
	if !strings.Contains(res.stdout, "Terminated") {
		t.Fatalf("list:\n%s", res.stdout)
	}
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCLIWithAuth: the CLI with an admin token makes a scoped token, which
// can deploy-level operations but not create; revoking it stops it at once.
func TestCLIWithAuth(t *testing.T) {
	admin := api.GenerateToken()
	s, err := devstack.Start(t.Context(), devstack.Options{DataDir: t.TempDir(), Addr: "127.0.0.1:0",
		ClusterMode: devstack.ClusterSimulated, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Auth: &api.AuthConfig{AdminToken: admin}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	as := func(token string, code int, args ...string) result {
		t.Helper()
		var stdout, stderr bytes.Buffer
		env := map[string]string{"SLIPWAY_SERVER": s.URL, "SLIPWAY_TOKEN": token, "XDG_CONFIG_HOME": t.TempDir()}
		app := &cli.App{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }, PollInterval: 100 * time.Millisecond}
		res := result{app.Run(t.Context(), args), stdout.String(), stderr.String()}
		if res.code != code {
			t.Fatalf("slipway %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.code, code, res.stdout, res.stderr)
		}
		return res
	}
	if res := as(admin, 0, "whoami"); !strings.Contains(res.stdout, "global admin") {
		t.Fatalf("whoami as the admin:\n%s", res.stdout)
	}
	if res := as("", 1, "deployments", "list"); !strings.Contains(res.stderr, "401") && !strings.Contains(res.stderr, "Authentication required") {
		t.Fatalf("no token:\n%s", res.stderr)
	}
	var tok struct{ ID, Token string }
	res := as(admin, 0, "tokens", "create", "ci-fraud", "--grant", "acme/fraud=deployer", "--expires-in", "720h", "-o", "json")
	if err := json.Unmarshal([]byte(res.stdout), &tok); err != nil || !strings.HasPrefix(tok.Token, "slw_") {
		t.Fatalf("tokens create: %v\n%s", err, res.stdout)
	}
	if res := as(admin, 0, "tokens", "list"); !strings.Contains(res.stdout, "ci-fraud") || strings.Contains(res.stdout, tok.Token) {
		t.Fatalf("tokens list must name the token and never show its value:\n%s", res.stdout)
	}
	if res := as(tok.Token, 0, "whoami"); !strings.Contains(res.stdout, "acme/fraud") || !strings.Contains(res.stdout, "deployer") {
		t.Fatalf("whoami as the deployer:\n%s", res.stdout)
	}
	res = as(tok.Token, 1, "deployments", "create", "acme/fraud/scorer", "--image", "ghcr.io/acme/scorer:1.0", "--wait", "60s")
	if !strings.Contains(res.stderr, "admin role") {
		t.Fatalf("a deployer creating:\n%s", res.stderr)
	}
	as(admin, 0, "tokens", "revoke", tok.ID)
	as(tok.Token, 1, "whoami")
}
