package bus_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
)

// TestLostRaceOnReplicatedBuckets: a lost compare-and-swap is a race however
// many replicas the bucket has: code 10071 on one, 10164 on several (the
// three-node cluster of deployments/ and docker-compose.yaml).
func TestLostRaceOnReplicatedBuckets(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{jetstream.ErrKeyExists, true},
		{fmt.Errorf("update: %w", &jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamWrongLastSequence}), true},
		{fmt.Errorf("update: %w", &jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamWrongLastSequenceConstant}), true},
		{jetstream.ErrKeyRevisionMismatch, true},
		{errors.New("nats: no response from stream"), false},
		{&jetstream.APIError{Code: 503, ErrorCode: jetstream.JSErrCodeJetStreamNotEnabled}, false},
	} {
		if got := bus.LostRace(tc.err); got != tc.want {
			t.Errorf("LostRace(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
