package monitor

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"slipway.dev/pkg/events"
)

// TestSampleCostsWhatChanged counts evaluations: once every deployment's
// health is published, samples evaluate none of them; the endpoints of one
// turning unready cost that deployment's evaluations until its transition is
// published (N of the window), and nothing after.
func TestSampleCostsWhatChanged(t *testing.T) {
	const n = 50
	var objs []runtime.Object
	var refs []events.DeploymentRef
	for i := range n {
		ref := events.DeploymentRef{Owner: "acme", Project: "fleet", Name: fmt.Sprintf("d%d", i)}
		refs = append(refs, ref)
		d := healthy(deployment(ref, "1", 2, nil))
		objs = append(append(objs, readyPods(d, 2)...), d, endpointSlice(d, true, true))
	}
	target, client := fakeTarget(objs...)
	rec := newRecorder()
	m := startMonitor(t, Config{Window: Window{N: 2, M: 3}}, rec, target)
	evaluateUntil(t, m, "every deployment Healthy", func() bool {
		for _, ref := range refs {
			if h, ok := lastEvent(rec, ref); !ok || h.To != events.HealthHealthy {
				return false
			}
		}
		return true
	})

	m.evaluations = 0
	for range 5 {
		m.evaluate(t.Context())
	}
	if m.evaluations != 0 {
		t.Fatalf("%d evaluations in 5 samples with nothing changed, want 0", m.evaluations)
	}

	d7 := deployment(refs[7], "1", 2, nil)
	slices := client.DiscoveryV1().EndpointSlices(testNamespace)
	if _, err := slices.Update(context.Background(), endpointSlice(d7, false, false), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	evaluateUntil(t, m, "d7 changed", func() bool {
		h, _ := lastEvent(rec, refs[7])
		return h.To != events.HealthHealthy
	})
	if m.evaluations != 2 {
		t.Fatalf("%d evaluations until one deployment's transition was published, want 2 (N of the window)", m.evaluations)
	}
	m.evaluations = 0
	for range 5 {
		m.evaluate(t.Context())
	}
	if m.evaluations != 0 {
		t.Fatalf("%d evaluations after the transition was published, want 0", m.evaluations)
	}
}
