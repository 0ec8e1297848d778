package readmodel

import (
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// DeploymentView holds deployment documents as the projector applied them,
// so the api (the projector runs in its process) can answer a deployment
// lookup without a query, and as soon as the event is applied rather than
// once the store has it.
//
// The projector publishes a document when an event applied to it whole
// (Publish), before its flush writes it to the store, and says when the
// store has it (Written). Every document published is derived from events
// stored in EVENTS, so the view shows nothing that is not durable; it is
// ahead of the store by at most one flush (50 ms after the first unflushed
// event while events keep coming, at once for a lone one, more only while
// the store fails). Written once, the view and the store serve the same
// document. Waiting for the store instead held a fleet change's events
// seconds from being visible on the embedded store, which writes about 600
// documents a second (docs/read-models.md).
//
// What that costs, and why it is accepted:
//   - another replica (serving from the store) may show a version older
//     than this one did, for that one flush: replicas were never in step;
//   - If-Match is refused at once only when the document read is past the
//     version asked for; one behind it goes on to the worker, which checks
//     against the history (httpapi's ifMatch);
//   - a restarted api serves the store until its projector has applied
//     again the events of the flush the stop cut short (it resumes from the
//     checkpoint written with them: the first thing it does).
//
// A document published and not yet written is pinned: the view never
// evicts it, since a lookup that missed would read an older version from
// the store. The projector's dirty set bounds how many are pinned.
//
// Documents are kept as BSON, marshalled as the store's write marshals
// them (the default registry), and decoded on every
// lookup exactly as Store.Deployment decodes a found document (then
// Present), so each caller gets its own copy: nothing a caller holds is
// shared with another caller or with the projector.
//
// The view holds at most limit documents, pinned ones aside; publishing a
// new one beyond that evicts another that the store has. A lookup that
// misses goes to the store, which has every unpinned document the view
// ever held, at the same or a later version.
type DeploymentView struct {
	mu    sync.RWMutex
	docs  map[string][]byte // BSON, never modified once stored
	limit int
	// pinned are the documents published and not yet written, by the
	// sequence published.
	pinned map[string]uint64
}

// NewDeploymentView returns an empty view of at most limit documents.
func NewDeploymentView(limit int) *DeploymentView {
	return &DeploymentView{docs: map[string][]byte{}, limit: max(limit, 1), pinned: map[string]uint64{}}
}

// Publish records d as applied, ahead of the store until Written.
func (v *DeploymentView) Publish(d Deployment) {
	raw, err := bson.Marshal(d)
	v.mu.Lock()
	defer v.mu.Unlock()
	if err != nil { // the view cannot hold d: forget it, and what it pinned
		delete(v.docs, d.ID)
		delete(v.pinned, d.ID)
		return
	}
	if _, ok := v.docs[d.ID]; !ok && len(v.docs) >= v.limit {
		v.evictOne()
	}
	v.docs[d.ID] = raw
	v.pinned[d.ID] = d.Seq
}

// evictOne forgets an arbitrary document the store has (map order is not
// fixed); none when every one held is pinned.
func (v *DeploymentView) evictOne() {
	for id := range v.docs {
		if _, pinned := v.pinned[id]; !pinned {
			delete(v.docs, id)
			return
		}
	}
}

// Written records that the store has d: its id is unpinned unless a later
// version was published since.
func (v *DeploymentView) Written(d Deployment) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if seq, ok := v.pinned[d.ID]; ok && seq <= d.Seq {
		delete(v.pinned, d.ID)
	}
}

// Pinned is how many documents the view holds ahead of the store.
func (v *DeploymentView) Pinned() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.pinned)
}

// Deployment returns the document with this id as Store.Deployment would,
// or false when the view does not hold it.
func (v *DeploymentView) Deployment(id string) (Deployment, bool) {
	v.mu.RLock()
	raw, ok := v.docs[id]
	v.mu.RUnlock()
	if !ok {
		return Deployment{}, false
	}
	var d Deployment
	if err := bson.Unmarshal(raw, &d); err != nil {
		return Deployment{}, false
	}
	d.Present()
	return d, true
}

// Reset forgets every document: the projector feeding the view stops or
// starts, and what another replica's projector writes meanwhile never
// reaches this view.
func (v *DeploymentView) Reset() {
	v.mu.Lock()
	defer v.mu.Unlock()
	clear(v.docs)
	clear(v.pinned)
}

// Len is how many documents the view holds.
func (v *DeploymentView) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.docs)
}
