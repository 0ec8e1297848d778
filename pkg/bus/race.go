package bus

import (
	"errors"

	"github.com/nats-io/nats.go/jetstream"
)

// LostRace reports a lost compare-and-swap on a KV bucket (an update at a
// revision that moved on, or a create over a live key). A bucket on one
// replica reports it with code 10071 (ErrKeyExists), a replicated one with
// 10164: before both were matched, a worker losing the race for a rollout
// slot, or an api replica losing a lease takeover, on a three-node cluster
// took it for a failure (seen in the fault-injection tier).
func LostRace(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) ||
		errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}
