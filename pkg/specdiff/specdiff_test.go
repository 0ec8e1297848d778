package specdiff

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"slipway.dev/pkg/events"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func ptr[T any](v T) *T { return &v }

func base() events.Spec {
	return events.Spec{
		Image:     "ghcr.io/acme/fraud:1",
		Port:      8080,
		Endpoints: []events.Endpoint{{Name: "predict", Path: "/predict"}},
		Replicas:  ptr(int32(2)),
		Env:       map[string]string{"LOG_LEVEL": "info", "OLD": "y"},
		Secrets: []events.SecretRef{
			{Env: "DB_PASSWORD", Name: "db", Key: "password", Version: "1"},
			{Env: "API_TOKEN", Name: "api", Key: "token"},
		},
		Readiness: &events.Probe{Path: "/ready"},
		Rollout:   &events.Strategy{MaxSurge: "25%", MaxUnavailable: "0"},
	}
}

// goldenCases are the pairs whose diff is pinned in testdata/<name>.json
// (the changes, indented) and testdata/<name>.txt (Render).
var goldenCases = []struct {
	name     string
	from, to func() events.Spec
}{
	{"image_replicas", base, func() events.Spec {
		s := base()
		s.Image, s.Replicas = "ghcr.io/acme/fraud:2", ptr(int32(4))
		return s
	}},
	{"env", base, func() events.Spec {
		s := base()
		s.Env = map[string]string{"LOG_LEVEL": "debug", "NEW_KEY": "x"}
		return s
	}},
	{"secrets", base, func() events.Spec {
		s := base()
		s.Secrets = []events.SecretRef{ // reordered: keyed, not positional
			{Env: "S3_KEY", Name: "s3", Key: "access-key"},
			{Env: "DB_PASSWORD", Name: "db", Key: "password", Version: "2"},
		}
		return s
	}},
	{"endpoints", base, func() events.Spec {
		s := base()
		s.Endpoints = []events.Endpoint{
			{Name: "explain", Path: "/explain"},
			{Name: "predict", Path: "/v2/predict"},
		}
		return s
	}},
	{"pod_annotations", func() events.Spec {
		s := base()
		s.PodAnnotations = map[string]string{"prometheus.io/scrape": "true", "sidecar.istio.io/inject": "false"}
		return s
	}, func() events.Spec {
		s := base()
		s.PodAnnotations = map[string]string{"prometheus.io/scrape": "false", "prometheus.io/port": "9090", "team": "risk"}
		return s
	}},
	{"scaling_replaces_replicas", base, func() events.Spec {
		s := base()
		s.Replicas, s.Scaling = nil, &events.Scaling{Min: 2, Max: 10, TargetCPUPercent: 70}
		return s
	}},
	{"nested_and_lists", base, func() events.Spec {
		s := base()
		s.Command = []string{"python", "-m", "serve"}
		s.Readiness = &events.Probe{Path: "/healthz", PeriodSeconds: 5}
		s.Rollout = &events.Strategy{MaxSurge: "1", MaxUnavailable: "0"}
		s.Model = &events.ModelRef{Name: "fraud", Version: "7"}
		return s
	}},
	{"identical", base, base},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			changes := Diff(tc.from(), tc.to())
			js, err := json.MarshalIndent(changes, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".json", string(js)+"\n")
			golden(t, tc.name+".txt", Render(changes)+"\n")
		})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden (go test -update rewrites it)\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestNilAndEmptyAreEqual(t *testing.T) {
	a := events.Spec{Image: "i"}
	b := events.Spec{
		Image: "i", Command: []string{}, Endpoints: []events.Endpoint{}, Env: map[string]string{},
		Secrets: []events.SecretRef{}, PodAnnotations: map[string]string{}, Rollout: &events.Strategy{},
	}
	if got := Diff(a, b); len(got) != 0 {
		t.Fatalf("nil vs empty: %+v", got)
	}
	if got := Diff(b, a); got == nil || len(got) != 0 {
		t.Fatalf("want empty non-nil diff, got %#v", got)
	}
}

func TestListsAreWholeUnlessKeyed(t *testing.T) {
	a := events.Spec{Image: "i", Args: []string{"--a", "--b"}}
	b := events.Spec{Image: "i", Args: []string{"--b", "--a"}}
	got := Diff(a, b)
	if len(got) != 1 || got[0].Path != "spec.args" || got[0].Op != OpChanged {
		t.Fatalf("got %+v", got)
	}
	// Reordering a keyed list is no change.
	a.Secrets = []events.SecretRef{{Env: "A", Name: "s", Key: "a"}, {Env: "B", Name: "s", Key: "b"}}
	b.Args, b.Secrets = a.Args, []events.SecretRef{a.Secrets[1], a.Secrets[0]}
	if got := Diff(a, b); len(got) != 0 {
		t.Fatalf("reordered secrets: %+v", got)
	}
}

func TestDuplicateKeysCompareWhole(t *testing.T) {
	a := events.Spec{Image: "i", Endpoints: []events.Endpoint{{Name: "p", Path: "/a"}, {Name: "p", Path: "/b"}}}
	b := events.Spec{Image: "i", Endpoints: []events.Endpoint{{Name: "p", Path: "/a"}}}
	got := Diff(a, b)
	if len(got) != 1 || got[0].Path != "spec.endpoints" || got[0].Op != OpChanged {
		t.Fatalf("got %+v", got)
	}
}

func TestPathQuoting(t *testing.T) {
	a := events.Spec{Image: "i", Endpoints: []events.Endpoint{{Name: "v1/predict", Path: "/a"}}}
	b := events.Spec{Image: "i", Endpoints: []events.Endpoint{{Name: "v1/predict", Path: "/b"}},
		Env: map[string]string{"a.b": "1", "A-B_c": "2"}}
	var paths []string
	for _, c := range Diff(a, b) {
		paths = append(paths, c.Path)
	}
	want := []string{`spec.endpoints["v1/predict"].path`, `spec.env.A-B_c`, `spec.env["a.b"]`}
	if len(paths) != len(want) {
		t.Fatalf("paths %q, want %q", paths, want)
	}
	for i := range want {
		if paths[i] != want[i] {
			t.Fatalf("paths %q, want %q", paths, want)
		}
	}
}

func TestRenderEmpty(t *testing.T) {
	if got := Render(nil); got != "no changes" {
		t.Fatalf("got %q", got)
	}
}

// A create diffs against the zero spec: every field, the image too, is added.
func TestACreateAddsTheImage(t *testing.T) {
	got := Diff(events.Spec{}, events.Spec{Image: "i:1", Env: map[string]string{"EMPTY": ""}})
	want := []Change{{Path: "spec.env.EMPTY", Op: OpAdded, To: ""}, {Path: "spec.image", Op: OpAdded, To: "i:1"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	}
}
