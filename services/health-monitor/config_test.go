package monitor

import (
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string {
	if kv["SLIPWAY_KUBECONFIG"] == "" {
		kv["SLIPWAY_KUBECONFIG"] = "/kube/config"
	}
	return func(k string) string { return kv[k] }
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		window   Window
		interval time.Duration
		probe    string
		err      string
	}{
		{name: "defaults", window: DefaultWindow, interval: time.Second, probe: ProbeOff},
		{name: "from the environment", env: map[string]string{EnvWindow: "2/4", EnvInterval: "500ms", EnvProbeMode: "in-cluster"},
			window: Window{2, 4}, interval: 500 * time.Millisecond, probe: ProbeInCluster},
		{name: "flags win", args: []string{"-window", "4/6", "-interval", "2s", "-probe-mode", "off"},
			env:    map[string]string{EnvWindow: "2/4", EnvInterval: "500ms", EnvProbeMode: "in-cluster"},
			window: Window{4, 6}, interval: 2 * time.Second, probe: ProbeOff},
		{name: "settle, as before: 3s at 1s is 4 consecutive samples", env: map[string]string{EnvSettle: "3s"}, window: Window{4, 4}, interval: time.Second, probe: ProbeOff},
		{name: "settle at a shorter interval", env: map[string]string{EnvSettle: "500ms", EnvInterval: "200ms"}, window: Window{4, 4}, interval: 200 * time.Millisecond, probe: ProbeOff},
		{name: "window and settle", env: map[string]string{EnvSettle: "3s", EnvWindow: "3/5"}, err: "not both"},
		{name: "window not N/M", env: map[string]string{EnvWindow: "3"}, err: EnvWindow},
		{name: "window N > M", env: map[string]string{EnvWindow: "5/3"}, err: "1 <= N <= M"},
		{name: "window too wide", env: map[string]string{EnvWindow: "3/500"}, err: "M <= 100"},
		{name: "interval not a duration", env: map[string]string{EnvInterval: "1"}, err: EnvInterval},
		{name: "interval zero", env: map[string]string{EnvInterval: "0s"}, err: "must be positive"},
		{name: "settle not a duration", env: map[string]string{EnvSettle: "soon"}, err: EnvSettle},
		{name: "unknown probe mode", env: map[string]string{EnvProbeMode: "sidecar"}, err: "probe mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env == nil {
				tt.env = map[string]string{}
			}
			cfg, err := LoadConfig(tt.args, env(tt.env))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.window(); got != tt.window {
				t.Errorf("window %s, want %s", got, tt.window)
			}
			if cfg.interval() != tt.interval || cfg.ProbeMode != tt.probe {
				t.Errorf("interval %s probe %q, want %s %q", cfg.interval(), cfg.ProbeMode, tt.interval, tt.probe)
			}
		})
	}
}

func TestEnvVarsListsEveryVariable(t *testing.T) {
	got := strings.Join(EnvVars(), " ")
	for _, v := range []string{EnvNATSURL, EnvWindow, EnvInterval, EnvProbeMode, EnvSettle} {
		if !strings.Contains(got, v) {
			t.Errorf("EnvVars() misses %s", v)
		}
	}
}
