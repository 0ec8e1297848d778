package worker

import (
	"context"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/metrics"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// source is the CloudEvents source of everything the worker writes.
const source = "/slipway/rollout-worker"

// loadState folds a deployment's history.
func loadState(ctx context.Context, b *bus.Conn, ref events.DeploymentRef) (rollout.State, error) {
	records, _, err := b.History(ctx, events.DeploymentSubject(ref))
	if err != nil {
		return rollout.State{}, err
	}
	evs := make([]rollout.Event, len(records))
	for i, r := range records {
		evs[i] = rollout.Event{Seq: r.Seq, Envelope: r.Envelope, Message: r.Message}
	}
	return rollout.Fold(evs), nil
}

// appendDecided appends what decide returns against st, and folds each
// appended event into st. On a concurrent append it reloads st and decides
// again (bus.Loop's one retry rule), so the events always follow from the
// history they are appended to. id, given a message, names it
// deterministically where a retry must not duplicate it.
func appendDecided(ctx context.Context, b *bus.Conn, st *rollout.State, ref events.DeploymentRef, meta events.Meta,
	decide func(rollout.State) []events.Message, id func(events.Message) string) error {
	loop := bus.Loop[rollout.State]{
		Subject: events.DeploymentSubject(ref),
		Load: func(ctx context.Context) (rollout.State, uint64, error) {
			s, err := loadState(ctx, b, ref)
			return s, s.LastSeq, err
		},
		Decide: func(s rollout.State) ([]bus.Decided, error) {
			msgs := decide(s)
			out := make([]bus.Decided, len(msgs))
			for i, msg := range msgs {
				m := meta
				m.ID, m.Source, m.Subject, m.Time = id(msg), source, ref.String(), time.Now().UTC()
				out[i] = bus.Decided{Message: msg, Meta: m}
			}
			return out, nil
		},
		Apply: func(s *rollout.State, r bus.Record) {
			s.Apply(rollout.Event{Seq: r.Seq, Envelope: r.Envelope, Message: r.Message})
		},
	}
	fresh, appended, err := loop.RunFrom(ctx, b, *st, st.LastSeq)
	*st = fresh
	for _, r := range appended {
		observe(r.Message)
	}
	return err
}

// observe records the metrics of an appended event.
func observe(msg events.Message) {
	switch m := msg.(type) {
	case events.RolloutSucceeded:
		metrics.Rollouts.WithLabelValues("succeeded", events.ReasonRolloutComplete).Inc()
		metrics.RolloutDuration.Observe(float64(m.DurationMS) / 1000)
	case events.RolloutFailed:
		metrics.Rollouts.WithLabelValues("failed", m.Reason).Inc()
	case events.RolloutAborted:
		metrics.Rollouts.WithLabelValues("aborted", m.Reason).Inc()
	}
}
