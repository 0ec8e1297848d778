// Package catalog keeps the api's view of the targets the rollout workers
// serve, watched from the targets bucket, so requests naming an unknown
// target or instance type are refused before any command is written.
package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
)

// Catalog is the set of known targets.
type Catalog struct {
	mu      sync.RWMutex
	targets map[string]events.TargetRecord
}

// Watch starts following the targets bucket until ctx ends.
func Watch(ctx context.Context, b *bus.Conn) (*Catalog, error) {
	kv, err := b.JS.KeyValue(ctx, events.BucketTargets)
	if err != nil {
		return nil, fmt.Errorf("targets bucket: %w", err)
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("watch targets: %w", err)
	}
	c := &Catalog{targets: map[string]events.TargetRecord{}}
	go func() {
		defer func() { _ = w.Stop() }()
		for e := range w.Updates() {
			if e != nil {
				c.apply(e)
			}
		}
	}()
	return c, nil
}

func (c *Catalog) apply(e jetstream.KeyValueEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		delete(c.targets, e.Key())
		return
	}
	var rec events.TargetRecord
	if json.Unmarshal(e.Value(), &rec) == nil {
		c.targets[e.Key()] = rec
	}
}

// Target returns the named target; "" names the default one. known is
// false when no worker has published targets yet: callers then leave the
// check to the worker.
func (c *Catalog) Target(name string) (rec events.TargetRecord, found, known bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(c.targets) == 0 {
		return events.TargetRecord{}, false, false
	}
	if name == "" {
		for _, t := range c.targets {
			if t.Default {
				return t, true, true
			}
		}
		return events.TargetRecord{}, false, true
	}
	rec, found = c.targets[name]
	return rec, found, true
}

// List returns the targets sorted by name.
func (c *Catalog) List() []events.TargetRecord {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]events.TargetRecord, 0, len(c.targets))
	for _, t := range c.targets {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the sorted target names.
func (c *Catalog) Names() []string {
	var out []string
	for _, t := range c.List() {
		out = append(out, t.Name)
	}
	return out
}
