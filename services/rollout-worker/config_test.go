package worker

import (
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		err  string
		want func(Config) bool
	}{
		{"defaults with a kubeconfig target", map[string]string{"SLIPWAY_KUBECONFIG": "/k"}, nil, "",
			func(c Config) bool {
				return c.NATSURL == "nats://127.0.0.1:4222" && c.MaxRollouts == 64 && c.DriftInterval == 30*time.Second && c.DriftPolicy == DriftPolicyRevert
			}},
		{"environment", map[string]string{"SLIPWAY_KUBECONFIG": "/k", EnvMaxRollouts: "8", EnvDriftInterval: "5s", EnvDriftPolicy: "report", EnvNATSURL: "nats://n:4222"}, nil, "",
			func(c Config) bool {
				return c.MaxRollouts == 8 && c.DriftInterval == 5*time.Second && c.DriftPolicy == DriftPolicyReport && c.NATSURL == "nats://n:4222"
			}},
		{"flags win", map[string]string{"SLIPWAY_KUBECONFIG": "/k", EnvMaxRollouts: "8"}, []string{"-max-rollouts", "3"}, "",
			func(c Config) bool { return c.MaxRollouts == 3 }},
		{"no target", nil, nil, "no target", nil},
		{"bad number", map[string]string{"SLIPWAY_KUBECONFIG": "/k", EnvMaxRollouts: "lots"}, nil, EnvMaxRollouts, nil},
		{"bad duration", map[string]string{"SLIPWAY_KUBECONFIG": "/k", EnvDriftInterval: "often"}, nil, EnvDriftInterval, nil},
		{"bad policy", map[string]string{"SLIPWAY_KUBECONFIG": "/k", EnvDriftPolicy: "ignore"}, nil, "drift policy", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(tt.args, env(tt.env))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("want error with %q, got %v", tt.err, err)
				}
				return
			}
			if err != nil || !tt.want(cfg) {
				t.Fatalf("config %+v, err %v", cfg, err)
			}
		})
	}
}
