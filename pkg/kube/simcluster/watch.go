package simcluster

import (
	"context"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
)

// Watch is the fake's Deployment watch with the label selector and the
// field selector (metadata.name and metadata.namespace, the only fields the
// apiserver supports for Deployments) applied; the fake ignores both. An object that stops matching simply stops
// producing events (the apiserver would send DELETED).
//
// Like every fake watch it starts with ADDED events for all existing
// objects, ignores ctx, and must be drained or stopped: the fake panics
// once 100 events are buffered and unread.
func (c *deployments) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	w, err := c.DeploymentInterface.Watch(ctx, opts)
	if err != nil || (opts.LabelSelector == "" && opts.FieldSelector == "") {
		return w, err
	}
	ls, err := labels.Parse(opts.LabelSelector)
	if err != nil {
		w.Stop()
		return nil, err
	}
	fs, err := fields.ParseSelector(opts.FieldSelector)
	if err != nil {
		w.Stop()
		return nil, err
	}
	sw := &selectedWatch{src: w, out: make(chan watch.Event), done: make(chan struct{})}
	go sw.loop(func(ev watch.Event) bool {
		m, ok := ev.Object.(metav1.Object)
		if !ok {
			return true // error events pass through
		}
		return ls.Matches(labels.Set(m.GetLabels())) &&
			fs.Matches(fields.Set{"metadata.name": m.GetName(), "metadata.namespace": m.GetNamespace()})
	})
	return sw, nil
}

// selectedWatch forwards the events of src that keep accepts.
type selectedWatch struct {
	src  watch.Interface
	out  chan watch.Event
	done chan struct{}
	once sync.Once
}

func (w *selectedWatch) ResultChan() <-chan watch.Event { return w.out }

func (w *selectedWatch) Stop() {
	w.once.Do(func() { close(w.done) })
	w.src.Stop()
}

func (w *selectedWatch) loop(keep func(watch.Event) bool) {
	defer close(w.out)
	for ev := range w.src.ResultChan() {
		if !keep(ev) {
			continue
		}
		select {
		case w.out <- ev:
		case <-w.done:
			return
		}
	}
}
