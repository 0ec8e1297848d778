package monitor

import (
	"context"
	"errors"
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
	records, _, err := j.bus.History(ctx, events.DeploymentSubject(ref))
	if err != nil {
		return health.Key{}, fmt.Errorf("health history of %s: %w", ref, err)
	}
	for i := len(records) - 1; i >= 0; i-- {
		if h, ok := records[i].Message.(events.HealthChanged); ok {
			return health.Key{State: h.To, Reason: h.Reason, Revision: h.Revision}, nil
		}
	}
	return health.Key{}, nil
}

func (j busJournal) Append(ctx context.Context, ref events.DeploymentRef, ev events.HealthChanged) error {
	subject := events.DeploymentSubject(ref)
	for range 10 {
		last, err := j.bus.LastSeq(ctx, subject)
		if err != nil {
			return err
		}
		if last == 0 {
			return nil // not created through Slipway (yet): nothing to report on
		}
		env, err := events.Wrap(ev, events.Meta{ID: fmt.Sprintf("%s/health/%d", ref, last), Source: "/slipway/health-monitor",
			Subject: ref.String(), Time: time.Now().UTC(), Actor: "system:health-monitor"})
		if err != nil {
			return err
		}
		_, err = j.bus.Append(ctx, subject, env, last)
		if !errors.Is(err, bus.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("publish health of %s: conflicting appends", ref)
}
