package driver

import (
	"context"
	"errors"
	"fmt"

	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// errStaleHistory means a history read ends before the event being handled:
// it was answered by a replica of EVENTS that has not caught up yet (direct
// gets are served by any replica, and a node cut off from the cluster keeps
// answering from what it has). Deciding on it would find the event's
// revision not current and drop the rollout, so the work is retried instead.
var errStaleHistory = errors.New("the history read is behind the event handled")

type minSeqKey struct{}

// atLeast marks ctx as handling the event stored at seq: every history the
// driver loads under it must reach seq.
func atLeast(ctx context.Context, seq uint64) context.Context {
	return context.WithValue(ctx, minSeqKey{}, seq)
}

// freshHistory refuses a loaded history that ends before the event the
// work under ctx handles (atLeast).
type freshHistory struct{ History }

func (h freshHistory) Load(ctx context.Context, ref events.DeploymentRef) (rollout.State, error) {
	st, err := h.History.Load(ctx, ref)
	if err != nil {
		return st, err
	}
	if least, _ := ctx.Value(minSeqKey{}).(uint64); st.LastSeq < least {
		return rollout.State{}, fmt.Errorf("%s: %w: read up to %d, the event is %d", ref, errStaleHistory, st.LastSeq, least)
	}
	return st, nil
}
