package access

import (
	"context"
	"log/slog"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/telemetry"
)

// Journal files access events in EVENTS, where the projector turns each into
// an audit entry. Denials are bounded per actor, so a client retrying a
// forbidden call in a loop cannot flood the stream; what is dropped is
// still logged.
type Journal struct {
	bus     *bus.Conn
	denials *Limiter
	log     *slog.Logger
}

// NewJournal returns a journal publishing on b.
func NewJournal(b *bus.Conn, log *slog.Logger) *Journal {
	return &Journal{bus: b, denials: NewLimiter(2, 20), log: log}
}

// Record publishes msg as actor's, under project (owner/project, or "" for
// none). Its id is also its operation id, so it shows in GET /v1/audit.
func (j *Journal) Record(ctx context.Context, actor, project string, msg events.Message) error {
	if _, denial := msg.(events.AccessDenied); denial {
		if ok, _ := j.denials.Allow(actor); !ok {
			j.log.WarnContext(ctx, "access denial not recorded: too many from this actor", "actor", actor)
			return nil
		}
	}
	id := "acc-" + randomString(13)
	subject := project
	if d, ok := msg.(events.AccessDenied); ok && d.Deployment != "" {
		subject = d.Deployment
	}
	env, err := events.Wrap(msg, events.Meta{ID: id, Source: "/slipway/api", Subject: subject, Time: time.Now().UTC(),
		Actor: actor, CorrelationID: id, TraceParent: telemetry.TraceParent(ctx)})
	if err != nil {
		return err
	}
	_, err = j.bus.PublishEvent(ctx, events.AccessSubject(project), env)
	return err
}
