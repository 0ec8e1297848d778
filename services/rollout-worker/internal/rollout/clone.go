package rollout

import "maps"

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
		c.Rollout = &r
	}
	if s.Routing != nil {
		r := *s.Routing
		c.Routing = &r
	}
	return c
}
