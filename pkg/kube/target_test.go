package kube

import (
	"strings"
	"testing"
)

// TestNewTargetsPrometheusURL: a configured target's own Prometheus is
// checked as a registration's is, so a bad address stops the service at
// start, naming the target and the field; a good one is published.
func TestNewTargetsPrometheusURL(t *testing.T) {
	tests := []struct {
		url, err string
	}{
		{url: "http://prometheus.monitoring:9090"},
		{url: "https://ada:pw@prometheus.example", err: `target "eu": prometheusURL must not carry credentials`},
		{url: "prometheus:9090", err: `target "eu": prometheusURL must be an absolute http(s) URL`},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			ts, err := NewTargets(&Target{TargetConfig: TargetConfig{Name: "eu", PrometheusURL: tt.url}})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("NewTargets: %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tg, _ := ts.Get("eu")
			if rec := tg.Record(true); rec.PrometheusURL != tt.url {
				t.Errorf("published prometheusURL %q, want %q", rec.PrometheusURL, tt.url)
			}
		})
	}
}
