package simcluster

import (
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// queueWatch is one watch of the simulated cluster: an unbounded, ordered
// buffer between the writers (who push under their resource's lock and
// never wait) and one goroutine that hands the events to the reader, one
// at a time, on an unbuffered channel.
//
// Contract: every pushed event is delivered exactly once and in push order
// until Stop; the reader may fall behind by any number of events. Events
// shared between watches are deep-copied just before delivery, so a reader
// may mutate what it receives (informer transforms do). Stop unregisters
// the watch, drops its buffer and ends the goroutine at once, which closes
// ResultChan. Like every fake watch it ignores the request's context and
// timeout: it ends only on Stop.
type queueWatch struct {
	filter     watchFilter
	unregister func()

	out  chan watch.Event
	wake chan struct{} // capacity 1: "the queue may be non-empty"
	done chan struct{}
	once sync.Once

	mu      sync.Mutex
	queue   []queued
	stopped bool
}

// queued is a buffered event; a shared object is copied on delivery.
type queued struct {
	ev     watch.Event
	shared bool
}

func newQueueWatch(f watchFilter) *queueWatch {
	return &queueWatch{
		filter: f,
		out:    make(chan watch.Event),
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
}

func (w *queueWatch) ResultChan() <-chan watch.Event { return w.out }

func (w *queueWatch) Stop() {
	w.once.Do(func() {
		if w.unregister != nil {
			w.unregister()
		}
		w.mu.Lock()
		w.stopped, w.queue = true, nil
		w.mu.Unlock()
		close(w.done)
	})
}

// push appends q to the buffer; it never blocks on the reader.
func (w *queueWatch) push(q queued) {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	w.queue = append(w.queue, q)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// run delivers the buffer in order until Stop.
func (w *queueWatch) run() {
	defer close(w.out)
	for {
		w.mu.Lock()
		batch := w.queue
		w.queue = nil
		w.mu.Unlock()
		if len(batch) == 0 {
			select {
			case <-w.wake:
				continue
			case <-w.done:
				return
			}
		}
		for i, q := range batch {
			ev := q.ev
			if q.shared {
				ev.Object = ev.Object.DeepCopyObject()
			}
			select {
			case w.out <- ev:
				batch[i] = queued{} // delivered: let it be collected
			case <-w.done:
				return
			}
		}
	}
}

// watchFilter is what a watch selects: a namespace ("" for all), a label
// selector and a field selector on metadata.name and metadata.namespace,
// the fields the apiserver supports for every resource.
type watchFilter struct {
	namespace string
	labels    labels.Selector
	fields    fields.Selector
}

func newWatchFilter(ns string, o metav1.ListOptions) (watchFilter, error) {
	ls, err := labels.Parse(o.LabelSelector)
	if err != nil {
		return watchFilter{}, apierrors.NewBadRequest("invalid labelSelector: " + err.Error())
	}
	fs, err := fields.ParseSelector(o.FieldSelector)
	if err != nil {
		return watchFilter{}, apierrors.NewBadRequest("invalid fieldSelector: " + err.Error())
	}
	for _, r := range fs.Requirements() {
		if r.Field != "metadata.name" && r.Field != "metadata.namespace" {
			return watchFilter{}, apierrors.NewBadRequest("field label not supported: " + r.Field)
		}
	}
	return watchFilter{namespace: ns, labels: ls, fields: fs}, nil
}

func (f watchFilter) matches(key types.NamespacedName, l map[string]string) bool {
	return (f.namespace == "" || f.namespace == key.Namespace) &&
		f.labels.Matches(labels.Set(l)) &&
		f.fields.Matches(fields.Set{"metadata.name": key.Name, "metadata.namespace": key.Namespace})
}

// name is the one object name f selects, if any.
func (f watchFilter) name() (string, bool) {
	return f.fields.RequiresExactMatch("metadata.name")
}

// key is the one object f selects, if it names both namespace and name.
func (f watchFilter) key() (types.NamespacedName, bool) {
	name, ok := f.name()
	if !ok {
		return types.NamespacedName{}, false
	}
	ns := f.namespace
	if fns, ok := f.fields.RequiresExactMatch("metadata.namespace"); ok {
		ns = fns
	}
	return types.NamespacedName{Namespace: ns, Name: name}, ns != ""
}
