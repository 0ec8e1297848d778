package readmodel

import (
	"container/heap"
	"context"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FleetIndex holds the summary of every deployment in memory, so the
// projector's replica answers a fleet list page without a store query (the
// embedded store scans every document per query: about 1.5 s at 10,000).
//
// It is filled once from the store (Load) and kept current by the projector,
// which publishes every deployment document after writing it (as to the
// DeploymentView); each summary is what the store returns for that document
// (marshalled as written, decoded as the store's projection decodes), so a
// page reads the same from either, and cursors carry over between them. A
// summary replaces another only with a later sequence, so a Load racing
// publications never brings back an older version. Until Load has merged,
// and after Reset, Summaries answers false and callers ask the store.
// Summaries are never modified once stored: callers share them read-only.
// About 1 KB a deployment: 10 MB at 10,000.
type FleetIndex struct {
	mu      sync.RWMutex
	entries map[string]*DeploymentSummary
	loaded  bool
	gen     uint64 // counts Resets, so a Load begun before one is dropped
}

// NewFleetIndex returns an empty, not yet loaded, index.
func NewFleetIndex() *FleetIndex { return &FleetIndex{entries: map[string]*DeploymentSummary{}} }

// Publish records d as written to the store.
func (x *FleetIndex) Publish(d Deployment) {
	raw, err := bson.Marshal(d)
	var s DeploymentSummary
	if err == nil {
		err = bson.Unmarshal(raw, &s)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if err != nil { // the store has a version this index cannot show
		x.loaded = false
		return
	}
	s.present()
	x.put(&s)
}

func (x *FleetIndex) put(s *DeploymentSummary) {
	if cur, ok := x.entries[s.ID]; !ok || cur.Seq < s.Seq {
		x.entries[s.ID] = s
	}
}

// Loader reads every deployment's summary (Store.DeploymentSummaries).
type Loader interface {
	DeploymentSummaries(ctx context.Context, q FleetQuery) ([]DeploymentSummary, error)
}

// Load reads every summary from the store and merges them; from then on
// Summaries answers. A Reset meanwhile drops what it read.
func (x *FleetIndex) Load(ctx context.Context, from Loader) error {
	x.mu.RLock()
	gen := x.gen
	x.mu.RUnlock()
	all, err := from.DeploymentSummaries(ctx, FleetQuery{IncludeTerminated: true})
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if gen != x.gen {
		return nil
	}
	for i := range all {
		x.put(&all[i])
	}
	x.loaded = true
	return nil
}

// Reset forgets every summary until the next Load: the projector feeding
// the index stops or starts (another replica's writes never reach it).
func (x *FleetIndex) Reset() {
	x.mu.Lock()
	defer x.mu.Unlock()
	clear(x.entries)
	x.loaded = false
	x.gen++
}

// Summaries answers q as Store.DeploymentSummaries would, or false when the
// index is not loaded.
func (x *FleetIndex) Summaries(q FleetQuery) ([]DeploymentSummary, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.loaded {
		return nil, false
	}
	found := firstMatches(x.entries, q)
	out := make([]DeploymentSummary, len(found))
	for i, s := range found {
		out[i] = *s
	}
	return out, true
}

// firstMatches returns the summaries q matches in its order, at most
// q.Limit of them (0: all). A page keeps only the best q.Limit while it
// scans, in a heap whose root is the last of them, so it costs the fleet's
// size times a comparison with that root, not a sort of every match.
func firstMatches(entries map[string]*DeploymentSummary, q FleetQuery) []*DeploymentSummary {
	cmp := func(a, b *DeploymentSummary) int {
		switch {
		case q.before(a, b):
			return -1
		case q.before(b, a):
			return 1
		}
		return 0
	}
	if q.Limit <= 0 {
		var found []*DeploymentSummary
		for _, s := range entries {
			if q.match(s) {
				found = append(found, s)
			}
		}
		slices.SortFunc(found, cmp)
		return found
	}
	h := lastFirst{items: make([]*DeploymentSummary, 0, q.Limit), cmp: cmp}
	for _, s := range entries {
		switch {
		case !q.match(s):
		case len(h.items) < q.Limit:
			heap.Push(&h, s)
		case cmp(s, h.items[0]) < 0:
			h.items[0] = s
			heap.Fix(&h, 0)
		}
	}
	slices.SortFunc(h.items, cmp)
	return h.items
}

// lastFirst is a heap of summaries whose root is the one that comes last.
type lastFirst struct {
	items []*DeploymentSummary
	cmp   func(a, b *DeploymentSummary) int
}

func (h *lastFirst) Len() int           { return len(h.items) }
func (h *lastFirst) Less(i, j int) bool { return h.cmp(h.items[i], h.items[j]) > 0 }
func (h *lastFirst) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *lastFirst) Push(x any)         { h.items = append(h.items, x.(*DeploymentSummary)) }
func (h *lastFirst) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return last
}
