package systemtest

import (
	"net/http"
	"testing"

	"slipway.dev/pkg/events"
)

func TestIdempotencyKeyMakesRetriesSafe(t *testing.T) {
	t.Parallel()
	s, api := start(t, devstackOptions())
	first := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("idem", 1), "Idempotency-Key", "key-1")
	second := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("idem", 1), "Idempotency-Key", "key-1")
	if first.Status != http.StatusOK || second.Status != http.StatusOK {
		t.Fatalf("statuses %d %d: %s %s", first.Status, second.Status, first.Body, second.Body)
	}
	a, b := first.JSON(t), second.JSON(t)
	if a["id"] != b["id"] || b["status"] != "succeeded" {
		t.Fatalf("a retry must return the same operation: %s vs %s", first.Body, second.Body)
	}
	types := countTypes(history(t, s.NATSURL, events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "idem"}))
	if types[events.DeploymentCreated{}.Type()] != 1 || types[events.CommandRejected{}.Type()] != 0 {
		t.Fatalf("one deployment, no rejection expected: %v", types)
	}
	if commands, _ := streamCounts(t, s.NATSURL); commands != 1 {
		t.Fatalf("COMMANDS holds %d commands, want 1", commands)
	}

	// The same key for a different request is refused, not silently answered.
	other := createBody("idem", 5)
	p := api.Do(t, http.MethodPost, deploymentsPath, other, "Idempotency-Key", "key-1").ExpectProblem(t, http.StatusUnprocessableEntity)
	if p.Type != "https://slipway.dev/problems/idempotency-key-reused" {
		t.Fatalf("problem type %q", p.Type)
	}
	// Without a key, the same request twice is two commands: the second is rejected as a duplicate name.
	dup := api.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", createBody("idem", 1)).ExpectProblem(t, http.StatusConflict)
	if dup.Reason != events.ReasonAlreadyExists || dup.Operation == "" {
		t.Fatalf("duplicate name: %+v", dup)
	}
}
