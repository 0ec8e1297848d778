package kube

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"slipway.dev/pkg/events"
)

// exhausted is a rate limiter with no tokens left for a long while: what a
// target's work client looks like while a fleet's thousand rollouts queue
// on it.
type exhausted struct{}

func (exhausted) TryAccept() bool { return false }
func (exhausted) Accept()         { select {} }
func (exhausted) Stop()           {}
func (exhausted) QPS() float32    { return 50 }
func (exhausted) Wait(context.Context) error {
	return errors.New("rate: Wait(n=1) would exceed context deadline")
}

func versionServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/version" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"gitVersion":"v1.37.2"}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestAProbeDoesNotQueueBehindTheWorkClient: a probe through the work
// client's exhausted limiter fails as the fleet benchmark saw ("rate:
// Wait…", a target called unreachable while it answered), and the probe
// client, built from the same config, has a limiter of its own.
func TestAProbeDoesNotQueueBehindTheWorkClient(t *testing.T) {
	rc := &rest.Config{Host: versionServer(t).URL, RateLimiter: exhausted{}}
	work, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Probe(t.Context(), work); err == nil || !strings.Contains(err.Error(), "rate") {
		t.Fatalf("probe through the exhausted limiter: %v, want its rate error", err)
	}
	prober, err := kubernetes.NewForConfig(probeConfig(rc))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := Probe(t.Context(), prober); err != nil || v != "v1.37.2" {
		t.Fatalf("probe client: %q, %v; want v1.37.2", v, err)
	}
	if rc.RateLimiter == nil || rc.QPS != 0 {
		t.Error("probeConfig changed the work client's config")
	}
}

// TestTargetsHaveAProbeClient: both ways of connecting a real target give
// it a probe client apart from its work client.
func TestTargetsHaveAProbeClient(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(file, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	configured, err := Connect(TargetConfig{Name: "near", Namespace: "models", Kubeconfig: file})
	if err != nil {
		t.Fatal(err)
	}
	registered, err := Connector{}.Connect(t.Context(), events.TargetSpec{Name: "far", Namespace: "models",
		BaseURL: "https://far.example", Connection: events.TargetConnection{KubeconfigFile: file}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range []*Target{configured, registered} {
		if tg.ProbeClient == nil || tg.ProbeClient == tg.Client {
			t.Errorf("target %s: probe client %v, work client %v", tg.Name, tg.ProbeClient, tg.Client)
		}
	}
}

// TestATargetsAPIRate: a configured target's clients send at its apiQPS
// (default 50), its probes at their own small rate; a negative rate is
// refused.
func TestATargetsAPIRate(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(file, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	rate := func(c kubernetes.Interface) float32 {
		return c.(*kubernetes.Clientset).CoreV1().RESTClient().GetRateLimiter().QPS()
	}
	for _, tc := range []struct {
		name    string
		qps     float32
		burst   int
		want    float32
		wantErr bool
	}{
		{name: "default", want: DefaultAPIQPS},
		{name: "raised for a large fleet", qps: 300, want: 300},
		{name: "negative rate", qps: -1, wantErr: true},
		{name: "negative burst", burst: -1, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := Connect(TargetConfig{Name: "near", Namespace: "models", Kubeconfig: file, APIQPS: tc.qps, APIBurst: tc.burst})
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "apiQPS") {
					t.Fatalf("err = %v, want a refusal naming apiQPS", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := rate(tg.Client); got != tc.want {
				t.Errorf("work client at %v/s, want %v", got, tc.want)
			}
			if got := rate(tg.ProbeClient); got != 5 {
				t.Errorf("probe client at %v/s, want 5", got)
			}
		})
	}
}
