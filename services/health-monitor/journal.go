package monitor

import (
	"context"
	"fmt"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/services/health-monitor/internal/health"
)

// journal is where health transitions are recorded: each deployment's
// event history.
type journal interface {
	// LastHealth returns the key of the last HealthChanged in the
	// deployment's history; the zero Key when there is none.
	LastHealth(ctx context.Context, ref events.DeploymentRef) (health.Key, error)
	// Append adds a HealthChanged to the deployment's history; it does
	// nothing for a deployment without history (not created through Slipway).
	Append(ctx context.Context, ref events.DeploymentRef, ev events.HealthChanged) error
}

// busJournal is the journal on JetStream.
type busJournal struct{ bus *bus.Conn }

func (j busJournal) LastHealth(ctx context.Context, ref events.DeploymentRef) (health.Key, error) {
	h, err := j.load(ctx, ref)
	if err != nil {
		return health.Key{}, fmt.Errorf("health history of %s: %w", ref, err)
	}
	return h.key, nil
}

// reported is what a deployment's history says about its health: the
// last HealthChanged's key and the history's last sequence (0: no history).
type reported struct {
	key  health.Key
	last uint64
}

func (j busJournal) load(ctx context.Context, ref events.DeploymentRef) (reported, error) {
	records, last, err := j.bus.History(ctx, events.DeploymentSubject(ref))
	if err != nil {
		return reported{}, err
	}
	r := reported{last: last}
	for i := len(records) - 1; i >= 0; i-- {
		if h, ok := records[i].Message.(events.HealthChanged); ok {
			r.key = keyOf(h)
			break
		}
	}
	return r, nil
}

func keyOf(h events.HealthChanged) health.Key {
	return health.Key{State: h.To, Reason: h.Reason, Revision: h.Revision}
}

// Append reports ev once (bus.Loop): its id names the history's position,
// and a transition the history already ends in (reported by another
// replica, or by an attempt whose answer was lost) is not reported again.
func (j busJournal) Append(ctx context.Context, ref events.DeploymentRef, ev events.HealthChanged) error {
	loop := bus.Loop[reported]{
		Subject: events.DeploymentSubject(ref),
		Load: func(ctx context.Context) (reported, uint64, error) {
			r, err := j.load(ctx, ref)
			return r, r.last, err
		},
		Decide: func(r reported) ([]bus.Decided, error) {
			if r.last == 0 || r.key == keyOf(ev) {
				return nil, nil // not created through Slipway (yet): nothing to report on; or reported already
			}
			return []bus.Decided{{Message: ev, Meta: events.Meta{ID: fmt.Sprintf("%s/health/%d", ref, r.last),
				Source: "/slipway/health-monitor", Subject: ref.String(), Time: time.Now().UTC(), Actor: events.ActorHealthMonitor}}}, nil
		},
	}
	if _, _, err := loop.Run(ctx, j.bus); err != nil {
		return fmt.Errorf("publish health of %s: %w", ref, err)
	}
	return nil
}
