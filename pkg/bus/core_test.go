package bus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded/embeddedtest"
)

// TestRequestReachesASubscriber: a request is answered by a subscriber of
// its subject, over another connection (another replica).
func TestRequestReachesASubscriber(t *testing.T) {
	b, url := embeddedtest.NATS(t)
	other, err := bus.Connect(t.Context(), url, "other")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	sub, err := other.Subscribe("test.echo", func(m *nats.Msg) { _ = m.Respond(append([]byte("re: "), m.Data...)) })
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	// The subscription reaches the server asynchronously: until it does,
	// there is no responder.
	reply, err := b.Request(t.Context(), "test.echo", []byte("hi"))
	for deadline := time.Now().Add(5 * time.Second); errors.Is(err, nats.ErrNoResponders) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		reply, err = b.Request(t.Context(), "test.echo", []byte("hi"))
	}
	if err != nil {
		t.Fatal(err)
	}
	if string(reply.Data) != "re: hi" {
		t.Errorf("reply %q", reply.Data)
	}
}

// TestRequestWithoutListenerFailsAtOnce: nobody subscribed is
// nats.ErrNoResponders, well before the request's deadline.
func TestRequestWithoutListenerFailsAtOnce(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	began := time.Now()
	_, err := b.Request(ctx, "test.nobody", nil)
	if !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("%v, want ErrNoResponders", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("failed after %s, want at once", took)
	}
}

func TestConnectionState(t *testing.T) {
	_, url := embeddedtest.NATS(t)
	b, err := bus.Connect(t.Context(), url, "state")
	if err != nil {
		t.Fatal(err)
	}
	if !b.Connected() || b.MaxPayload() <= 0 {
		t.Fatalf("connected %v, max payload %d; want true, > 0", b.Connected(), b.MaxPayload())
	}
	b.Close()
	for deadline := time.Now().Add(5 * time.Second); b.Connected(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("still connected after Close")
		}
	}
}
