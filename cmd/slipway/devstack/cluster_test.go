package devstack_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/localplane"
	"slipway.dev/testsupport/kubeplane"
)

// TestResolveCluster checks which cluster each mode picks with and without
// the local plane's binaries (SLIPWAY_KUBE_BIN points at a folder with or
// without them). Not parallel: it sets the environment.
func TestResolveCluster(t *testing.T) {
	withBins, without := t.TempDir(), t.TempDir()
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		if err := os.WriteFile(filepath.Join(withBins, b), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name       string
		mode       string
		kubeconfig string
		binaries   bool
		want       string
		wantErr    string // a fragment of the error; "" = no error
	}{
		{name: "empty keeps the old rule", mode: "", binaries: true, want: devstack.ClusterSimulated},
		{name: "empty with kubeconfig", mode: "", kubeconfig: "/k", binaries: true, want: devstack.ClusterKubeconfig},
		{name: "auto prefers kubeconfig", mode: "auto", kubeconfig: "/k", binaries: true, want: devstack.ClusterKubeconfig},
		{name: "auto picks local", mode: "auto", binaries: true, want: devstack.ClusterLocal},
		{name: "auto falls back to simulated", mode: "auto", want: devstack.ClusterSimulated},
		{name: "local", mode: "local", kubeconfig: "/k", binaries: true, want: devstack.ClusterLocal},
		{name: "local without binaries", mode: "local", wantErr: localplane.BuildCommand},
		{name: "simulated ignores kubeconfig", mode: "simulated", kubeconfig: "/k", binaries: true, want: devstack.ClusterSimulated},
		{name: "kubeconfig", mode: "kubeconfig", kubeconfig: "/k", want: devstack.ClusterKubeconfig},
		{name: "kubeconfig missing", mode: "kubeconfig", wantErr: "no kubeconfig"},
		{name: "unknown", mode: "remote", wantErr: `unknown cluster mode "remote"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := without
			if tt.binaries {
				bin = withBins
			}
			t.Setenv("SLIPWAY_KUBE_BIN", bin)
			got, err := devstack.ResolveCluster(devstack.Options{ClusterMode: tt.mode, Kubeconfig: tt.kubeconfig})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ResolveCluster: got %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ResolveCluster = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestAutoKeepsTheDataFoldersCluster: auto mode stays on the cluster a data
// folder was started with, so the local plane's binaries appearing later
// does not switch a folder whose histories name the simulated target (every
// rollout in flight failed TargetUnavailable after such a restart). Not
// parallel: it sets the environment.
func TestAutoKeepsTheDataFoldersCluster(t *testing.T) {
	withBins, without := t.TempDir(), t.TempDir()
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		if err := os.WriteFile(filepath.Join(withBins, b), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	folder := func(t *testing.T, files ...string) string {
		dir := t.TempDir()
		for _, f := range files {
			if strings.HasSuffix(f, "/") {
				if err := os.MkdirAll(filepath.Join(dir, f), 0o700); err != nil {
					t.Fatal(err)
				}
				continue
			}
			name, content, _ := strings.Cut(f, "=")
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	tests := []struct {
		name     string
		files    []string
		binaries bool
		want     string
		wantErr  string
	}{
		{name: "a new folder takes local", binaries: true, want: devstack.ClusterLocal},
		{name: "recorded simulated stays simulated", files: []string{"cluster=simulated\n"}, binaries: true, want: devstack.ClusterSimulated},
		{name: "a folder with events from before the record", files: []string{"nats/"}, binaries: true, want: devstack.ClusterSimulated},
		{name: "a folder with a local plane's data", files: []string{"nats/", "kube/"}, binaries: true, want: devstack.ClusterLocal},
		{name: "recorded local", files: []string{"cluster=local"}, binaries: true, want: devstack.ClusterLocal},
		{name: "recorded local without binaries", files: []string{"cluster=local"}, wantErr: "was started with the local cluster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := without
			if tt.binaries {
				bin = withBins
			}
			t.Setenv("SLIPWAY_KUBE_BIN", bin)
			got, err := devstack.ResolveCluster(devstack.Options{ClusterMode: devstack.ClusterAuto, DataDir: folder(t, tt.files...)})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ResolveCluster: got %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ResolveCluster = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestLocalCluster runs the stack on a local control plane: a deployment's
// pods run on the untainted KWOK node, and Close stops the plane.
func TestLocalCluster(t *testing.T) {
	kubeplane.SkipIfUnavailable(t)
	t.Parallel()
	s, api := start(t, devstack.Options{ClusterMode: devstack.ClusterLocal, Namespace: "models"})
	if s.Cluster != devstack.ClusterLocal || s.Simulated || !strings.HasPrefix(s.ClusterDescription, "local: a real Kubernetes control plane") {
		t.Fatalf("cluster %q simulated %t description %q", s.Cluster, s.Simulated, s.ClusterDescription)
	}
	resp := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("scorer", 2))
	if resp.Status != http.StatusOK || resp.JSON(t)["status"] != "succeeded" {
		t.Fatalf("create: %d %s", resp.Status, resp.Body)
	}
	pods, err := s.Target.Client.CoreV1().Pods("models").List(t.Context(), metav1.ListOptions{
		LabelSelector: kube.LabelDeployment + "=scorer"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 2 {
		t.Fatalf("%d pods, want 2", len(pods.Items))
	}
	for _, p := range pods.Items {
		if p.Spec.NodeName != localplane.NodeName || !kubeplane.PodReady(&p) {
			t.Errorf("pod %s: node %q ready %t", p.Name, p.Spec.NodeName, kubeplane.PodReady(&p))
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := s.Target.Client.CoreV1().Namespaces().Get(t.Context(), "models", metav1.GetOptions{}); err == nil {
		t.Error("the plane still answers after Close")
	}
}
