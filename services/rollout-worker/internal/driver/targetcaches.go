package driver

import (
	"context"
	"sync"

	"slipway.dev/pkg/kube"
)

// targetCache is a cache of a target namespace's objects kept by a watch.
type targetCache interface {
	Sync(ctx context.Context) bool
	Synced() bool
	Close()
}

// targetCaches holds one cache per target and namespace, started by its
// first use there (open), so that every rollout on the target reads
// through one list and watch.
type targetCaches[C targetCache] struct {
	targets Targets
	open    func(ctx context.Context, t *kube.Target, ns string) (C, error)
	mu      sync.Mutex
	caches  map[observedKey]*cacheEntry[C]
}

type observedKey struct {
	target *kube.Target // a replaced target is a new pointer: a new cache
	ns     string
}

type cacheEntry[C targetCache] struct {
	started chan struct{} // closed once cache is set (ok false: it could not start)
	cache   C
	ok      bool
}

func newTargetCaches[C targetCache](targets Targets, open func(context.Context, *kube.Target, string) (C, error)) *targetCaches[C] {
	return &targetCaches[C]{targets: targets, open: open, caches: map[observedKey]*cacheEntry[C]{}}
}

// synced is get's cache once it has its first list.
func (tc *targetCaches[C]) synced(ctx context.Context, t *kube.Target, ns string) (C, bool) {
	c, ok := tc.get(ctx, t, ns)
	if ok && c.Synced() {
		return c, true
	}
	var none C
	return none, false
}

// get returns the cache of t in ns, starting it (and waiting up to
// observedSync for its first list) on first use. Starting one also stops
// the caches of targets that were replaced or removed.
func (tc *targetCaches[C]) get(ctx context.Context, t *kube.Target, ns string) (C, bool) {
	key := observedKey{t, ns}
	tc.mu.Lock()
	e, ok := tc.caches[key]
	if !ok {
		e = &cacheEntry[C]{started: make(chan struct{})}
		tc.dropReplaced(key)
		tc.caches[key] = e
	}
	tc.mu.Unlock()
	if ok {
		select {
		case <-e.started:
			return e.cache, e.ok
		case <-ctx.Done():
			var none C
			return none, false
		}
	}
	c, err := tc.open(ctx, t, ns)
	if err == nil {
		e.cache, e.ok = c, true
		syncCtx, cancel := context.WithTimeout(ctx, observedSync)
		c.Sync(syncCtx)
		cancel()
	}
	close(e.started)
	return e.cache, e.ok
}

// dropReplaced stops the caches, but keep's, whose target is no longer the
// current one of its name (their readers go on with direct reads).
// Callers hold mu.
func (tc *targetCaches[C]) dropReplaced(keep observedKey) {
	for key, e := range tc.caches {
		if cur, ok := tc.targets.Get(key.target.Name); key == keep || ok && cur == key.target {
			continue
		}
		delete(tc.caches, key)
		go func() {
			<-e.started
			if e.ok {
				e.cache.Close()
			}
		}()
	}
}

// started is t's cache in ns if one has started, without starting one.
func (tc *targetCaches[C]) started(t *kube.Target, ns string) (C, bool) {
	tc.mu.Lock()
	e, ok := tc.caches[observedKey{t, ns}]
	tc.mu.Unlock()
	var none C
	if !ok {
		return none, false
	}
	select {
	case <-e.started:
		return e.cache, e.ok
	default:
		return none, false
	}
}
