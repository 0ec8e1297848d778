package history

import (
	"reflect"
	"testing"

	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// TestLoadReadsOnlyWhatWasAppended: a worker that loaded a deployment
// before reads only the events appended since (by itself or by another
// worker), the result equals a whole fold, and nothing a caller changes in
// a loaded state reaches the next load.
func TestLoadReadsOnlyWhatWasAppended(t *testing.T) {
	ctx := t.Context()
	conn, _ := embeddedtest.NATS(t)
	mine, theirs := New(conn), New(conn)
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	other := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "other"}
	one := int32(1)
	rev := events.Revision{Number: 1, Cause: events.CauseCreated, Spec: events.Spec{Image: "img:1", Replicas: &one}.WithDefaults()}
	meta := events.Meta{Actor: "user:test", CorrelationID: "op-1"}
	byType := func(m events.Message) string { return m.Type() }
	createIn := func(h Deployments, ref events.DeploymentRef) {
		var st rollout.State
		if err := h.Append(ctx, &st, ref, meta, func(rollout.State) []events.Message {
			return []events.Message{events.DeploymentCreated{Deployment: ref, Target: events.TargetInfo{Name: "sim"}, Revision: rev}}
		}, func(m events.Message) string { return ref.String() + m.Type() }); err != nil {
			t.Fatal(err)
		}
	}
	createIn(mine, ref)
	createIn(theirs, other)

	st, err := mine.Load(ctx, ref)
	if err != nil || !st.Exists {
		t.Fatalf("Load after my own append: %+v, %v", st, err)
	}
	if n := mine.folds.read.Load(); n != 0 {
		t.Fatalf("a load after my own append read %d events, want 0 (the fold was kept)", n)
	}
	// A caller changing its state changes nothing kept.
	st.Rollout.Phase, st.Aliases["x"] = rollout.PhaseFailed, rollout.Alias{Revision: 9}

	theirState, err := theirs.Load(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := theirs.Append(ctx, &theirState, ref, meta, func(s rollout.State) []events.Message {
		return rollout.DecideStart(s, 1)
	}, byType); err != nil {
		t.Fatal(err)
	}
	got, err := mine.Load(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if n := mine.folds.read.Load(); n != 1 {
		t.Fatalf("a load after another worker appended one event read %d events, want 1", n)
	}
	whole, err := New(conn).Load(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, whole) {
		t.Fatalf("incremental load:\n%+v\nwhole fold:\n%+v", got, whole)
	}
	if got.Rollout.Phase != rollout.PhaseProgressing || len(got.Aliases) != 0 {
		t.Fatalf("loaded rollout %+v aliases %v: a caller's change reached the kept fold", got.Rollout, got.Aliases)
	}
}

// TestFoldsKeepTheMostRecentlyUsed: past the limit the least recently
// loaded fold is dropped; a fold older than the one kept never replaces it.
func TestFoldsKeepTheMostRecentlyUsed(t *testing.T) {
	f := newFolds(2)
	at := func(seq uint64) rollout.State { s := rollout.Fold(nil); s.LastSeq = seq; return s }
	f.put("a", at(1))
	f.put("b", at(2))
	f.get("a")
	f.put("c", at(3))
	if _, ok := f.get("b"); ok {
		t.Fatal("b was the least recently used and must have been dropped")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := f.get(k); !ok {
			t.Fatalf("%s must be kept", k)
		}
	}
	f.put("c", at(1))
	if s, _ := f.get("c"); s.LastSeq != 3 {
		t.Fatalf("c at %d: an older fold replaced a newer one", s.LastSeq)
	}
	if f.len() != 2 {
		t.Fatalf("%d folds kept, limit 2", f.len())
	}
}
