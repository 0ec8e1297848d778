package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
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

// stagingWithSecret is staging with a secret reference production lacks.
func stagingWithSecret() events.Spec {
	s := staging()
	s.Secrets = append(s.Secrets, events.SecretRef{Env: "OPENAI_API_KEY", Name: "openai-staging", Key: "api-key"})
	return s
}

func production() events.Spec {
	return events.Spec{Image: "ghcr.io/acme/scorer:1.0", Model: &events.ModelRef{Name: "fraud", Version: "1.0"}, Port: 8080,
		Endpoints: []events.Endpoint{{Name: "predict", Path: "/predict"}}, Scaling: &events.Scaling{Min: 4, Max: 12},
		InstanceType: "gpu-t4", Env: map[string]string{"DB_URL": "postgres://prod", "LOG_LEVEL": "info", "REGION": "eu"},
		Secrets: []events.SecretRef{{Env: "DB_PASSWORD", Name: "db-prod", Key: "password"}},
		Rollout: &events.Strategy{MaxSurge: "1", MaxUnavailable: "0", ProgressDeadlineSeconds: 300}}.WithDefaults()
}

func TestPlanRules(t *testing.T) {
	decided := map[string]string{"FEATURE_X": "off"}
	tests := []struct {
		name           string
		in             Input
		missing        []string
		missingSecrets []string
		secrets        []events.SecretRef // the planned spec's, when the test says
	}{
		{name: "flagged key unresolved", in: Input{Source: staging(), Target: production()}, missing: []string{"FEATURE_X"}},
		{name: "flagged key given a value", in: Input{Source: staging(), Target: production(), Env: decided}},
		{name: "flagged key takes the source's value", in: Input{Source: staging(), Target: production(), UseSource: []string{"FEATURE_X"}}},
		{name: "identical specs", in: Input{Source: production(), Target: production()}},
		{name: "new secret reference unresolved", in: Input{Source: stagingWithSecret(), Target: production(), Env: decided},
			missingSecrets: []string{"OPENAI_API_KEY"}, secrets: production().Secrets},
		{name: "new secret reference given a target secret", in: Input{Source: stagingWithSecret(), Target: production(), Env: decided,
			Secrets: map[string]events.SecretRef{"OPENAI_API_KEY": {Name: "openai-prod", Key: "api-key"}}},
			secrets: []events.SecretRef{production().Secrets[0], {Env: "OPENAI_API_KEY", Name: "openai-prod", Key: "api-key"}}},
		{name: "new secret reference takes the source's", in: Input{Source: stagingWithSecret(), Target: production(), Env: decided,
			UseSourceSecrets: []string{"OPENAI_API_KEY"}},
			secrets: []events.SecretRef{production().Secrets[0], {Env: "OPENAI_API_KEY", Name: "openai-staging", Key: "api-key"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Make(tt.in)
			if strings.Join(p.Missing, ",") != strings.Join(tt.missing, ",") ||
				strings.Join(p.MissingSecrets, ",") != strings.Join(tt.missingSecrets, ",") {
				t.Fatalf("missing %v and secrets %v, want %v and %v", p.Missing, p.MissingSecrets, tt.missing, tt.missingSecrets)
			}
			if p.Complete() != (len(tt.missing)+len(tt.missingSecrets) == 0) {
				t.Fatalf("complete %v with missing %v %v", p.Complete(), p.Missing, p.MissingSecrets)
			}
			if tt.secrets != nil && !reflect.DeepEqual(p.Spec.Secrets, tt.secrets) {
				t.Fatalf("planned secrets %+v, want %+v", p.Spec.Secrets, tt.secrets)
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

// The plan shows env values that differ (both, and which is kept) and secret
// references, never anything but a secret's name and key.
func TestPlanShowsDifferingValuesAndOnlyReferences(t *testing.T) {
	p := Make(Input{Source: stagingWithSecret(), Target: production()})
	want := map[string]EnvFlag{
		"DB_URL":    {Key: "DB_URL", Flag: FlagDiffers, SourceValue: "postgres://staging", TargetValue: "postgres://prod", Kept: FromTarget},
		"LOG_LEVEL": {Key: "LOG_LEVEL", Flag: FlagDiffers, SourceValue: "debug", TargetValue: "info", Kept: FromTarget},
		"FEATURE_X": {Key: "FEATURE_X", Flag: FlagNewInSource},
		"REGION":    {Key: "REGION", Flag: FlagOnlyInTarget},
	}
	if len(p.Env) != len(want) {
		t.Fatalf("env flags %+v", p.Env)
	}
	for _, f := range p.Env {
		if f != want[f.Key] {
			t.Fatalf("env flag %+v, want %+v", f, want[f.Key])
		}
	}
	var db, openai SecretFlag
	for _, f := range p.Secrets {
		switch f.Env {
		case "DB_PASSWORD":
			db = f
		case "OPENAI_API_KEY":
			openai = f
		}
	}
	if db.Flag != FlagDiffers || db.Kept != FromTarget || db.Source.Name != "db-staging" || db.Target.Name != "db-prod" {
		t.Fatalf("a reference that differs: %+v", db)
	}
	if openai.Flag != FlagNewInSource || openai.Resolution != "" || openai.Source.Name != "openai-staging" || openai.Target != nil {
		t.Fatalf("a reference new in the source: %+v", openai)
	}
}
