package driver

import (
	"context"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
	"slipway.dev/services/rollout-worker/internal/cluster"
)

// observedSync bounds how long the first rollout on a target waits for its
// Deployment cache's first list; until it has come, rollouts read the
// Deployment directly.
const observedSync = 2 * kube.ProbeTimeout

// deploymentCaches holds one cluster.DeploymentCache per target and
// namespace, started by the first rollout there: every rollout on the
// target then watches its Deployment through one list and watch.
type deploymentCaches struct {
	targets Targets
	mu      sync.Mutex
	caches  map[observedKey]*observedEntry
}

type observedKey struct {
	target *kube.Target // a replaced target is a new pointer: a new cache
	ns     string
}

type observedEntry struct {
	started chan struct{} // closed once cache is set (nil: it could not start)
	cache   *cluster.DeploymentCache
}

func newDeploymentCaches(targets Targets) *deploymentCaches {
	return &deploymentCaches{targets: targets, caches: map[observedKey]*observedEntry{}}
}

// watch is cluster.Watch through t's cache in ns, or directly while that
// cache has no first list (the target unreachable when it started, or a
// client without informers).
func (dc *deploymentCaches) watch(ctx context.Context, t *kube.Target, ns, name string, resync time.Duration,
	fn func(*appsv1.Deployment) bool) error {
	if c := dc.synced(ctx, t, ns); c != nil {
		return c.Watch(ctx, name, resync, fn)
	}
	return cluster.Watch(ctx, t.Client, ns, name, resync, fn)
}

// synced is get's cache once it has its first list, else nil.
func (dc *deploymentCaches) synced(ctx context.Context, t *kube.Target, ns string) *cluster.DeploymentCache {
	if c := dc.get(ctx, t, ns); c != nil && c.Synced() {
		return c
	}
	return nil
}

// get returns the cache of t in ns, starting it (and waiting up to
// observedSync for its first list) on first use. Starting one also stops
// the caches of targets that were replaced or removed.
func (dc *deploymentCaches) get(ctx context.Context, t *kube.Target, ns string) *cluster.DeploymentCache {
	key := observedKey{t, ns}
	dc.mu.Lock()
	e, ok := dc.caches[key]
	if !ok {
		e = &observedEntry{started: make(chan struct{})}
		dc.dropReplaced(key)
		dc.caches[key] = e
	}
	dc.mu.Unlock()
	if ok {
		select {
		case <-e.started:
			return e.cache
		case <-ctx.Done():
			return nil
		}
	}
	c, err := cluster.NewDeploymentCache(t.Client, ns)
	if err == nil {
		e.cache = c
		syncCtx, cancel := context.WithTimeout(ctx, observedSync)
		c.Sync(syncCtx)
		cancel()
	}
	close(e.started)
	return e.cache
}

// dropReplaced stops the caches, but keep's, whose target is no longer the
// current one of its name (their Watch calls go on with direct reads).
// Callers hold mu.
func (dc *deploymentCaches) dropReplaced(keep observedKey) {
	for key, e := range dc.caches {
		if cur, ok := dc.targets.Get(key.target.Name); key == keep || ok && cur == key.target {
			continue
		}
		delete(dc.caches, key)
		go func() {
			<-e.started
			if e.cache != nil {
				e.cache.Close()
			}
		}()
	}
}

// pinned is cluster.Pinned through t's cache in ns (this worker's own
// writes counted while the watch has not brought them), or a direct LIST
// while that cache has no first list.
func (dc *deploymentCaches) pinned(ctx context.Context, t *kube.Target, ns string, ref events.DeploymentRef) (cluster.PinnedSet, error) {
	if c := dc.synced(ctx, t, ns); c != nil {
		return c.Pinned(ref)
	}
	return cluster.Pinned(ctx, t.Client, ns, ref)
}

// applyPinned applies a pinned Deployment of ref and tells t's cache in ns.
func (dc *deploymentCaches) applyPinned(ctx context.Context, t *kube.Target, ref events.DeploymentRef, tmpl int,
	dep *appsac.DeploymentApplyConfiguration) error {
	rv, err := cluster.ApplyDeploymentVersion(ctx, t.Client, dep)
	if err != nil {
		return err
	}
	if c := dc.started(t, *dep.Namespace); c != nil {
		c.ExpectApplied(ref, tmpl, *dep.Name, rv)
	}
	return nil
}

// deletePinned deletes a pinned Deployment of ref and tells t's cache in ns.
func (dc *deploymentCaches) deletePinned(ctx context.Context, t *kube.Target, ns string, ref events.DeploymentRef, tmpl int,
	p cluster.PinnedCopy) error {
	if err := cluster.DeleteDeployment(ctx, t.Client, ns, p.Name); err != nil {
		return err
	}
	if c := dc.started(t, ns); c != nil {
		c.ExpectDeleted(ref, tmpl, p)
	}
	return nil
}

// started is t's cache in ns if one has started, without starting one.
func (dc *deploymentCaches) started(t *kube.Target, ns string) *cluster.DeploymentCache {
	dc.mu.Lock()
	e, ok := dc.caches[observedKey{t, ns}]
	dc.mu.Unlock()
	if !ok {
		return nil
	}
	select {
	case <-e.started:
		return e.cache
	default:
		return nil
	}
}
