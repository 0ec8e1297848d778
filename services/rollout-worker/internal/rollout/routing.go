package rollout

import (
	"reflect"
	"sort"

	"slipway.dev/pkg/events"
)

// Serving is what a deployment's public paths lead to. Each entry carries
// the revision whose endpoints that path exposes.
type Serving struct {
	// Main is the revision of the main path (<deployment>/<endpoint>): the
	// current one; nil when the deployment has no routes.
	Main *events.Revision
	// Aliases are the aliases that serve a revision now (a first move still
	// in progress has no route yet).
	Aliases map[string]events.Revision
	// Versions are the revisions with a per-version path (v<N>), newest
	// first: those whose pods run and are ready to serve — the last one
	// that rolled out, aliased ones and kept-warm ones. A revision that is
	// not warm has no per-version path.
	Versions []events.Revision
	// Split divides the main path between the stable revision and a
	// canary in its steps; nil otherwise.
	Split *Split
}

// Split is a canary's traffic: the pod template revisions of the stable
// and the new revision, the percentage of requests the new one answers,
// and the percentage copied to it.
type Split struct {
	StableTemplate, CanaryTemplate int
	Weight, Mirror                 int32
}

// CanarySplit is the traffic of revision's canary as the history says
// (nil when no canary of the current revision is in its steps): what the
// routes carry, applied again by any worker that drives the rollout. A
// failed or aborted canary has none: the main path goes back to the main
// Service, whose pods are the stable revision's (a canary's pods join it only
// on targets without weighted routing, and are deleted at the end).
func CanarySplit(s State) *Split {
	r := s.Rollout
	if r == nil || r.Canary == nil || r.Phase.Terminal() || r.Revision != s.Current || !CanaryApplies(s, r.Revision) {
		return nil
	}
	return &Split{StableTemplate: s.Revisions[s.Stable].PodTemplateRevision(), CanaryTemplate: s.Revisions[r.Revision].PodTemplateRevision(),
		Weight: r.Canary.Weight, Mirror: r.Canary.Mirror}
}

// ServedRevisions says what a deployment's routes serve. A deployment that
// does not exist or is terminated serves nothing.
func ServedRevisions(s State) Serving {
	out := Serving{Aliases: map[string]events.Revision{}}
	if !s.Exists || s.Terminated {
		return out
	}
	if r, ok := s.Revisions[s.Current]; ok {
		out.Main = &r
	}
	out.Split = CanarySplit(s)
	versions := map[int]bool{}
	if s.Stable > 0 {
		versions[s.Stable] = true
	}
	aliased := map[int]bool{}
	for name, a := range s.Aliases {
		r, ok := s.Revisions[a.Revision]
		if !ok {
			continue
		}
		out.Aliases[name] = r
		versions[a.Revision] = true
		aliased[r.PodTemplateRevision()] = true
	}
	for _, a := range s.Aliases {
		if r, ok := s.Revisions[a.Pending]; ok {
			aliased[r.PodTemplateRevision()] = true
		}
	}
	for _, n := range keptWarm(s, aliased) {
		versions[n] = true
	}
	if out.Split != nil {
		// The new revision's per-version path is its preview while the
		// canary (or blue-green rollout) runs.
		versions[s.Rollout.Revision] = true
	}
	for n := range versions {
		if r, ok := s.Revisions[n]; ok {
			out.Versions = append(out.Versions, r)
		}
	}
	sort.Slice(out.Versions, func(i, j int) bool { return out.Versions[i].Number > out.Versions[j].Number })
	return out
}

// DecideRouting records the routing outcome ev unless it is what the
// history already says (or the deployment is gone): re-rendering the same
// routes appends nothing.
func DecideRouting(s State, ev events.RoutingChanged) []events.Message {
	if !s.Exists || s.Terminated {
		return nil
	}
	if s.Routing == nil && ev.Kind == events.RoutingNone && ev.Reason == events.ReasonRoutesRemoved {
		return nil // never routed, still not routed
	}
	if s.Routing != nil && reflect.DeepEqual(normalRouting(*s.Routing), normalRouting(ev)) {
		return nil
	}
	return []events.Message{ev}
}

// RoutingStale reports whether a settled deployment's routes were rendered
// with another routing setting than its target has now (a worker-configured
// target changed, or a change was missed while the target was unreachable),
// so they must be rendered again. Never routed and still none is not stale.
func RoutingStale(s State, setting *events.Routing) bool {
	if !s.Exists || s.Terminated {
		return false
	}
	if s.Routing == nil {
		return setting.EffectiveKind() != events.RoutingNone
	}
	return s.Routing.Setting != setting.Fingerprint()
}

// normalRouting makes empty and nil lists equal.
func normalRouting(r events.RoutingChanged) events.RoutingChanged {
	if len(r.Objects) == 0 {
		r.Objects = nil
	}
	if len(r.Paths) == 0 {
		r.Paths = nil
	}
	return r
}
