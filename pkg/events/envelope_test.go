package events

import (
	"testing"
	"time"
)

// TestCausedBy: a message caused by another keeps its actor and operation
// and names it as the cause; its own attributes are left to the sender.
func TestCausedBy(t *testing.T) {
	cause := Envelope{SpecVersion: "1.0", ID: "cmd-1", Source: "/slipway/api", Type: UpdateDeployment{}.Type(),
		Subject: "acme/fraud/scorer", Time: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), Actor: "user:ada",
		CorrelationID: "op-1", CausationID: "req-0", TraceParent: "00-aaaa-bbbb-01"}
	const trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	got := CausedBy(cause, trace)
	want := Meta{Actor: "user:ada", CorrelationID: "op-1", CausationID: "cmd-1", TraceParent: trace}
	if got != want {
		t.Fatalf("CausedBy = %+v, want %+v", got, want)
	}
}

func TestByService(t *testing.T) {
	got := ByService(ActorRolloutWorker, "op-7", "00-aa-bb-01")
	want := Meta{Actor: "system:rollout-worker", CorrelationID: "op-7", TraceParent: "00-aa-bb-01"}
	if got != want {
		t.Fatalf("ByService = %+v, want %+v", got, want)
	}
}
