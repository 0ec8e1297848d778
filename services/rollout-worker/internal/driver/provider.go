package driver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"slipway.dev/services/rollout-worker/internal/analysis"
)

// providerCache holds one analysis provider per Prometheus address, made
// when a target's checks first need it: targets come and go (registered
// through the API) and many share a Prometheus.
type providerCache struct {
	mu     sync.Mutex
	newFn  func(string) (analysis.Provider, error)
	byAddr map[string]analysis.Provider
}

func newProviderCache(newFn func(string) (analysis.Provider, error)) *providerCache {
	if newFn == nil {
		newFn = func(address string) (analysis.Provider, error) { return analysis.NewPrometheus(address) }
	}
	return &providerCache{newFn: newFn, byAddr: map[string]analysis.Provider{}}
}

// get is the provider of address. One that cannot be made (validation
// refuses such addresses first) answers every query with why, so the
// target's checks are inconclusive, never passed.
func (c *providerCache) get(address string) analysis.Provider {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.byAddr[address]; ok {
		return p
	}
	p, err := c.newFn(address)
	if err != nil {
		return noProvider{fmt.Errorf("the target's Prometheus: %w", err)}
	}
	c.byAddr[address] = p
	return p
}

// noProvider answers every query with err, so that checks without a usable
// Prometheus are inconclusive (and pause the canary), never passed.
type noProvider struct{ err error }

var errNoPrometheus = errors.New("no Prometheus is configured for analysis (set SLIPWAY_PROMETHEUS_URL on the rollout worker, " +
	"or the target's prometheusURL)")

func (p noProvider) Query(context.Context, string, time.Time) (float64, error) {
	return 0, p.err
}
