package webhooks_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/webhooks"
)

// TestADeliveryRecordedWhoseInsertFailedIsSent: the store can write a
// delivery and still fail the insert (it stopped before answering; the
// driver's retry of the insert then finds it present). The event is read
// again and its delivery is found recorded, yet no sender has it: it must be
// sent all the same. Before, the dispatcher acknowledged the event and the
// delivery stayed pending until the api restarted (the fault-injection
// suite's seed 1796613400981220879 saw one never delivered).
func TestADeliveryRecordedWhoseInsertFailedIsSent(t *testing.T) {
	f := newFixture(t, webhooks.Retry{})
	d, _ := f.start()
	rcv := newReceiver(t, always(http.StatusNoContent))
	sub := subscribe(t, d, rcv.URL, "*")
	// A first event delivered: the dispatcher has resumed and is reading.
	f.publish("evt-1", failed(1))
	eventually(t, "the first delivery", func() bool { return len(rcv.requests()) == 1 })

	env, err := events.Wrap(failed(2), events.Meta{ID: "evt-2", Source: "/test", Subject: ref.String(), Time: time.Now(), Actor: "user:test"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// The delivery as the failed insert left it: pending, no attempt.
	now := time.Now().UTC().Truncate(time.Millisecond)
	recorded := webhooks.Delivery{ID: webhooks.DeliveryID("evt-2", sub.ID), Subscription: sub.ID, EventID: "evt-2", EventType: env.Type,
		EventSeq: 2, State: webhooks.StatePending, NextAttemptAt: &now, CreatedAt: now, Body: string(body)}
	client, err := mongo.Connect(options.Client().ApplyURI(f.cfg.MongoURI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	if _, err := client.Database(f.cfg.MongoDB).Collection("webhook_deliveries").InsertOne(t.Context(), recorded); err != nil {
		t.Fatal(err)
	}
	if _, err := f.bus.Publish(t.Context(), events.DeploymentSubject(ref), body); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(15 * time.Second)
	for len(rcv.requests()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the recorded delivery was never sent: %+v", deliveries(t, d, sub.ID))
		}
		time.Sleep(50 * time.Millisecond)
	}
	req := rcv.requests()[1]
	if id := req.header.Get("webhook-id"); id != recorded.ID {
		t.Fatalf("webhook-id %s, want the recorded delivery's %s", id, recorded.ID)
	}
	if err := verify(sub.Secret, req.header, req.body, time.Now()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the delivery marked delivered", func() bool {
		for _, dl := range deliveries(t, d, sub.ID) {
			if dl.ID == recorded.ID {
				return dl.State == webhooks.StateDelivered && dl.Attempts == 1
			}
		}
		return false
	})
}
