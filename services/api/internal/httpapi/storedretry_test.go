package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/intake"
	"slipway.dev/services/api/internal/readmodel"
)

// storeOutage is a read model that answers until the store goes down, then
// fails every read as unavailable, in front of an intake that stores each
// command once per Idempotency-Key and tells a retry of one from a reuse.
type storeOutage struct {
	broken

	mu     sync.Mutex
	down   bool
	stored map[string]heldCommand // by Idempotency-Key
}

// heldCommand is a stored command and the request it was stored for.
type heldCommand struct {
	rec     intake.Record
	request string
}

func requestOf(r intake.Request) string {
	b, _ := json.Marshal(r.Command) // commands always encode
	return fmt.Sprintf("%s %s %T %s", r.Kind, r.Ref, r.Command, b)
}

func (s *storeOutage) unavailable(what string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return fmt.Errorf("%s: %w: i/o timeout", what, fault.ErrUnavailable)
	}
	return nil
}

func (s *storeOutage) Deployment(_ context.Context, id string) (readmodel.Deployment, error) {
	if err := s.unavailable("deployment " + id); err != nil {
		return readmodel.Deployment{}, err
	}
	one := int32(1)
	spec := events.Spec{Image: "ghcr.io/acme/scorer:1", Replicas: &one}
	return readmodel.Deployment{ID: id, Target: "simulated", Spec: &spec, Aliases: []readmodel.Alias{{Name: "prod", Revision: 1}}}, nil
}

func (s *storeOutage) Revision(_ context.Context, deployment string, n int) (readmodel.Revision, error) {
	if err := s.unavailable("revision"); err != nil {
		return readmodel.Revision{}, err
	}
	one := int32(1)
	return readmodel.Revision{Deployment: deployment, Number: n, Spec: &events.Spec{Image: "ghcr.io/acme/scorer:1", Replicas: &one}}, nil
}

func (s *storeOutage) Operation(_ context.Context, id string) (readmodel.Operation, error) {
	if err := s.unavailable("operation " + id); err != nil {
		return readmodel.Operation{}, err
	}
	return readmodel.Operation{}, fmt.Errorf("operation %s: %w", id, fault.ErrNotFound)
}

func (s *storeOutage) Submit(_ context.Context, r intake.Request) (intake.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if held, ok := s.stored[r.IdempotencyKey]; ok {
		if held.request != requestOf(r) {
			return intake.Record{}, intake.ErrKeyReused
		}
		held.rec.Duplicate = true
		return held.rec, nil
	}
	rec := intake.Record{ID: "op-" + r.IdempotencyKey, Kind: r.Kind, Deployment: r.Ref.String(), Actor: r.Actor, AcceptedAt: time.Now().UTC()}
	s.stored[r.IdempotencyKey] = heldCommand{rec: rec, request: requestOf(r)}
	return rec, nil
}

func (s *storeOutage) Stored(_ context.Context, r intake.Request) (intake.Record, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	held, ok := s.stored[r.IdempotencyKey]
	if !ok || held.request != requestOf(r) {
		return intake.Record{}, false, nil
	}
	held.rec.Duplicate = true
	return held.rec, true, nil
}

// TestARetryOfAStoredCommandWhileTheStoreIsDown: a command stored while
// the store answered, retried with its Idempotency-Key once the store is
// down (its answer was lost), is answered 202 with its operation's
// Location from the intake's record, not the 503 of the check it passed
// before; a command never stored, or the key reused for another request,
// still gets the outage's 503 and nothing is stored.
func TestARetryOfAStoredCommandWhileTheStoreIsDown(t *testing.T) {
	const dep = "/v1/projects/acme/fraud/deployments/scorer"
	for _, tc := range []struct {
		name, method, path, body, other string
	}{
		{"update", "PATCH", dep, `{"spec":{"replicas":2}}`, `{"spec":{"replicas":3}}`},
		{"update with ?wait", "PATCH", dep + "?wait=1s", `{"spec":{"replicas":2}}`, `{"spec":{"replicas":3}}`},
		{"alias move", "PUT", dep + "/aliases/prod", `{"revision":1}`, `{"revision":2}`},
		{"alias removal", "DELETE", dep + "/aliases/prod", ``, ``},
		{"rollback", "POST", dep + "/rollback", `{"revision":1}`, `{"revision":2}`},
		{"rollout pause", "POST", dep + "/rollout/pause", ``, `{"message":"other"}`},
		{"termination", "DELETE", dep, ``, ``},
		{"promotion", "POST", "/v1/promotions", `{"source":"acme/fraud/scorer","target":"acme/fraud/prod"}`,
			`{"source":"acme/fraud/scorer","target":"acme/fraud/canary"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &storeOutage{stored: map[string]heldCommand{}}
			srv := httptest.NewServer(New(Deps{Reads: store, Commands: store, Changes: store, Targets: store,
				Ready: func() error { return nil }, Logger: slog.New(slog.DiscardHandler)}))
			t.Cleanup(srv.Close)
			send := func(key, body string) (int, string, string) {
				req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+tc.path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("Idempotency-Key", key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header.Get("Location"), string(b)
			}
			if status, loc, body := send("first", tc.body); status != http.StatusAccepted || loc != "/v1/operations/op-first" {
				t.Fatalf("while the store answers: %d, Location %q, %s", status, loc, body)
			}
			store.mu.Lock()
			store.down = true
			store.mu.Unlock()
			if status, loc, body := send("first", tc.body); status != http.StatusAccepted || loc != "/v1/operations/op-first" {
				t.Errorf("the retry while the store is down: %d, Location %q, %s; want 202 and the operation's Location", status, loc, body)
			}
			if status, _, body := send("second", tc.body); status != http.StatusServiceUnavailable {
				t.Errorf("a command never stored, while the store is down: %d %s; want 503", status, body)
			}
			if tc.other != tc.body {
				if status, _, body := send("first", tc.other); status != http.StatusServiceUnavailable {
					t.Errorf("the key reused for another request, while the store is down: %d %s; want 503", status, body)
				}
			}
			if n := len(store.stored); n != 1 {
				t.Errorf("%d commands stored, want 1", n)
			}
		})
	}
}
