package monitor

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"slipway.dev/services/health-monitor/internal/health"
)

// Probe limits.
const (
	probeTimeout = 2 * time.Second
	probeWorkers = 16   // HTTP requests in flight at once, across all targets
	probeQueue   = 1024 // probes waiting for a worker; more are skipped until the next interval
)

// prober probes deployments' readiness paths over HTTP in the background,
// so evaluation never waits on the network: request queues a probe unless
// one of the deployment is already queued or running (so each deployment is
// probed at most once per evaluation interval), a fixed pool of workers runs
// them, and result returns the latest outcome while it is fresh.
type prober struct {
	client *http.Client
	url    func(namespace, service, path string) string
	jobs   chan probeJob
	maxAge time.Duration
	// dirty is marked with a deployment whose probe result changed (nil: not marked).
	dirty *dirtySet

	mu      sync.Mutex
	pending map[string]bool
	results map[string]probeOutcome
}

type probeJob struct{ id, url string }

type probeOutcome struct {
	result health.ProbeResult
	at     time.Time
}

// newProber returns a prober whose results are ignored once older than
// maxAge. url builds a Service's URL; nil means in-cluster DNS. A result
// that differs from the previous one of its deployment marks it in dirty.
func newProber(url func(namespace, service, path string) string, maxAge time.Duration, dirty *dirtySet) *prober {
	if url == nil {
		url = inClusterURL
	}
	// Like the kubelet's probes: no proxy, and no keep-alive, as each target
	// is probed only once per interval.
	transport := &http.Transport{DisableKeepAlives: true}
	return &prober{client: &http.Client{Timeout: probeTimeout, Transport: transport}, url: url,
		jobs: make(chan probeJob, probeQueue), maxAge: maxAge, dirty: dirty, pending: map[string]bool{}, results: map[string]probeOutcome{}}
}

// inClusterURL is http://<service>.<namespace>.svc.cluster.local<path>.
func inClusterURL(namespace, service, path string) string {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return "http://" + service + "." + namespace + ".svc.cluster.local" + path
}

// start runs the workers until ctx ends; the returned func waits for them.
func (p *prober) start(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for range probeWorkers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-p.jobs:
					r := p.probe(ctx, j.url)
					p.mu.Lock()
					delete(p.pending, j.id)
					prev, had := p.results[j.id]
					p.results[j.id] = probeOutcome{result: r, at: time.Now()}
					p.mu.Unlock()
					if (!had || prev.result != r) && p.dirty != nil {
						p.dirty.mark(j.id)
					}
				}
			}
		})
	}
	return wg.Wait
}

// request queues a probe of d's readiness path for deployment id, unless d
// has no HTTP readiness probe, a probe of id is pending, or the queue is full.
func (p *prober) request(id string, d *appsv1.Deployment) {
	path := readinessPath(d)
	if path == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending[id] {
		return
	}
	select {
	case p.jobs <- probeJob{id: id, url: p.url(d.Namespace, d.Name, path)}:
		p.pending[id] = true
	default: // saturated: try again at the next interval
	}
}

// result is the latest fresh outcome for deployment id; nil when none.
func (p *prober) result(id string, now time.Time) *health.ProbeResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.results[id]
	if !ok || now.Sub(o.at) > p.maxAge {
		return nil
	}
	r := o.result
	return &r
}

// expire forgets the result of deployment id once it is older than maxAge
// and reports whether it did: the deployment's health then changes (no
// probe result), and its next result counts as a change.
func (p *prober) expire(id string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.results[id]
	if !ok || now.Sub(o.at) <= p.maxAge {
		return false
	}
	delete(p.results, id)
	return true
}

// forget drops the result of deployment id.
func (p *prober) forget(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.results, id)
}

// retain forgets the results of deployments not in ids.
func (p *prober) retain(ids map[string]bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id := range p.results {
		if !ids[id] {
			delete(p.results, id)
		}
	}
}

// probe GETs url once: a status from 200 to 399 passes, like the kubelet's
// HTTP probes.
func (p *prober) probe(ctx context.Context, url string) health.ProbeResult {
	fail := func(format string, args ...any) health.ProbeResult {
		return health.ProbeResult{Requests: 1, Failures: 1, Detail: fmt.Sprintf(format, args...)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fail("%v", err)
	}
	req.Header.Set("User-Agent", "slipway-health-monitor")
	resp, err := p.client.Do(req)
	if err != nil {
		return fail("%v", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fail("GET %s: %s", url, resp.Status)
	}
	return health.ProbeResult{Requests: 1}
}

// readinessPath is the path of the first HTTP readiness probe of d's pod
// template; "" when it has none.
func readinessPath(d *appsv1.Deployment) string {
	for _, c := range d.Spec.Template.Spec.Containers {
		if p := c.ReadinessProbe; p != nil && p.HTTPGet != nil && p.HTTPGet.Path != "" {
			return p.HTTPGet.Path
		}
	}
	return ""
}
