// Package health decides a deployment's health from what Kubernetes reports,
// and when a change is settled enough to publish. It does no I/O.
package health

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"slipway.dev/pkg/events"
)

// Status is a health state with its reason.
type Status struct {
	State    string
	Reason   string
	Message  string
	Replicas events.Replicas
}

// Evaluate classifies a Deployment. A nil Deployment is Unavailable.
func Evaluate(d *appsv1.Deployment) Status {
	if d == nil {
		return Status{State: events.HealthUnavailable, Reason: events.ReasonObjectMissing, Message: "the Kubernetes Deployment does not exist"}
	}
	desired := int32(1)
	if d.Spec.Replicas != nil {
		desired = *d.Spec.Replicas
	}
	st := d.Status
	reps := events.Replicas{Desired: desired, Updated: st.UpdatedReplicas, Ready: st.ReadyReplicas, Available: st.AvailableReplicas}
	s := Status{Replicas: reps}
	rolling := st.ObservedGeneration < d.Generation || st.UpdatedReplicas < desired || st.Replicas > st.UpdatedReplicas
	for _, c := range st.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded" {
			rolling = false
		}
	}
	switch {
	case desired == 0:
		s.State, s.Reason, s.Message = events.HealthHealthy, events.ReasonAllReplicasReady, "scaled to zero"
	case st.AvailableReplicas == 0:
		s.State, s.Reason = events.HealthUnavailable, events.ReasonNoReadyReplicas
		s.Message = fmt.Sprintf("0 of %d replicas available", desired)
	case rolling:
		s.State, s.Reason = events.HealthProgressing, events.ReasonRolloutInProgress
		s.Message = fmt.Sprintf("%d of %d replicas updated, %d available", st.UpdatedReplicas, desired, st.AvailableReplicas)
	case st.AvailableReplicas < desired:
		s.State, s.Reason = events.HealthDegraded, events.ReasonReplicasUnready
		s.Message = fmt.Sprintf("%d of %d replicas available", st.AvailableReplicas, desired)
	default:
		s.State, s.Reason = events.HealthHealthy, events.ReasonAllReplicasReady
		s.Message = fmt.Sprintf("%d of %d replicas available", st.AvailableReplicas, desired)
	}
	return s
}

// Debouncer publishes a new state only after it has held for Settle, so a
// state seen for a moment between two others is never reported.
type Debouncer struct {
	Settle    time.Duration
	published string
	candidate string
	since     time.Time
}

// Known seeds the last published state (after a restart, from the history).
func (d *Debouncer) Known(state string) { d.published = state }

// Observe records the state seen at now and returns the transition to
// publish, if any, as (from, true).
func (d *Debouncer) Observe(state string, now time.Time) (string, bool) {
	if state != d.candidate {
		d.candidate, d.since = state, now
	}
	if d.candidate == d.published || now.Sub(d.since) < d.Settle {
		return "", false
	}
	from := d.published
	if from == "" {
		from = events.HealthUnknown
	}
	d.published = d.candidate
	return from, true
}
