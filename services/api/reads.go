package api

import (
	"context"

	"slipway.dev/services/api/internal/httpapi"
	"slipway.dev/services/api/internal/readmodel"
)

// deploymentView holds deployment documents the projector has written
// (readmodel.DeploymentView).
type deploymentView interface {
	Deployment(id string) (readmodel.Deployment, bool)
}

// viewReads answers deployment lookups (every PATCH reads the document for
// its merge-patch base and target) from the view when it holds the
// document, and everything else, and every miss, from the store.
type viewReads struct {
	httpapi.Reads
	view deploymentView
}

// Deployment returns the deployment as the store would.
func (r viewReads) Deployment(ctx context.Context, id string) (readmodel.Deployment, error) {
	if d, ok := r.view.Deployment(id); ok {
		return d, nil
	}
	return r.Reads.Deployment(ctx, id)
}
