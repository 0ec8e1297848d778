package bus_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
)

func TestTransient(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"JetStream unavailable (a watch's 503)", fmt.Errorf("watch webhooks: %w", &nats.APIError{Code: 503, ErrorCode: 10008,
			Description: "JetStream system temporarily unavailable"}), true},
		{"JetStream unavailable", &jetstream.APIError{Code: 503, ErrorCode: 10008}, true},
		{"missed heartbeats", fmt.Errorf("next: %w", jetstream.ErrNoHeartbeat), true},
		{"no response from stream", jetstream.ErrNoStreamResponse, true},
		{"a timeout", nats.ErrTimeout, true},
		{"a deadline", context.DeadlineExceeded, true},
		{"a bad request", &jetstream.APIError{Code: 400, ErrorCode: 10071}, false},
		{"a consumer deleted", jetstream.ErrConsumerDeleted, false},
		{"anything else", errors.New("store is broken"), false},
		{"nil", nil, false},
	} {
		if got := bus.Transient(tc.err); got != tc.want {
			t.Errorf("%s: Transient(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
