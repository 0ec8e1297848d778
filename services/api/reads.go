package api

import (
	"context"
	"log/slog"
	"time"

	"slipway.dev/services/api/internal/httpapi"
	"slipway.dev/services/api/internal/projector"
	"slipway.dev/services/api/internal/readmodel"
)

// deploymentView holds deployment documents the projector has written
// (readmodel.DeploymentView).
type deploymentView interface {
	Deployment(id string) (readmodel.Deployment, bool)
}

// fleetIndex holds every deployment's summary once loaded
// (readmodel.FleetIndex).
type fleetIndex interface {
	Summaries(q readmodel.FleetQuery) ([]readmodel.DeploymentSummary, bool)
}

// viewReads answers deployment lookups (every PATCH reads the document for
// its merge-patch base and target) from the view when it holds the
// document, fleet list pages from the fleet index when it is loaded (on the
// replica running the projector), and everything else, and every miss,
// from the store.
type viewReads struct {
	httpapi.Reads
	view  deploymentView
	fleet fleetIndex
}

// DeploymentSummaries returns a fleet page as the store would.
func (r viewReads) DeploymentSummaries(ctx context.Context, q readmodel.FleetQuery) ([]readmodel.DeploymentSummary, error) {
	if items, ok := r.fleet.Summaries(q); ok {
		return items, nil
	}
	return r.Reads.DeploymentSummaries(ctx, q)
}

// Deployment returns the deployment as the store would.
func (r viewReads) Deployment(ctx context.Context, id string) (readmodel.Deployment, error) {
	if d, ok := r.view.Deployment(id); ok {
		return d, nil
	}
	return r.Reads.Deployment(ctx, id)
}

// published tells every publisher of each deployment document written.
type published []projector.Publisher

func (p published) Publish(d readmodel.Deployment) {
	for _, to := range p {
		to.Publish(d)
	}
}

// loadFleet fills the fleet index from the store, retrying until it has or
// ctx ends; lists read the store meanwhile.
func loadFleet(ctx context.Context, fleet *readmodel.FleetIndex, store *readmodel.Store, log *slog.Logger) {
	for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
		err := fleet.Load(ctx, store)
		if err == nil || ctx.Err() != nil {
			return
		}
		log.WarnContext(ctx, "fleet index not loaded; lists read the store", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
