package cli_test

import (
	"strings"
	"testing"
)

func TestCanaryStepsFlag(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		body string // the update's merge patch
	}{
		{"steps", []string{"--canary-steps", "10, analysis:error-rate+latency,weight:50,pause:30s,mirror:20,pause,100"},
			`{"spec":{"rollout":{"strategy":"canary","steps":[{"setWeight":10},{"analysis":{"checks":["error-rate","latency"]}},
			{"setWeight":50},{"pause":{"seconds":30}},{"mirror":20},{"pause":{}},{"setWeight":100}]}}}`},
		{"back to rolling", []string{"--strategy", "rolling"}, `{"spec":{"rollout":{"strategy":"rolling","steps":null,"checks":null}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			api.reply("PATCH", "/v1/projects/acme/fraud/deployments/scorer", 202, opRunning)
			res := api.runner().run(t, append([]string{"deployments", "update", "acme/fraud/scorer"}, tc.args...)...)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			jsonEqual(t, api.last("PATCH", "/v1/projects/acme/fraud/deployments/scorer").Body, tc.body)
		})
	}
	for _, bad := range []string{"101", "weight:x", "analysis:", "pause:soon", "mirror", "jump:3"} {
		api := newFakeAPI(t)
		res := api.runner().run(t, "deployments", "update", "acme/fraud/scorer", "--canary-steps", bad)
		if res.code == 0 || !strings.Contains(res.stderr, "--canary-steps") {
			t.Errorf("--canary-steps %q: exit %d, stderr %q; want a usage error naming the flag", bad, res.code, res.stderr)
		}
	}
}
