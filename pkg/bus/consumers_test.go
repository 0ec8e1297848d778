package bus_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/embedded/embeddedtest"
)

// TestConsumerCreatesOrUpdates: declaring a durable consumer again (every
// replica does at start) leaves one consumer with its delivery state, and
// applies the new configuration.
func TestConsumerCreatesOrUpdates(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	stream := testStream(t, b)
	if _, err := b.Publish(t.Context(), "test.a", []byte("1")); err != nil {
		t.Fatal(err)
	}
	cfg := jetstream.ConsumerConfig{Durable: "worker", AckPolicy: jetstream.AckExplicitPolicy, MaxDeliver: 3}
	first, err := b.Consumer(t.Context(), stream, cfg)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := first.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for msg := range batch.Messages() {
		if err := msg.DoubleAck(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	cfg.MaxDeliver = 5
	again, err := b.Consumer(t.Context(), stream, cfg)
	if err != nil {
		t.Fatalf("declared twice: %v", err)
	}
	info, err := again.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n := consumers(t, b, stream); n != 1 {
		t.Errorf("%d consumers, want the one", n)
	}
	if info.Config.MaxDeliver != 5 || info.AckFloor.Stream != 1 {
		t.Errorf("after update: MaxDeliver %d, ack floor %d; want 5, 1", info.Config.MaxDeliver, info.AckFloor.Stream)
	}
}

// TestOrderedConsumerLeavesNothingOnceDeleted: an ordered consumer reads
// the stored messages in order; stopped and deleted, it leaves no consumer
// on the server; deleting it again says it is not found.
func TestOrderedConsumerLeavesNothingOnceDeleted(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	stream := testStream(t, b)
	for _, d := range []string{"1", "2", "3"} {
		if _, err := b.Publish(t.Context(), "test.a", []byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := b.OrderedConsumer(t.Context(), stream, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: 2})
	if err != nil {
		t.Fatal(err)
	}
	it, err := cons.Messages()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2", "3"} {
		msg, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if string(msg.Data()) != want {
			t.Fatalf("read %q, want %q", msg.Data(), want)
		}
	}
	it.Stop()
	name := cons.CachedInfo().Name
	if n := consumers(t, b, stream); n != 1 {
		t.Fatalf("%d consumers after Stop, want the stopped one (until deleted)", n)
	}
	if err := b.DeleteConsumer(t.Context(), stream, name); err != nil {
		t.Fatal(err)
	}
	if n := consumers(t, b, stream); n != 0 {
		t.Errorf("%d consumers once deleted, want 0", n)
	}
	if err := b.DeleteConsumer(t.Context(), stream, name); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Errorf("deleted twice: %v, want ErrConsumerNotFound", err)
	}
}

func TestOrderedConsumerOnAMissingStreamFails(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	if _, err := b.OrderedConsumer(t.Context(), "NOPE", jetstream.OrderedConsumerConfig{}); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("ordered consumer on a missing stream: %v, want ErrStreamNotFound", err)
	}
}
