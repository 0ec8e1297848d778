package manifest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

var update = flag.Bool("update", false, "rewrite golden files")

func i32(n int32) *int32 { return &n }

// TestRenderGolden pins the objects a revision becomes: labels and selector
// (the selector is immutable on a Deployment), the rolling strategy, resources
// from the instance type, probes, and secret references as secretKeyRef only.
func TestRenderGolden(t *testing.T) {
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	target := events.TargetInfo{Name: "eu", Namespace: "models", ObjectName: kube.ObjectName("acme", "fraud", "scorer")}
	rev := events.Revision{Number: 3, Spec: events.Spec{
		Image: "ghcr.io/acme/scorer:2.0", Replicas: i32(4), InstanceType: "gpu-t4",
		Env:            map[string]string{"LOG_LEVEL": "info", "BATCH": "8"},
		Secrets:        []events.SecretRef{{Env: "DB_PASSWORD", Name: "fraud-db", Key: "password", Version: "3"}},
		Readiness:      &events.Probe{Path: "/ready", PeriodSeconds: 5},
		Rollout:        &events.Strategy{MaxSurge: "1", MaxUnavailable: "0", ProgressDeadlineSeconds: 120},
		PodAnnotations: map[string]string{"prometheus.io/scrape": "true"},
	}.WithDefaults()}
	objs := Render(ref, target, rev, kube.DefaultInstanceTypes(), false)
	got, err := json.MarshalIndent(map[string]any{"deployment": objs.Deployment, "service": objs.Service}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "scorer-r3.golden.json")
	if *update {
		_ = os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Fatalf("rendered objects changed:\n%s", got)
	}
	if bytes.Contains(got, []byte(`"value": "password"`)) {
		t.Fatal("a secret value must never be rendered")
	}
}

// TestRenderAutoscaled pins the HorizontalPodAutoscaler of a spec with
// scaling: it targets the deployment's Deployment, which carries no replicas
// (the autoscaler owns them), and holds the CPU target (80% by default).
func TestRenderAutoscaled(t *testing.T) {
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	target := events.TargetInfo{Namespace: "models", ObjectName: kube.ObjectName("acme", "fraud", "scorer")}
	for _, tc := range []struct {
		golden  string
		scaling events.Scaling
	}{
		{"scorer-autoscaled.golden.json", events.Scaling{Min: 2, Max: 6, TargetCPUPercent: 65}},
		{"scorer-autoscaled-default-cpu.golden.json", events.Scaling{Min: 1, Max: 3}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			rev := events.Revision{Number: 1, Spec: events.Spec{Image: "i", Scaling: &tc.scaling}.WithDefaults()}
			objs := Render(ref, target, rev, nil, false)
			if objs.Deployment.Spec.Replicas != nil {
				t.Fatal("with autoscaling, replicas must not be owned by Slipway's field manager")
			}
			if objs.MinReplicas != tc.scaling.Min {
				t.Fatalf("MinReplicas %d, want %d", objs.MinReplicas, tc.scaling.Min)
			}
			got, err := json.MarshalIndent(objs.Autoscaler, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", tc.golden), got)
		})
	}
	fixed := Render(ref, target, events.Revision{Number: 1, Spec: events.Spec{Image: "i", Replicas: i32(2)}.WithDefaults()}, nil, false)
	if fixed.Autoscaler != nil || fixed.MinReplicas != 0 {
		t.Fatalf("fixed replicas rendered an autoscaler: %+v", fixed.Autoscaler)
	}
}
