package projector

import (
	"context"
	"fmt"
	"time"

	"slipway.dev/pkg/metrics"
	"slipway.dev/services/api/internal/readmodel"
)

// limits say when the write-behind set is flushed while catching up: after
// this many dirty documents, this many applied events, or delay after the
// first unflushed event. A caught-up projector flushes an event at once
// when it comes alone; when it comes less than linger after the last flush
// ended (events keep arriving: a fleet rolling out), it waits for more up
// to linger after the first unflushed one. A flush writes the checkpoint
// once for one event or fifty, and a deployment's events in that time
// once: back-to-back flushes of one event each were what held a fleet
// change's events seconds from being visible.
//
// docs and events also bound what is applied and not yet taken by a flush:
// applying waits there until the flush under way has ended and the next
// one has taken the set (backpressure on a store slower than the stream).
type limits struct {
	docs, events  int
	delay, linger time.Duration
}

var defaultLimits = limits{docs: 4000, events: 8000, delay: 200 * time.Millisecond, linger: 50 * time.Millisecond}

// docSet is one kind of document the projector alone writes: dirty ones
// (applied in memory, not yet taken by a flush), in-flight ones (taken by
// the flush under way: read, never changed), clean ones (as written: a
// cache sparing a read per event, of at most limit documents), and fresh
// ones (ids the store did not have when read, nor written since), dirty
// and in flight. A document that done reports finished is not kept clean:
// no more events are due for it, so a fleet's thousands of finished
// operations do not fill the cache (a late event reads the store, which
// has it).
type docSet[T any] struct {
	kind                 readmodel.Kind
	dirty, flying, clean map[string]T
	fresh, flyingFresh   map[string]bool
	limit                int
	done                 func(T) bool // nil: none is ever done
}

func newDocSet[T any](kind readmodel.Kind, limit int) docSet[T] {
	return docSet[T]{kind: kind, dirty: map[string]T{}, flying: map[string]T{}, clean: map[string]T{},
		fresh: map[string]bool{}, flyingFresh: map[string]bool{}, limit: limit}
}

// get returns the document as last applied, if held in memory.
func (s *docSet[T]) get(id string) (T, bool) {
	if v, ok := s.dirty[id]; ok {
		return v, true
	}
	if v, ok := s.flying[id]; ok {
		return v, true
	}
	v, ok := s.clean[id]
	return v, ok
}

// take moves the dirty documents in flight and returns them marshalled:
// what a flush writes. The flush under way, if any, has settled.
func (s *docSet[T]) take() (kindBatch, error) {
	b := kindBatch{kind: s.kind}
	for id, v := range s.dirty {
		raw, err := readmodel.Marshal(id, v)
		if err != nil {
			return kindBatch{}, fmt.Errorf("marshal %s %s: %w", s.kind, id, err)
		}
		if s.fresh[id] {
			b.fresh = append(b.fresh, raw)
		} else {
			b.rest = append(b.rest, raw)
		}
	}
	s.dirty, s.flying = s.flying, s.dirty
	s.fresh, s.flyingFresh = s.flyingFresh, s.fresh
	return b, nil
}

// settle keeps the documents in flight as clean once written, but for those
// done. Ids read as absent but not written (an event that changed nothing)
// are forgotten too, so the set stays bounded; such a document, written
// later, is replaced rather than inserted, which is as correct.
func (s *docSet[T]) settle() {
	for id, v := range s.flying {
		if s.done != nil && s.done(v) {
			delete(s.clean, id)
			continue
		}
		remember(s.clean, id, v, s.limit)
	}
	clear(s.flying)
	clear(s.flyingFresh)
}

// remember caches a written document. At its limit a new document evicts
// one arbitrary other (map order is not fixed), not the whole cache: a
// fleet just past the limit then misses a store read now and then, not on
// every event until the cache has filled again.
func remember[T any](cache map[string]T, id string, v T, limit int) {
	if _, ok := cache[id]; !ok && len(cache) >= limit {
		for k := range cache {
			delete(cache, k)
			break
		}
	}
	cache[id] = v
}

// Cache limits: every deployment of a fleet of 20,000 (each event applies
// to its deployment's document), and the recent operations, revisions and
// promotions (those events still arrive for).
const (
	deploymentCacheLimit = 20000
	cacheLimit           = 10000
)

// writeBehind holds every document applied but not yet written, and where
// the projection stands in the stream.
type writeBehind struct {
	deps  docSet[readmodel.Deployment]
	ops   docSet[readmodel.Operation]
	revs  docSet[readmodel.Revision]
	proms docSet[readmodel.Promotion]
	// applied is the last sequence applied in memory; events counts those
	// applied and not yet taken by a flush, the first of them at since;
	// the last flush ended at flushedAt.
	applied   uint64
	events    int
	since     time.Time
	flushedAt time.Time
	// published learns of each deployment document applied and written
	// (nil: nobody).
	published Publisher
}

// Publisher is told of every deployment document the projector applied an
// event to (Publish: durable in EVENTS, not yet in the store), and of each
// once the store has it (Written, with its id and sequence):
// readmodel.DeploymentView.
type Publisher interface {
	Publish(readmodel.Deployment)
	Written(readmodel.Deployment)
}

func newWriteBehind() writeBehind {
	ops := newDocSet[readmodel.Operation](readmodel.KindOperations, cacheLimit)
	ops.done = readmodel.Operation.Ended
	return writeBehind{deps: newDocSet[readmodel.Deployment](readmodel.KindDeployments, deploymentCacheLimit),
		ops:   ops,
		revs:  newDocSet[readmodel.Revision](readmodel.KindRevisions, cacheLimit),
		proms: newDocSet[readmodel.Promotion](readmodel.KindPromotions, cacheLimit)}
}

func (w *writeBehind) noteApplied(seq uint64, now time.Time) {
	if w.events == 0 {
		w.since = now
	}
	w.applied = seq
	w.events++
}

func (w *writeBehind) dirty() int {
	return len(w.deps.dirty) + len(w.ops.dirty) + len(w.revs.dirty) + len(w.proms.dirty)
}

// full says whether applying must wait for a flush to take the set.
func (w *writeBehind) full(l limits) bool {
	return w.events > 0 && (w.dirty() >= l.docs || w.events >= l.events)
}

// due says whether the set must be flushed now under l.
func (w *writeBehind) due(l limits, now time.Time) bool {
	return w.full(l) || (w.events > 0 && now.Sub(w.since) >= l.delay)
}

// flushAt is when the set is to be flushed under l, an event just applied
// with pending more for the consumer to deliver: now, or the time to wait
// for more events until.
func (w *writeBehind) flushAt(l limits, pending uint64, now time.Time) time.Time {
	switch {
	case w.due(l, now):
		return now
	case pending > 0: // catching up
		return w.since.Add(l.delay)
	case now.Sub(w.flushedAt) >= l.linger: // caught up, and the event came alone
		return now
	default: // caught up, and events keep coming
		return w.since.Add(l.linger)
	}
}

// batch is what one flush writes: the documents of every kind in the order
// written (revisions, operations, promotions, deployments), marshalled
// when taken, and the sequence of the last event applied to them.
type batch struct {
	seq   uint64
	kinds []kindBatch
	// ops are the operations written (their waiters wake); deps the
	// deployments, for Publisher.Written.
	ops  []string
	deps []readmodel.Deployment
}

// kindBatch is one kind's documents in a batch: fresh ones are inserted
// together (those present after all are replaced), the others replaced
// one by one.
type kindBatch struct {
	kind        readmodel.Kind
	fresh, rest []readmodel.RawDoc
}

// take moves every dirty document in flight and returns the batch that
// writes them. Deployments go last: a deployment's document is what later
// events are applied against (the revisions an event touches, an
// operation's diff), so if writing stops half-way, no deployment is ahead
// of its revisions and operations in the store, and events applied again
// from the checkpoint see the deployment as it was before them.
func (w *writeBehind) take() (batch, error) {
	b := batch{seq: w.applied}
	for id := range w.ops.dirty {
		b.ops = append(b.ops, id)
	}
	for _, d := range w.deps.dirty {
		b.deps = append(b.deps, readmodel.Deployment{ID: d.ID, Seq: d.Seq})
	}
	for _, take := range []func() (kindBatch, error){w.revs.take, w.ops.take, w.proms.take, w.deps.take} {
		k, err := take()
		if err != nil {
			return batch{}, err
		}
		b.kinds = append(b.kinds, k)
	}
	w.events, w.since = 0, time.Time{}
	return b, nil
}

// settle keeps a written batch's documents as clean, at now.
func (w *writeBehind) settle(now time.Time) {
	w.revs.settle()
	w.ops.settle()
	w.proms.settle()
	w.deps.settle()
	w.flushedAt = now
}

// rawWriter is what a batch is written to (readmodel.Store).
type rawWriter interface {
	InsertNewRaw(ctx context.Context, kind readmodel.Kind, docs []readmodel.RawDoc) ([]int, error)
	PutRaw(ctx context.Context, kind readmodel.Kind, doc readmodel.RawDoc) error
}

// write writes every document of the batch. Writing it again after an
// error is harmless: a fresh document inserted already is then found
// present and replaced. Each store operation is settled: ctx ending stops
// the next one, not the one under way.
func (b batch) write(ctx context.Context, to rawWriter) error {
	for _, k := range b.kinds {
		var present []int
		if err := settled(ctx, func(ctx context.Context) (err error) {
			present, err = to.InsertNewRaw(ctx, k.kind, k.fresh)
			return err
		}); err != nil {
			return err
		}
		rest := k.rest
		for _, i := range present {
			rest = append(rest[:len(rest):len(rest)], k.fresh[i])
		}
		for _, d := range rest {
			if err := settled(ctx, func(ctx context.Context) error { return to.PutRaw(ctx, k.kind, d) }); err != nil {
				return err
			}
		}
		metrics.ProjectorWrites.Add(float64(len(k.fresh) + len(k.rest)))
	}
	return nil
}

// settled runs one store operation unless ctx has ended, and does not
// abandon it when ctx ends while it runs: abandoned, the operation is still
// on its way to the store (the server runs a request it has received), and
// may land after the writes of the projector's next term, which starts as
// soon as Run returns (the same replica takes its lease back at once),
// putting a document back to an older state for good. The fault suite saw
// a revision's rollout left Pending that a termination had superseded
// (testsupport/faults). The operation is bounded by the store's own
// timeout, well within the lease's TTL/2 (internal/leader); Run returns only
// once the flush goroutine has.
func settled(ctx context.Context, op func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return op(context.WithoutCancel(ctx))
}
