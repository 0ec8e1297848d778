package httpapi

import (
	"context"
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

// stalledReads is a read model whose operation reads hang until the
// store client's own timeout gives up (as FerretDB overloaded by 20
// concurrent PATCHes did: "read models unavailable ... i/o timeout"), in
// front of an intake that stores each command once per Idempotency-Key.
type stalledReads struct {
	broken
	clientTimeout time.Duration

	mu     sync.Mutex
	stored map[string]intake.Record // by operation id
}

func (s *stalledReads) Operation(ctx context.Context, id string) (readmodel.Operation, error) {
	select {
	case <-ctx.Done():
	case <-time.After(s.clientTimeout):
	}
	return readmodel.Operation{}, fmt.Errorf("operation %s: %w: i/o timeout", id, fault.ErrUnavailable)
}

func (*stalledReads) Deployment(_ context.Context, id string) (readmodel.Deployment, error) {
	one := int32(1)
	spec := events.Spec{Image: "ghcr.io/acme/scorer:1", Replicas: &one}
	return readmodel.Deployment{ID: id, Target: "simulated", Spec: &spec}, nil
}

func (s *stalledReads) Submit(_ context.Context, r intake.Request) (intake.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("op-%d", len(s.stored))
	if r.IdempotencyKey != "" {
		id = "op-key-" + r.IdempotencyKey
	}
	if rec, ok := s.stored[id]; ok {
		rec.Duplicate = true
		return rec, nil
	}
	rec := intake.Record{ID: id, Kind: r.Kind, Deployment: r.Ref.String(), Actor: r.Actor,
		AcceptedAt: time.Now().UTC()}
	s.stored[id] = rec
	return rec, nil
}

// TestCommittedCommandsNeverAnswer5xx: with the read model not answering,
// creates sharing one Idempotency-Key and PATCHes with ?wait are all
// answered 202 with the operation's Location, from the intake's record, and
// each command is stored once.
func TestCommittedCommandsNeverAnswer5xx(t *testing.T) {
	store := &stalledReads{clientTimeout: 3 * time.Second, stored: map[string]intake.Record{}}
	srv := httptest.NewServer(New(Deps{Reads: store, Commands: store, Changes: store, Targets: store,
		Ready: func() error { return nil }, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	const dep = "/v1/projects/acme/fraud/deployments"
	type call struct{ method, path, key, body string }
	var calls []call
	for range 10 {
		calls = append(calls,
			call{"POST", dep, "create-once", `{"name":"scorer","spec":{"image":"ghcr.io/acme/scorer:1"}}`},
			call{"POST", dep + "?wait=1s", "create-once", `{"name":"scorer","spec":{"image":"ghcr.io/acme/scorer:1"}}`},
			call{"PATCH", dep + "/scorer?wait=1s", "", `{"spec":{"replicas":2}}`})
	}
	calls = append(calls, call{"POST", "/v1/promotions?wait=1s", "promote-once", `{"source":"acme/fraud/scorer","target":"acme/fraud/prod"}`},
		call{"POST", "/v1/promotions", "promote-once", `{"source":"acme/fraud/scorer","target":"acme/fraud/prod"}`})
	var wg sync.WaitGroup
	for _, cl := range calls {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), cl.method, srv.URL+cl.path, strings.NewReader(cl.body))
			req.Header.Set("Content-Type", "application/json")
			if cl.method == "PATCH" {
				req.Header.Set("Content-Type", "application/merge-patch+json")
			}
			if cl.key != "" {
				req.Header.Set("Idempotency-Key", cl.key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusAccepted || !strings.HasPrefix(loc, "/v1/operations/op-") ||
				!strings.Contains(string(body), `"status":"accepted"`) {
				t.Errorf("%s %s (key %q): %d, Location %q, %s", cl.method, cl.path, cl.key, resp.StatusCode, loc, body)
			}
		})
	}
	wg.Wait()
	if n := len(store.stored); n != 12 { // one create, ten PATCHes, one promotion
		t.Errorf("%d commands stored, want 12: %v", n, store.stored)
	}
}

// endedReads has every operation succeeded, and no promotion answers.
type endedReads struct{ stalledReads }

func (*endedReads) Operation(_ context.Context, id string) (readmodel.Operation, error) {
	return readmodel.Operation{ID: id, Kind: "promote", Status: readmodel.OpSucceeded}, nil
}

// TestAPromotionWhoseDocumentDoesNotAnswer: a promotion whose operation
// ended but whose document cannot be read is answered with its operation
// (202 + Location), not a 5xx.
func TestAPromotionWhoseDocumentDoesNotAnswer(t *testing.T) {
	store := &endedReads{stalledReads{stored: map[string]intake.Record{}}}
	srv := httptest.NewServer(New(Deps{Reads: store, Commands: store, Changes: store, Targets: store,
		Ready: func() error { return nil }, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL+"/v1/promotions?wait=1s", "application/json",
		strings.NewReader(`{"source":"acme/fraud/scorer","target":"acme/fraud/prod"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted || !strings.HasPrefix(resp.Header.Get("Location"), "/v1/operations/op-") ||
		!strings.Contains(string(body), `"status":"succeeded"`) {
		t.Fatalf("%d, Location %q, %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
}
