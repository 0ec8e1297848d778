package bus_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded/embeddedtest"
)

// testStream declares a stream on test.> for t and returns its name.
func testStream(t *testing.T, b *bus.Conn) string {
	t.Helper()
	cfg := jetstream.StreamConfig{Name: "TEST", Subjects: []string{"test.>"}, Storage: jetstream.MemoryStorage}
	if _, err := b.EnsureStream(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Name
}

// consumers is how many consumers stream has now.
func consumers(t *testing.T, b *bus.Conn, stream string) int {
	t.Helper()
	s, err := b.Stream(t.Context(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Consumers
}

func TestStreamOfAMissingStreamFails(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	_, err := b.Stream(t.Context(), "NOPE")
	if !errors.Is(err, jetstream.ErrStreamNotFound) || !strings.Contains(err.Error(), "NOPE") {
		t.Fatalf("missing stream: %v, want ErrStreamNotFound naming NOPE", err)
	}
}

// TestEnsureStreamCreatesOrUpdates: declaring a stream again keeps its
// messages and applies the new configuration.
func TestEnsureStreamCreatesOrUpdates(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	name := testStream(t, b)
	if _, err := b.Publish(t.Context(), "test.a", []byte("1")); err != nil {
		t.Fatal(err)
	}
	cfg := jetstream.StreamConfig{Name: name, Subjects: []string{"test.>"}, Storage: jetstream.MemoryStorage, Description: "updated"}
	s, err := b.EnsureStream(t.Context(), cfg)
	if err != nil {
		t.Fatalf("declared twice: %v", err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Description != "updated" || info.State.Msgs != 1 {
		t.Errorf("after update: description %q, %d messages; want \"updated\", 1", info.Config.Description, info.State.Msgs)
	}
}

// TestPublishStoresDataAsGiven: a raw publish adds no envelope, header or
// deduplication id, and its options (an expected stream) apply.
func TestPublishStoresDataAsGiven(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	name := testStream(t, b)
	var seqs []uint64
	for range 2 { // the same data twice: no deduplication id, stored twice
		ack, err := b.Publish(t.Context(), "test.raw", []byte("payload"), jetstream.WithExpectStream(name))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, ack.Sequence)
	}
	if seqs[0] == seqs[1] {
		t.Fatalf("stored once: %v", seqs)
	}
	s, err := b.Stream(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.GetMsg(t.Context(), seqs[1])
	if err != nil {
		t.Fatal(err)
	}
	if string(msg.Data) != "payload" || msg.Header.Get("Ce-Type") != "" || msg.Header.Get(jetstream.MsgIDHeader) != "" {
		t.Errorf("stored %q with headers %v, want the data without envelope nor id", msg.Data, msg.Header)
	}
	if _, err := b.Publish(t.Context(), "test.raw", nil, jetstream.WithExpectStream("OTHER")); err == nil {
		t.Error("publish expecting another stream succeeded")
	}
}
