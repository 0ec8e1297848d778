package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/specdiff"
)

var update = flag.Bool("update", false, "rewrite golden files")

func i32(n int32) *int32 { return &n }

func staging() events.Spec {
	return events.Spec{Image: "ghcr.io/acme/scorer:2.0", Model: &events.ModelRef{Name: "fraud", Version: "2.0"}, Port: 8080,
		Endpoints: []events.Endpoint{{Name: "predict", Path: "/v2/predict"}}, Readiness: &events.Probe{Path: "/ready"},
		Replicas: i32(1), InstanceType: "cpu-small",
		Env:     map[string]string{"DB_URL": "postgres://staging", "LOG_LEVEL": "debug", "FEATURE_X": "on"},
		Secrets: []events.SecretRef{{Env: "DB_PASSWORD", Name: "db-staging", Key: "password"}}}.WithDefaults()
}

func production() events.Spec {
	return events.Spec{Image: "ghcr.io/acme/scorer:1.0", Model: &events.ModelRef{Name: "fraud", Version: "1.0"}, Port: 8080,
		Endpoints: []events.Endpoint{{Name: "predict", Path: "/predict"}}, Scaling: &events.Scaling{Min: 4, Max: 12},
		InstanceType: "gpu-t4", Env: map[string]string{"DB_URL": "postgres://prod", "LOG_LEVEL": "info", "REGION": "eu"},
		Secrets: []events.SecretRef{{Env: "DB_PASSWORD", Name: "db-prod", Key: "password"}},
		Rollout: &events.Strategy{MaxSurge: "1", MaxUnavailable: "0", ProgressDeadlineSeconds: 300}}.WithDefaults()
}

func TestPlanRules(t *testing.T) {
	tests := []struct {
		name    string
		in      Input
		missing []string
	}{
		{"flagged key unresolved", Input{Source: staging(), Target: production()}, []string{"FEATURE_X"}},
		{"flagged key given a value", Input{Source: staging(), Target: production(), Env: map[string]string{"FEATURE_X": "off"}}, nil},
		{"flagged key takes the source's value", Input{Source: staging(), Target: production(), UseSource: []string{"FEATURE_X"}}, nil},
		{"identical specs", Input{Source: production(), Target: production()}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Make(tt.in)
			if len(p.Missing) != len(tt.missing) || (len(tt.missing) > 0 && p.Missing[0] != tt.missing[0]) {
				t.Fatalf("missing %v, want %v", p.Missing, tt.missing)
			}
			golden(t, tt.name, p)
		})
	}
	p := Make(Input{Source: staging(), Target: production(), Env: map[string]string{"FEATURE_X": "off"}})
	s := p.Spec
	switch {
	case s.Image != "ghcr.io/acme/scorer:2.0" || s.Endpoints[0].Path != "/v2/predict" || s.Readiness == nil:
		t.Fatalf("artifact, endpoints and probes come from the source: %+v", s)
	case s.Scaling == nil || s.Scaling.Min != 4 || s.Replicas != nil || s.InstanceType != "gpu-t4" || s.Rollout.ProgressDeadlineSeconds != 300:
		t.Fatalf("scaling, instance type and strategy stay the target's: %+v", s)
	case s.Env["DB_URL"] != "postgres://prod" || s.Env["LOG_LEVEL"] != "info" || s.Env["REGION"] != "eu" || s.Env["FEATURE_X"] != "off":
		t.Fatalf("env keeps the target's values: %+v", s.Env)
	case s.Secrets[0].Name != "db-prod":
		t.Fatalf("secret references stay the target's: %+v", s.Secrets)
	}
	if len(Make(Input{Source: production(), Target: production()}).Diff) != 0 {
		t.Fatal("promoting what runs changes nothing")
	}
}

// golden pins the plan's JSON and its readable diff.
func golden(t *testing.T, name string, p Plan) {
	t.Helper()
	got, _ := json.MarshalIndent(p, "", "  ")
	got = append(got, []byte("\n\n"+specdiff.Render(p.Diff)+"\n")...)
	path := filepath.Join("testdata", strings.NewReplacer(" ", "-", "'", "").Replace(name)+".golden")
	if *update {
		_ = os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("plan changed:\n%s", got)
	}
}
