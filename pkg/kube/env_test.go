package kube

import (
	"strings"
	"testing"

	"slipway.dev/pkg/events"
)

func TestTargetRoutingFromEnv(t *testing.T) {
	tests := []struct {
		name, value, kind, err string
	}{
		{name: "unset", value: "", kind: events.RoutingNone},
		{name: "a bare kind", value: "ingress", kind: events.RoutingIngress},
		{name: "json", value: `{"gateway": {"name": "public", "namespace": "gateways"}}`, kind: events.RoutingGateway},
		{name: "bad json", value: `{"gateway": `, err: EnvTargetRouting},
		{name: "invalid", value: "gateway", err: "routing.gateway.name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{EnvKubeconfig: "/k", EnvTargetRouting: tc.value}
			cfgs, err := TargetConfigsFromEnv(func(k string) string { return env[k] })
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil || len(cfgs) != 1 {
				t.Fatalf("%v %v", cfgs, err)
			}
			if got := cfgs[0].Routing.EffectiveKind(); got != tc.kind {
				t.Fatalf("kind %q, want %q", got, tc.kind)
			}
		})
	}
}
