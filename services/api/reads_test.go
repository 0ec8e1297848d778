package api

import (
	"context"
	"errors"
	"testing"
	"time"

	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/httpapi"
	"slipway.dev/services/api/internal/readmodel"
)

// storeReads answers deployment lookups for the ids it has and counts them.
type storeReads struct {
	httpapi.Reads
	docs  map[string]readmodel.Deployment
	reads int
	lists int // DeploymentSummaries queries
}

// DeploymentSummaries answers every summary it has, and counts the queries.
func (s *storeReads) DeploymentSummaries(context.Context, readmodel.FleetQuery) ([]readmodel.DeploymentSummary, error) {
	s.lists++
	out := []readmodel.DeploymentSummary{}
	for _, d := range s.docs {
		out = append(out, readmodel.DeploymentSummary{ID: d.ID, Seq: d.Seq})
	}
	return out, nil
}

func (s *storeReads) Deployment(_ context.Context, id string) (readmodel.Deployment, error) {
	s.reads++
	if d, ok := s.docs[id]; ok {
		return d, nil
	}
	return readmodel.Deployment{}, fault.ErrNotFound
}

func TestViewReadsFallBackToTheStore(t *testing.T) {
	store := &storeReads{docs: map[string]readmodel.Deployment{
		"acme/fraud/old": {ID: "acme/fraud/old", Seq: 3},
		"acme/fraud/new": {ID: "acme/fraud/new", Seq: 7},
	}}
	view := readmodel.NewDeploymentView(1)
	view.Publish(readmodel.Deployment{ID: "acme/fraud/new", Seq: 7})
	view.Written(readmodel.Deployment{ID: "acme/fraud/new", Seq: 7})
	r := viewReads{Reads: store, view: view}

	if d, err := r.Deployment(t.Context(), "acme/fraud/new"); err != nil || d.Seq != 7 || store.reads != 0 {
		t.Fatalf("held document: %+v, %v, %d store reads", d, err, store.reads)
	}
	if d, err := r.Deployment(t.Context(), "acme/fraud/old"); err != nil || d.Seq != 3 || store.reads != 1 {
		t.Fatalf("document not in the view: %+v, %v, %d store reads", d, err, store.reads)
	}
	if _, err := r.Deployment(t.Context(), "acme/fraud/none"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("unknown deployment: %v", err)
	}
	view.Publish(readmodel.Deployment{ID: "acme/fraud/other", Seq: 9}) // evicts "new"
	if d, err := r.Deployment(t.Context(), "acme/fraud/new"); err != nil || d.Seq != 7 || store.reads != 3 {
		t.Fatalf("evicted document: %+v, %v, %d store reads", d, err, store.reads)
	}
}

// TestFleetPagesFromTheIndexOnceLoaded: the projector's replica answers list
// pages from the fleet index once it is loaded (no store query), including
// what the projector published since; before, and after a reset, the store.
func TestFleetPagesFromTheIndexOnceLoaded(t *testing.T) {
	store := &storeReads{docs: map[string]readmodel.Deployment{"acme/fraud/old": {ID: "acme/fraud/old", Seq: 3}}}
	fleet := readmodel.NewFleetIndex()
	view := readmodel.NewDeploymentView(10)
	r := viewReads{Reads: store, view: view, fleet: fleet}
	pub := published{view: view, fleet: fleet}

	if _, err := r.DeploymentSummaries(t.Context(), readmodel.FleetQuery{}); err != nil || store.lists != 1 {
		t.Fatalf("before the load: %v, %d store queries", err, store.lists)
	}
	if err := fleet.Load(t.Context(), store); err != nil {
		t.Fatal(err)
	}
	pub.Publish(readmodel.Deployment{ID: "acme/fraud/new", Seq: 8})
	items, err := r.DeploymentSummaries(t.Context(), readmodel.FleetQuery{})
	if err != nil || store.lists != 2 || len(items) != 2 || items[0].ID != "acme/fraud/new" || items[1].ID != "acme/fraud/old" {
		t.Fatalf("loaded: %+v, %v, %d store queries (one was the load)", items, err, store.lists)
	}
	fleet.Reset()
	if _, err := r.DeploymentSummaries(t.Context(), readmodel.FleetQuery{}); err != nil || store.lists != 3 {
		t.Fatalf("after a reset: %v, %d store queries", err, store.lists)
	}
}

// waiter counts the waits for the store, as projector.Notifier.WaitWritten.
type waiter struct{ waits int }

func (w *waiter) WaitWritten(context.Context, time.Duration) { w.waits++ }

// TestStoreReadsWaitForWhatTheViewShowed: every read the store answers
// first waits until the store has what the view showed (a client that saw
// revision 4 in a deployment then finds revision 4); a lookup or a list
// page the view and the fleet index answer waits for nothing.
func TestStoreReadsWaitForWhatTheViewShowed(t *testing.T) {
	store := &storeReads{Reads: fullReads{}, docs: map[string]readmodel.Deployment{}}
	view := readmodel.NewDeploymentView(10)
	view.Publish(readmodel.Deployment{ID: "acme/fraud/new", Seq: 7})
	fleet := readmodel.NewFleetIndex()
	if err := fleet.Load(t.Context(), store); err != nil {
		t.Fatal(err)
	}
	w := &waiter{}
	r := viewReads{Reads: store, view: view, fleet: fleet, written: w}
	ctx := t.Context()
	if _, err := r.Deployment(ctx, "acme/fraud/new"); err != nil || w.waits != 0 {
		t.Fatalf("a lookup the view answers: %v, %d waits", err, w.waits)
	}
	if _, err := r.DeploymentSummaries(ctx, readmodel.FleetQuery{}); err != nil || w.waits != 0 {
		t.Fatalf("a page the fleet index answers: %v, %d waits", err, w.waits)
	}
	reads := map[string]func() error{
		"operation":   func() error { _, err := r.Operation(ctx, "op-1"); return err },
		"operations":  func() error { _, err := r.Operations(ctx, readmodel.OperationQuery{}); return err },
		"revision":    func() error { _, err := r.Revision(ctx, "acme/fraud/new", 4); return err },
		"revisions":   func() error { _, err := r.Revisions(ctx, "acme/fraud/new", 0, 10); return err },
		"deployments": func() error { _, err := r.Deployments(ctx, readmodel.FleetQuery{}); return err },
		"promotion":   func() error { _, err := r.Promotion(ctx, "p-1"); return err },
	}
	for name, read := range reads {
		before := w.waits
		if err := read(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if w.waits != before+1 {
			t.Fatalf("%s read the store without waiting for it", name)
		}
	}
	fleet.Reset()
	if _, err := r.DeploymentSummaries(ctx, readmodel.FleetQuery{}); err != nil || w.waits != len(reads)+1 {
		t.Fatalf("a page the store answers: %v, %d waits", err, w.waits)
	}
}

// fullReads answers every store read with nothing.
type fullReads struct{ httpapi.Reads }

func (fullReads) Operation(context.Context, string) (readmodel.Operation, error) {
	return readmodel.Operation{}, nil
}
func (fullReads) Operations(context.Context, readmodel.OperationQuery) ([]readmodel.Operation, error) {
	return nil, nil
}
func (fullReads) Revision(context.Context, string, int) (readmodel.Revision, error) {
	return readmodel.Revision{}, nil
}
func (fullReads) Revisions(context.Context, string, int, int) ([]readmodel.Revision, error) {
	return nil, nil
}
func (fullReads) Deployments(context.Context, readmodel.FleetQuery) ([]readmodel.Deployment, error) {
	return nil, nil
}
func (fullReads) Promotion(context.Context, string) (readmodel.Promotion, error) {
	return readmodel.Promotion{}, nil
}

// limitWaiter records the limit each wait was given.
type limitWaiter struct{ limits []time.Duration }

func (w *limitWaiter) WaitWritten(_ context.Context, limit time.Duration) {
	w.limits = append(w.limits, limit)
}

// TestTheWaitLeavesTheReadItsTime: a read with a deadline waits for the
// store at most half of what is left of it (a read given 2 s once waited
// all of it and then failed), and one already out of time does not wait.
func TestTheWaitLeavesTheReadItsTime(t *testing.T) {
	w := &limitWaiter{}
	r := viewReads{Reads: fullReads{}, written: w}
	if _, err := r.Operation(t.Context(), "op-1"); err != nil || len(w.limits) != 1 || w.limits[0] != writtenWait {
		t.Fatalf("no deadline: %v, limits %v; want %v", err, w.limits, writtenWait)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	if _, err := r.Operation(ctx, "op-1"); err != nil || len(w.limits) != 2 || w.limits[1] > 500*time.Millisecond || w.limits[1] <= 0 {
		t.Fatalf("1 s left: %v, limits %v; want at most 500ms", err, w.limits)
	}
	past, cancelPast := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancelPast()
	if _, _ = r.Operation(past, "op-1"); len(w.limits) != 2 {
		t.Fatalf("out of time: waited %v", w.limits[2:])
	}
}
