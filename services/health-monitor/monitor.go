// Package monitor is the health monitor: it watches the Deployments Slipway
// manages in every target, with their pods and their Services' endpoints,
// samples each deployment's health every interval, and publishes
// HealthChanged when an N-of-M window settles on a new health.
package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/labels"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/health-monitor/internal/health"
)

// Run watches until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("health-monitor config: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	targets, err := connectTargets(cfg)
	if err != nil {
		return err
	}
	conn, err := bus.Connect(ctx, cfg.NATSURL, "slipway-health-monitor", bus.WithReplicas(cfg.StreamReplicas))
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.EnsureTopology(ctx); err != nil {
		return err
	}
	m, err := newMonitor(cfg, log, busJournal{bus: conn}, targets.All())
	if err != nil {
		return err
	}
	stop := m.start(ctx)
	defer stop()
	changes, err := m.followTargets(ctx, conn, targets, cfg.Connector)
	if err != nil {
		return err
	}
	log.InfoContext(ctx, "health monitor started", "targets", len(m.caches), "window", cfg.window().String(),
		"interval", cfg.interval().String(), "probe", m.prober != nil)
	tick := time.NewTicker(cfg.interval())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			log.Info("health monitor stopped")
			return nil
		case <-tick.C:
			m.evaluate(ctx)
		case ch := <-changes:
			m.applyChange(ctx, ch)
		}
	}
}

func connectTargets(cfg Config) (*kube.Targets, error) {
	if cfg.Targets != nil {
		return cfg.Targets.Clone(), nil // registrations change this monitor's set only
	}
	var ts []*kube.Target
	for _, tc := range cfg.TargetConfigs {
		t, err := kube.Connect(tc)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return kube.NewTargets(ts...)
}

// monitor samples the deployments of its caches. evaluate is not safe for
// concurrent use; Run calls it from one goroutine.
//
// A sample costs what changed: a deployment is evaluated when its informer
// objects (Deployment, Pods, EndpointSlices) or its probe result changed
// (dirty), or while its window is not settled (pending); a settled
// deployment nothing happened to is not evaluated. Every deployment is
// evaluated at the first sample and after the targets changed (full).
type monitor struct {
	log     *slog.Logger
	journal journal
	window  Window
	caches  []*caches
	prober  *prober // nil: probing off
	tracked map[string]*tracked
	dirty   *dirtySet
	pending map[string]bool
	full    bool
	// evaluations counts the deployments classified (what a sample cost).
	evaluations int
	// registered stops the informers of each target registered through the API.
	registered map[string]context.CancelFunc
}

// tracked is what the monitor remembers of one deployment between samples.
type tracked struct {
	window *health.Window
	// seeded: the window knows what the history last published.
	seeded bool
	// restarts are the pods' restart counts at the previous sample.
	restarts map[string]int32
}

func newMonitor(cfg Config, log *slog.Logger, j journal, targets []*kube.Target) (*monitor, error) {
	m := &monitor{log: log, journal: j, window: cfg.window(), tracked: map[string]*tracked{}, dirty: newDirtySet(),
		pending: map[string]bool{}, full: true}
	if _, err := health.NewWindow(m.window.N, m.window.M); err != nil {
		return nil, err
	}
	for _, t := range targets {
		c, err := newCaches(t, m.dirty)
		if err != nil {
			return nil, fmt.Errorf("informers of target %s: %w", t.Name, err)
		}
		m.caches = append(m.caches, c)
	}
	if cfg.ProbeMode == ProbeInCluster {
		m.prober = newProber(cfg.ProbeURL, 3*(cfg.interval()+probeTimeout), m.dirty)
	}
	return m, nil
}

// start starts the informers and prober and waits for the caches to fill;
// the returned func waits for them to stop once ctx ended.
func (m *monitor) start(ctx context.Context) (wait func()) {
	waitProber := func() {}
	if m.prober != nil {
		waitProber = m.prober.start(ctx)
	}
	for _, c := range m.caches {
		if !c.start(ctx.Done()) {
			m.log.WarnContext(ctx, "informer caches not synced", "target", c.target.Name)
		}
	}
	return func() {
		for _, c := range m.caches {
			c.shutdown()
		}
		waitProber()
	}
}

// evaluate samples the deployments that may have changed (all of them on a
// full sample) and publishes the transitions that are due.
func (m *monitor) evaluate(ctx context.Context) {
	now := time.Now()
	ids := m.dirty.take()
	if m.full {
		m.evaluateAll(ctx, now)
		m.full = false
		return
	}
	for id := range m.pending {
		ids[id] = true
	}
	clear(m.pending)
	for id := range ids {
		m.evaluateOne(ctx, id, now)
	}
	m.requestProbes(now)
}

// evaluateAll samples every watched deployment once and forgets those no
// longer watched.
func (m *monitor) evaluateAll(ctx context.Context, now time.Time) {
	seen := make(map[string]bool, len(m.tracked))
	clear(m.pending)
	for _, c := range m.caches {
		deps, err := c.deployments.List(labels.Everything())
		if err != nil {
			m.log.WarnContext(ctx, "list deployments", "target", c.target.Name, "err", err)
			continue
		}
		for _, d := range deps {
			ref, ok := refOf(d)
			if !ok {
				continue
			}
			seen[ref.String()] = true
			m.sampleOne(ctx, c, d, ref, now)
		}
	}
	for id := range m.tracked {
		if !seen[id] {
			delete(m.tracked, id)
		}
	}
	if m.prober != nil {
		m.prober.retain(seen)
	}
}

// evaluateOne samples deployment id, or forgets it when no cache holds it.
func (m *monitor) evaluateOne(ctx context.Context, id string, now time.Time) {
	for _, c := range m.caches {
		if d := c.deployment(id); d != nil {
			ref, _ := refOf(d)
			m.sampleOne(ctx, c, d, ref, now)
			return
		}
	}
	delete(m.tracked, id)
	if m.prober != nil {
		m.prober.forget(id)
	}
}

// sampleOne samples Deployment d of caches c and keeps it pending while its
// window is not settled.
func (m *monitor) sampleOne(ctx context.Context, c *caches, d *appsv1.Deployment, ref events.DeploymentRef, now time.Time) {
	id := ref.String()
	tr := m.track(id)
	m.evaluations++
	m.observe(ctx, ref, tr, health.Classify(m.sample(c, d, id, tr, now)))
	if !tr.window.Settled() {
		m.pending[id] = true
	}
}

// requestProbes asks for the next probe of every watched deployment with
// available replicas: probing is periodic, not driven by object changes. A
// result that differs from the last marks its deployment dirty, and so does
// one that expired.
func (m *monitor) requestProbes(now time.Time) {
	if m.prober == nil {
		return
	}
	for _, c := range m.caches {
		deps, _ := c.deployments.List(labels.Everything())
		for _, d := range deps {
			ref, ok := refOf(d)
			if !ok {
				continue
			}
			if m.prober.expire(ref.String(), now) {
				m.dirty.mark(ref.String())
			}
			if d.Status.AvailableReplicas > 0 {
				m.prober.request(ref.String(), d)
			}
		}
	}
}

// track returns what the monitor remembers of deployment id, new if
// nothing yet.
func (m *monitor) track(id string) *tracked {
	tr := m.tracked[id]
	if tr == nil {
		w, _ := health.NewWindow(m.window.N, m.window.M) // checked by newMonitor
		tr = &tracked{window: w}
		m.tracked[id] = tr
	}
	return tr
}

// sample gathers what is known of Deployment d of caches c now, and asks
// for the next probe of it.
func (m *monitor) sample(c *caches, d *appsv1.Deployment, id string, tr *tracked, now time.Time) health.Sample {
	s := health.Sample{Deployment: d, Endpoints: health.SummarizeEndpoints(c.slicesOf(d))}
	s.Pods, tr.restarts = health.SummarizePods(c.podsOf(d), tr.restarts)
	if m.prober != nil && d.Status.AvailableReplicas > 0 {
		m.prober.request(id, d)
		s.Probe = m.prober.result(id, now)
	}
	return s
}

// observe feeds a status to the deployment's window and publishes the
// transition it makes due. A failed publish stays due and is tried again at
// the next evaluation.
func (m *monitor) observe(ctx context.Context, ref events.DeploymentRef, tr *tracked, s health.Status) {
	tr.window.Observe(s.Key())
	from, to, due := tr.window.Due()
	if !due {
		return
	}
	if !tr.seeded {
		// First transition since the monitor started: do not report again
		// what the history already says.
		last, err := m.journal.LastHealth(ctx, ref)
		if err != nil {
			m.log.WarnContext(ctx, "read health history", "deployment", ref.String(), "err", err)
			return
		}
		tr.seeded = true
		if last.Revision == 0 && last.State == to.State && last.Reason == to.Reason {
			last = to // recorded before HealthChanged carried revisions
		}
		tr.window.Published(last)
		if from, to, due = tr.window.Due(); !due {
			return
		}
	}
	ev := s.Event(from.State)
	if err := m.journal.Append(ctx, ref, ev); err != nil {
		m.log.WarnContext(ctx, "publish health", "deployment", ref.String(), "err", err)
		return
	}
	tr.window.Published(to)
	m.log.InfoContext(ctx, "health changed", "deployment", ref.String(), "from", ev.From, "to", ev.To,
		"reason", ev.Reason, "revision", ev.Revision, "message", ev.Message)
}

func refOf(d *appsv1.Deployment) (events.DeploymentRef, bool) { return refOfLabels(d.Labels) }

func refOfLabels(l map[string]string) (events.DeploymentRef, bool) {
	ref := events.DeploymentRef{Owner: l[kube.LabelOwner], Project: l[kube.LabelProject], Name: l[kube.LabelDeployment]}
	return ref, ref.Owner != "" && ref.Project != "" && ref.Name != ""
}
