package systemtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
)

// served records every answer of many concurrent clients.
type served struct {
	mu     sync.Mutex
	errors []string
	byKey  map[string]map[string]bool // Idempotency-Key -> Locations
}

// do sends one request (safe from any goroutine) and records a 5xx or a
// failed request as an error.
func (s *served) do(t *testing.T, base, method, path, key string, body any) int {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if method == http.MethodPatch {
		req.Header.Set("Content-Type", "application/merge-patch+json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errors = append(s.errors, fmt.Sprintf("%s %s: %v", method, path, err))
		return 0
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		s.errors = append(s.errors, fmt.Sprintf("%s %s: %d %s", method, path, resp.StatusCode, got))
	}
	if key != "" {
		if s.byKey[key] == nil {
			s.byKey[key] = map[string]bool{}
		}
		s.byKey[key][resp.Header.Get("Location")] = true
	}
	return resp.StatusCode
}

// TestFiftyClientsGetNoServerErrors: 50 clients at once on the embedded
// stack create a deployment each with ?wait, retry it with its key, PATCH
// it with ?wait, list the fleet and read their deployment, while 50 more
// send one create under one shared Idempotency-Key: no answer is a 5xx, and
// every key maps to one operation.
func TestFiftyClientsGetNoServerErrors(t *testing.T) {
	t.Parallel()
	st, _ := start(t, devstackOptions())
	s := &served{byKey: map[string]map[string]bool{}}
	var wg sync.WaitGroup
	for i := range 50 {
		name := fmt.Sprintf("model-%02d", i)
		key := "own-" + name
		wg.Go(func() {
			s.do(t, st.URL, http.MethodPost, deploymentsPath+"?wait=20s", key, createBody(name, 1))
			s.do(t, st.URL, http.MethodPost, deploymentsPath+"?wait=2s", key, createBody(name, 1))
			s.do(t, st.URL, http.MethodPatch, deploymentsPath+"/"+name+"?wait=10s", "", map[string]any{"spec": map[string]any{"replicas": 2}})
			s.do(t, st.URL, http.MethodGet, "/v1/deployments", "", nil)
			s.do(t, st.URL, http.MethodGet, deploymentsPath+"/"+name, "", nil)
		})
		wg.Go(func() {
			s.do(t, st.URL, http.MethodPost, deploymentsPath+"?wait=10s", "shared", createBody("shared", 1))
		})
	}
	wg.Wait()
	for _, e := range s.errors {
		t.Error(e)
	}
	for key, ops := range s.byKey {
		if len(ops) != 1 {
			t.Errorf("key %s answered with %d operations: %v", key, len(ops), ops)
		}
	}
}
