package cli_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	scorerPath  = "/v1/projects/acme/fraud/deployments/scorer"
	webhookPath = "/v1/webhooks/wh_0dcf4b577db5891b07105c14"
)

// recordedAPI serves the recorded fixtures of testdata/api.
func recordedAPI(t *testing.T) *fakeAPI {
	api := newFakeAPI(t)
	api.replyFile("GET", scorerPath, 200, "deployment-scorer.json", "ETag", `"37.40"`)
	api.handle("GET", "/v1/deployments", func(w http.ResponseWriter, r *http.Request) {
		name := "deployments.json"
		switch {
		case r.URL.Query().Get("cursor") != "":
			name = "deployments-page2.json"
		case r.URL.Query().Get("limit") == "2":
			name = "deployments-page1.json"
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(fixtureText(t, name)))
	})
	api.replyFile("GET", scorerPath+"/revisions", 200, "revisions-scorer.json")
	api.replyFile("GET", scorerPath+"/revisions/4", 200, "revision-scorer-4.json")
	api.handle("GET", scorerPath+"/revisions/3/diff/4", func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Accept"), "text/plain") {
			w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
			w.Write([]byte(fixtureText(t, "diff-scorer-3-4.txt")))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(fixtureText(t, "diff-scorer-3-4.json")))
	})
	api.replyFile("GET", "/v1/targets", 200, "targets.json")
	api.replyFile("GET", "/v1/targets/simulated", 200, "target-simulated.json")
	api.replyFile("GET", "/v1/operations/op-0001ac96a3d50921c23eebea", 200, "operation-succeeded.json")
	api.replyFile("GET", "/v1/operations/op-79dbf66fb2058850a27d7296", 200, "operation-failed.json")
	api.replyFile("GET", "/v1/projects/acme/fraud/deployments/aliased", 200, "deployment-scorer-aliases.json")
	api.replyFile("POST", "/v1/webhooks", 201, "webhook-created.json")
	api.replyFile("GET", "/v1/webhooks", 200, "webhooks.json")
	api.replyFile("GET", webhookPath, 200, "webhook.json")
	api.replyFile("GET", webhookPath+"/deliveries", 200, "webhook-deliveries.json")
	api.replyFile("POST", webhookPath+"/deliveries/msg_e0716fd329b965695dcf0a681af59565/redeliver", 202, "webhook-redelivered.json")
	return api
}

func TestGoldenOutput(t *testing.T) {
	api := recordedAPI(t)
	rn := api.runner()
	tests := []struct {
		golden string
		args   []string
		code   int
	}{
		{"deployments-get.table", []string{"deployments", "get", "acme/fraud/scorer"}, 0},
		{"deployments-get.json", []string{"deployments", "get", "acme/fraud/scorer", "-o", "json"}, 0},
		{"deployments-get.yaml", []string{"deployment", "get", "scorer", "--project", "acme/fraud", "-o", "yaml"}, 0},
		{"deployments-list.table", []string{"deployments", "list"}, 0},
		{"deployments-list.json", []string{"deployments", "list", "-o", "json"}, 0},
		{"deployments-list.yaml", []string{"deployments", "ls", "--output", "yaml"}, 0},
		{"deployments-list-page.table", []string{"deployments", "list", "--limit", "2"}, 0},
		{"deployments-list-all.table", []string{"deployments", "list", "--limit", "2", "--all"}, 0},
		{"deployments-list-all.json", []string{"-o", "json", "deployments", "list", "--limit", "2", "--all"}, 0},
		{"revisions-list.table", []string{"revisions", "list", "acme/fraud/scorer"}, 0},
		{"revisions-list.json", []string{"revisions", "list", "acme/fraud/scorer", "-o", "json"}, 0},
		{"revisions-list.yaml", []string{"revisions", "list", "acme/fraud/scorer", "-o", "yaml"}, 0},
		{"revisions-get.table", []string{"revisions", "get", "acme/fraud/scorer", "v4"}, 0},
		{"revisions-get.json", []string{"revisions", "get", "acme/fraud/scorer", "4", "-o", "json"}, 0},
		{"revisions-get.yaml", []string{"revisions", "get", "acme/fraud/scorer", "4", "-o", "yaml"}, 0},
		{"revisions-diff.txt", []string{"revisions", "diff", "acme/fraud/scorer", "3", "4"}, 0},
		{"revisions-diff.json", []string{"revisions", "diff", "acme/fraud/scorer", "3", "4", "-o", "json"}, 0},
		{"revisions-diff.yaml", []string{"revisions", "diff", "acme/fraud/scorer", "3", "4", "-o", "yaml"}, 0},
		{"targets-list.table", []string{"targets", "list"}, 0},
		{"targets-get.table", []string{"targets", "get", "simulated"}, 0},
		{"operations-get-succeeded.table", []string{"operations", "get", "op-0001ac96a3d50921c23eebea"}, 0},
		{"operations-get-failed.table", []string{"operations", "get", "op-79dbf66fb2058850a27d7296"}, 1},
		{"operations-get-failed.yaml", []string{"operations", "get", "op-79dbf66fb2058850a27d7296", "-o", "yaml"}, 1},
		{"rollout-status-snapshot.txt", []string{"rollout", "status", "acme/fraud/scorer"}, 0},
		{"rollout-status-snapshot.json", []string{"rollout", "status", "acme/fraud/scorer", "-o", "json"}, 0},
		{"aliases-list.table", []string{"aliases", "list", "acme/fraud/aliased"}, 0},
		{"aliases-list.json", []string{"alias", "ls", "acme/fraud/aliased", "-o", "json"}, 0},
		{"aliases-history.table", []string{"aliases", "history", "acme/fraud/aliased", "stable"}, 0},
		{"aliases-history.yaml", []string{"aliases", "history", "aliased", "stable", "--project", "acme/fraud", "-o", "yaml"}, 0},
		{"aliases-history-unknown.table", []string{"aliases", "history", "acme/fraud/aliased", "nope"}, 1},
		{"webhooks-create.table", []string{"webhooks", "create", "http://127.0.0.1:9/hook", "--event", "slipway.deployment.rollout_*"}, 0},
		{"webhooks-list.table", []string{"webhooks", "list"}, 0},
		{"webhooks-list.json", []string{"webhook", "ls", "-o", "json"}, 0},
		{"webhooks-get.table", []string{"webhooks", "get", "wh_0dcf4b577db5891b07105c14"}, 0},
		{"webhooks-get.yaml", []string{"webhooks", "get", "wh_0dcf4b577db5891b07105c14", "-o", "yaml"}, 0},
		{"webhooks-deliveries.table", []string{"webhooks", "deliveries", "wh_0dcf4b577db5891b07105c14"}, 0},
		{"webhooks-deliveries.json", []string{"webhooks", "deliveries", "wh_0dcf4b577db5891b07105c14", "-o", "json"}, 0},
		{"webhooks-redeliver.table", []string{"webhooks", "redeliver", "wh_0dcf4b577db5891b07105c14", "msg_e0716fd329b965695dcf0a681af59565"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			res := rn.run(t, tt.args...)
			if res.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", res.code, tt.code, res.stderr)
			}
			golden(t, tt.golden, res.stdout)
		})
	}
}

// A paged list says how to get the next page, on stderr so stdout stays
// the table.
func TestListPageSaysHowToContinue(t *testing.T) {
	api := recordedAPI(t)
	res := api.runner().run(t, "deployments", "list", "--limit", "2")
	if !strings.Contains(res.stderr, "--cursor eyJ") || !strings.Contains(res.stderr, "--all") {
		t.Fatalf("stderr %q does not say how to continue", res.stderr)
	}
	all := api.runner().run(t, "deployments", "list", "--limit", "2", "--all")
	if all.stderr != "" {
		t.Fatalf("--all read every page but says %q", all.stderr)
	}
}

func TestGoldenRolloutWatchNonTerminal(t *testing.T) {
	for _, tt := range []struct {
		fixture, golden string
		code            int
	}{
		{"rollout-succeeded.json", "rollout-watch-succeeded.txt", 0},
		{"rollout-failed.json", "rollout-watch-failed.txt", 1},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			api := newFakeAPI(t)
			states := loadStates(t, tt.fixture)
			api.replaySequence(scorerPath, opOf(t, states[0]), states)
			res := api.runner().run(t, "rollout", "status", "acme/fraud/scorer", "--watch")
			if res.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", res.code, tt.code, res.stderr)
			}
			if strings.Contains(res.stdout, "\x1b") {
				t.Fatalf("ANSI codes in output that is not a terminal:\n%q", res.stdout)
			}
			golden(t, tt.golden, res.stdout+"--- stderr\n"+res.stderr)
		})
	}
}

func TestGoldenRolloutWatchTerminal(t *testing.T) {
	api := newFakeAPI(t)
	states := loadStates(t, "rollout-failed.json")
	api.replaySequence(scorerPath, opOf(t, states[0]), states)
	rn := api.runner()
	rn.terminal = true
	res := rn.run(t, "rollout", "status", "acme/fraud/scorer", "-w")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stdout, "\x1b[5A\x1b[J") {
		t.Fatalf("the second frame does not replace the first:\n%q", res.stdout)
	}
	golden(t, "rollout-watch-terminal.txt", res.stdout)
}

func TestGoldenCompletion(t *testing.T) {
	rn := &runner{server: "http://127.0.0.1:1", env: map[string]string{}}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			res := rn.run(t, "completion", shell)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			for _, want := range []string{"deployments", "create", "image", "rollout", "status", "watch", "wait", "timeout",
				"revisions", "diff", "targets", "operations", "config", "set-server", "dev", "version", "idempotency-key"} {
				if !strings.Contains(res.stdout, want) {
					t.Errorf("the %s script lacks %q", shell, want)
				}
			}
			golden(t, "completion."+shell, res.stdout)
		})
	}
}

// opOf returns the operation id of the rollout in a recorded state.
func opOf(t *testing.T, s rolloutState) string {
	t.Helper()
	var d struct {
		Rollout struct {
			OperationID string `json:"operationId"`
		} `json:"rollout"`
	}
	if err := json.Unmarshal(s.Deployment, &d); err != nil || d.Rollout.OperationID == "" {
		t.Fatalf("no rollout operation in %s (%v)", s.Deployment, err)
	}
	return d.Rollout.OperationID
}

// The bash script completes command words and flags, skipping the values
// of global flags.
func TestBashCompletionCompletes(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	res := (&runner{server: "http://127.0.0.1:1", env: map[string]string{}}).run(t, "completion", "bash")
	script := filepath.Join(t.TempDir(), "slipway.bash")
	if err := os.WriteFile(script, []byte(res.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	for line, want := range map[string]string{
		"slipway dep":                               "deployments",
		"slipway deployments cr":                    "create",
		"slipway -o json rollout status a/b/c --wa": "--watch",
		"slipway --server http://x ro":              "rollback rollout",
		"slipway rollout status a/b/c -o ":          "table json yaml",
		"slipway completion ":                       "bash zsh fish",
		"slipway wait op-1 --ti":                    "--timeout",
	} {
		words := strings.Fields(line)
		if strings.HasSuffix(line, " ") {
			words = append(words, "")
		}
		cmd := exec.Command(bash, "-c", `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($#-1)); _slipway; echo "${COMPREPLY[*]}"`,
			"bash", script)
		cmd.Args = append(cmd.Args, words...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", line, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("%q completes to %q, want %q", line, got, want)
		}
	}
}
