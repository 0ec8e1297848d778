package monitor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"slipway.dev/pkg/events"
)

// TestProbeFailingMakesUnavailable points the in-cluster prober at a local
// server standing in for the Service: while the readiness path answers 503
// the deployment is Unavailable/ProbeFailing although Kubernetes reports it
// available, and Healthy again once it answers 200.
func TestProbeFailingMakesUnavailable(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusServiceUnavailable)
	var paths atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths.Store(r.URL.Path)
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	var resolved atomic.Value
	url := func(namespace, service, path string) string {
		resolved.Store(inClusterURL(namespace, service, path))
		return srv.URL + path
	}

	d := healthy(deployment(scorer, "1", 2, nil))
	target, _ := fakeTarget(append(readyPods(d, 2), d)...)
	rec := newRecorder()
	m := startMonitor(t, Config{Window: Window{N: 2, M: 3}, ProbeMode: ProbeInCluster, ProbeURL: url}, rec, target)

	evaluateUntil(t, m, "Unavailable/ProbeFailing", func() bool {
		h, ok := lastEvent(rec, scorer)
		return ok && h.To == events.HealthUnavailable && h.Reason == events.ReasonProbeFailing
	})
	if h, _ := lastEvent(rec, scorer); !strings.Contains(h.Message, "503") {
		t.Errorf("message %q does not say why", h.Message)
	}
	if got, want := resolved.Load(), "http://"+d.Name+"."+testNamespace+".svc.cluster.local/ready"; got != want {
		t.Errorf("in-cluster URL %v, want %s", got, want)
	}
	if got := paths.Load(); got != "/ready" {
		t.Errorf("probed path %v, want the readiness probe's /ready", got)
	}
	status.Store(http.StatusOK)
	evaluateUntil(t, m, "Healthy", func() bool {
		h, ok := lastEvent(rec, scorer)
		return ok && h.To == events.HealthHealthy
	})
}

func TestProberProbesOncePerDeploymentAtATime(t *testing.T) {
	release := make(chan struct{})
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		<-release
	}))
	defer srv.Close()
	p := newProber(func(_, _, path string) string { return srv.URL + path }, time.Minute, nil)
	ctx, cancel := context.WithCancel(context.Background())
	wait := p.start(ctx)
	defer func() { cancel(); wait() }()

	d := healthy(deployment(scorer, "1", 1, nil))
	for range 5 {
		p.request("acme/fraud/scorer", d)
	}
	deadline := time.Now().Add(30 * time.Second)
	for requests.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if p.result("acme/fraud/scorer", time.Now()) != nil {
		t.Fatal("a result before the probe answered")
	}
	close(release)
	for p.result("acme/fraud/scorer", time.Now()) == nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	r := p.result("acme/fraud/scorer", time.Now())
	if r == nil || r.Requests != 1 || r.Failures != 0 {
		t.Fatalf("result %+v", r)
	}
	if n := requests.Load(); n != 1 {
		t.Fatalf("%d requests for one pending probe", n)
	}
	if p.result("acme/fraud/scorer", time.Now().Add(2*time.Minute)) != nil {
		t.Fatal("a stale result is used")
	}
	p.retain(map[string]bool{})
	if p.result("acme/fraud/scorer", time.Now()) != nil {
		t.Fatal("the result of a forgotten deployment is kept")
	}
}

func TestNoProbeWithoutReadinessPath(t *testing.T) {
	p := newProber(nil, time.Minute, nil)
	d := healthy(deployment(scorer, "1", 1, nil))
	d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
	p.request("acme/fraud/scorer", d)
	if len(p.jobs) != 0 {
		t.Fatal("queued a probe of a deployment without a readiness path")
	}
}
