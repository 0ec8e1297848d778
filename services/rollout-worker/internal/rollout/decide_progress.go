package rollout

import (
	"fmt"
	"slices"
	"time"

	"slipway.dev/pkg/events"
)

// DecideStart returns RolloutStarted for the revision unless its rollout has
// already started or the revision is no longer the one to roll out.
func DecideStart(s State, revision int) []events.Message {
	r := s.rolloutOf(revision)
	if r == nil || r.Phase != PhasePending {
		return nil
	}
	rev := s.Revisions[revision]
	strategy := "RollingUpdate"
	if CanaryApplies(s, revision) {
		strategy = "Canary"
	}
	return []events.Message{events.RolloutStarted{
		Revision: revision, FromRevision: s.Stable, Desired: rev.Spec.DesiredReplicas(), Strategy: strategy}}
}

// DecideQueued records, once, that a pending rollout waits for a slot.
func DecideQueued(s State, revision int, target string, limit int) []events.Message {
	r := s.rolloutOf(revision)
	if r == nil || r.Phase != PhasePending || r.Queued {
		return nil
	}
	return []events.Message{events.RolloutQueued{Revision: revision, Target: target, Limit: limit}}
}

// Observation is what the worker saw of the revision's Kubernetes Deployment.
type Observation struct {
	Revision         int
	Replicas         events.Replicas
	Conditions       []events.Condition
	Complete         bool
	DeadlineExceeded bool
	// Stale: the controller has not observed the latest spec yet.
	Stale bool
	Time  time.Time
}

// DecideProgress turns an observation into at most one event: success,
// failure at the progress deadline, or progress when the counts or
// conditions changed. Observations of a superseded or ended rollout decide nothing.
func DecideProgress(s State, obs Observation) []events.Message {
	r := s.rolloutOf(obs.Revision)
	if r == nil || r.Phase != PhaseProgressing {
		return nil
	}
	if r.Failure != "" {
		return []events.Message{events.RolloutFailed{Revision: obs.Revision, Reason: r.Failure,
			Message: fmt.Sprintf("the pods of revision %d are failing: %s", obs.Revision, r.FailureMessage), Replicas: obs.Replicas}}
	}
	if obs.Stale {
		return nil
	}
	switch {
	case obs.Complete && r.Paused && r.Background != nil && r.Background.Paused:
		return nil // a background check paused it: it succeeds only once a person lets it go on
	case obs.Complete:
		if bake := s.Revisions[obs.Revision].Spec.Rollout.BakeSeconds; bake > 0 {
			return []events.Message{events.RolloutBaking{Revision: obs.Revision, Replicas: obs.Replicas,
				Until: obs.Time.Add(time.Duration(bake) * time.Second)}}
		}
		return []events.Message{events.RolloutSucceeded{Revision: obs.Revision, Replicas: obs.Replicas,
			DurationMS: obs.Time.Sub(r.StartedAt).Milliseconds()}}
	case obs.DeadlineExceeded:
		deadline := s.Revisions[obs.Revision].Spec.Rollout.ProgressDeadlineSeconds
		return []events.Message{events.RolloutFailed{Revision: obs.Revision, Reason: events.ReasonProgressDeadlineExceeded,
			Message: fmt.Sprintf("revision %d made no progress for %ds: %d of %d replicas updated, %d available",
				obs.Revision, deadline, obs.Replicas.Updated, obs.Replicas.Desired, obs.Replicas.Available),
			Replicas: obs.Replicas}}
	case obs.Replicas != r.Replicas || !slices.Equal(obs.Conditions, r.Conditions):
		return []events.Message{events.RolloutProgressed{Revision: obs.Revision, Replicas: obs.Replicas, Conditions: obs.Conditions}}
	}
	return nil
}

// DecideApplyFailed fails the rollout when the target refuses its objects.
func DecideApplyFailed(s State, revision int, err error) []events.Message {
	r := s.rolloutOf(revision)
	if r == nil || r.Phase.Terminal() {
		return nil
	}
	return []events.Message{events.RolloutFailed{Revision: revision, Reason: events.ReasonApplyFailed,
		Message: err.Error(), Replicas: r.Replicas}}
}

// DecideBake ends a baking rollout: failed when its pods failed meanwhile
// (the driver then rolls back), succeeded once the bake time has passed,
// unless it is paused (a person is looking: success waits for the resume).
func DecideBake(s State, revision int, now time.Time) []events.Message {
	r := s.rolloutOf(revision)
	if r == nil || r.Phase != PhaseBaking {
		return nil
	}
	if r.Failure != "" {
		return []events.Message{events.RolloutFailed{Revision: revision, Reason: r.Failure,
			Message: fmt.Sprintf("revision %d failed while baking (bake time %ds): %s",
				revision, s.Revisions[revision].Spec.Rollout.BakeSeconds, r.FailureMessage), Replicas: r.Replicas}}
	}
	if r.Paused || now.Before(r.BakeUntil) {
		return nil
	}
	return []events.Message{events.RolloutSucceeded{Revision: revision, Replicas: r.Replicas,
		DurationMS: now.Sub(r.StartedAt).Milliseconds()}}
}
