package monitor

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/services/health-monitor/internal/health"
)

var scorer = events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}

func lastEvent(r *recorder, ref events.DeploymentRef) (events.HealthChanged, bool) {
	hs := r.of(ref)
	if len(hs) == 0 {
		return events.HealthChanged{}, false
	}
	return hs[len(hs)-1], true
}

func TestEndpointSlicesDecideAvailability(t *testing.T) {
	d := healthy(deployment(scorer, "1", 2, nil))
	target, client := fakeTarget(append(readyPods(d, 2), d, endpointSlice(d, false, false))...)
	rec := newRecorder()
	m := startMonitor(t, Config{Window: Window{N: 2, M: 3}}, rec, target)

	evaluateUntil(t, m, "Unavailable/NoReadyEndpoints", func() bool {
		h, ok := lastEvent(rec, scorer)
		return ok && h.To == events.HealthUnavailable && h.Reason == events.ReasonNoReadyEndpoints
	})
	if h, _ := lastEvent(rec, scorer); h.ReadyEndpoints == nil || *h.ReadyEndpoints != 0 || h.Pods == nil || h.Pods.Ready != 2 {
		t.Fatalf("event %+v", h)
	}
	slices := client.DiscoveryV1().EndpointSlices(testNamespace)
	if _, err := slices.Update(context.Background(), endpointSlice(d, true, true), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	evaluateUntil(t, m, "Healthy", func() bool {
		h, ok := lastEvent(rec, scorer)
		return ok && h.To == events.HealthHealthy
	})
	if h, _ := lastEvent(rec, scorer); h.From != events.HealthUnavailable || h.ReadyEndpoints == nil || *h.ReadyEndpoints != 2 {
		t.Fatalf("event %+v", h)
	}
}

// A restarted monitor finds the last published health in the history and
// does not publish it again, also when that event predates revisions.
func TestRestartDoesNotRepeatPublishedHealth(t *testing.T) {
	for name, last := range map[string]health.Key{
		"same key":               {State: events.HealthHealthy, Reason: events.ReasonAllReplicasReady, Revision: 1},
		"event without revision": {State: events.HealthHealthy, Reason: events.ReasonAllReplicasReady},
	} {
		t.Run(name, func(t *testing.T) {
			d := healthy(deployment(scorer, "1", 2, nil))
			target, _ := fakeTarget(append(readyPods(d, 2), d)...)
			rec := newRecorder()
			rec.last[scorer.String()] = last
			m := startMonitor(t, Config{Window: Window{N: 1, M: 1}}, rec, target)
			for range 5 {
				m.evaluate(context.Background())
			}
			if hs := rec.of(scorer); len(hs) != 0 {
				t.Fatalf("published again: %+v", hs)
			}
			if tr := m.tracked[scorer.String()]; tr == nil || !tr.seeded {
				t.Fatalf("not tracked or not seeded: %+v", tr)
			}
		})
	}
}

// Deployments without Slipway's labels are not reported on, and a
// deployment that disappears is forgotten.
func TestOnlySlipwayDeploymentsAreTracked(t *testing.T) {
	d := healthy(deployment(scorer, "1", 1, nil))
	other := healthy(deployment(events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "other"}, "1", 1, nil))
	delete(other.Labels, "slipway.dev/owner")
	target, client := fakeTarget(d, other)
	m := startMonitor(t, Config{}, newRecorder(), target)
	m.evaluate(context.Background())
	if len(m.tracked) != 1 || m.tracked[scorer.String()] == nil {
		t.Fatalf("tracked %v", m.tracked)
	}
	if err := client.AppsV1().Deployments(testNamespace).Delete(context.Background(), d.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	evaluateUntil(t, m, "the deleted deployment forgotten", func() bool { return len(m.tracked) == 0 })
}
