// Package history keeps the worker's event histories on the EVENTS stream:
// a deployment's (folded into a rollout.State; decisions appended with
// optimistic concurrency, bus.Loop; its last sequence; every deployment's
// event count) and a target's registrations (folded into a registry.State).
// The worker's actors reach it through small interfaces of their own; this
// is their one implementation on JetStream.
package history

import (
	"context"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/metrics"
	"slipway.dev/services/rollout-worker/internal/registry"
	"slipway.dev/services/rollout-worker/internal/rollout"
)

// Source is the CloudEvents source of everything the worker writes.
const Source = "/slipway/rollout-worker"

// Deployments are the deployments' histories on one connection. Copies
// share one cache of folds.
type Deployments struct {
	bus   *bus.Conn
	folds *folds
}

// New reads and appends histories through b.
func New(b *bus.Conn) Deployments { return Deployments{bus: b, folds: newFolds(foldLimit)} }

// Load folds a deployment's history. A deployment loaded before costs one
// direct get of its last sequence when nothing was appended since, and a
// read of only the new events otherwise; the first load reads it whole.
func (h Deployments) Load(ctx context.Context, ref events.DeploymentRef) (rollout.State, error) {
	subject := events.DeploymentSubject(ref)
	st, from, last, err := h.cached(ctx, subject)
	if err != nil {
		return rollout.State{}, err
	}
	var records []bus.Record
	switch {
	case from == 0:
		return st, nil
	case last > 0:
		records, err = h.bus.HistoryTail(ctx, subject, from, last)
	default:
		records, _, err = h.bus.HistoryFrom(ctx, subject, from)
	}
	if err != nil {
		return rollout.State{}, err
	}
	for _, r := range records {
		st.Apply(rollout.Event{Seq: r.Seq, Envelope: r.Envelope, Message: r.Message})
	}
	metrics.HistoryEventsRead.Add(float64(len(records)))
	h.folds.read.Add(uint64(len(records)))
	h.folds.put(subject, st)
	return st, nil
}

// cached returns the kept fold of subject, the sequence to read on from
// (0: the fold is current) and the subject's last sequence when known; or
// an empty fold to read from 1.
func (h Deployments) cached(ctx context.Context, subject string) (st rollout.State, from, last uint64, err error) {
	st, ok := h.folds.get(subject)
	if !ok {
		return rollout.Fold(nil), 1, 0, nil
	}
	last, err = h.bus.LastSeq(ctx, subject)
	if err != nil {
		return rollout.State{}, 0, 0, err
	}
	switch {
	case last == st.LastSeq:
		return st, 0, last, nil
	case last < st.LastSeq:
		// The replica that answered lags the kept fold (on replicated
		// EVENTS any replica answers a direct get): the fold is the newer.
		return st, 0, st.LastSeq, nil
	}
	return st, st.LastSeq + 1, last, nil
}

// LastSeq returns the sequence of the deployment's last event (0: none).
func (h Deployments) LastSeq(ctx context.Context, ref events.DeploymentRef) (uint64, error) {
	return h.bus.LastSeq(ctx, events.DeploymentSubject(ref))
}

// Counts returns the number of events of every deployment subject.
func (h Deployments) Counts(ctx context.Context) (map[string]uint64, error) {
	return h.bus.SubjectCounts(ctx, events.DeploymentEventSubjects)
}

// Append appends what decide returns against st, and folds each appended
// event into st. On a concurrent append it reloads st and decides again
// (bus.Loop's one retry rule), so the events always follow from the
// history they are appended to. id, given a message, names it
// deterministically where a retry must not duplicate it; meta's ID, Source,
// Subject and Time are set here.
func (h Deployments) Append(ctx context.Context, st *rollout.State, ref events.DeploymentRef, meta events.Meta,
	decide func(rollout.State) []events.Message, id func(events.Message) string) error {
	loop := bus.Loop[rollout.State]{
		Subject: events.DeploymentSubject(ref),
		Load: func(ctx context.Context) (rollout.State, uint64, error) {
			s, err := h.Load(ctx, ref)
			return s, s.LastSeq, err
		},
		Decide: func(s rollout.State) ([]bus.Decided, error) {
			msgs := decide(s)
			out := make([]bus.Decided, len(msgs))
			for i, msg := range msgs {
				m := meta
				m.ID, m.Source, m.Subject, m.Time = id(msg), Source, ref.String(), time.Now().UTC()
				out[i] = bus.Decided{Message: msg, Meta: m}
			}
			return out, nil
		},
		Apply: func(s *rollout.State, r bus.Record) {
			s.Apply(rollout.Event{Seq: r.Seq, Envelope: r.Envelope, Message: r.Message})
		},
	}
	fresh, appended, err := loop.RunFrom(ctx, h.bus, *st, st.LastSeq)
	*st = fresh
	if err == nil {
		h.folds.put(events.DeploymentSubject(ref), fresh)
	}
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

// Targets are the targets' registration histories on one connection.
type Targets struct{ bus *bus.Conn }

// NewTargets reads and appends target histories through b.
func NewTargets(b *bus.Conn) Targets { return Targets{bus: b} }

// Load folds a target's history.
func (h Targets) Load(ctx context.Context, name string) (registry.State, error) {
	records, _, err := h.bus.History(ctx, events.TargetSubject(name))
	if err != nil {
		return registry.State{}, err
	}
	evs := make([]registry.Event, len(records))
	for i, rec := range records {
		evs[i] = registry.Event{Seq: rec.Seq, Envelope: rec.Envelope, Message: rec.Message}
	}
	return registry.Fold(evs), nil
}

// Append loads the target's history and appends what decide returns
// against it, deciding again on a concurrent append (bus.Loop). It returns
// the state after, and the events this call appended. id names each event;
// meta's ID, Source, Subject and Time are set here.
func (h Targets) Append(ctx context.Context, name string, meta events.Meta, decide func(registry.State) []events.Message,
	id func(events.Message) string) (registry.State, []events.Message, error) {
	loop := bus.Loop[registry.State]{
		Subject: events.TargetSubject(name),
		Load: func(ctx context.Context) (registry.State, uint64, error) {
			st, err := h.Load(ctx, name)
			return st, st.LastSeq, err
		},
		Decide: func(st registry.State) ([]bus.Decided, error) {
			msgs := decide(st)
			out := make([]bus.Decided, len(msgs))
			for i, msg := range msgs {
				m := meta
				m.ID, m.Source, m.Subject, m.Time = id(msg), Source, events.TargetEnvelopeSubject(name), time.Now().UTC()
				out[i] = bus.Decided{Message: msg, Meta: m}
			}
			return out, nil
		},
		Apply: func(st *registry.State, rec bus.Record) {
			st.Apply(registry.Event{Seq: rec.Seq, Envelope: rec.Envelope, Message: rec.Message})
		},
	}
	st, appended, err := loop.Run(ctx, h.bus)
	msgs := make([]events.Message, len(appended))
	for i, rec := range appended {
		msgs[i] = rec.Message
	}
	return st, msgs, err
}
