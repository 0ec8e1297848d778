// Package monitor is the health monitor: it watches the Deployments Slipway
// manages in every target and publishes HealthChanged on settled transitions.
package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	appslisters "k8s.io/client-go/listers/apps/v1"

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
	targets := cfg.Targets
	if targets == nil {
		var ts []*kube.Target
		for _, tc := range cfg.TargetConfigs {
			t, err := kube.Connect(tc)
			if err != nil {
				return err
			}
			ts = append(ts, t)
		}
		var err error
		if targets, err = kube.NewTargets(ts...); err != nil {
			return err
		}
	}
	conn, err := bus.Connect(ctx, cfg.NATSURL, "slipway-health-monitor")
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.EnsureTopology(ctx); err != nil {
		return err
	}
	interval := cfg.Interval
	if interval <= 0 {
		interval = time.Second
	}
	m := &monitor{bus: conn, log: log, settle: cfg.Settle, tracked: map[string]*tracked{}}
	for _, t := range targets.All() {
		m.listers = append(m.listers, watchTarget(ctx, t))
	}
	log.InfoContext(ctx, "health monitor started", "targets", len(m.listers))
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			log.Info("health monitor stopped")
			return nil
		case <-tick.C:
			m.evaluate(ctx, time.Now())
		}
	}
}

// watchTarget starts a shared informer on the target's Slipway Deployments.
func watchTarget(ctx context.Context, t *kube.Target) appslisters.DeploymentLister {
	selector := labels.SelectorFromSet(labels.Set{kube.LabelManagedBy: kube.ManagedByValue}).String()
	factory := informers.NewSharedInformerFactoryWithOptions(t.Client, 10*time.Minute,
		informers.WithNamespace(t.Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = selector }))
	lister := factory.Apps().V1().Deployments().Lister()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return lister
}

type tracked struct {
	ref events.DeploymentRef
	deb health.Debouncer
}

type monitor struct {
	bus     *bus.Conn
	log     *slog.Logger
	settle  time.Duration
	listers []appslisters.DeploymentLister
	tracked map[string]*tracked
}

// evaluate classifies every watched Deployment and publishes settled transitions.
func (m *monitor) evaluate(ctx context.Context, now time.Time) {
	seen := map[string]bool{}
	for _, l := range m.listers {
		deps, err := l.List(labels.Everything())
		if err != nil {
			continue
		}
		for _, d := range deps {
			ref, ok := refOf(d)
			if !ok {
				continue
			}
			seen[ref.String()] = true
			m.observe(ctx, ref, health.Evaluate(d), now)
		}
	}
	for id := range m.tracked {
		if !seen[id] {
			delete(m.tracked, id)
		}
	}
}

func (m *monitor) observe(ctx context.Context, ref events.DeploymentRef, s health.Status, now time.Time) {
	tr, ok := m.tracked[ref.String()]
	if !ok {
		tr = &tracked{ref: ref, deb: health.Debouncer{Settle: m.settle}}
		last, err := m.lastHealth(ctx, ref)
		if err != nil {
			m.log.WarnContext(ctx, "read health history", "deployment", ref.String(), "err", err)
			return
		}
		tr.deb.Known(last)
		m.tracked[ref.String()] = tr
	}
	from, changed := tr.deb.Observe(s.State, now)
	if !changed {
		return
	}
	ev := events.HealthChanged{From: from, To: s.State, Reason: s.Reason, Message: s.Message, Replicas: s.Replicas}
	if err := m.publish(ctx, ref, ev); err != nil {
		m.log.WarnContext(ctx, "publish health", "deployment", ref.String(), "err", err)
		tr.deb.Known(from) // publish again at the next evaluation
		return
	}
	m.log.InfoContext(ctx, "health changed", "deployment", ref.String(), "from", from, "to", s.State, "reason", s.Reason)
}

// lastHealth is the last state published for the deployment, so a restarted
// monitor does not report a transition that was already reported.
func (m *monitor) lastHealth(ctx context.Context, ref events.DeploymentRef) (string, error) {
	records, _, err := m.bus.History(ctx, events.DeploymentSubject(ref))
	if err != nil {
		return "", err
	}
	for i := len(records) - 1; i >= 0; i-- {
		if h, ok := records[i].Message.(events.HealthChanged); ok {
			return h.To, nil
		}
	}
	return "", nil
}

func (m *monitor) publish(ctx context.Context, ref events.DeploymentRef, ev events.HealthChanged) error {
	subject := events.DeploymentSubject(ref)
	for attempt := 0; attempt < 10; attempt++ {
		last, err := m.bus.LastSeq(ctx, subject)
		if err != nil {
			return err
		}
		if last == 0 {
			return nil // not created through Slipway (yet): nothing to report on
		}
		env, err := events.Wrap(ev, events.Meta{ID: fmt.Sprintf("%s/health/%d", ref, last), Source: "/slipway/health-monitor",
			Subject: ref.String(), Time: time.Now().UTC(), Actor: "system:health-monitor"})
		if err != nil {
			return err
		}
		_, err = m.bus.Append(ctx, subject, env, last)
		if !errors.Is(err, bus.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("publish health of %s: conflicting appends", ref)
}

func refOf(d *appsv1.Deployment) (events.DeploymentRef, bool) {
	ref := events.DeploymentRef{Owner: d.Labels[kube.LabelOwner], Project: d.Labels[kube.LabelProject], Name: d.Labels[kube.LabelDeployment]}
	return ref, ref.Owner != "" && ref.Project != "" && ref.Name != ""
}
