package bus

import (
	"context"
	"errors"
	"net/http"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Transient says whether err is one NATS gives while a cluster fails over (a
// node gone, a stream or consumer leader being elected, a partition): no
// answer in time, no responders, missed heartbeats, or JetStream answering
// 503 ("JetStream system temporarily unavailable"). The same call succeeds
// once the cluster has settled, so a long-running job retries it rather
// than stopping its service.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code == http.StatusServiceUnavailable
	}
	var legacyErr *nats.APIError // what key-value watches report
	if errors.As(err, &legacyErr) {
		return legacyErr.Code == http.StatusServiceUnavailable
	}
	for _, t := range []error{nats.ErrTimeout, context.DeadlineExceeded, nats.ErrNoResponders, jetstream.ErrNoHeartbeat,
		jetstream.ErrNoStreamResponse, nats.ErrNoStreamResponse, nats.ErrConnectionReconnecting} {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
