// Package projector keeps the api's read models up to date from EVENTS.
package projector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/metrics"
	"slipway.dev/services/api/internal/readmodel"
)

// CheckpointName is the projection's checkpoint id in the store.
const CheckpointName = "events"

// Projector applies EVENTS to the read models, in stream order, from one
// goroutine: every document has exactly one writer. It resumes after its
// checkpoint; documents keep their own last sequence, so events applied again
// after a crash between a write and the checkpoint change nothing.
type Projector struct {
	bus    *bus.Conn
	store  *readmodel.Store
	log    *slog.Logger
	notify *Notifier
	deps   map[string]readmodel.Deployment
	// before is the deployment document as it was before the event being
	// applied (zero for events of no deployment).
	before readmodel.Deployment
	ops    map[string]readmodel.Operation
}

// New returns a projector writing to store and waking notify.
func New(b *bus.Conn, store *readmodel.Store, notify *Notifier, log *slog.Logger) *Projector {
	return &Projector{bus: b, store: store, log: log, notify: notify,
		deps: map[string]readmodel.Deployment{}, ops: map[string]readmodel.Operation{}}
}

const cacheLimit = 10000

// Run projects until ctx ends.
func (p *Projector) Run(ctx context.Context) error {
	from, err := p.store.Checkpoint(ctx, CheckpointName)
	if err != nil {
		return fmt.Errorf("projector checkpoint: %w", err)
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.EventSubjects}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if from > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from+1
	}
	cons, err := p.bus.JS.OrderedConsumer(ctx, events.StreamEvents, cfg)
	if err != nil {
		return fmt.Errorf("projector consumer: %w", err)
	}
	iter, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("projector messages: %w", err)
	}
	go func() { <-ctx.Done(); iter.Stop() }()
	p.notify.broadcast(from)
	sinceCheckpoint := 0
	for {
		msg, err := iter.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("projector next: %w", err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("projector metadata: %w", err)
		}
		if err := p.applyRetrying(ctx, meta.Sequence.Stream, msg.Subject(), msg.Data()); err != nil {
			return err
		}
		metrics.ProjectedEvents.Inc()
		metrics.ProjectionLag.Set(float64(meta.NumPending))
		sinceCheckpoint++
		if meta.NumPending == 0 || sinceCheckpoint >= 100 {
			if err := p.store.SetCheckpoint(ctx, CheckpointName, meta.Sequence.Stream); err != nil {
				p.log.WarnContext(ctx, "projector checkpoint", "err", err)
			} else {
				sinceCheckpoint = 0
			}
		}
		p.notify.broadcast(meta.Sequence.Stream)
	}
}

// applyRetrying applies one event, retrying while the store fails: an event
// is never skipped, or the read models would silently diverge.
func (p *Projector) applyRetrying(ctx context.Context, seq uint64, subject string, data []byte) error {
	backoff := 100 * time.Millisecond
	for {
		err := p.Apply(ctx, seq, subject, data)
		if err == nil {
			return nil
		}
		var malformed malformedError
		if errors.As(err, &malformed) {
			p.log.ErrorContext(ctx, "skipping malformed event", "seq", seq, "err", err)
			return nil
		}
		p.log.WarnContext(ctx, "projection failed; retrying", "seq", seq, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

type malformedError struct{ error }

// Apply projects one event into every document it touches.
func (p *Projector) Apply(ctx context.Context, seq uint64, subject string, data []byte) error {
	rec, err := bus.Decode(seq, data)
	if err != nil {
		return malformedError{err}
	}
	if rec.Message == nil {
		return nil // a type from a newer version; nothing here reads it
	}
	p.before = readmodel.Deployment{}
	if ref, ok := events.ParseDeploymentSubject(subject); ok {
		id := ref.String()
		before, err := p.deployment(ctx, id)
		if err != nil {
			return err
		}
		for _, n := range readmodel.RevisionsTouched(before, rec.Message) {
			if err := p.applyRevision(ctx, id, n, rec); err != nil {
				return err
			}
		}
		p.before = before
		if err := p.applyDeployment(ctx, id, before, rec); err != nil {
			return err
		}
		if err := p.settleEnded(ctx, before, rec); err != nil {
			return err
		}
	}
	if id, ok := events.PromotionID(subject); ok {
		if err := p.applyPromotion(ctx, id, rec); err != nil {
			return err
		}
	}
	if rec.Envelope.CorrelationID != "" {
		return p.applyOperation(ctx, rec)
	}
	return nil
}

func (p *Projector) applyPromotion(ctx context.Context, id string, rec bus.Record) error {
	doc, err := p.store.Promotion(ctx, id)
	if err != nil && !errors.Is(err, readmodel.ErrNotFound) {
		return err
	}
	if !readmodel.ProjectPromotion(&doc, rec.Seq, rec.Envelope, rec.Message) {
		return nil
	}
	return p.store.PutPromotion(ctx, doc)
}

// settleEnded ends the operation of a rollout that an event ended without
// an outcome of its own: a newer revision or a termination superseded it,
// or an abort stopped it.
func (p *Projector) settleEnded(ctx context.Context, before readmodel.Deployment, rec bus.Record) error {
	var id, reason, message string
	switch m := rec.Message.(type) {
	case events.RevisionCreated:
		id, reason, message = m.SupersededOperation, events.ReasonSuperseded, fmt.Sprintf("revision %d replaced this rollout before it ended", m.Revision.Number)
	case events.DeploymentTerminated:
		id, reason, message = m.SupersededOperation, events.ReasonSuperseded, "the deployment was terminated before this rollout ended"
	case events.RolloutAborted:
		if before.Rollout != nil {
			id, reason, message = before.Rollout.OperationID, m.Reason, m.Message
		}
	}
	if id == "" || id == rec.Envelope.CorrelationID {
		return nil
	}
	o, ok := p.ops[id]
	if !ok {
		var err error
		if o, err = p.store.Operation(ctx, id); err != nil {
			if errors.Is(err, readmodel.ErrNotFound) {
				return nil
			}
			return err
		}
	}
	if !readmodel.ProjectEnded(&o, rec.Seq, rec.Envelope, reason, message) {
		return nil
	}
	if err := p.store.PutOperation(ctx, o); err != nil {
		delete(p.ops, id)
		return err
	}
	remember(p.ops, id, o)
	return nil
}

// deployment returns the current document (zero when none).
func (p *Projector) deployment(ctx context.Context, id string) (readmodel.Deployment, error) {
	if d, ok := p.deps[id]; ok {
		return d, nil
	}
	d, err := p.store.Deployment(ctx, id)
	if err != nil && !errors.Is(err, readmodel.ErrNotFound) {
		return d, err
	}
	return d, nil
}

func (p *Projector) applyRevision(ctx context.Context, deployment string, n int, rec bus.Record) error {
	r, err := p.store.Revision(ctx, deployment, n)
	if err != nil && !errors.Is(err, readmodel.ErrNotFound) {
		return err
	}
	if !readmodel.ProjectRevision(&r, n, rec.Seq, rec.Envelope, rec.Message) {
		return nil
	}
	return p.store.PutRevision(ctx, r)
}

func (p *Projector) applyDeployment(ctx context.Context, id string, d readmodel.Deployment, rec bus.Record) error {
	if d.Spec != nil { // documents carry their decoded spec in memory only
		d.Spec = nil
	}
	if !readmodel.ProjectDeployment(&d, rec.Seq, rec.Envelope, rec.Message) {
		return nil
	}
	if err := p.store.PutDeployment(ctx, d); err != nil {
		delete(p.deps, id)
		return err
	}
	remember(p.deps, id, d)
	return nil
}

func (p *Projector) applyOperation(ctx context.Context, rec bus.Record) error {
	id := rec.Envelope.CorrelationID
	o, ok := p.ops[id]
	if !ok {
		var err error
		o, err = p.store.Operation(ctx, id)
		if err != nil && !errors.Is(err, readmodel.ErrNotFound) {
			return err
		}
	}
	if !readmodel.ProjectOperation(&o, rec.Seq, rec.Envelope, rec.Message) {
		return nil
	}
	if diff := readmodel.OperationDiff(p.before, rec.Message); diff != nil {
		o.Diff = diff
	}
	if err := p.store.PutOperation(ctx, o); err != nil {
		delete(p.ops, id)
		return err
	}
	remember(p.ops, id, o)
	return nil
}

// remember caches a document the projector alone writes, sparing a read per
// event; the cache is dropped whole when it outgrows its limit.
func remember[T any](cache map[string]T, id string, v T) {
	if len(cache) >= cacheLimit {
		clear(cache)
	}
	cache[id] = v
}
