package webhooks

import (
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// iterator returns errs in turn, then says it is closed.
type iterator struct{ errs []error }

func (it *iterator) Next(...jetstream.NextOpt) (jetstream.Msg, error) {
	if len(it.errs) == 0 {
		return nil, jetstream.ErrMsgIteratorClosed
	}
	err := it.errs[0]
	it.errs = it.errs[1:]
	return nil, err
}

// TestMissedHeartbeatsDoNotStopTheDispatcher: a consumer missing heartbeats
// (its node gone, its leader moved) is pulled again, not a failure that
// stops the dispatcher and the api with it; any other error still is.
func TestMissedHeartbeatsDoNotStopTheDispatcher(t *testing.T) {
	d := &Dispatcher{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := d.consume(t.Context(), &iterator{errs: []error{jetstream.ErrNoHeartbeat, jetstream.ErrNoHeartbeat}}); err != nil {
		t.Fatalf("missed heartbeats stopped the dispatcher: %v", err)
	}
	broken := errors.New("consumer deleted")
	if err := d.consume(t.Context(), &iterator{errs: []error{broken}}); !errors.Is(err, broken) {
		t.Fatalf("a consumer failure: %v, want it returned", err)
	}
}
