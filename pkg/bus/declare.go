package bus

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
)

// Declaring a stream or bucket is retried when the server does not answer:
// on a JetStream cluster, concurrent creations of one stream (every service
// declares the topology at start, so services starting together do) leave
// all but one request unanswered, while the stream is created; the retry
// finds it and answers at once. Found by testsupport/natscluster's
// TestServicesDeclareTheTopologyAtOnce: five services starting at once on a
// three-node cluster each timed out after 10 s and stopped.
const (
	declareAttempt  = 5 * time.Second
	declareAttempts = 6
)

// declare runs fn, retrying it while an attempt times out and ctx lasts; fn
// must be idempotent (a create-or-update).
func declare(ctx context.Context, fn func(ctx context.Context) error) error {
	var err error
	for range declareAttempts {
		actx, cancel := context.WithTimeout(ctx, declareAttempt)
		err = fn(actx)
		cancel()
		if err == nil || ctx.Err() != nil || !timedOut(err) {
			return err
		}
	}
	return err
}

func timedOut(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
}
