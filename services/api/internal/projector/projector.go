// Package projector keeps the api's read models up to date from EVENTS.
package projector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/metrics"
	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/readmodel"
)

// CheckpointName is the projection's checkpoint id in the store.
const CheckpointName = "events"

// Projector applies EVENTS to the read models, in stream order, from one
// goroutine: every document has exactly one writer.
//
// It writes behind: an event is applied to the documents held in memory
// (dirty ones first, then a cache of written ones, then the store), and the
// dirty documents are written together in a flush: at once when the consumer
// has nothing pending (a caught-up projector writes every event as it comes),
// otherwise, while catching up, after limits.docs dirty documents,
// limits.events events or limits.delay. Only after a flush has written every
// dirty document does it record the checkpoint and wake waiters, so "applied"
// (Notifier) always means "visible in the store". A failed flush keeps the
// dirty set and is retried whole.
//
// Why that is safe: every document carries the sequence of the last event
// applied to it, and an event at or below it changes nothing. A projector
// resuming after its checkpoint (a crash before a flush ended, or between a
// flush and its checkpoint) applies some events again; the documents a flush
// did write already carry them and ignore them, the others apply them as
// they would have. Deployments are written last in a flush, so no deployment
// document is ahead of its revisions and operations, which are projected
// against it.
type Projector struct {
	bus    *bus.Conn
	store  *readmodel.Store
	log    *slog.Logger
	notify *Notifier
	wb     writeBehind
	limits limits
	// before is the deployment document as it was before the event being
	// applied (zero for events of no deployment).
	before readmodel.Deployment
	// staged are the changes of the event being applied, kept in the
	// write-behind set only once the whole event applied.
	staged []func()
}

// New returns a projector writing to store and waking notify.
func New(b *bus.Conn, store *readmodel.Store, notify *Notifier, log *slog.Logger) *Projector {
	return &Projector{bus: b, store: store, log: log, notify: notify, wb: newWriteBehind(), limits: defaultLimits}
}

// PublishTo tells pub of every deployment document once it is written to
// the store (the api's in-memory view of them); call it before Run.
func (p *Projector) PublishTo(pub Publisher) { p.wb.published = pub }

// Run projects until ctx ends.
func (p *Projector) Run(ctx context.Context) error {
	from, err := p.checkpoint(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting: not a failure
		}
		return fmt.Errorf("projector checkpoint: %w", err)
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.EventSubjects}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if from > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from+1
	}
	cons, err := p.bus.OrderedConsumer(ctx, events.StreamEvents, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("projector consumer: %w", err)
	}
	iter, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("projector messages: %w", err)
	}
	go func() { <-ctx.Done(); iter.Stop() }()
	defer p.deleteConsumer(cons)
	p.wb.applied = from
	p.notify.broadcast(from)
	for {
		msg, err := p.next(iter)
		if errors.Is(err, nats.ErrTimeout) { // limits.delay passed with events unflushed
			if !p.flushRetrying(ctx) {
				return nil
			}
			continue
		}
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
		if ctx.Err() != nil { // stopped while retrying: the event may not be applied
			return nil
		}
		p.wb.noteApplied(meta.Sequence.Stream, time.Now())
		metrics.ProjectedEvents.Inc()
		metrics.ProjectionLag.Set(float64(meta.NumPending))
		if meta.NumPending == 0 || p.wb.due(p.limits, time.Now()) {
			if !p.flushRetrying(ctx) {
				return nil
			}
		}
	}
}

// checkpoint is where to resume: the recorded checkpoint, or 0 after
// clearing documents of an older readmodel.Format (they would lack what this
// build derives from the history, such as the version If-Match compares).
// Only the projector writes the read models, and one runs per database.
func (p *Projector) checkpoint(ctx context.Context) (uint64, error) {
	from, format, err := p.store.Checkpoint(ctx, CheckpointName)
	if err != nil || format >= readmodel.Format {
		return from, err
	}
	p.log.WarnContext(ctx, "read models are of an older format; rebuilding them from EVENTS", "format", format,
		"want", readmodel.Format, "checkpoint", from)
	if err := p.store.Clear(ctx); err != nil {
		return 0, err
	}
	return 0, nil
}

// deleteConsumer removes the term's ordered consumer from the server when
// the term ends, rather than leaving it to its inactivity threshold (5
// minutes): leadership moving between replicas then leaves nothing behind.
// A consumer the server dropped already (a reset replaced it) is not found,
// which is fine; any other failure leaves it to the threshold.
func (p *Projector) deleteConsumer(cons jetstream.Consumer) {
	info := cons.CachedInfo()
	if info == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.bus.DeleteConsumer(ctx, events.StreamEvents, info.Name)
}

// next returns the next event, or nats.ErrTimeout once unflushed events
// have waited limits.delay.
func (p *Projector) next(iter jetstream.MessagesContext) (jetstream.Msg, error) {
	if p.wb.events == 0 {
		return iter.Next()
	}
	wait := p.limits.delay - time.Since(p.wb.since)
	if wait <= 0 {
		return nil, nats.ErrTimeout
	}
	return iter.Next(jetstream.NextMaxWait(wait))
}

// flushRetrying writes the write-behind set, records the checkpoint and wakes
// waiters, retrying while the store fails; false when ctx ended first.
func (p *Projector) flushRetrying(ctx context.Context) bool {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := p.wb.write(ctx, p.store)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return false
		}
		p.log.WarnContext(ctx, "projector flush failed; retrying", "seq", p.wb.applied, "dirty", p.wb.dirty(), "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
	if ctx.Err() != nil {
		return false
	}
	if err := settled(ctx, func(ctx context.Context) error { return p.store.SetCheckpoint(ctx, CheckpointName, p.wb.applied) }); err != nil {
		p.log.WarnContext(ctx, "projector checkpoint", "err", err) // the next flush records it
	}
	p.wb.flushed()
	metrics.ProjectorFlushes.Inc()
	p.notify.flushed(p.wb.applied, p.wb.wroteOps)
	return true
}

// applyRetrying applies one event, retrying while the store fails: an event
// is never skipped, or the read models would silently diverge.
func (p *Projector) applyRetrying(ctx context.Context, seq uint64, subject string, data []byte) error {
	backoff := 100 * time.Millisecond
	for {
		err := p.apply(ctx, seq, subject, data)
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

// Apply projects one event into every document it touches and writes them
// now (Run instead writes behind, in flushes).
func (p *Projector) Apply(ctx context.Context, seq uint64, subject string, data []byte) error {
	if err := p.apply(ctx, seq, subject, data); err != nil {
		return err
	}
	return p.wb.write(ctx, p.store)
}

// apply projects one event into the write-behind set: all of its changes, or
// none when a read fails.
func (p *Projector) apply(ctx context.Context, seq uint64, subject string, data []byte) error {
	rec, err := bus.Decode(seq, data)
	if err != nil {
		return malformedError{err}
	}
	if rec.Message == nil {
		return nil // a type from a newer version; nothing here reads it
	}
	p.staged = p.staged[:0]
	if err := p.project(ctx, subject, rec); err != nil {
		return err
	}
	for _, keep := range p.staged {
		keep()
	}
	return nil
}

// project applies one decoded event, staging its changes.
func (p *Projector) project(ctx context.Context, subject string, rec bus.Record) error {
	p.before = readmodel.Deployment{}
	if ref, ok := events.ParseDeploymentSubject(subject); ok {
		id := ref.String()
		before, err := load(ctx, &p.wb.deps, id, p.store.Deployment)
		if err != nil {
			return err
		}
		for _, n := range readmodel.RevisionsTouched(before, rec.Message) {
			if err := p.applyRevision(ctx, id, n, rec); err != nil {
				return err
			}
		}
		p.before = before
		p.applyDeployment(id, before, rec)
		if err := p.settleEnded(ctx, before, rec); err != nil {
			return err
		}
	}
	if id, ok := events.PromotionID(subject); ok {
		doc, err := load(ctx, &p.wb.proms, id, p.store.Promotion)
		if err != nil {
			return err
		}
		if readmodel.ProjectPromotion(&doc, rec.Seq, rec.Envelope, rec.Message) {
			stage(p, &p.wb.proms, id, doc)
		}
	}
	if rec.Envelope.CorrelationID != "" {
		return p.applyOperation(ctx, rec)
	}
	return nil
}

// stage keeps doc as set's dirty document id once the event applied whole.
func stage[T any](p *Projector, set *docSet[T], id string, doc T) {
	p.staged = append(p.staged, func() { set.dirty[id] = doc })
}

// load returns a document as last applied: from the write-behind set, or
// read from the store (zero when there is none).
func load[T any](ctx context.Context, set *docSet[T], id string, read func(context.Context, string) (T, error)) (T, error) {
	if v, ok := set.get(id); ok {
		return v, nil
	}
	v, err := read(ctx, id)
	if errors.Is(err, fault.ErrNotFound) {
		set.fresh[id] = true // written with an insert, unless written since
		var zero T
		return zero, nil
	}
	return v, err
}

// settleEnded ends the operation of a rollout that an event ended without
// an outcome of its own: a newer revision or a termination superseded it,
// or an abort stopped it; likewise an alias move a newer move superseded.
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
	if err := p.endOperation(ctx, rec, id, reason, message); err != nil {
		return err
	}
	for op, message := range readmodel.EndedAliasMoves(before, rec.Message) {
		if err := p.endOperation(ctx, rec, op, events.ReasonSuperseded, message); err != nil {
			return err
		}
	}
	return nil
}

// endOperation ends operation id (unless it is the event's own, or ended).
func (p *Projector) endOperation(ctx context.Context, rec bus.Record, id, reason, message string) error {
	if id == "" || id == rec.Envelope.CorrelationID {
		return nil
	}
	o, err := load(ctx, &p.wb.ops, id, p.store.Operation)
	if err != nil {
		return err
	}
	if readmodel.ProjectEnded(&o, rec.Seq, rec.Envelope, reason, message) {
		stage(p, &p.wb.ops, id, o)
	}
	return nil
}

func (p *Projector) applyRevision(ctx context.Context, deployment string, n int, rec bus.Record) error {
	id := readmodel.RevisionID(deployment, n)
	r, err := load(ctx, &p.wb.revs, id, func(ctx context.Context, _ string) (readmodel.Revision, error) {
		return p.store.Revision(ctx, deployment, n)
	})
	if err != nil {
		return err
	}
	if readmodel.ProjectRevision(&r, n, rec.Seq, rec.Envelope, rec.Message) {
		stage(p, &p.wb.revs, id, r)
	}
	return nil
}

func (p *Projector) applyDeployment(id string, d readmodel.Deployment, rec bus.Record) {
	if d.Spec != nil { // documents carry their decoded spec in memory only
		d.Spec = nil
	}
	if readmodel.ProjectDeployment(&d, rec.Seq, rec.Envelope, rec.Message) {
		stage(p, &p.wb.deps, id, d)
	}
}

func (p *Projector) applyOperation(ctx context.Context, rec bus.Record) error {
	id := rec.Envelope.CorrelationID
	o, err := load(ctx, &p.wb.ops, id, p.store.Operation)
	if err != nil {
		return err
	}
	if !readmodel.ProjectOperation(&o, rec.Seq, rec.Envelope, rec.Message) {
		return nil
	}
	if diff := readmodel.OperationDiff(p.before, rec.Message); diff != nil {
		o.Diff = diff
	}
	stage(p, &p.wb.ops, id, o)
	return nil
}
