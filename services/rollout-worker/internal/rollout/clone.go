package rollout

import (
	"maps"
	"slices"

	"slipway.dev/pkg/events"
)

// Clone returns a copy of s that shares nothing Apply changes in place:
// applying events to the copy leaves s as it was (a cached fold is cloned
// before events are applied to it). Revisions are shared values; Apply
// replaces them, never changes one.
func (s State) Clone() State {
	c := s
	c.Revisions = maps.Clone(s.Revisions)
	c.Aliases = maps.Clone(s.Aliases)
	c.handled = maps.Clone(s.handled)
	c.succeeded = maps.Clone(s.succeeded)
	if s.Rollout != nil {
		r := *s.Rollout
		if r.Canary != nil {
			cc := r.Canary.clone()
			r.Canary = &cc
		}
		if r.Background != nil {
			b := *r.Background
			b.Measurements = make(map[string][]events.AnalysisMeasured, len(r.Background.Measurements))
			for k, v := range r.Background.Measurements {
				b.Measurements[k] = slices.Clone(v)
			}
			r.Background = &b
		}
		c.Rollout = &r
	}
	if s.Routing != nil {
		r := *s.Routing
		c.Routing = &r
	}
	return c
}

// clone copies a canary's maps and slices, which Apply appends to and
// replaces entries of in place.
func (c Canary) clone() Canary {
	c.Checks = slices.Clone(c.Checks)
	c.Latest = maps.Clone(c.Latest)
	m := make(map[string][]events.AnalysisMeasured, len(c.Measurements))
	for k, v := range c.Measurements {
		m[k] = slices.Clone(v)
	}
	c.Measurements = m
	return c
}
