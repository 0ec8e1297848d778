package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/simcluster"
)

// TestMonitorOnSimulatedCluster runs the monitor against a simulated cluster
// and embedded JetStream: a good rollout goes Progressing -> Healthy, a
// rollout whose new pods crash-loop is Degraded with reason CrashLoopBackOff
// naming their template revision, and a deployment that crash-loops from the
// start is Unavailable with that reason.
func TestMonitorOnSimulatedCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	nats, err := embedded.StartNATS(t.TempDir(), "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer nats.Close()
	conn, err := bus.Connect(ctx, nats.URL(), "health-monitor-test")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.EnsureTopology(ctx); err != nil {
		t.Fatal(err)
	}

	// The simulated controllers step only when the test calls Sync.
	sim := simcluster.New(simcluster.Options{ReadyAfter: 2})
	target := &kube.Target{TargetConfig: kube.TargetConfig{Name: "sim", Namespace: testNamespace}, Simulated: true, Client: sim.Client()}
	targets, err := kube.NewTargets(target)
	if err != nil {
		t.Fatal(err)
	}
	good := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	broken := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "broken"}
	crash := map[string]string{simcluster.AnnotationCrashLoop: "true"}
	deps := sim.Client().AppsV1().Deployments(testNamespace)
	for _, c := range []struct {
		ref         events.DeploymentRef
		annotations map[string]string
	}{{good, nil}, {broken, crash}} {
		appendCreated(t, ctx, conn, c.ref)
		if _, err := deps.Create(ctx, deployment(c.ref, "1", 2, c.annotations), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- Run(runCtx, Config{NATSURL: nats.URL(), Targets: targets, Interval: 20 * time.Millisecond, Window: Window{N: 3, M: 5},
			Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	}()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("monitor: %v", err)
		}
	}()

	// Nothing has run yet: both rollouts are in progress.
	waitHealth(t, ctx, conn, sim, false, good, "Progressing", func(h events.HealthChanged) bool {
		return h.To == events.HealthProgressing
	})
	waitHealth(t, ctx, conn, sim, true, good, "Healthy at revision 1", func(h events.HealthChanged) bool {
		return h.To == events.HealthHealthy && h.Revision == 1
	})
	got := waitHealth(t, ctx, conn, sim, true, broken, "Unavailable/CrashLoopBackOff at revision 1", func(h events.HealthChanged) bool {
		return h.Reason == events.ReasonCrashLoopBackOff
	})
	if got.To != events.HealthUnavailable || got.Revision != 1 || got.Pods == nil || got.Pods.CrashLooping != 2 {
		t.Errorf("broken from the start: %+v", got)
	}

	// Revision 2 of the good deployment crash-loops; maxUnavailable 0 keeps
	// the two pods of revision 1 running beside the one new pod.
	d, err := deps.Get(ctx, kube.ObjectName(good.Owner, good.Project, good.Name), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	next := deployment(good, "2", 2, crash)
	d.Labels, d.Spec.Template = next.Labels, next.Spec.Template
	if _, err := deps.Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	got = waitHealth(t, ctx, conn, sim, true, good, "Degraded/CrashLoopBackOff at revision 2", func(h events.HealthChanged) bool {
		return h.Reason == events.ReasonCrashLoopBackOff
	})
	if got.To != events.HealthDegraded || got.Revision != 2 || got.Pods == nil || got.Pods.CrashLooping != 1 || got.Pods.Total != 3 ||
		!strings.HasPrefix(got.Message, "CrashLoopBackOff on 1/3 pods (template revision 2)") {
		t.Errorf("crash-looping rollout: %+v", got)
	}

	// Every event is a transition: no key repeats back to back, and the
	// good deployment's history reads Progressing ... Healthy ... Degraded.
	for _, ref := range []events.DeploymentRef{good, broken} {
		hs := healthHistory(t, ctx, conn, ref)
		var states []string
		for i, h := range hs {
			states = append(states, fmt.Sprintf("%s/%s@%d", h.To, h.Reason, h.Revision))
			if i > 0 && h.To == hs[i-1].To && h.Reason == hs[i-1].Reason && h.Revision == hs[i-1].Revision {
				t.Errorf("%s: event %d repeats %s", ref, i, states[i])
			}
			if i > 0 && h.From != hs[i-1].To {
				t.Errorf("%s: event %d is from %s, the previous went to %s", ref, i, h.From, hs[i-1].To)
			}
		}
		t.Logf("%s: %s", ref, strings.Join(states, " -> "))
	}
}

// waitHealth waits until the latest HealthChanged of ref satisfies ok and
// returns it; with sync it steps the simulated cluster while waiting.
func waitHealth(t *testing.T, ctx context.Context, conn *bus.Conn, sim *simcluster.Cluster, sync bool,
	ref events.DeploymentRef, what string, ok func(events.HealthChanged) bool) events.HealthChanged {
	t.Helper()
	for {
		if hs := healthHistory(t, ctx, conn, ref); len(hs) > 0 && ok(hs[len(hs)-1]) {
			return hs[len(hs)-1]
		}
		if sync {
			if err := sim.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: no HealthChanged to %s; history: %+v", ref, what, healthHistory(t, context.Background(), conn, ref))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func healthHistory(t *testing.T, ctx context.Context, conn *bus.Conn, ref events.DeploymentRef) []events.HealthChanged {
	t.Helper()
	records, _, err := conn.History(ctx, events.DeploymentSubject(ref))
	if err != nil {
		t.Fatal(err)
	}
	var out []events.HealthChanged
	for _, r := range records {
		if h, ok := r.Message.(events.HealthChanged); ok {
			out = append(out, h)
		}
	}
	return out
}

// appendCreated starts ref's history, as the rollout worker does: the
// monitor only reports on deployments created through Slipway.
func appendCreated(t *testing.T, ctx context.Context, conn *bus.Conn, ref events.DeploymentRef) {
	t.Helper()
	replicas := int32(2)
	ev := events.DeploymentCreated{Deployment: ref, Environment: "test",
		Target: events.TargetInfo{Name: "sim", Namespace: testNamespace, BaseURL: "http://sim.test",
			ObjectName: kube.ObjectName(ref.Owner, ref.Project, ref.Name), Simulated: true},
		Revision: events.Revision{Number: 1, Cause: events.CauseCreated, Spec: events.Spec{Image: "ghcr.io/acme/scorer:1.0", Replicas: &replicas}}}
	env, err := events.Wrap(ev, events.Meta{ID: ref.String() + "/created", Source: "/slipway/test", Subject: ref.String(),
		Time: time.Now(), Actor: "user:test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Append(ctx, events.DeploymentSubject(ref), env, 0); err != nil {
		t.Fatal(err)
	}
}
