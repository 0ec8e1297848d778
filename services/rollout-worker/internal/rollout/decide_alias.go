package rollout

import (
	"fmt"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
)

// DecideSetAlias points an alias at a revision. Pointing it where it
// already points (with no move in progress) changes nothing.
func DecideSetAlias(s State, cmd events.SetAlias) Decision {
	if d, gone := notLive(s, cmd, cmd.Deployment); gone {
		return d
	}
	if fe := validation.Alias("alias", cmd.Alias); fe != nil {
		return reject(cmd, events.ReasonInvalidSpec, "alias %s", fe.Message)
	}
	if _, ok := s.Revisions[cmd.Revision]; !ok {
		return reject(cmd, events.ReasonNotFound, "revision %d of %s does not exist (revisions 1 to %d do)", cmd.Revision, cmd.Deployment, s.Current)
	}
	a := s.Aliases[cmd.Alias]
	if a.Revision == cmd.Revision && a.Pending == 0 {
		return unchanged(s, "alias %s already serves revision %d", cmd.Alias, cmd.Revision)
	}
	set := events.AliasSet{Alias: cmd.Alias, Revision: cmd.Revision, Previous: a.Revision, Message: cmd.Message}
	if a.Pending != 0 {
		// The newest move wins; the one in progress ends Superseded.
		set.SupersededRevision, set.SupersededOperation = a.Pending, a.OperationID
	}
	return Decision{Events: []events.Message{set}}
}

// DecideDeleteAlias removes an alias.
func DecideDeleteAlias(s State, cmd events.DeleteAlias) Decision {
	if d, gone := notLive(s, cmd, cmd.Deployment); gone {
		return d
	}
	a, ok := s.Aliases[cmd.Alias]
	if !ok {
		return reject(cmd, events.ReasonNotFound, "deployment %s has no alias %s", cmd.Deployment, cmd.Alias)
	}
	return Decision{Events: []events.Message{events.AliasDeleted{Alias: cmd.Alias, Revision: a.Revision}}}
}

// DecideAliasMoved records a finished move, unless the alias was pointed
// elsewhere or deleted meanwhile.
func DecideAliasMoved(s State, alias string, revision int, warm bool) []events.Message {
	a, ok := s.Aliases[alias]
	if !ok || a.Pending != revision {
		return nil
	}
	return []events.Message{events.AliasMoved{Alias: alias, Revision: revision, Previous: a.Revision, Warm: warm}}
}

// DecideAliasProgress decides a move to a revision that was not running, from
// an observation of its pinned Deployment: it fails when the health monitor
// reported its pods crash-looping or failing to pull their image, or when the
// Deployment passed its progress deadline; otherwise nothing is decided yet
// (DecideAliasMoved records the move once the Deployment is available).
// Observations of a move that is no longer pending decide nothing.
func DecideAliasProgress(s State, alias string, obs Observation) []events.Message {
	a, ok := s.Aliases[alias]
	if !ok || a.Pending != obs.Revision || s.Terminated {
		return nil
	}
	fail := func(reason, message string) []events.Message {
		return []events.Message{events.AliasMoveFailed{Alias: alias, Revision: obs.Revision, Previous: a.Revision,
			Reason: reason, Message: message}}
	}
	stays := fmt.Sprintf("alias %s stays on revision %d", alias, a.Revision)
	if a.Revision == 0 {
		stays = fmt.Sprintf("alias %s serves no revision yet", alias)
	}
	if a.Failure != "" {
		return fail(a.Failure, fmt.Sprintf("%s: the pods of revision %d are failing: %s", stays, obs.Revision, a.FailureMessage))
	}
	if obs.Stale || !obs.DeadlineExceeded {
		return nil
	}
	var deadline int32
	if st := s.Revisions[obs.Revision].Spec.Rollout; st != nil {
		deadline = st.ProgressDeadlineSeconds
	}
	return fail(events.ReasonProgressDeadlineExceeded, fmt.Sprintf("%s: revision %d made no progress for %ds: %d of %d replicas available",
		stays, obs.Revision, deadline, obs.Replicas.Available, obs.Replicas.Desired))
}

// PinnedTemplates are the pod template revisions that must keep running as
// pinned Deployments: those aliases serve or are moving to, and those of the
// last keepWarm good revisions before the current one.
func PinnedTemplates(s State) map[int]bool {
	out := map[int]bool{}
	for _, a := range s.Aliases {
		for _, rev := range []int{a.Revision, a.Pending} {
			if r, ok := s.Revisions[rev]; ok {
				out[r.PodTemplateRevision()] = true
			}
		}
	}
	for _, n := range keptWarm(s, out) {
		out[s.Revisions[n].PodTemplateRevision()] = true
	}
	return out
}

// keptWarm lists, newest first, the last keepWarm good revisions before the
// current one whose pod templates are neither the current one's nor in
// pinned, one revision per template.
func keptWarm(s State, pinned map[int]bool) []int {
	seen := make(map[int]bool, len(pinned))
	for t := range pinned {
		seen[t] = true
	}
	keep := int(s.Revisions[s.Current].Spec.KeepWarm)
	current := s.Revisions[s.Current].PodTemplateRevision()
	var out []int
	for n := s.Stable; n > 0 && keep > 0; n-- {
		r, ok := s.Revisions[n]
		if !ok || n == s.Current || r.PodTemplateRevision() == current || seen[r.PodTemplateRevision()] || !s.succeeded[n] {
			continue
		}
		seen[r.PodTemplateRevision()] = true
		out = append(out, n)
		keep--
	}
	return out
}
