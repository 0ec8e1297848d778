package rollout

import (
	"fmt"

	"slipway.dev/pkg/events"
)

// inFlight returns the rollout a pause, resume or abort acts on, or the
// rejection when there is none.
func inFlight(s State, cmd events.Message, ref events.DeploymentRef) (*Rollout, Decision, bool) {
	if d, gone := notLive(s, cmd, ref); gone {
		return nil, d, false
	}
	if s.Rollout == nil || s.Rollout.Phase.Terminal() {
		return nil, reject(cmd, events.ReasonNoRolloutInFlight, "deployment %s has no rollout in flight (revision %d runs)", ref, s.Stable), false
	}
	return s.Rollout, Decision{}, true
}

func unchanged(s State, format string, args ...any) Decision {
	return Decision{Events: []events.Message{events.DeploymentUnchanged{Revision: s.Current, Message: fmt.Sprintf(format, args...)}}}
}

// DecidePause holds the rollout in flight.
func DecidePause(s State, cmd events.PauseRollout) Decision {
	r, d, ok := inFlight(s, cmd, cmd.Deployment)
	switch {
	case !ok:
		return d
	case r.Paused:
		return unchanged(s, "the rollout of revision %d is already paused", r.Revision)
	}
	return Decision{Events: []events.Message{events.RolloutPaused{Revision: r.Revision, Message: cmd.Message}}}
}

// DecideResume lets a paused rollout continue.
func DecideResume(s State, cmd events.ResumeRollout) Decision {
	r, d, ok := inFlight(s, cmd, cmd.Deployment)
	switch {
	case !ok:
		return d
	case !r.Paused:
		return unchanged(s, "the rollout of revision %d is not paused", r.Revision)
	}
	return Decision{Events: []events.Message{events.RolloutResumed{Revision: r.Revision, Message: cmd.Message}}}
}

// DecideAbort stops the rollout in flight; the driver then rolls back to
// the last good revision (DecideAutoRollback).
func DecideAbort(s State, cmd events.AbortRollout) Decision {
	r, d, ok := inFlight(s, cmd, cmd.Deployment)
	if !ok {
		return d
	}
	msg := fmt.Sprintf("the rollout of revision %d was aborted", r.Revision)
	if cmd.Message != "" {
		msg += ": " + cmd.Message
	}
	back := s.Stable
	if back == r.Revision || s.Revisions[r.Revision].Cause == events.CauseAutoRollback || s.Revisions[r.Revision].Cause == events.CauseAbort {
		back = 0 // DecideAutoRollback will not roll back from here
	}
	if back == 0 {
		msg += "; no earlier revision ran successfully, so there is nothing to roll back to"
	}
	return Decision{Events: []events.Message{events.RolloutAborted{Revision: r.Revision, Reason: events.ReasonAborted, Message: msg,
		Replicas: r.Replicas, RollbackTo: back}}}
}
