// Package projector keeps the api's read models up to date from EVENTS.
package projector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

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
// (dirty ones first, then those a flush is writing, then a cache of written
// ones, then the store), and published to the in-memory view at once. A
// flush goroutine takes the dirty documents, marshalled, and writes them
// while the next events are applied: at once when the consumer has nothing
// pending and the event came alone, within limits.linger when caught up but
// events keep coming, otherwise, while catching up, limits.delay after the
// first. One flush runs at a time; applying waits only when limits.docs
// dirty documents or limits.events events are waiting for a flush. Only
// after a flush has written every document it took does it record the
// checkpoint and wake waiters, so "applied" (Notifier) always means
// "visible in the store". A failed flush is retried whole.
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
	limits limits
	// mu guards wb and flushAt: events are applied under it by Run's
	// goroutine, and the flush goroutine takes and settles batches under
	// it; the writes themselves run outside it.
	mu sync.Mutex
	wb writeBehind
	// flushAt is when the unflushed events are due (writeBehind.flushAt).
	flushAt time.Time
	// taken is signalled when a flush took the set (applying may wait for
	// it: limits); kick wakes the flush goroutine after an event.
	taken *sync.Cond
	kick  chan struct{}
	// before is the deployment document as it was before the event being
	// applied (zero for events of no deployment).
	before readmodel.Deployment
	// staged are the changes of the event being applied, kept in the
	// write-behind set only once the whole event applied.
	staged []func()
}

// New returns a projector writing to store and waking notify.
func New(b *bus.Conn, store *readmodel.Store, notify *Notifier, log *slog.Logger) *Projector {
	p := &Projector{bus: b, store: store, log: log, notify: notify, wb: newWriteBehind(), limits: defaultLimits,
		kick: make(chan struct{}, 1)}
	p.taken = sync.NewCond(&p.mu)
	return p
}

// PublishTo tells pub of every deployment document once an event applied to
// it, and again once it is written to the store (the api's in-memory view
// of them); call it before Run.
func (p *Projector) PublishTo(pub Publisher) { p.wb.published = pub }

// Run projects until ctx ends. Events are applied here, one at a time, and
// written by a flush goroutine (flushLoop) while the next ones are applied:
// the in-memory view shows an event as soon as it is applied, however long
// the store takes.
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
	defer p.deleteConsumer(cons)
	defer p.notify.stopped()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		<-ctx.Done()
		iter.Stop()
		p.mu.Lock()
		p.taken.Broadcast() // an apply waiting for a flush gives up
		p.mu.Unlock()
	}()
	p.wb.applied = from
	p.notify.broadcast(from)
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		if err := p.flushLoop(ctx); err != nil {
			cancel(err)
		}
	}()
	defer func() { cancel(nil); <-flushed }()
	err = p.applyLoop(ctx, iter)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause // the flush goroutine failed
	}
	return err
}

// applyLoop applies every event the consumer delivers until ctx ends.
func (p *Projector) applyLoop(ctx context.Context, iter jetstream.MessagesContext) error {
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
		seq := meta.Sequence.Stream
		if err := p.applyRetrying(ctx, seq, msg.Subject(), msg.Data()); err != nil {
			return err
		}
		if ctx.Err() != nil { // stopped while retrying: the event may not be applied
			return nil
		}
		p.noteApplied(ctx, seq, meta.NumPending)
		p.notify.show(seq)
		metrics.ProjectorEventAge.Observe(time.Since(meta.Timestamp).Seconds())
		metrics.ProjectedEvents.Inc()
		metrics.ProjectionLag.Set(float64(meta.NumPending))
	}
}

// noteApplied records event seq as applied, with pending more for the
// consumer to deliver, and wakes the flush goroutine; while the set is
// full (limits) it waits until a flush took it.
func (p *Projector) noteApplied(ctx context.Context, seq, pending uint64) {
	p.mu.Lock()
	now := time.Now()
	p.wb.noteApplied(seq, now)
	p.flushAt = p.wb.flushAt(p.limits, pending, now)
	if p.wb.full(p.limits) {
		blocked := time.Now()
		for p.wb.full(p.limits) && ctx.Err() == nil {
			p.wake()
			p.taken.Wait()
		}
		metrics.ProjectorApplyBlocked.Add(time.Since(blocked).Seconds())
	}
	p.mu.Unlock()
	p.wake()
}

// wake wakes the flush goroutine, if it waits.
func (p *Projector) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// flushLoop writes the applied events' documents, one flush at a time,
// each when due (flushAt), until ctx ends; an error ends the term.
func (p *Projector) flushLoop(ctx context.Context) error {
	for {
		p.mu.Lock()
		pending, at := p.wb.events > 0, p.flushAt
		p.mu.Unlock()
		wait := time.Hour // nothing pending: until kicked
		if pending {
			if wait = time.Until(at); wait <= 0 {
				if err := p.flush(ctx); err != nil || ctx.Err() != nil {
					return err
				}
				continue
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-p.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// flush takes the applied documents, writes them (retrying while the store
// fails), then records the checkpoint and wakes waiters: "applied"
// (Notifier) always means "visible in the store". A failed write is
// retried whole, while events go on being applied up to the limits.
func (p *Projector) flush(ctx context.Context) error {
	began := time.Now()
	p.mu.Lock()
	b, err := p.wb.take()
	p.taken.Broadcast()
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("projector flush: %w", err)
	}
	if !p.writeRetrying(ctx, b) {
		return nil
	}
	p.mu.Lock()
	p.wb.settle(time.Now())
	p.mu.Unlock()
	if pub := p.wb.published; pub != nil {
		for _, d := range b.deps {
			pub.Written(d)
		}
	}
	if err := settled(ctx, func(ctx context.Context) error { return p.store.SetCheckpoint(ctx, CheckpointName, b.seq) }); err != nil {
		p.log.WarnContext(ctx, "projector checkpoint", "err", err) // the next flush records it
	}
	metrics.ProjectorFlushes.Inc()
	metrics.ProjectorFlushDuration.Observe(time.Since(began).Seconds())
	p.notify.flushed(b.seq, b.ops)
	return nil
}

// writeRetrying writes b until it is written; false when ctx ended first.
func (p *Projector) writeRetrying(ctx context.Context, b batch) bool {
	backoff := 100 * time.Millisecond
	for {
		err := b.write(ctx, p.store)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		p.log.WarnContext(ctx, "projector flush failed; retrying", "seq", b.seq, "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
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

// applyRetrying applies one event, retrying while the store fails: an event
// is never skipped, or the read models would silently diverge.
func (p *Projector) applyRetrying(ctx context.Context, seq uint64, subject string, data []byte) error {
	backoff := 100 * time.Millisecond
	for {
		p.mu.Lock()
		err := p.apply(ctx, seq, subject, data)
		p.mu.Unlock()
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
		if pub := p.wb.published; pub != nil {
			p.staged = append(p.staged, func() { pub.Publish(d) })
		}
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
