// Package registry decides target registrations (pure): a target's state is
// the fold of its event history (slipway.evt.target.<name>); a decision is
// the event that follows from a command and that state.
package registry

import (
	"fmt"
	"maps"
	"reflect"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
)

// Event is one entry of a target's history.
type Event struct {
	Seq      uint64
	Envelope events.Envelope
	Message  events.Message
}

// State is a registered target as its history says.
type State struct {
	Name    string
	Exists  bool
	Spec    events.TargetSpec
	LastSeq uint64
	// handled holds the causation ids of decisions: the commands decided.
	handled map[string]bool
}

// Fold replays a target's history.
func Fold(evs []Event) State {
	var s State
	for _, e := range evs {
		s.Apply(e)
	}
	return s
}

// Apply folds one event into s.
func (s *State) Apply(e Event) {
	s.LastSeq = e.Seq
	if e.Envelope.CausationID != "" {
		if s.handled == nil {
			s.handled = map[string]bool{}
		}
		s.handled[e.Envelope.CausationID] = true
	}
	switch m := e.Message.(type) {
	case events.TargetRegistered:
		s.Name, s.Exists, s.Spec = m.Target.Name, true, m.Target
	case events.TargetUpdated:
		s.Name, s.Exists, s.Spec = m.Target.Name, true, m.Target
	case events.TargetRemoved:
		s.Name, s.Exists, s.Spec = m.Name, false, events.TargetSpec{}
	}
}

// Handled reports whether the command with this id was decided already.
func (s State) Handled(commandID string) bool { return s.handled[commandID] }

// DecideRegister registers a new target or replaces a registration.
// configured says whether the name belongs to a target of the workers'
// configuration, which a registration cannot replace.
func DecideRegister(s State, cmd events.RegisterTarget, configured bool) events.Message {
	t := cmd.Target
	if fe := validation.Target(t); len(fe) > 0 {
		return events.CommandRejected{CommandType: cmd.Type(), Reason: events.ReasonInvalidSpec,
			Message: "the target registration is invalid", Fields: fe}
	}
	if configured {
		return events.CommandRejected{CommandType: cmd.Type(), Reason: events.ReasonTargetFromConfig,
			Message: fmt.Sprintf("target %s is defined by the workers' configuration; change it there", t.Name)}
	}
	if !s.Exists {
		return events.TargetRegistered{Target: t}
	}
	return events.TargetUpdated{Target: t, Changed: Changed(s.Spec, t)}
}

// DecideRemove removes a registered target. The api refuses a removal while
// deployments run on the target; the worker has no index of them, so it
// decides on the registration alone.
func DecideRemove(s State, cmd events.RemoveTarget, configured bool) events.Message {
	switch {
	case configured:
		return events.CommandRejected{CommandType: cmd.Type(), Reason: events.ReasonTargetFromConfig,
			Message: fmt.Sprintf("target %s is defined by the workers' configuration; remove it there", cmd.Name)}
	case !s.Exists:
		return events.CommandRejected{CommandType: cmd.Type(), Reason: events.ReasonNotFound,
			Message: fmt.Sprintf("target %s is not registered", cmd.Name)}
	}
	return events.TargetRemoved{Name: cmd.Name}
}

// Changed names the top-level fields that differ between two registrations,
// in a fixed order.
func Changed(a, b events.TargetSpec) []string {
	var out []string
	add := func(field string, differ bool) {
		if differ {
			out = append(out, field)
		}
	}
	add("region", a.Region != b.Region)
	add("namespace", a.Namespace != b.Namespace)
	add("baseURL", a.BaseURL != b.BaseURL)
	add("instanceTypes", !maps.Equal(a.InstanceTypes, b.InstanceTypes))
	add("connection", !reflect.DeepEqual(a.Connection, b.Connection))
	add("routing", !reflect.DeepEqual(a.Routing, b.Routing))
	add("prometheusURL", a.PrometheusURL != b.PrometheusURL)
	return out
}
