package kube

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"slipway.dev/pkg/events"
)

const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: "s3cr3t-token"}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`

func TestConnectorResolvesReferences(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(file, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("s3cr3t-token: [unterminated"), 0o600); err != nil {
		t.Fatal(err)
	}
	home := fake.NewClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "slipway", Name: "kc"},
		Data: map[string][]byte{"config": []byte(kubeconfig)}})
	sel := func(key string) *events.SecretKeySelector {
		return &events.SecretKeySelector{Namespace: "slipway", Name: "kc", Key: key}
	}
	tests := []struct {
		name    string
		home    bool
		conn    events.TargetConnection
		wantErr error
	}{
		{"file", false, events.TargetConnection{KubeconfigFile: file}, nil},
		{"missing file", false, events.TargetConnection{KubeconfigFile: filepath.Join(dir, "nope")}, ErrBadKubeconfig},
		{"garbage file", false, events.TargetConnection{KubeconfigFile: garbage}, ErrBadKubeconfig},
		{"secret", true, events.TargetConnection{KubeconfigSecret: sel("config")}, nil},
		{"secret without the key", true, events.TargetConnection{KubeconfigSecret: sel("other")}, ErrBadKubeconfig},
		{"secret without a home", false, events.TargetConnection{KubeconfigSecret: sel("config")}, ErrNoHomeCluster},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Connector{}
			if tt.home {
				c.Home = home
			}
			spec := events.TargetSpec{Name: "far", Namespace: "models", BaseURL: "https://far.example",
				InstanceTypes: map[string]events.InstanceType{"small": {CPU: "1", Memory: "1Gi"}}, Connection: tt.conn,
				Routing: &events.Routing{Ingress: &events.IngressRouting{ClassName: "nginx"}}}
			tgt, err := c.Connect(t.Context(), spec)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Fatalf("error leaks the kubeconfig: %v", err)
				}
				return
			}
			if !tgt.Registered || tgt.Namespace != "models" || tgt.InstanceTypes["small"].CPU != "1" ||
				tgt.Routing.EffectiveKind() != events.RoutingIngress || tgt.Dynamic == nil {
				t.Fatalf("target: %+v", tgt)
			}
			// The address is unreachable: the probe says so, quickly and without secrets.
			_, perr := Probe(t.Context(), tgt.Client)
			if perr == nil || strings.Contains(perr.Error(), "s3cr3t") {
				t.Fatalf("probe of an unreachable target: %v", perr)
			}
		})
	}
}

func TestProbeOfAFakeClusterAnswers(t *testing.T) {
	if _, err := Probe(t.Context(), fake.NewClientset()); err != nil {
		t.Fatal(err)
	}
}

func TestRegisteredTargetsComeAndGoButConfiguredStay(t *testing.T) {
	ts, err := NewTargets(&Target{TargetConfig: TargetConfig{Name: "home"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Put(&Target{TargetConfig: TargetConfig{Name: "home"}}); !errors.Is(err, ErrConfiguredTarget) {
		t.Fatalf("replacing a configured target: %v", err)
	}
	if err := ts.Put(&Target{TargetConfig: TargetConfig{Name: "far"}}); err != nil {
		t.Fatal(err)
	}
	clone := ts.Clone()
	if !ts.Remove("far") || ts.Remove("home") || ts.Remove("far") {
		t.Fatal("Remove must drop registered targets only, once")
	}
	if _, ok := clone.Get("far"); !ok {
		t.Fatal("a clone changes independently")
	}
	if !ts.Configured("home") || clone.Configured("far") {
		t.Fatal("Configured")
	}
}
