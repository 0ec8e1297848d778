package history

import (
	"slices"
	"testing"

	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// TestDeploymentsAppend: appended events are folded into the caller's
// state and read back (Load, LastSeq, Counts); a caller whose state is
// stale (another writer appended) decides again on the history as it is,
// the contract historytest.Memory stands in for.
func TestDeploymentsAppend(t *testing.T) {
	ctx := t.Context()
	conn, _ := embeddedtest.NATS(t)
	h := New(conn)
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	one := int32(1)
	rev := events.Revision{Number: 1, Cause: events.CauseCreated, Spec: events.Spec{Image: "img:1", Replicas: &one}.WithDefaults()}
	meta := events.Meta{Actor: "user:test", CorrelationID: "op-1"}
	byType := func(m events.Message) string { return ref.String() + "/" + m.Type() }

	var st rollout.State
	if err := h.Append(ctx, &st, ref, meta, func(rollout.State) []events.Message {
		return []events.Message{events.DeploymentCreated{Deployment: ref, Target: events.TargetInfo{Name: "sim"}, Revision: rev}}
	}, byType); err != nil {
		t.Fatal(err)
	}
	if !st.Exists || st.Current != 1 || st.LastSeq == 0 {
		t.Fatalf("state after append: %+v", st)
	}
	// Two folds of the same history (a State shares its maps and rollout
	// with its copies).
	stale, err := h.Load(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	other, err := h.Load(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Append(ctx, &other, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideStart(s, 1)
	}, byType); err != nil {
		t.Fatal(err)
	}
	// Deciding on the stale state would start the rollout a second time.
	var decidedOn []rollout.Phase
	if err := h.Append(ctx, &stale, ref, meta, func(s rollout.State) []events.Message {
		decidedOn = append(decidedOn, s.Rollout.Phase)
		return rollout.DecideStart(s, 1)
	}, byType); err != nil {
		t.Fatal(err)
	}
	if want := []rollout.Phase{rollout.PhasePending, rollout.PhaseProgressing}; !slices.Equal(decidedOn, want) {
		t.Fatalf("decided on phases %v, want %v (again on the history as it is)", decidedOn, want)
	}
	last, err := h.LastSeq(ctx, ref)
	if err != nil || last != stale.LastSeq || last != other.LastSeq {
		t.Fatalf("LastSeq %d (%v); states at %d and %d", last, err, stale.LastSeq, other.LastSeq)
	}
	loaded, err := h.Load(ctx, ref)
	if err != nil || loaded.Rollout.Phase != rollout.PhaseProgressing || loaded.LastSeq != last {
		t.Fatalf("Load: %+v, %v", loaded.Rollout, err)
	}
	counts, err := h.Counts(ctx)
	if err != nil || counts[events.DeploymentSubject(ref)] != 2 {
		t.Fatalf("Counts: %v, %v; want 2 events", counts, err)
	}
}
