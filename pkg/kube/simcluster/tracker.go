package simcluster

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	k8stesting "k8s.io/client-go/testing"
)

// minTombstones is how many deletions a resource keeps at least (at most
// twice as many) for replaying to a watch that starts from an earlier
// resourceVersion; an informer's List→Watch gap sees far fewer.
const minTombstones = 1024

// eventTracker is the fake clientset's object tracker with its watches
// replaced. client-go's tracker gives every watch a channel of 100 events,
// panics when a write finds one full (so a slow reader, or 100 Deployments
// and an informer not yet reading, brings the process down) and never
// forgets a stopped watch. eventTracker stores through the fake's tracker
// (field management and server-side apply included) and publishes every
// write itself.
//
// Contract, per resource (GroupVersionResource):
//
//   - writes are serialised; each successful Create, Update, Patch, Apply
//     and Delete reaches every open watch whose namespace and selectors
//     match as exactly one event, in the order the writes were stored;
//   - a write never waits for a reader: each watch buffers without bound
//     (queueWatch), so no event is dropped or reordered whatever the
//     reader's speed, and Stop releases the buffer and goroutine at once;
//   - label selectors and the field selectors metadata.name and
//     metadata.namespace are honoured as the apiserver does, including
//     ADDED and DELETED when an object's labels enter or leave a selector;
//     other field selectors are refused with BadRequest;
//   - List reports a resourceVersion (objects carry none, as in the fake).
//     Watch from "" or "0" starts with ADDED for every matching object;
//     Watch from a List's version replays what changed since, as ADDED for
//     objects written since and DELETED for objects deleted since, in
//     write order, or fails with 410 Expired (the client relists) if those
//     deletions are no longer kept.
//
// Writes reach watchers only through the clientset's reactors (or
// eventTracker's own methods); Add stores without an event.
type eventTracker struct {
	k8stesting.ObjectTracker
	rv      atomic.Int64 // the last resourceVersion given out, over all resources
	mu      sync.Mutex   // guards streams
	streams map[schema.GroupVersionResource]*stream
	// observe, when set (before the first write), is called with every
	// stored write and deletion under the resource's lock, so in storage
	// order; it must not call back into the tracker.
	observe func(gvr schema.GroupVersionResource, key types.NamespacedName, obj runtime.Object, deleted bool)
}

// stream is one resource's write log state and open watches.
type stream struct {
	mu      sync.RWMutex // held for writing across each store and its publication
	objects map[types.NamespacedName]objectVersion
	deleted []tombstone // by rv
	expired int64       // deletions at or below this rv are forgotten
	watches map[*queueWatch]struct{}
	byName  map[string]map[*queueWatch]struct{} // watches selecting one name
}

type objectVersion struct {
	rv     int64
	labels map[string]string // of the stored copy, which nothing mutates
}

type tombstone struct {
	rv  int64
	key types.NamespacedName
	obj runtime.Object // its last state; shared, copied on delivery
}

// newFake returns a fake clientset whose reactors go through an
// eventTracker over a fieldTracker. The clientset's Tracker() is client-go's
// own and unused: use the returned tracker.
func newFake() (*fake.Clientset, *eventTracker) {
	cs := fake.NewClientset()
	t := &eventTracker{ObjectTracker: newFieldTracker(), streams: map[schema.GroupVersionResource]*stream{}}
	cs.ReactionChain = nil
	cs.WatchReactionChain = nil
	cs.AddReactor("*", "*", k8stesting.ObjectReaction(t))
	cs.AddWatchReactor("*", func(action k8stesting.Action) (bool, watch.Interface, error) {
		var opts metav1.ListOptions
		if wa, ok := action.(k8stesting.WatchActionImpl); ok {
			opts = wa.ListOptions
		}
		w, err := t.Watch(action.GetResource(), action.GetNamespace(), opts)
		return true, w, err
	})
	return cs, t
}

func (t *eventTracker) stream(gvr schema.GroupVersionResource) *stream {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.streams[gvr]
	if !ok {
		s = &stream{
			objects: map[types.NamespacedName]objectVersion{},
			watches: map[*queueWatch]struct{}{},
			byName:  map[string]map[*queueWatch]struct{}{},
		}
		t.streams[gvr] = s
	}
	return s
}

func (t *eventTracker) Create(gvr schema.GroupVersionResource, obj runtime.Object, ns string, opts ...metav1.CreateOptions) error {
	return t.write(gvr, obj, ns, func() error { return t.ObjectTracker.Create(gvr, obj, ns, opts...) })
}

func (t *eventTracker) Update(gvr schema.GroupVersionResource, obj runtime.Object, ns string, opts ...metav1.UpdateOptions) error {
	return t.write(gvr, obj, ns, func() error { return t.ObjectTracker.Update(gvr, obj, ns, opts...) })
}

func (t *eventTracker) Patch(gvr schema.GroupVersionResource, obj runtime.Object, ns string, opts ...metav1.PatchOptions) error {
	return t.write(gvr, obj, ns, func() error { return t.ObjectTracker.Patch(gvr, obj, ns, opts...) })
}

// Apply applies cfg; as on the API server, a resourceVersion in cfg is a
// precondition on the live object's (a 409 Conflict when it moved on).
func (t *eventTracker) Apply(gvr schema.GroupVersionResource, cfg runtime.Object, ns string, opts ...metav1.PatchOptions) error {
	m, err := meta.Accessor(cfg)
	if err != nil {
		return err
	}
	key := types.NamespacedName{Namespace: cmp.Or(ns, m.GetNamespace()), Name: m.GetName()}
	return t.write(gvr, cfg, ns, func() error {
		if want := m.GetResourceVersion(); want != "" {
			v, ok := t.stream(gvr).objects[key] // write holds the stream's lock
			if !ok || strconv.FormatInt(v.rv, 10) != want {
				return staleVersion(gvr.GroupResource(), key.Name, want)
			}
		}
		return t.ObjectTracker.Apply(gvr, cfg, ns, opts...)
	})
}

// staleVersion is the API server's answer to a write conditional on a
// resourceVersion that is not the object's live one: 409 Conflict.
func staleVersion(gr schema.GroupResource, name, want string) error {
	return apierrors.NewConflict(gr, name, fmt.Errorf("the object has been modified; resourceVersion %s is not the live one", want))
}

// Get returns a copy of the object with its resourceVersion, which an
// apply may name as a precondition.
func (t *eventTracker) Get(gvr schema.GroupVersionResource, ns, name string, opts ...metav1.GetOptions) (runtime.Object, error) {
	s := t.stream(gvr)
	s.mu.RLock()
	defer s.mu.RUnlock()
	obj, err := t.ObjectTracker.Get(gvr, ns, name, opts...)
	if err != nil {
		return nil, err
	}
	s.stamp(types.NamespacedName{Namespace: ns, Name: name}, obj)
	return obj, nil
}

// stamp sets obj's resourceVersion to key's stored one. Callers hold s.mu.
func (s *stream) stamp(key types.NamespacedName, obj runtime.Object) {
	if v, ok := s.objects[key]; ok {
		if m, err := meta.Accessor(obj); err == nil {
			m.SetResourceVersion(strconv.FormatInt(v.rv, 10))
		}
	}
}

// write stores with store and publishes the stored object, holding the
// stream's lock across both so that events leave in storage order.
func (t *eventTracker) write(gvr schema.GroupVersionResource, obj runtime.Object, ns string, store func() error) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	key := types.NamespacedName{Namespace: cmp.Or(ns, m.GetNamespace()), Name: m.GetName()}
	s := t.stream(gvr)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := store(); err != nil {
		return err
	}
	stored, err := t.ObjectTracker.Get(gvr, key.Namespace, key.Name)
	if err != nil {
		return err
	}
	rv := t.rv.Add(1)
	if sm, err := meta.Accessor(stored); err == nil {
		sm.SetResourceVersion(strconv.FormatInt(rv, 10))
	}
	s.publish(key, stored, rv)
	if t.observe != nil {
		t.observe(gvr, key, stored, false)
	}
	return nil
}

func (t *eventTracker) Delete(gvr schema.GroupVersionResource, ns, name string, opts ...metav1.DeleteOptions) error {
	key := types.NamespacedName{Namespace: ns, Name: name}
	s := t.stream(gvr)
	s.mu.Lock()
	defer s.mu.Unlock()
	last, err := t.ObjectTracker.Get(gvr, ns, name)
	if err != nil {
		return err
	}
	if err := t.ObjectTracker.Delete(gvr, ns, name, opts...); err != nil {
		return err
	}
	s.publishDelete(key, last, t.rv.Add(1))
	if t.observe != nil {
		t.observe(gvr, key, last, true)
	}
	return nil
}

// List is the fake's List with the resourceVersion a Watch can start from.
// A list by label selector copies only the objects it selects (client-go's
// tracker copies every object of the namespace, then the fake client
// filters: a worker listing one deployment's pinned Deployments copied the
// whole fleet's each time).
func (t *eventTracker) List(gvr schema.GroupVersionResource, gvk schema.GroupVersionKind, ns string, opts ...metav1.ListOptions) (runtime.Object, error) {
	s := t.stream(gvr)
	s.mu.RLock()
	defer s.mu.RUnlock()
	var list runtime.Object
	var err error
	if len(opts) == 1 && opts[0].LabelSelector != "" && opts[0].FieldSelector == "" {
		list, err = t.listSelected(s, gvr, gvk, ns, opts[0].LabelSelector)
	} else {
		list, err = t.ObjectTracker.List(gvr, gvk, ns, opts...)
	}
	if err != nil {
		return nil, err
	}
	_ = meta.EachListItem(list, func(item runtime.Object) error {
		if m, err := meta.Accessor(item); err == nil {
			s.stamp(types.NamespacedName{Namespace: m.GetNamespace(), Name: m.GetName()}, item)
		}
		return nil
	})
	if lm, err := meta.ListAccessor(list); err == nil {
		lm.SetResourceVersion(strconv.FormatInt(t.rv.Load(), 10))
	}
	return list, nil
}

// listSelected lists the objects of ns ("" for all) whose labels match
// selector, each a private copy, in name order. Callers hold s.mu.
func (t *eventTracker) listSelected(s *stream, gvr schema.GroupVersionResource, gvk schema.GroupVersionKind, ns, selector string) (runtime.Object, error) {
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("labelSelector %q: %v", selector, err))
	}
	listGVK := gvk
	listGVK.Kind += "List"
	list, err := scheme.Scheme.New(listGVK)
	if err != nil {
		return nil, err
	}
	var keys []types.NamespacedName
	for key, v := range s.objects {
		if (ns == "" || key.Namespace == ns) && sel.Matches(labels.Set(v.labels)) {
			keys = append(keys, key)
		}
	}
	slices.SortFunc(keys, func(a, b types.NamespacedName) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	items := make([]runtime.Object, 0, len(keys))
	for _, key := range keys {
		obj, err := t.ObjectTracker.Get(gvr, key.Namespace, key.Name)
		if err != nil {
			return nil, err
		}
		items = append(items, obj)
	}
	if err := meta.SetList(list, items); err != nil {
		return nil, err
	}
	return list, nil
}

// Watch opens a watch of gvr in ns ("" for all namespaces); see the
// eventTracker contract for selectors and the starting resourceVersion.
func (t *eventTracker) Watch(gvr schema.GroupVersionResource, ns string, opts ...metav1.ListOptions) (watch.Interface, error) {
	var o metav1.ListOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	f, err := newWatchFilter(ns, o)
	if err != nil {
		return nil, err
	}
	var from int64
	if o.ResourceVersion != "" {
		if from, err = strconv.ParseInt(o.ResourceVersion, 10, 64); err != nil {
			return nil, apierrors.NewBadRequest("invalid resourceVersion " + strconv.Quote(o.ResourceVersion))
		}
	}
	s := t.stream(gvr)
	s.mu.Lock()
	defer s.mu.Unlock()
	if from > 0 && from < s.expired {
		return nil, apierrors.NewResourceExpired("too old resource version: " + o.ResourceVersion)
	}
	w := newQueueWatch(f)
	w.unregister = func() { s.remove(w) }
	for _, ev := range s.replay(t.ObjectTracker, gvr, f, from) {
		w.push(ev)
	}
	s.add(w)
	go w.run()
	return w, nil
}

// replay returns the events a watch from resourceVersion from starts with,
// in write order. Callers hold s.mu.
func (s *stream) replay(inner k8stesting.ObjectTracker, gvr schema.GroupVersionResource, f watchFilter, from int64) []queued {
	type item struct {
		rv int64
		q  queued
	}
	var items []item
	added := func(key types.NamespacedName, v objectVersion) {
		if v.rv <= from || !f.matches(key, v.labels) {
			return
		}
		if obj, err := inner.Get(gvr, key.Namespace, key.Name); err == nil { // a private copy
			items = append(items, item{v.rv, queued{ev: watch.Event{Type: watch.Added, Object: obj}}})
		}
	}
	if key, ok := f.key(); ok {
		if v, ok := s.objects[key]; ok {
			added(key, v)
		}
	} else {
		for key, v := range s.objects {
			added(key, v)
		}
	}
	if from > 0 {
		for _, d := range s.deleted {
			if d.rv > from && f.matches(d.key, metaLabels(d.obj)) {
				items = append(items, item{d.rv, queued{ev: watch.Event{Type: watch.Deleted, Object: d.obj}, shared: true}})
			}
		}
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Compare(a.rv, b.rv) })
	out := make([]queued, len(items))
	for i, it := range items {
		out[i] = it.q
	}
	return out
}

// publish records obj as key's state at rv and queues its event on every
// matching watch. Callers hold s.mu for writing.
func (s *stream) publish(key types.NamespacedName, obj runtime.Object, rv int64) {
	old, existed := s.objects[key]
	labels := metaLabels(obj)
	s.objects[key] = objectVersion{rv: rv, labels: labels}
	s.each(key.Name, func(w *queueWatch) {
		was := existed && w.filter.matches(key, old.labels)
		switch is := w.filter.matches(key, labels); {
		case was && is:
			w.push(queued{ev: watch.Event{Type: watch.Modified, Object: obj}, shared: true})
		case is:
			w.push(queued{ev: watch.Event{Type: watch.Added, Object: obj}, shared: true})
		case was: // left the selector: the apiserver reports it deleted
			w.push(queued{ev: watch.Event{Type: watch.Deleted, Object: obj}, shared: true})
		}
	})
}

// publishDelete forgets key, keeps a tombstone for replays and queues
// DELETED on every watch that saw the object. Callers hold s.mu for writing.
func (s *stream) publishDelete(key types.NamespacedName, last runtime.Object, rv int64) {
	old := s.objects[key]
	delete(s.objects, key)
	s.deleted = append(s.deleted, tombstone{rv: rv, key: key, obj: last})
	if len(s.deleted) > 2*minTombstones { // bounded; a watch from before gets 410
		drop := len(s.deleted) - minTombstones
		s.expired = s.deleted[drop-1].rv
		s.deleted = slices.Delete(s.deleted, 0, drop)
	}
	s.each(key.Name, func(w *queueWatch) {
		if w.filter.matches(key, old.labels) {
			w.push(queued{ev: watch.Event{Type: watch.Deleted, Object: last}, shared: true})
		}
	})
}

// each calls fn for the watches that may select an object named name:
// those selecting that name and those selecting no name.
func (s *stream) each(name string, fn func(*queueWatch)) {
	for w := range s.byName[name] {
		fn(w)
	}
	for w := range s.watches {
		fn(w)
	}
}

// add registers w; callers hold s.mu for writing.
func (s *stream) add(w *queueWatch) {
	name, ok := w.filter.name()
	if !ok {
		s.watches[w] = struct{}{}
		return
	}
	set := s.byName[name]
	if set == nil {
		set = map[*queueWatch]struct{}{}
		s.byName[name] = set
	}
	set[w] = struct{}{}
}

func (s *stream) remove(w *queueWatch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, ok := w.filter.name()
	if !ok {
		delete(s.watches, w)
		return
	}
	delete(s.byName[name], w)
	if len(s.byName[name]) == 0 {
		delete(s.byName, name)
	}
}

func metaLabels(obj runtime.Object) map[string]string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil
	}
	return m.GetLabels()
}
