package api

import (
	"context"
	"errors"
	"testing"

	"slipway.dev/services/api/internal/httpapi"
	"slipway.dev/services/api/internal/readmodel"
)

// storeReads answers deployment lookups for the ids it has and counts them.
type storeReads struct {
	httpapi.Reads
	docs  map[string]readmodel.Deployment
	reads int
}

func (s *storeReads) Deployment(_ context.Context, id string) (readmodel.Deployment, error) {
	s.reads++
	if d, ok := s.docs[id]; ok {
		return d, nil
	}
	return readmodel.Deployment{}, readmodel.ErrNotFound
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
	if _, err := r.Deployment(t.Context(), "acme/fraud/none"); !errors.Is(err, readmodel.ErrNotFound) {
		t.Fatalf("unknown deployment: %v", err)
	}
	view.Publish(readmodel.Deployment{ID: "acme/fraud/other", Seq: 9}) // evicts "new"
	if d, err := r.Deployment(t.Context(), "acme/fraud/new"); err != nil || d.Seq != 7 || store.reads != 3 {
		t.Fatalf("evicted document: %+v, %v, %d store reads", d, err, store.reads)
	}
}
