package driver

import (
	"context"
	"fmt"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// slotPoll is how often a queued rollout looks for a free slot.
const slotPoll = time.Second

// awaitSlot takes a rollout slot on the target, waiting while all are held
// (recording RolloutQueued once). It returns nil, nil when there is no limit,
// or when the rollout was superseded or terminated while it waited. The slot
// is renewed until ctx ends.
func (d *Driver) awaitSlot(ctx context.Context, st *rollout.State, ref events.DeploymentRef, revision int, target *kube.Target,
	appendFn func(func(rollout.State) []events.Message) error) (Slot, error) {
	limit := target.RolloutLimit()
	if limit == 0 {
		return nil, nil
	}
	holder := fmt.Sprintf("%s#r%d", ref, revision)
	for {
		slot, err := d.limits.Acquire(ctx, target.Name, limit, holder)
		if err != nil || slot != nil {
			if slot != nil {
				go renew(ctx, slot)
			}
			return slot, err
		}
		if err := appendFn(func(s rollout.State) []events.Message {
			return rollout.DecideQueued(s, revision, target.Name, limit)
		}); err != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(slotPoll):
		}
		fresh, err := d.history.Load(ctx, ref)
		if err != nil {
			return nil, err
		}
		*st = fresh
		if !ours(*st, revision) {
			return nil, nil
		}
	}
}

func renew(ctx context.Context, slot Slot) {
	t := time.NewTicker(SlotLease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := slot.Renew(ctx); err != nil {
				return
			}
		}
	}
}

// SlotLease is how long a slot stays held without renewal.
const SlotLease = 30 * time.Second
