package history

import (
	"container/list"
	"sync"
	"sync/atomic"

	"slipway.dev/services/rollout-worker/internal/rollout"
)

// foldLimit is how many deployments' folds the worker keeps. A fold is a
// few kilobytes (its revisions' specs); past the limit the least recently
// loaded is dropped and read whole again when next needed.
const foldLimit = 4096

// folds keeps each deployment's folded history as of its last sequence, so
// a Load reads only the events appended since (issue 15: reading every
// history whole made each read cost the stream's length, as a subject's
// events are spread over all of it).
//
// Safe for concurrent use. Every state in or out is a clone: nothing a
// caller changes reaches the cache, nor another caller.
type folds struct {
	mu    sync.Mutex
	limit int
	byKey map[string]*list.Element
	order *list.List // front: most recently used
	// read counts the events read into folds (what a load cost).
	read atomic.Uint64
}

type foldEntry struct {
	key   string
	state rollout.State
}

func newFolds(limit int) *folds {
	return &folds{limit: limit, byKey: map[string]*list.Element{}, order: list.New()}
}

// get returns a clone of the fold kept for key.
func (f *folds) get(key string) (rollout.State, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	el, ok := f.byKey[key]
	if !ok {
		return rollout.State{}, false
	}
	f.order.MoveToFront(el)
	return el.Value.(*foldEntry).state.Clone(), true
}

// put keeps a clone of st for key unless a fold further along is kept
// already (two loads of one deployment may finish out of order).
func (f *folds) put(key string, st rollout.State) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if el, ok := f.byKey[key]; ok {
		e := el.Value.(*foldEntry)
		if e.state.LastSeq <= st.LastSeq {
			e.state = st.Clone()
		}
		f.order.MoveToFront(el)
		return
	}
	f.byKey[key] = f.order.PushFront(&foldEntry{key: key, state: st.Clone()})
	for f.order.Len() > f.limit {
		last := f.order.Back()
		f.order.Remove(last)
		delete(f.byKey, last.Value.(*foldEntry).key)
	}
}

func (f *folds) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.order.Len()
}
