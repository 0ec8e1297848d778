package api

import (
	"context"
	"log/slog"
	"time"

	"slipway.dev/services/api/internal/httpapi"
	"slipway.dev/services/api/internal/readmodel"
)

// deploymentView holds deployment documents the projector has applied
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
//
// The view is ahead of the store by up to one flush, so every read of the
// store first waits (written) until the store has what the view showed:
// a client that saw revision 4 in a deployment finds revision 4 and its
// operation. That wait is one flush at most, nothing on an idle projector
// or on a replica not running it.
type viewReads struct {
	httpapi.Reads
	view    deploymentView
	fleet   fleetIndex
	written storeWaiter
}

// storeWaiter waits until the store has what the view showed
// (projector.Notifier).
type storeWaiter interface {
	WaitWritten(ctx context.Context, limit time.Duration)
}

// writtenWait bounds the wait for the store: past it (the store failing,
// or a flush of a large batch), a read serves what the store has. It takes
// at most half of what is left of the read's deadline, so the read itself
// still has time: a wait must never turn a slow store into a failed read.
const writtenWait = 2 * time.Second

func (r viewReads) caughtUp(ctx context.Context) {
	if r.written == nil {
		return
	}
	limit := writtenWait
	if deadline, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(deadline)/2)
	}
	if limit > 0 {
		r.written.WaitWritten(ctx, limit)
	}
}

// DeploymentSummaries returns a fleet page as the store would.
func (r viewReads) DeploymentSummaries(ctx context.Context, q readmodel.FleetQuery) ([]readmodel.DeploymentSummary, error) {
	if items, ok := r.fleet.Summaries(q); ok {
		return items, nil
	}
	r.caughtUp(ctx)
	return r.Reads.DeploymentSummaries(ctx, q)
}

// Deployments returns a page of whole documents from the store.
func (r viewReads) Deployments(ctx context.Context, q readmodel.FleetQuery) ([]readmodel.Deployment, error) {
	r.caughtUp(ctx)
	return r.Reads.Deployments(ctx, q)
}

// Operation returns an operation from the store.
func (r viewReads) Operation(ctx context.Context, id string) (readmodel.Operation, error) {
	r.caughtUp(ctx)
	return r.Reads.Operation(ctx, id)
}

// Operations returns a page of the audit log from the store.
func (r viewReads) Operations(ctx context.Context, q readmodel.OperationQuery) ([]readmodel.Operation, error) {
	r.caughtUp(ctx)
	return r.Reads.Operations(ctx, q)
}

// Revision returns a revision from the store.
func (r viewReads) Revision(ctx context.Context, deployment string, n int) (readmodel.Revision, error) {
	r.caughtUp(ctx)
	return r.Reads.Revision(ctx, deployment, n)
}

// Revisions returns a page of revisions from the store.
func (r viewReads) Revisions(ctx context.Context, deployment string, before, limit int) ([]readmodel.Revision, error) {
	r.caughtUp(ctx)
	return r.Reads.Revisions(ctx, deployment, before, limit)
}

// Promotion returns a promotion from the store.
func (r viewReads) Promotion(ctx context.Context, id string) (readmodel.Promotion, error) {
	r.caughtUp(ctx)
	return r.Reads.Promotion(ctx, id)
}

// Deployment returns the deployment as the store would.
func (r viewReads) Deployment(ctx context.Context, id string) (readmodel.Deployment, error) {
	if d, ok := r.view.Deployment(id); ok {
		return d, nil
	}
	return r.Reads.Deployment(ctx, id)
}

// published feeds the view every deployment document applied and written,
// and the fleet index every one applied: a summary is replaced only by a
// later sequence, so it needs not know when the store has one.
type published struct {
	view  *readmodel.DeploymentView
	fleet *readmodel.FleetIndex
}

func (p published) Publish(d readmodel.Deployment) {
	p.view.Publish(d)
	p.fleet.Publish(d)
}

func (p published) Written(d readmodel.Deployment) { p.view.Written(d) }

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
