// Package embeddedtest gives a test real infrastructure: an embedded NATS
// server with JetStream and an embedded FerretDB, each on a random loopback
// port with its data in the test's temporary directory, stopped when the
// test ends.
package embeddedtest

import (
	"testing"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded"
	"slipway.dev/pkg/events"
)

// NATS starts a NATS server for t and returns a connection to it on which
// Slipway's streams and buckets exist, and the server's URL.
func NATS(t testing.TB) (*bus.Conn, string) {
	t.Helper()
	n, err := embedded.StartNATS(t.TempDir(), "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	b, err := bus.Connect(t.Context(), n.URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := b.EnsureTopology(t.Context()); err != nil {
		t.Fatal(err)
	}
	return b, n.URL()
}

// FerretDB starts a FerretDB for t and returns its MongoDB URI.
func FerretDB(t testing.TB) string {
	t.Helper()
	f, err := embedded.StartFerretDB(t.TempDir(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f.URI()
}

// EventsConsumers is how many consumers the EVENTS stream has now: reads
// that must leave nothing on the server are checked against it.
func EventsConsumers(t testing.TB, b *bus.Conn) int {
	t.Helper()
	s, err := b.Stream(t.Context(), events.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Consumers
}
