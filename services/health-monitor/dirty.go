package monitor

import (
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/tools/cache"
)

// dirtySet holds the deployments (by ref.String()) whose informer objects
// or probe results changed since the last evaluation. Informer handlers and
// probe workers mark; the evaluation loop takes. Safe for concurrent use.
type dirtySet struct {
	mu  sync.Mutex
	ids map[string]bool
}

func newDirtySet() *dirtySet { return &dirtySet{ids: map[string]bool{}} }

func (s *dirtySet) mark(id string) {
	if id == "" {
		return
	}
	s.mu.Lock()
	s.ids[id] = true
	s.mu.Unlock()
}

// take returns the marked ids and clears the set.
func (s *dirtySet) take() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.ids
	s.ids = make(map[string]bool, len(out))
	return out
}

// markOnChange marks the deployment of every object an informer adds,
// updates or deletes; of returns its deployment id ("" for none).
func markOnChange(inf cache.SharedIndexInformer, of func(any) string, dirty *dirtySet) error {
	mark := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		dirty.mark(of(obj))
	}
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    mark,
		UpdateFunc: func(_, obj any) { mark(obj) },
		DeleteFunc: mark,
	})
	return err
}

// idOfLabelled is the deployment id of a Deployment or Pod, from Slipway's
// labels (a pinned Deployment's pods: that of the deployment they serve).
func idOfLabelled(obj any) string {
	var labels map[string]string
	switch o := obj.(type) {
	case *appsv1.Deployment:
		labels = o.Labels
	case *corev1.Pod:
		labels = podLabels(o.Labels)
	default:
		return ""
	}
	ref, ok := refOfLabels(labels)
	if !ok {
		return ""
	}
	return ref.String()
}

// idOfSlice is the deployment id of an EndpointSlice: that of the
// Deployment its Service is named after, when cached (one added later is
// marked by its own event).
func (c *caches) idOfSlice(obj any) string {
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok {
		return ""
	}
	d, err := c.deployments.Deployments(s.Namespace).Get(s.Labels[discoveryv1.LabelServiceName])
	if err != nil {
		return ""
	}
	return idOfLabelled(d)
}
