package worker

import (
	"context"
	"errors"
	"fmt"
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
// again, so the events always follow from the history they are appended to.
// ids, given the index of a message, names it deterministically where a
// retry must not duplicate it (empty: a fresh id).
func appendDecided(ctx context.Context, b *bus.Conn, st *rollout.State, ref events.DeploymentRef, meta events.Meta,
	decide func(rollout.State) []events.Message, id func(events.Message) string) error {
	subject := events.DeploymentSubject(ref)
	for attempt := 0; attempt < 20; attempt++ {
		msgs := decide(*st)
		conflict := false
		for _, msg := range msgs {
			m := meta
			m.ID, m.Source, m.Subject, m.Time = id(msg), source, ref.String(), time.Now().UTC()
			env, err := events.Wrap(msg, m)
			if err != nil {
				return err
			}
			pub, err := b.Append(ctx, subject, env, st.LastSeq)
			if errors.Is(err, bus.ErrConflict) || (err == nil && pub.Duplicate) {
				conflict = true
				break
			}
			if err != nil {
				return err
			}
			st.Apply(rollout.Event{Seq: pub.Seq, Envelope: env, Message: msg})
			observe(msg)
		}
		if !conflict {
			return nil
		}
		fresh, err := loadState(ctx, b, ref)
		if err != nil {
			return err
		}
		*st = fresh
	}
	return fmt.Errorf("append to %s: still conflicting after 20 attempts", subject)
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
