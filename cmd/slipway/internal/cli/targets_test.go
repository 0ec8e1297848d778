package cli_test

import (
	"testing"
)

func TestTargetCommandsSendTheirRequests(t *testing.T) {
	api := newFakeAPI(t)
	api.reply("PUT", "/v1/targets/eu-west", 202, opRunning)
	api.reply("DELETE", "/v1/targets/eu-west", 202, opRunning)
	rn := api.runner()
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"targets", "register", "eu-west", "--region", "eu-west-1", "--namespace", "models", "--base-url", "https://eu.example",
			"--instance-type", "cpu-small=500m/1Gi", "--instance-type", "gpu-a10=8/32Gi/1", "--kubeconfig-secret", "slipway-targets/eu-kc/config",
			"--routing", `{"ingress":{"className":"nginx","rewrite":"nginx"}}`}, 0},
		{[]string{"targets", "delete", "eu-west", "--wait", "30s"}, 0},
		{[]string{"targets", "register", "eu-west", "--kubeconfig-secret", "no-slashes"}, 2},
		{[]string{"targets", "register", "eu-west", "--instance-type", "small"}, 2},
		{[]string{"targets", "register", "eu-west", "--routing", `{"ingress":{"rewrite":"apache"}}`}, 2},
		{[]string{"targets", "register", "eu-west", "--routing", "carrier-pigeon"}, 2},
		{[]string{"targets", "delete"}, 2},
	}
	for _, tt := range tests {
		if res := rn.run(t, tt.args...); res.code != tt.code {
			t.Fatalf("%v: exit %d, want %d: %s", tt.args, res.code, tt.code, res.stderr)
		}
	}
	jsonEqual(t, api.last("PUT", "/v1/targets/eu-west").Body, `{"region":"eu-west-1","namespace":"models","baseURL":"https://eu.example",
		"instanceTypes":{"cpu-small":{"cpu":"500m","memory":"1Gi"},"gpu-a10":{"cpu":"8","memory":"32Gi","gpu":1}},
		"connection":{"kubeconfigSecret":{"namespace":"slipway-targets","name":"eu-kc","key":"config"}},
		"routing":{"ingress":{"className":"nginx","rewrite":"nginx"}}}`)
	if got := api.last("DELETE", "/v1/targets/eu-west").Query["wait"]; len(got) != 1 || got[0] != "30s" {
		t.Fatalf("wait %v", got)
	}
}
