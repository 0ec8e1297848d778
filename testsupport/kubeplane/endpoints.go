package kubeplane

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// ReadyWatcher follows the EndpointSlices of one Service (label
// kubernetes.io/service-name) in the background and records the number of
// distinct ready endpoints after every change it observes. If the watch
// ends it lists again and resumes, so every observed moment is recorded,
// though moments between two observations are not.
type ReadyWatcher struct {
	cs       kubernetes.Interface
	ns, svc  string
	cancel   context.CancelFunc
	done     chan struct{}
	mu       sync.Mutex
	slices   map[string]map[string]bool // slice name -> endpoint (pod) -> ready
	counts   []int                      // ready endpoints at each observation since Reset
	changed  chan struct{}              // closed and replaced at every observation
	lastErr  error
	restarts int
}

// WatchReadyEndpoints lists the Service's EndpointSlices, then watches them
// until Stop. It fails only if the first list fails.
func WatchReadyEndpoints(ctx context.Context, cs kubernetes.Interface, ns, service string) (*ReadyWatcher, error) {
	w := &ReadyWatcher{cs: cs, ns: ns, svc: service, done: make(chan struct{}), changed: make(chan struct{})}
	ctx, w.cancel = context.WithCancel(ctx)
	rv, err := w.list(ctx)
	if err != nil {
		w.cancel()
		return nil, err
	}
	go w.run(ctx, rv)
	return w, nil
}

func (w *ReadyWatcher) selector() metav1.ListOptions {
	return metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + w.svc}
}

// list replaces the known slices with a fresh list and returns its resource version.
func (w *ReadyWatcher) list(ctx context.Context) (string, error) {
	list, err := w.cs.DiscoveryV1().EndpointSlices(w.ns).List(ctx, w.selector())
	if err != nil {
		return "", fmt.Errorf("kubeplane: list EndpointSlices of %s/%s: %w", w.ns, w.svc, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.slices = map[string]map[string]bool{}
	for i := range list.Items {
		w.slices[list.Items[i].Name] = endpointReadiness(&list.Items[i])
	}
	w.observeLocked()
	return list.ResourceVersion, nil
}

func (w *ReadyWatcher) run(ctx context.Context, rv string) {
	defer close(w.done)
	for ctx.Err() == nil {
		err := w.watch(ctx, rv)
		if ctx.Err() != nil {
			return
		}
		w.mu.Lock()
		w.lastErr, w.restarts = err, w.restarts+1
		w.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
		if next, err := w.list(ctx); err == nil {
			rv = next
		}
	}
}

// watch applies events from rv on until the watch ends.
func (w *ReadyWatcher) watch(ctx context.Context, rv string) error {
	opts := w.selector()
	opts.ResourceVersion = rv
	wi, err := w.cs.DiscoveryV1().EndpointSlices(w.ns).Watch(ctx, opts)
	if err != nil {
		return err
	}
	defer wi.Stop()
	for ev := range wi.ResultChan() {
		if ev.Type == watch.Error {
			return fmt.Errorf("watch error: %v", ev.Object)
		}
		s, ok := ev.Object.(*discoveryv1.EndpointSlice)
		if !ok {
			continue
		}
		w.mu.Lock()
		if ev.Type == watch.Deleted {
			delete(w.slices, s.Name)
		} else {
			w.slices[s.Name] = endpointReadiness(s)
		}
		w.observeLocked()
		w.mu.Unlock()
	}
	return fmt.Errorf("watch of EndpointSlices %s/%s closed", w.ns, w.svc)
}

func (w *ReadyWatcher) observeLocked() {
	w.counts = append(w.counts, len(w.readyLocked()))
	close(w.changed)
	w.changed = make(chan struct{})
}

func (w *ReadyWatcher) readyLocked() []string {
	var out []string
	for _, eps := range w.slices {
		for ep, ready := range eps {
			if ready && !slices.Contains(out, ep) {
				out = append(out, ep)
			}
		}
	}
	slices.Sort(out)
	return out
}

func endpointReadiness(s *discoveryv1.EndpointSlice) map[string]bool {
	eps := map[string]bool{}
	for _, ep := range s.Endpoints {
		if len(ep.Addresses) == 0 {
			continue
		}
		id := ep.Addresses[0]
		if ep.TargetRef != nil {
			id = ep.TargetRef.Name
		}
		// A nil Ready condition means ready (discovery/v1 contract).
		eps[id] = ep.Conditions.Ready == nil || *ep.Conditions.Ready
	}
	return eps
}

// Ready returns the ready endpoints (pod names, sorted) now.
func (w *ReadyWatcher) Ready() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.readyLocked()
}

// Counts returns the ready-endpoint count at every observation since the
// last Reset (the first is the count at the Reset).
func (w *ReadyWatcher) Counts() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.counts)
}

// Min returns the lowest of Counts.
func (w *ReadyWatcher) Min() int { return slices.Min(w.Counts()) }

// Restarts says how often the watch ended and was resumed, and why last.
func (w *ReadyWatcher) Restarts() (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.restarts, w.lastErr
}

// Reset forgets the recorded counts but the current one.
func (w *ReadyWatcher) Reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.counts = []int{len(w.readyLocked())}
}

// WaitFor blocks until cond holds for the ready endpoints or timeout passes.
func (w *ReadyWatcher) WaitFor(ctx context.Context, timeout time.Duration, cond func(ready []string) bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		w.mu.Lock()
		ready, changed := w.readyLocked(), w.changed
		w.mu.Unlock()
		if cond(ready) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kubeplane: ready endpoints of %s/%s: condition not met within %s (ready now %v, counts %v)",
				w.ns, w.svc, timeout, ready, w.Counts())
		case <-changed:
		}
	}
}

// Stop ends the watch and waits for the watcher to return.
func (w *ReadyWatcher) Stop() {
	w.cancel()
	<-w.done
}
