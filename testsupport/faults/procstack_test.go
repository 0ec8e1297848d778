package faults

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	api "slipway.dev/services/api"
	monitor "slipway.dev/services/health-monitor"
	"slipway.dev/services/promoter"
	worker "slipway.dev/services/rollout-worker"
	"slipway.dev/testsupport/e2e"
)

// TestProcessEnvLoads checks that each service's environment in a
// ProcessStack is one its binary accepts, with the settings the run relies
// on (three replicas, the plane's namespace, authentication off, no rate
// limit, private webhook targets allowed), so a renamed variable fails here
// and not minutes into a run.
func TestProcessEnvLoads(t *testing.T) {
	dir := t.TempDir()
	keyFile, kubeconfig := filepath.Join(dir, "key"), filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(keyFile, []byte(api.GenerateWebhookKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const kc = `apiVersion: v1
kind: Config
clusters: [{name: p, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: c, context: {cluster: p, user: u}}]
current-context: c
`
	if err := os.WriteFile(kubeconfig, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &ProcessStack{Target: ProcessTarget{Namespace: "faults"}, apiAddr: "127.0.0.1:1", keyFile: keyFile,
		natsURL: "nats://127.0.0.1:2,nats://127.0.0.1:3", kubeconfig: kubeconfig, store: &store{addr: "127.0.0.1:4"}}
	tests := []struct {
		service, binary string
		check           func(t *testing.T, getenv func(string) string)
	}{
		{SvcAPI, e2e.ServiceAPI, func(t *testing.T, getenv func(string) string) {
			c, err := api.LoadConfig(nil, getenv)
			if err != nil {
				t.Fatal(err)
			}
			if c.StreamReplicas != 3 || !c.Auth.InsecureNoAuth || c.Auth.RatePerSecond != 0 || c.Auth.ReadRatePerSecond != 0 ||
				!c.AllowPrivateWebhookTargets || !slices.Equal(c.WebhookRetrySchedule, webhookRetry) || c.HTTPAddr != s.apiAddr {
				t.Errorf("api config %+v", c)
			}
		}},
		{SvcWorker1, e2e.ServiceWorker, func(t *testing.T, getenv func(string) string) {
			c, err := worker.LoadConfig(nil, getenv)
			if err != nil {
				t.Fatal(err)
			}
			if c.StreamReplicas != 3 || c.NATSURL != s.natsURL || len(c.TargetConfigs) != 1 || c.TargetConfigs[0].Namespace != "faults" {
				t.Errorf("worker config %+v", c)
			}
		}},
		{SvcMonitor, e2e.ServiceMonitor, func(t *testing.T, getenv func(string) string) {
			c, err := monitor.LoadConfig(nil, getenv)
			if err != nil {
				t.Fatal(err)
			}
			if c.StreamReplicas != 3 || c.Settle.String() != "500ms" {
				t.Errorf("monitor config %+v", c)
			}
		}},
		{SvcPromoter, e2e.ServicePromoter, func(t *testing.T, getenv func(string) string) {
			c, err := promoter.LoadConfig(nil, getenv)
			if err != nil {
				t.Fatal(err)
			}
			if c.StreamReplicas != 3 || c.NATSURL != s.natsURL {
				t.Errorf("promoter config %+v", c)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			env, binary, err := s.env(tt.service)
			if err != nil || binary != tt.binary {
				t.Fatalf("env(%s): binary %q, %v; want %q", tt.service, binary, err, tt.binary)
			}
			vars := map[string]string{}
			for _, kv := range env {
				k, v, _ := strings.Cut(kv, "=")
				vars[k] = v
			}
			tt.check(t, func(k string) string { return vars[k] })
		})
	}
	if _, _, err := s.env("nothing"); err == nil {
		t.Error("env of an unknown service: no error")
	}
}
