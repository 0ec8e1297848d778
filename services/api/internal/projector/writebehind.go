package projector

import (
	"context"
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
// once: back-to-back
// flushes of one event each were what held a fleet change's events
// seconds from being visible.
type limits struct {
	docs, events  int
	delay, linger time.Duration
}

var defaultLimits = limits{docs: 1000, events: 2000, delay: 200 * time.Millisecond, linger: 50 * time.Millisecond}

// docSet is one kind of document the projector alone writes: dirty ones
// (applied in memory, not yet written), clean ones (as written: a cache
// sparing a read per event, of at most limit documents), and fresh ones
// (ids the store did not have when read, nor written since).
type docSet[T any] struct {
	dirty, clean map[string]T
	fresh        map[string]bool
	limit        int
}

func newDocSet[T any](limit int) docSet[T] {
	return docSet[T]{dirty: map[string]T{}, clean: map[string]T{}, fresh: map[string]bool{}, limit: limit}
}

// get returns the document as last applied, if held in memory.
func (s *docSet[T]) get(id string) (T, bool) {
	if v, ok := s.dirty[id]; ok {
		return v, true
	}
	v, ok := s.clean[id]
	return v, ok
}

// writer writes one kind of document: put replaces (or creates) several,
// insert creates several in one statement and returns the indexes of
// those present already; wrote, if set, learns of each document written.
type writer[T any] struct {
	put    func(context.Context, []T) error
	insert func(context.Context, []T) ([]int, error)
	wrote  func(T)
}

// write writes the dirty documents, then keeps them as clean: the fresh
// ones with one insert (those present after all are replaced), the others
// one replace each. On an error nothing is marked clean: writing a
// document again is harmless, and a fresh one inserted already is then
// found present and replaced.
func (s *docSet[T]) write(ctx context.Context, w writer[T]) error {
	var fresh, rest []T
	for id, v := range s.dirty {
		if s.fresh[id] {
			fresh = append(fresh, v)
		} else {
			rest = append(rest, v)
		}
	}
	present, err := w.insert(ctx, fresh)
	if err != nil {
		return err
	}
	inserted := make([]bool, len(fresh))
	for i := range inserted {
		inserted[i] = true
	}
	for _, i := range present {
		inserted[i] = false
		rest = append(rest, fresh[i])
	}
	for i, v := range fresh {
		if inserted[i] {
			s.wrote(w, v)
		}
	}
	if len(rest) > 0 {
		if err := w.put(ctx, rest); err != nil {
			return err
		}
	}
	for _, v := range rest {
		s.wrote(w, v)
	}
	for id, v := range s.dirty {
		remember(s.clean, id, v, s.limit)
	}
	clear(s.dirty)
	// Ids read as absent but not written (an event that changed nothing)
	// are forgotten too, so the set stays bounded; such a document, written
	// later, is replaced rather than inserted, which is as correct.
	clear(s.fresh)
	return nil
}

func (s *docSet[T]) wrote(w writer[T], v T) {
	metrics.ProjectorWrites.Inc()
	if w.wrote != nil {
		w.wrote(v)
	}
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
	deps docSet[readmodel.Deployment]
	ops  docSet[readmodel.Operation]
	// wroteOps are the operations the last write wrote (their waiters wake).
	wroteOps []string
	revs     docSet[readmodel.Revision]
	proms    docSet[readmodel.Promotion]
	// applied is the last sequence applied in memory; events counts those
	// applied since the last flush, the first of them at since; the last
	// flush ended at flushedAt.
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
// once the store has it (Written): readmodel.DeploymentView.
type Publisher interface {
	Publish(readmodel.Deployment)
	Written(readmodel.Deployment)
}

func newWriteBehind() writeBehind {
	return writeBehind{deps: newDocSet[readmodel.Deployment](deploymentCacheLimit), ops: newDocSet[readmodel.Operation](cacheLimit),
		revs: newDocSet[readmodel.Revision](cacheLimit), proms: newDocSet[readmodel.Promotion](cacheLimit)}
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

// due says whether the set must be flushed now under l.
func (w *writeBehind) due(l limits, now time.Time) bool {
	return w.events > 0 && (w.dirty() >= l.docs || w.events >= l.events || now.Sub(w.since) >= l.delay)
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

// write writes every dirty document. Deployments go last: a deployment's
// document is what later events are applied against (the revisions an event
// touches, an operation's diff), so if writing stops half-way, no deployment
// is ahead of its revisions and operations in the store, and events applied
// again from the checkpoint see the deployment as it was before them.
func (w *writeBehind) write(ctx context.Context, s *readmodel.Store) error {
	if err := w.revs.write(ctx, writer[readmodel.Revision]{put: s.PutRevisions, insert: s.InsertNewRevisions}); err != nil {
		return err
	}
	w.wroteOps = w.wroteOps[:0]
	for id := range w.ops.dirty {
		w.wroteOps = append(w.wroteOps, id)
	}
	if err := w.ops.write(ctx, writer[readmodel.Operation]{put: s.PutOperations, insert: s.InsertNewOperations}); err != nil {
		return err
	}
	if err := w.proms.write(ctx, writer[readmodel.Promotion]{put: s.PutPromotions, insert: s.InsertNewPromotions}); err != nil {
		return err
	}
	deps := writer[readmodel.Deployment]{put: s.PutDeployments, insert: s.InsertNewDeployments}
	if w.published != nil {
		deps.wrote = w.published.Written
	}
	return w.deps.write(ctx, deps)
}

// flushed starts a new batch once every document is written, at now.
func (w *writeBehind) flushed(now time.Time) { w.events, w.since, w.flushedAt = 0, time.Time{}, now }
