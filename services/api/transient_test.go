package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"

	"github.com/nats-io/nats.go"
)

// TestJobsRunThroughAFailover: a job stopping with an error of a cluster
// failing over runs again; any other error ends it, as before.
func TestJobsRunThroughAFailover(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	unavailable := &nats.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}
	synctest.Test(t, func(t *testing.T) {
		runs := 0
		err := throughFailover(log, "job", func(context.Context) error {
			runs++
			if runs < 3 {
				return unavailable
			}
			return nil
		})(t.Context())
		if err != nil || runs != 3 {
			t.Fatalf("after two failovers: %v, %d runs; want nil after 3", err, runs)
		}
		broken := errors.New("consumer deleted")
		runs = 0
		err = throughFailover(log, "job", func(context.Context) error { runs++; return broken })(t.Context())
		if !errors.Is(err, broken) || runs != 1 {
			t.Fatalf("a lasting failure: %v after %d runs; want it returned at once", err, runs)
		}
	})
}
