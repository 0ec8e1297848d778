package cluster

import (
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// pinnedIndex indexes the cache's pinned Deployments by the deployment
// they keep revisions of, so that a rollout finds its own without a LIST:
// a label-selected LIST is a scan of every Deployment of the namespace on
// the API server (and in the simulated cluster), made by every rollout, so
// a fleet change cost N² label matches (a third of the worker's CPU at
// N=10,000, issue 15).
const pinnedIndex = "pinned-of"

func pinnedKey(ref events.DeploymentRef) string { return ref.String() }

func indexPinned(obj any) ([]string, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return nil, nil
	}
	of, ok := d.Labels[kube.LabelPinnedOf]
	if !ok {
		return nil, nil
	}
	ref := events.DeploymentRef{Owner: d.Labels[kube.LabelOwner], Project: d.Labels[kube.LabelProject], Name: of}
	return []string{pinnedKey(ref)}, nil
}

// pinWrite is a write this worker made to a pinned Deployment that the
// cache may not show yet: applied at rv, or deleted while at rv.
type pinWrite struct {
	ref     string
	tmpl    int
	present bool
	rv      uint64
	at      time.Time
}

// ExpectApplied records that this worker applied the pinned Deployment name
// (template tmpl of ref) and the API server answered resourceVersion rv:
// Pinned counts it until the cache has caught up with that write.
func (c *DeploymentCache) ExpectApplied(ref events.DeploymentRef, tmpl int, name, rv string) {
	c.expect(name, pinWrite{ref: pinnedKey(ref), tmpl: tmpl, present: true, rv: version(rv), at: time.Now()})
}

// ExpectDeleted records that this worker deleted the pinned Deployment p:
// Pinned leaves it out while the cache still holds that copy.
func (c *DeploymentCache) ExpectDeleted(ref events.DeploymentRef, tmpl int, p PinnedCopy) {
	c.expect(p.Name, pinWrite{ref: pinnedKey(ref), tmpl: tmpl, rv: version(p.ResourceVersion), at: time.Now()})
}

func (c *DeploymentCache) expect(name string, w pinWrite) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.writes) >= 1024 {
		for n, old := range c.writes {
			if c.caughtUp(n, old) {
				delete(c.writes, n)
			}
		}
	}
	c.writes[name] = w
}

// Pinned is cluster.Pinned read from the cache: ref's pinned Deployments by
// template revision, this worker's own writes included while the watch has
// not brought them yet.
func (c *DeploymentCache) Pinned(ref events.DeploymentRef) (PinnedSet, error) {
	objs, err := c.informer.GetIndexer().ByIndex(pinnedIndex, pinnedKey(ref))
	if err != nil {
		return nil, err
	}
	out := PinnedSet{}
	for _, o := range objs {
		if d, ok := o.(*appsv1.Deployment); ok {
			out.add(d)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, w := range c.writes {
		switch {
		case w.ref != pinnedKey(ref):
		case c.caughtUp(name, w):
			delete(c.writes, name)
		case w.present:
			out[w.tmpl] = PinnedCopy{Name: name, ResourceVersion: strconv.FormatUint(w.rv, 10)}
		default:
			delete(out, w.tmpl)
		}
	}
	return out, nil
}

// caughtUp reports whether the cache shows w or what came after it: an
// apply once the cache holds the Deployment at rv or later, a delete once
// the cache no longer holds that copy (or holds a newer one, created again
// since). Past expectFor a write counts as shown whatever the cache holds,
// as Watch's floor does: someone else may have deleted an applied copy
// since, which the cache then rightly lacks. A version that is not a
// number counts as shown. Callers hold mu.
func (c *DeploymentCache) caughtUp(name string, w pinWrite) bool {
	if w.rv == 0 || time.Since(w.at) >= c.expectFor {
		return true
	}
	d := c.cached(name)
	if !w.present {
		return d == nil || version(d.ResourceVersion) > w.rv
	}
	return d != nil && version(d.ResourceVersion) >= w.rv
}

// version is a resourceVersion as a number (etcd's revision); 0 when it is
// not one.
func version(rv string) uint64 {
	n, _ := strconv.ParseUint(rv, 10, 64)
	return n
}
