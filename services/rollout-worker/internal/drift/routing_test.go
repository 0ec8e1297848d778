package drift

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/pkg/kube/simcluster"
	"slipway.dev/services/rollout-worker/internal/cluster"
	"slipway.dev/services/rollout-worker/internal/history"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

// TestDriftCheckRendersStaleRoutingAgain: a settled deployment whose last
// routing outcome was rendered with another setting than its target has now
// (a change missed while the target was unreachable, say) is rendered again
// by the drift check; one rendered with the current setting is left alone.
func TestDriftCheckRendersStaleRoutingAgain(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	nginx := &events.Routing{Ingress: &events.IngressRouting{ClassName: "nginx"}}
	traefik := &events.Routing{Ingress: &events.IngressRouting{ClassName: "traefik"}}
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	info := events.TargetInfo{Name: "sim", Namespace: "default", BaseURL: "http://sim", ObjectName: kube.ObjectName("acme", "fraud", "scorer")}
	one := int32(1)
	rev := events.Revision{Number: 1, Cause: events.CauseCreated, Spec: events.Spec{Image: "img:1", Replicas: &one}.WithDefaults()}
	reps := events.Replicas{Desired: 1, Updated: 1, Ready: 1, Available: 1}
	appendAll(t, b, ref, events.DeploymentCreated{Deployment: ref, Target: info, Revision: rev},
		events.RolloutStarted{Revision: 1, Desired: 1}, events.RolloutSucceeded{Revision: 1, Replicas: reps},
		events.RoutingChanged{Kind: events.RoutingIngress, Reason: events.ReasonRoutesApplied, Setting: nginx.Fingerprint()})

	client := simcluster.New(simcluster.Options{}).Client()
	if err := cluster.Apply(t.Context(), client, manifest.Render(ref, info, rev, nil, false)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		setting *events.Routing
		want    int
	}{
		{"rendered with this setting", nginx, 0},
		{"the target's setting changed", traefik, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target := &kube.Target{TargetConfig: kube.TargetConfig{Name: "sim", Namespace: "default", Routing: tt.setting}, Client: client}
			targets, err := kube.NewTargets(target)
			if err != nil {
				t.Fatal(err)
			}
			var rerendered []events.DeploymentRef
			c := New(history.New(b), targets, slog.New(slog.NewJSONHandler(io.Discard, nil)), time.Minute, PolicyReport,
				func(_ context.Context, r events.DeploymentRef) { rerendered = append(rerendered, r) })
			defer c.caches.(*informerCaches).close()
			c.round(t.Context())
			if len(rerendered) != tt.want || tt.want == 1 && rerendered[0] != ref {
				t.Fatalf("rendered again: %v, want %d", rerendered, tt.want)
			}
		})
	}
}

func appendAll(t *testing.T, b *bus.Conn, ref events.DeploymentRef, msgs ...events.Message) {
	t.Helper()
	var last uint64
	for i, m := range msgs {
		env, err := events.Wrap(m, events.Meta{ID: ref.String() + "/" + m.Type(), Source: "/test", Subject: ref.String(),
			Time: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), Actor: "user:test", CorrelationID: "op-1"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := b.Append(t.Context(), events.DeploymentSubject(ref), env, last)
		if err != nil {
			t.Fatal(err)
		}
		last = p.Seq
	}
}
