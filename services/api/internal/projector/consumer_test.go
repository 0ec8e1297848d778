package projector_test

import (
	"testing"

	"slipway.dev/pkg/embedded/embeddedtest"
)

// TestAnEndedTermLeavesNoConsumer: the projector's ordered consumer is
// deleted when its term ends, not left to the server's inactivity
// threshold (5 minutes), so leadership moving between api replicas leaves
// nothing on EVENTS.
func TestAnEndedTermLeavesNoConsumer(t *testing.T) {
	in := startInfra(t)
	last := appendHistory(t, in.bus)
	before := embeddedtest.EventsConsumers(t, in.bus)
	for term := range 3 {
		r := start(t, in, "consumers", nil, nil)
		r.waitApplied(t, last)
		if n := embeddedtest.EventsConsumers(t, in.bus); n != before+1 {
			t.Fatalf("term %d: %d consumers while projecting, want %d", term, n, before+1)
		}
		r.stop(t) // Run has returned: its consumer is gone
		if n := embeddedtest.EventsConsumers(t, in.bus); n != before {
			t.Fatalf("term %d: %d consumers after the term ended, want %d", term, n, before)
		}
	}
}
