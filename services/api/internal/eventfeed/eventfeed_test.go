package eventfeed_test

import (
	"errors"
	"testing"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/eventfeed"
)

func publish(t *testing.T, b *bus.Conn, id string) uint64 {
	t.Helper()
	env, err := events.Wrap(events.HealthChanged{To: id}, events.Meta{ID: id, Source: "/test", Subject: "acme/fraud/scorer", Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := b.PublishEvent(t.Context(), "slipway.evt.deployment.acme.fraud.scorer", env)
	if err != nil {
		t.Fatal(err)
	}
	return pub.Seq
}

// TestStopDeletesTheConsumer: a subscription that stops leaves no consumer
// behind, however many come and go (issue 15: each lingered 5 minutes).
func TestStopDeletesTheConsumer(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	seq := publish(t, b, "e1")
	feed := eventfeed.New(b, 4)
	baseline := embeddedtest.EventsConsumers(t, b)
	for range 150 {
		it, err := feed.Events(t.Context(), events.EventSubjects, seq-1)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, err := it.Next(); err != nil || got != seq {
			t.Fatalf("Next = %d, %v; want %d", got, err, seq)
		}
		it.Stop()
		it.Stop() // a second Stop is harmless and frees nothing twice
	}
	if got := embeddedtest.EventsConsumers(t, b); got != baseline {
		t.Fatalf("consumers on EVENTS: %d before 150 subscriptions, %d after they stopped", baseline, got)
	}
	if feed.Open() != 0 {
		t.Fatalf("%d subscriptions still counted open", feed.Open())
	}
}

// TestSubscriptionsAreCapped: past the cap a subscription is refused with
// ErrTooManySubscriptions; once one stops, another may open.
func TestSubscriptionsAreCapped(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	feed := eventfeed.New(b, 2)
	var open []*eventfeed.Iterator
	for range 2 {
		it, err := feed.Events(t.Context(), events.EventSubjects, 0)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, it)
	}
	if _, err := feed.Events(t.Context(), events.EventSubjects, 0); !errors.Is(err, eventfeed.ErrTooManySubscriptions) {
		t.Fatalf("third subscription: %v; want ErrTooManySubscriptions", err)
	}
	open[0].Stop()
	it, err := feed.Events(t.Context(), events.EventSubjects, 0)
	if err != nil {
		t.Fatalf("after one stopped: %v", err)
	}
	it.Stop()
	open[1].Stop()
	if got := embeddedtest.EventsConsumers(t, b); got != 0 {
		t.Fatalf("%d consumers left after every subscription stopped", got)
	}
}
