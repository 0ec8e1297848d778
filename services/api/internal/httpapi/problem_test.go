package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/nats-io/nats.go"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/eventfeed"
	"slipway.dev/services/api/internal/intake"
	"slipway.dev/services/api/internal/readmodel"
)

// TestProblemTable pins the one table from errors to HTTP answers: a
// client's mistake is never a 5xx, an outage is a 503, the rest a 500.
func TestProblemTable(t *testing.T) {
	tests := []struct {
		err    error
		status int
		typ    string
	}{
		{events.FieldErrors{{Field: "name", Message: "x"}}, 400, "validation"},
		{fmt.Errorf("%w: x", errMalformed), 400, "malformed"},
		{fmt.Errorf("%w: x", errBadParam), 400, "bad-parameter"},
		{fmt.Errorf("%w: x", errTooLarge), 413, "too-large"},
		{errors.Join(errUnavailable, fmt.Errorf("publish x: %w", nats.ErrMaxPayload)), 413, "too-large"},
		{fmt.Errorf("%w: x", errUnsupportedCT), 415, "unsupported-media-type"},
		{fmt.Errorf("deployment a/b/c: %w", readmodel.ErrNotFound), 404, "not-found"},
		{intake.ErrUnknownOperation, 404, "not-found"},
		{intake.ErrKeyReused, 422, "idempotency-key-reused"},
		{fmt.Errorf("%w: x", errPrecondition), 412, "precondition-failed"},
		{fmt.Errorf("%w: x", errHeadersLarge), 431, "headers-too-large"},
		{errors.Join(errUnavailable, errors.New("nats: timeout")), 503, "unavailable"},
		{fmt.Errorf("list: %w", fmt.Errorf("%w: server selection", readmodel.ErrUnavailable)), 503, "unavailable"},
		{errors.Join(errUnavailable, fmt.Errorf("subscribe: %w", eventfeed.ErrTooManySubscriptions)), 503, "too-many-event-streams"},
		{errors.New("something unexpected"), 500, "internal"},
	}
	for _, tt := range tests {
		p := problemFor(tt.err)
		if p.Status != tt.status || p.Type != problemBase+tt.typ {
			t.Errorf("%v: got %d %s, want %d %s", tt.err, p.Status, p.Type, tt.status, tt.typ)
		}
	}
	if p := problemFor(errors.New("secret detail")); p.Detail == "secret detail" || p.Status != http.StatusInternalServerError {
		t.Errorf("an internal error must not leak its detail: %+v", p)
	}
}
