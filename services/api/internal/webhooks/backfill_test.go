package webhooks_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/webhooks"
)

// TestSubscriptionFromAnotherReplicaIsBackfilled: a subscription made
// through another api replica reaches the delivering dispatcher by the
// bucket's watch, possibly after events stored after its start were
// matched without it. Those events are delivered all the same, once each.
func TestSubscriptionFromAnotherReplicaIsBackfilled(t *testing.T) {
	f := newFixture(t, webhooks.Retry{})
	d, _ := f.start()
	marker := newReceiver(t, always(http.StatusNoContent))
	subscribe(t, d, marker.URL, events.HealthChanged{}.Type())
	stream, err := f.bus.Stream(t.Context(), events.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	start := info.State.LastSeq // where the other replica's subscription starts
	f.publish("evt-1", failed(1))
	f.publish("evt-2", failed(2))
	// Events are matched in order: once the marker is delivered, both
	// failures were matched, when no subscription wanted them.
	f.publish("evt-marker", events.HealthChanged{From: "Unknown", To: "Healthy", Reason: events.ReasonAllReplicasReady})
	eventually(t, "the marker delivered", func() bool { return len(marker.requests()) == 1 })

	late := newReceiver(t, always(http.StatusNoContent))
	rec, _ := json.Marshal(map[string]any{"id": "wh_00000000000000000000000a", "url": late.URL, "events": []string{"slipway.deployment.rollout_failed.v1"},
		"createdAt": time.Now().UTC(), "secret": "whsec_bGF0ZS1zdWJzY3JpcHRpb24tc2VjcmV0LTAwMA==", "afterSeq": start})
	kv, err := f.bus.KeyValue(t.Context(), events.BucketWebhooks)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(t.Context(), "wh_00000000000000000000000a", rec); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the two failures backfilled", func() bool { return len(late.requests()) == 2 })
	f.publish("evt-3", failed(3))
	eventually(t, "the next failure", func() bool { return len(late.requests()) == 3 })
	time.Sleep(300 * time.Millisecond) // a duplicate would arrive by now
	ids := map[string]bool{}
	for _, r := range late.requests() {
		ids[r.header.Get("webhook-id")] = true
	}
	if len(late.requests()) != 3 || len(ids) != 3 {
		t.Fatalf("%d requests with %d ids, want 3 distinct deliveries", len(late.requests()), len(ids))
	}
}
