package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"slipway.dev/pkg/events"
)

// refusingLog is an audit log that cannot be written.
type refusingLog struct{}

func (refusingLog) Record(context.Context, string, string, events.Message) error {
	return errors.New("nats: no responders")
}

// deletingHooks are hooks that remember what was deleted.
type deletingHooks struct {
	hooks
	mu      sync.Mutex
	deleted []string
}

func (h *deletingHooks) Delete(_ context.Context, id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.deleted = append(h.deleted, id)
	return nil
}

// TestWebhookNotCreatedWithoutItsAuditEntry: when the creation cannot be
// recorded, the subscription is removed again and the answer is 503 (no
// secret handed out), so no subscription exists without a trace.
func TestWebhookNotCreatedWithoutItsAuditEntry(t *testing.T) {
	w, h := &world{}, &deletingHooks{}
	srv := httptest.NewServer(New(Deps{Reads: w, Commands: w, Changes: w, Targets: w, Stream: w, Webhooks: h,
		Access: refusingLog{}, Logger: slog.New(slog.DiscardHandler), Ready: func() error { return nil }}))
	t.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL+"/v1/webhooks", "application/json",
		strings.NewReader(`{"url":"https://hooks.acme.example/in","events":["*"],"project":"acme/fraud"}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("create with the audit log down: %d, want 503", resp.StatusCode)
	}
	if len(h.deleted) != 1 || h.deleted[0] != "wh_1" {
		t.Fatalf("deleted %v, want the new subscription wh_1", h.deleted)
	}
}
