package driver

import (
	"context"
	"errors"
	"testing"

	kubefake "k8s.io/client-go/kubernetes/fake"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/history/historytest"
	"slipway.dev/services/rollout-worker/internal/rollout"
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

// staleAfterAppend is a history whose appends leave st as a lagging replica
// would have it: without any revision (the reload after a conflict read
// from a replica behind the leader).
type staleAfterAppend struct{ *historytest.Memory }

func (h staleAfterAppend) Append(ctx context.Context, st *rollout.State, ref events.DeploymentRef, meta events.Meta,
	decide func(rollout.State) []events.Message, id func(events.Message) string) error {
	if err := h.Memory.Append(ctx, st, ref, meta, decide, id); err != nil {
		return err
	}
	*st = rollout.Fold(nil)
	return nil
}

// TestAStaleReloadMidRolloutIsRetried: a state reloaded stale while the
// rollout starts is retried, where the driver dereferenced the missing
// revision's spec and the worker crashed (found by the fault-injection
// suite's long run).
func TestAStaleReloadMidRolloutIsRetried(t *testing.T) {
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	client := kubefake.NewClientset()
	h := historytest.New()
	if err := h.Add(ref, "", events.DeploymentCreated{Deployment: ref, Target: events.TargetInfo{Name: "sim", Namespace: "default",
		ObjectName: kube.ObjectName(ref.Owner, ref.Project, ref.Name)}, Revision: revision(1, "img:1")}); err != nil {
		t.Fatal(err)
	}
	d := newTestDriver(t, client, staleAfterAppend{h}, &fakeSlots{})
	if err := d.drive(t.Context(), ref, 1, events.Envelope{ID: "cause"}); !errors.Is(err, errStaleHistory) {
		t.Fatalf("drive after a stale reload: %v, want errStaleHistory", err)
	}
}
