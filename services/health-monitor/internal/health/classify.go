package health

import (
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"slipway.dev/pkg/events"
)

// Status is a classified Sample: a health state with its reason, the
// template revision it is about, and the counts it was decided on.
type Status struct {
	State   string
	Reason  string
	Message string
	// Revision is the template revision the status is about: the failing
	// pods' for a pod failure reason (the Deployment's current template
	// revision when its pods are among them), else the Deployment's.
	Revision int
	Replicas events.Replicas
	Pods     events.PodCounts
	// ReadyEndpoints is nil when the Service's endpoints are unknown.
	ReadyEndpoints *int32
}

// Key is what makes two statuses the same for publishing: a transition is a
// change of Key; messages and counts alone never make one.
type Key struct {
	State, Reason string
	Revision      int
}

// Key returns the status's Key.
func (s Status) Key() Key { return Key{State: s.State, Reason: s.Reason, Revision: s.Revision} }

// Event is the HealthChanged that reports a transition from state to s
// ("" reads as Unknown).
func (s Status) Event(from string) events.HealthChanged {
	if from == "" {
		from = events.HealthUnknown
	}
	pods := s.Pods
	return events.HealthChanged{From: from, To: s.State, Reason: s.Reason, Message: s.Message,
		Replicas: s.Replicas, Revision: s.Revision, Pods: &pods, ReadyEndpoints: s.ReadyEndpoints}
}

// Classify decides a sample's health. In order:
//
//   - no Deployment: Unavailable, DeploymentMissing;
//   - zero replicas desired: Healthy;
//   - no available replica: Unavailable, with the pod failure as reason if
//     any pod fails, else Progressing while a rollout runs (a first rollout,
//     or the Recreate strategy, has no available replica before it ends),
//     else NoReadyReplicas;
//   - EndpointSlices exist but have no ready endpoint: Unavailable,
//     NoReadyEndpoints;
//   - every probe request failed: Unavailable, ProbeFailing;
//   - some pod fails: Degraded with the failure (CrashLoopBackOff before
//     ImagePullBackOff before Unschedulable) as reason, also while a rollout
//     runs: a rollout whose new pods crash is Degraded, not Progressing;
//   - some probe requests failed: Degraded, ProbeFailing;
//   - a rollout in progress (not past its progress deadline): Progressing;
//   - fewer available replicas than desired: Degraded, ReplicasUnready;
//   - otherwise Healthy.
func Classify(s Sample) Status {
	d := s.Deployment
	if d == nil {
		return Status{State: events.HealthUnavailable, Reason: events.ReasonObjectMissing,
			Message: "the Kubernetes Deployment does not exist", Pods: podCounts(s.Pods)}
	}
	desired := int32(1)
	if d.Spec.Replicas != nil {
		desired = *d.Spec.Replicas
	}
	st := d.Status
	out := Status{
		Revision:       Revision(d.Spec.Template.Labels),
		Replicas:       events.Replicas{Desired: desired, Updated: st.UpdatedReplicas, Ready: st.ReadyReplicas, Available: st.AvailableReplicas},
		Pods:           podCounts(s.Pods),
		ReadyEndpoints: readyEndpoints(s.Endpoints),
	}
	set := func(state, reason, format string, args ...any) Status {
		out.State, out.Reason, out.Message = state, reason, fmt.Sprintf(format, args...)
		return out
	}
	available := fmt.Sprintf("%d of %d replicas available", st.AvailableReplicas, desired)
	reason, failing := worstFailure(s.Pods)
	failure := func() string {
		out.Revision = pickRevision(failing.Revisions, out.Revision)
		return fmt.Sprintf("%s on %d/%d pods (template revision %d)", reason, failing.Count, s.Pods.Total, out.Revision)
	}
	probe := s.Probe
	switch {
	case desired == 0:
		return set(events.HealthHealthy, events.ReasonAllReplicasReady, "scaled to zero")
	case st.AvailableReplicas == 0 && reason != "":
		return set(events.HealthUnavailable, reason, "%s; %s", failure(), available)
	case st.AvailableReplicas == 0 && rolling(d, desired):
		return set(events.HealthProgressing, events.ReasonRolloutInProgress, "%d of %d replicas updated, %s",
			st.UpdatedReplicas, desired, available)
	case st.AvailableReplicas == 0:
		return set(events.HealthUnavailable, events.ReasonNoReadyReplicas, "%s", available)
	case s.Endpoints.Known && s.Endpoints.Ready == 0:
		return set(events.HealthUnavailable, events.ReasonNoReadyEndpoints, "no ready endpoints; %s", available)
	case probe != nil && probe.Requests > 0 && probe.Failures == probe.Requests:
		return set(events.HealthUnavailable, events.ReasonProbeFailing, "readiness probe failed: %s", probe.Detail)
	case reason != "":
		return set(events.HealthDegraded, reason, "%s; %s", failure(), available)
	case probe != nil && probe.Failures > 0:
		return set(events.HealthDegraded, events.ReasonProbeFailing, "readiness probe failed %d of %d times: %s",
			probe.Failures, probe.Requests, probe.Detail)
	case rolling(d, desired):
		return set(events.HealthProgressing, events.ReasonRolloutInProgress, "%d of %d replicas updated, %s",
			st.UpdatedReplicas, desired, available)
	case st.AvailableReplicas < desired:
		return set(events.HealthDegraded, events.ReasonReplicasUnready, "%s", available)
	}
	return set(events.HealthHealthy, events.ReasonAllReplicasReady, "%s", available)
}

// rolling reports a rollout in progress the way `kubectl rollout status`
// sees one, unless it is past its progress deadline (then it is stuck, and
// judged by its replicas). Once every pod is updated it is still in progress
// while updated pods are unavailable and the controller has not recorded the
// rollout complete (NewReplicaSetAvailable).
func rolling(d *appsv1.Deployment, desired int32) bool {
	st := d.Status
	var progressing *appsv1.DeploymentCondition
	for i, c := range st.Conditions {
		if c.Type == appsv1.DeploymentProgressing {
			progressing = &st.Conditions[i]
		}
	}
	if progressing != nil && progressing.Status == corev1.ConditionFalse && progressing.Reason == reasonDeadlineExceeded {
		return false
	}
	if st.ObservedGeneration < d.Generation || st.UpdatedReplicas < desired || st.Replicas > st.UpdatedReplicas {
		return true
	}
	return st.AvailableReplicas < st.UpdatedReplicas && progressing != nil && progressing.Reason != reasonNewReplicaSetAvailable
}

// Progressing condition reasons of the Deployment controller.
const (
	reasonDeadlineExceeded       = "ProgressDeadlineExceeded"
	reasonNewReplicaSetAvailable = "NewReplicaSetAvailable"
)

// worstFailure is the most severe pod failure and its pods; "" when none.
func worstFailure(p Pods) (string, Failing) {
	switch {
	case p.CrashLooping.Count > 0:
		return events.ReasonCrashLoopBackOff, p.CrashLooping
	case p.ImagePull.Count > 0:
		return events.ReasonImagePullBackOff, p.ImagePull
	case p.Unschedulable.Count > 0:
		return events.ReasonUnschedulable, p.Unschedulable
	}
	return "", Failing{}
}

// pickRevision is current when the failing pods run it, else the newest of
// theirs.
func pickRevision(failing []int, current int) int {
	if len(failing) == 0 || slices.Contains(failing, current) {
		return current
	}
	return failing[len(failing)-1]
}

func podCounts(p Pods) events.PodCounts {
	return events.PodCounts{Total: p.Total, Ready: p.Ready, CrashLooping: p.CrashLooping.Count,
		ImagePullBackOff: p.ImagePull.Count, Unschedulable: p.Unschedulable.Count}
}

func readyEndpoints(e Endpoints) *int32 {
	if !e.Known {
		return nil
	}
	n := e.Ready
	return &n
}
