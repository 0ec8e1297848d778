package projector

import (
	"context"
	"time"

	"slipway.dev/pkg/metrics"
	"slipway.dev/services/api/internal/readmodel"
)

// limits say when the write-behind set is flushed while catching up: after
// this many dirty documents, this many applied events, or this long after
// the first unflushed event. A caught-up projector flushes every event.
type limits struct {
	docs, events int
	delay        time.Duration
}

var defaultLimits = limits{docs: 1000, events: 2000, delay: 200 * time.Millisecond}

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

// writer writes one kind of document: put replaces (or creates) one,
// insert creates several in one statement and returns the indexes of
// those present already; wrote, if set, learns of each document written.
type writer[T any] struct {
	put    func(context.Context, T) error
	insert func(context.Context, []T) ([]int, error)
	wrote  func(T)
}

// write writes the dirty documents, then keeps them as clean: the fresh
// ones with one insert (those present after all are replaced), the others
// one replace each. On an error nothing is marked clean: writing a
// document again is harmless, and a fresh one inserted already is then
// found present and replaced. Each write is one settled operation
// (settled): ctx ending stops the next, not the one under way.
func (s *docSet[T]) write(ctx context.Context, w writer[T]) error {
	var fresh, rest []T
	for id, v := range s.dirty {
		if s.fresh[id] {
			fresh = append(fresh, v)
		} else {
			rest = append(rest, v)
		}
	}
	var present []int
	if err := settled(ctx, func(ctx context.Context) (err error) { present, err = w.insert(ctx, fresh); return err }); err != nil {
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
	for _, v := range rest {
		if err := settled(ctx, func(ctx context.Context) error { return w.put(ctx, v) }); err != nil {
			return err
		}
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

// settled runs one store operation unless ctx has ended, and does not
// abandon it when ctx ends while it runs: abandoned, the operation is still
// on its way to the store (the server runs a request it has received), and
// may land after the writes of the projector's next term, which starts as
// soon as Run returns (the same replica takes its lease back at once),
// putting a document back to an older state for good. The fault suite saw
// a revision's rollout left Pending that a termination had superseded
// (testsupport/faults). The operation is bounded by the store's own
// timeout, well within the lease's TTL/2 (internal/leader).
func settled(ctx context.Context, op func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return op(context.WithoutCancel(ctx))
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
	// applied since the last flush, the first of them at since.
	applied uint64
	events  int
	since   time.Time
	// published learns of each deployment document once it is written
	// (nil: nobody).
	published Publisher
}

// Publisher is told of every deployment document the projector has
// written to the store, after the write succeeded (readmodel.DeploymentView).
type Publisher interface {
	Publish(readmodel.Deployment)
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

// write writes every dirty document. Deployments go last: a deployment's
// document is what later events are applied against (the revisions an event
// touches, an operation's diff), so if writing stops half-way, no deployment
// is ahead of its revisions and operations in the store, and events applied
// again from the checkpoint see the deployment as it was before them.
func (w *writeBehind) write(ctx context.Context, s *readmodel.Store) error {
	if err := w.revs.write(ctx, writer[readmodel.Revision]{put: s.PutRevision, insert: s.InsertNewRevisions}); err != nil {
		return err
	}
	w.wroteOps = w.wroteOps[:0]
	for id := range w.ops.dirty {
		w.wroteOps = append(w.wroteOps, id)
	}
	if err := w.ops.write(ctx, writer[readmodel.Operation]{put: s.PutOperation, insert: s.InsertNewOperations}); err != nil {
		return err
	}
	if err := w.proms.write(ctx, writer[readmodel.Promotion]{put: s.PutPromotion, insert: s.InsertNewPromotions}); err != nil {
		return err
	}
	deps := writer[readmodel.Deployment]{put: s.PutDeployment, insert: s.InsertNewDeployments}
	if w.published != nil {
		deps.wrote = w.published.Publish
	}
	return w.deps.write(ctx, deps)
}

// flushed starts a new batch once every document is written.
func (w *writeBehind) flushed() { w.events, w.since = 0, time.Time{} }
