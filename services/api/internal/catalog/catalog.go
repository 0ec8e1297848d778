// Package catalog keeps the api's view of the targets the rollout workers
// serve (configured, or registered through the API), watched from the
// targets bucket, so requests naming an unknown target or instance type are
// refused before any command is written; and each target's reachability,
// watched from the target status bucket.
package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/events"
)

// Catalog is the set of known targets, each with its last reachability
// check (from the target status bucket).
type Catalog struct {
	mu      sync.RWMutex
	targets map[string]events.TargetRecord
	status  map[string]events.TargetStatus
}

// Buckets opens key-value buckets (a *bus.Conn).
type Buckets interface {
	KeyValue(ctx context.Context, bucket string) (jetstream.KeyValue, error)
}

// Watch starts following the targets bucket until ctx ends.
func Watch(ctx context.Context, b Buckets) (*Catalog, error) {
	kv, err := b.KeyValue(ctx, events.BucketTargets)
	if err != nil {
		return nil, fmt.Errorf("targets bucket: %w", err)
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("watch targets: %w", err)
	}
	c := &Catalog{targets: map[string]events.TargetRecord{}, status: map[string]events.TargetStatus{}}
	go func() {
		defer func() { _ = w.Stop() }()
		for e := range w.Updates() {
			if e != nil {
				c.apply(e)
			}
		}
	}()
	if err := c.watchStatus(ctx, b); err != nil {
		return nil, err
	}
	return c, nil
}

// watchStatus follows the target status bucket.
func (c *Catalog) watchStatus(ctx context.Context, b Buckets) error {
	kv, err := b.KeyValue(ctx, events.BucketTargetStatus)
	if err != nil {
		return fmt.Errorf("target status bucket: %w", err)
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch target status: %w", err)
	}
	go func() {
		defer func() { _ = w.Stop() }()
		for e := range w.Updates() {
			if e != nil {
				c.applyStatus(e)
			}
		}
	}()
	return nil
}

func (c *Catalog) applyStatus(e jetstream.KeyValueEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var st events.TargetStatus
	if e.Operation() != jetstream.KeyValuePut || json.Unmarshal(e.Value(), &st) != nil {
		delete(c.status, e.Key())
		return
	}
	c.status[e.Key()] = st
}

// withStatus returns rec with its status; c.mu must be held.
func (c *Catalog) withStatus(rec events.TargetRecord) events.TargetRecord {
	if rec.Source == "" {
		rec.Source = events.TargetSourceConfig
	}
	if st, ok := c.status[rec.Name]; ok {
		rec.Status = &st
	}
	return rec
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
				return c.withStatus(t), true, true
			}
		}
		return events.TargetRecord{}, false, true
	}
	rec, found = c.targets[name]
	if found {
		rec = c.withStatus(rec)
	}
	return rec, found, true
}

// List returns the targets sorted by name.
func (c *Catalog) List() []events.TargetRecord {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]events.TargetRecord, 0, len(c.targets))
	for _, t := range c.targets {
		out = append(out, c.withStatus(t))
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
