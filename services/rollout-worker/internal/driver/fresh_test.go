package driver

import (
	"errors"
	"testing"

	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/history/historytest"
)

// TestAStaleHistoryIsRetriedNotDropped: a history read that ends before
// the event being handled (a lagging replica of EVENTS answered it) is an
// error to retry; before, the driver judged the event's revision not
// current and acknowledged it, so that rollout never ran (found by the
// fault-injection suite with a node partitioned).
func TestAStaleHistoryIsRetriedNotDropped(t *testing.T) {
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	h := historytest.New()
	if err := h.Add(ref, "", events.DeploymentCreated{Deployment: ref, Revision: revision(1, "img:1")}); err != nil {
		t.Fatal(err)
	}
	d := New(Options{History: h, MaxRollouts: 1})
	// Revision 2 was stored at sequence 2; this replica has only sequence 1.
	err := d.drive(atLeast(t.Context(), 2), ref, 2, events.Envelope{ID: "op-2.d1"})
	if !errors.Is(err, errStaleHistory) {
		t.Fatalf("drive on a stale history: %v, want errStaleHistory", err)
	}
	if got := h.AppendedTypes(); len(got) != 0 {
		t.Fatalf("appended on a stale history: %v", got)
	}
	if _, err := d.history.Load(atLeast(t.Context(), 1), ref); err != nil {
		t.Fatalf("a history reaching the event: %v", err)
	}
}
