package readmodel

import (
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// DeploymentView holds deployment documents as the projector wrote them to
// the store, so the api (the projector runs in its process) can answer a
// deployment lookup without a query.
//
// Only written documents are published (Publish is called after the
// document's write succeeded), never ones applied in memory but not yet
// flushed: those are durable in EVENTS, but a GET or list served by the
// store could then show an older version than a PATCH or GET served here
// saw, and a restarted api would not show a version a client had seen
// until its projector wrote it. Published this way the view is never ahead of the store (nor of
// EVENTS: the projector applies stored events only), and behind it only
// between a write and its publication; the store is behind the stream by at
// most one flush of a caught-up projector. The projector is the only writer of
// deployment documents (docs/ARCHITECTURE.md, "Concurrency"), so a
// document served here is the one the store returns.
//
// Documents are kept as BSON, marshalled as the store's write marshals
// them (the default registry), and decoded on every
// lookup exactly as Store.Deployment decodes a found document (then
// Present), so each caller gets its own copy: nothing a caller holds is
// shared with another caller or with the projector.
//
// The view holds at most limit documents; publishing a new one beyond that
// evicts another. A lookup that misses goes to the store, which has every
// document the view ever held, at the same or a later version.
type DeploymentView struct {
	mu    sync.RWMutex
	docs  map[string][]byte // BSON, never modified once stored
	limit int
}

// NewDeploymentView returns an empty view of at most limit documents.
func NewDeploymentView(limit int) *DeploymentView {
	return &DeploymentView{docs: map[string][]byte{}, limit: max(limit, 1)}
}

// Publish records d as now written to the store.
func (v *DeploymentView) Publish(d Deployment) {
	raw, err := bson.Marshal(d)
	v.mu.Lock()
	defer v.mu.Unlock()
	if err != nil { // the store has d, the view an older version: forget it
		delete(v.docs, d.ID)
		return
	}
	if _, ok := v.docs[d.ID]; !ok && len(v.docs) >= v.limit {
		for id := range v.docs { // an arbitrary one: map order is not fixed
			delete(v.docs, id)
			break
		}
	}
	v.docs[d.ID] = raw
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
}

// Len is how many documents the view holds.
func (v *DeploymentView) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.docs)
}
