package driver

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/analysis"
)

// TestProviderPerTarget: a target's checks query its own Prometheus when
// it names one (one provider per address, shared by the targets naming
// it), else the worker's; with neither, or an address no provider can be
// made for, every query fails, so the checks are inconclusive, never passed.
func TestProviderPerTarget(t *testing.T) {
	global := &fakeProvider{value: 1}
	made := map[string]*fakeProvider{}
	newProvider := func(address string) (analysis.Provider, error) {
		if strings.HasPrefix(address, "bad:") {
			return nil, errors.New("want an http(s) URL")
		}
		p := &fakeProvider{value: float64(len(made) + 10)}
		made[address] = p
		return p, nil
	}
	target := func(prom string) *kube.Target {
		return &kube.Target{TargetConfig: kube.TargetConfig{Name: "t", PrometheusURL: prom}}
	}
	tests := []struct {
		name     string
		global   analysis.Provider
		targets  []*kube.Target
		want     float64
		wantErr  string
		wantMade int
	}{
		{name: "no address: the worker's", global: global, targets: []*kube.Target{target("")}, want: 1},
		{name: "its own address", global: global, targets: []*kube.Target{target("http://prom-a:9090")}, want: 10, wantMade: 1},
		{name: "two targets, one Prometheus: one provider", global: global,
			targets: []*kube.Target{target("http://prom-a:9090"), target("http://prom-a:9090")}, want: 10, wantMade: 1},
		{name: "neither: inconclusive", targets: []*kube.Target{target("")}, wantErr: "no Prometheus is configured"},
		{name: "an unusable address: inconclusive, not the worker's", global: global, targets: []*kube.Target{target("bad:x")},
			wantErr: "the target's Prometheus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clear(made)
			d := New(Options{Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), MaxRollouts: 1, Analysis: tt.global, NewProvider: newProvider})
			for _, tg := range tt.targets {
				v, err := d.provider(tg).Query(t.Context(), "up", time.Now())
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("query: %v, %v; want an error containing %q", v, err, tt.wantErr)
					}
					continue
				}
				if err != nil || v != tt.want {
					t.Fatalf("query: %v, %v; want %v", v, err, tt.want)
				}
			}
			if len(made) != tt.wantMade {
				t.Errorf("%d providers made, want %d", len(made), tt.wantMade)
			}
		})
	}
}
