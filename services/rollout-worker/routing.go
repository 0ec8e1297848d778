package worker

import (
	"reflect"
	"sync"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// routingChanges tells which registered targets changed their routing
// setting: a registration replaced with another routing. The first sight of
// a target (a worker starting, a new registration) is no change.
type routingChanges struct {
	mu   sync.Mutex
	last map[string]*events.Routing
}

// changed records t's routing (t nil: removed) and reports whether it
// differs from the one seen before for the same name.
func (c *routingChanges) changed(name string, t *kube.Target) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[string]*events.Routing{}
	}
	prev, seen := c.last[name]
	if t == nil {
		delete(c.last, name)
		return false
	}
	c.last[name] = t.Routing
	return seen && !reflect.DeepEqual(prev, t.Routing)
}
