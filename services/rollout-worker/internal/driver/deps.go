package driver

import (
	"context"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// What the driver works with, as it sees them: deployments' histories
// (where it reads what to do and records what it did), the targets, and the
// per-target rollout slots. Kubernetes it reaches through each target's
// client.

// History is the driver's view of deployments' event histories.
type History interface {
	// Load folds a deployment's history.
	Load(ctx context.Context, ref events.DeploymentRef) (rollout.State, error)
	// LastSeq returns the sequence of the deployment's last event (0: none):
	// a cheap check whether st is still the whole history.
	LastSeq(ctx context.Context, ref events.DeploymentRef) (uint64, error)
	// Append appends what decide returns against st and folds each appended
	// event into st; when the history moved meanwhile it reloads st and
	// decides again, so the events always follow from the history they are
	// appended to. id names each event (a retry with the same id is stored
	// once). decide returns nothing for what st already holds.
	Append(ctx context.Context, st *rollout.State, ref events.DeploymentRef, meta events.Meta,
		decide func(rollout.State) []events.Message, id func(events.Message) string) error
}

// Targets are the clusters rollouts run on, as registered now.
type Targets interface {
	Get(name string) (*kube.Target, bool)
}

// Slots is the per-target limit of rollouts in flight, shared by every worker.
type Slots interface {
	// Acquire takes a free slot among limit slots of target for holder; it
	// returns nil, nil when all are held by others.
	Acquire(ctx context.Context, target string, limit int, holder string) (Slot, error)
}

// Slot is a held slot: renewed while its rollout runs, released at its end.
type Slot interface {
	Renew(ctx context.Context) error
	Release(ctx context.Context) error
}
