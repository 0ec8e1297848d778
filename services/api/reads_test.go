package api

import (
	"context"
	"errors"
	"testing"

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
	r := viewReads{Reads: store, view: readmodel.NewDeploymentView(10), fleet: fleet}
	pub := published{fleet}

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
