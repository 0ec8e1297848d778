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

	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/intake"
	"slipway.dev/services/api/internal/readmodel"
)

// flakyOperations is a read model whose operation reads succeed the first
// good times and then fail as an overloaded store does (seen at 10,000
// deployments: "read models unavailable: calculated server-side timeout"),
// in front of an intake that knows the operations in records.
type flakyOperations struct {
	broken
	good    int
	records map[string]intake.Record

	mu    sync.Mutex
	reads int
}

func (f *flakyOperations) Operation(_ context.Context, id string) (readmodel.Operation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.reads > f.good {
		return readmodel.Operation{}, fmt.Errorf("operation %s: %w: calculated server-side timeout (0 ms)", id, fault.ErrUnavailable)
	}
	return readmodel.Operation{ID: id, Deployment: "acme/fraud/scorer", Status: readmodel.OpRunning}, nil
}

func (f *flakyOperations) Lookup(_ context.Context, id string) (intake.Record, error) {
	if rec, ok := f.records[id]; ok {
		return rec, nil
	}
	return intake.Record{}, fmt.Errorf("operation %s: %w", id, fault.ErrNotFound)
}

// TestAnOperationReadNeverTurnsAStoreOutageInto5xxWhenItKnows: GET of an
// operation, with or without ?wait, answers what is known of it (the last
// read, else the intake's record) when the store fails; only an operation
// neither knows gets the store's 503.
func TestAnOperationReadNeverTurnsAStoreOutageInto5xxWhenItKnows(t *testing.T) {
	known := map[string]intake.Record{"op-1": {ID: "op-1", Kind: "update", Deployment: "acme/fraud/scorer", AcceptedAt: time.Now().UTC()}}
	tests := []struct {
		name       string
		good       int
		records    map[string]intake.Record
		path       string
		wantStatus int
		wantBody   string
	}{
		{name: "a wait whose later reads fail answers the last read", good: 1, path: "/v1/operations/op-1?wait=1s",
			wantStatus: http.StatusAccepted, wantBody: `"status":"running"`},
		{name: "a store that fails at once answers the intake's record", records: known, path: "/v1/operations/op-1?wait=1s",
			wantStatus: http.StatusAccepted, wantBody: `"status":"accepted"`},
		{name: "without a wait too", records: known, path: "/v1/operations/op-1",
			wantStatus: http.StatusAccepted, wantBody: `"status":"accepted"`},
		{name: "an operation neither knows is the store's 503", path: "/v1/operations/op-2?wait=1s",
			wantStatus: http.StatusServiceUnavailable, wantBody: "calculated server-side timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &flakyOperations{good: tt.good, records: tt.records}
			srv := httptest.NewServer(New(Deps{Reads: store, Commands: store, Changes: store, Targets: store,
				Ready: func() error { return nil }, Logger: slog.New(slog.DiscardHandler)}))
			t.Cleanup(srv.Close)
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+tt.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Fatalf("GET %s: %d %s; want %d with %s", tt.path, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus == http.StatusAccepted && resp.Header.Get("Location") != "/v1/operations/op-1" {
				t.Errorf("Location %q, want /v1/operations/op-1", resp.Header.Get("Location"))
			}
		})
	}
}
