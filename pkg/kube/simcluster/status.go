package simcluster

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition reasons the deployment controller writes (k8s.io/kubernetes
// pkg/controller/deployment/util).
const (
	ReasonMinimumReplicasAvailable   = "MinimumReplicasAvailable"
	ReasonMinimumReplicasUnavailable = "MinimumReplicasUnavailable"
	ReasonNewReplicaSetCreated       = "NewReplicaSetCreated"
	ReasonFoundNewReplicaSet         = "FoundNewReplicaSet"
	ReasonReplicaSetUpdated          = "ReplicaSetUpdated"
	ReasonNewReplicaSetAvailable     = "NewReplicaSetAvailable"
	ReasonProgressDeadlineExceeded   = "ProgressDeadlineExceeded"
)

// computeStatus ports the real controller's calculateStatus and
// syncRolloutStatus. newRSExisted tells whether the current template's
// "ReplicaSet" existed before this step; if not, the rollout starts now
// (Progressing=True/NewReplicaSetCreated), which restarts the progress clock.
func computeStatus(d *appsv1.Deployment, cur, old []Pod, newRSExisted bool, rsName string, now time.Time) appsv1.DeploymentStatus {
	_, hasDeadline := ProgressDeadline(d)
	// prior is d.Status as the real controller sees it after getNewReplicaSet.
	prior := d.Status.DeepCopy()
	switch {
	case hasDeadline && !newRSExisted:
		setCondition(prior, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue,
			ReasonNewReplicaSetCreated, fmt.Sprintf("Created new replica set %q", rsName), now))
	case hasDeadline && condition(*prior, appsv1.DeploymentProgressing) == nil:
		setCondition(prior, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue,
			ReasonFoundNewReplicaSet, fmt.Sprintf("Found new replica set %q", rsName), now))
	}

	all := append(append([]Pod(nil), old...), cur...)
	available := countAvailable(all, d.Spec.MinReadySeconds, now)
	ready := 0
	for _, p := range all {
		if p.Ready {
			ready++
		}
	}
	st := appsv1.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		Replicas:            int32(len(all)),
		UpdatedReplicas:     int32(len(cur)),
		ReadyReplicas:       int32(ready),
		AvailableReplicas:   int32(available),
		UnavailableReplicas: int32(max(0, len(all)-available)),
		Conditions:          prior.Conditions,
		CollisionCount:      prior.CollisionCount,
	}
	if available >= DesiredReplicas(d)-MaxUnavailable(d) {
		setCondition(&st, newCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue,
			ReasonMinimumReplicasAvailable, "Deployment has minimum availability.", now))
	} else {
		setCondition(&st, newCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse,
			ReasonMinimumReplicasUnavailable, "Deployment does not have minimum availability.", now))
	}
	if !hasDeadline {
		removeCondition(&st, appsv1.DeploymentProgressing)
		return st
	}
	progressing := condition(*prior, appsv1.DeploymentProgressing)
	if st.Replicas == st.UpdatedReplicas && progressing != nil && progressing.Reason == ReasonNewReplicaSetAvailable {
		return st // rollout already complete; nothing to estimate
	}
	switch {
	case complete(d, &st):
		setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue,
			ReasonNewReplicaSetAvailable, fmt.Sprintf("ReplicaSet %q has successfully progressed.", rsName), now))
	case madeProgress(prior, &st):
		c := newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue,
			ReasonReplicaSetUpdated, fmt.Sprintf("ReplicaSet %q is progressing.", rsName), now)
		// Unlike setCondition, refresh lastUpdateTime even when the reason is
		// unchanged: it is the progress clock.
		if progressing != nil {
			if progressing.Status == corev1.ConditionTrue {
				c.LastTransitionTime = progressing.LastTransitionTime
			}
			removeCondition(&st, appsv1.DeploymentProgressing)
		}
		setCondition(&st, c)
	case timedOut(d, &st, now):
		setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse,
			ReasonProgressDeadlineExceeded, fmt.Sprintf("ReplicaSet %q has timed out progressing.", rsName), now))
	}
	return st
}

// complete is the controller's DeploymentComplete.
func complete(d *appsv1.Deployment, st *appsv1.DeploymentStatus) bool {
	replicas := int32(DesiredReplicas(d))
	return st.UpdatedReplicas == replicas && st.Replicas == replicas &&
		st.AvailableReplicas == replicas && st.ObservedGeneration >= d.Generation
}

// madeProgress is the controller's DeploymentProgressing.
func madeProgress(prior, st *appsv1.DeploymentStatus) bool {
	return st.UpdatedReplicas > prior.UpdatedReplicas ||
		st.Replicas-st.UpdatedReplicas < prior.Replicas-prior.UpdatedReplicas ||
		st.ReadyReplicas > prior.ReadyReplicas ||
		st.AvailableReplicas > prior.AvailableReplicas
}

// timedOut is the controller's DeploymentTimedOut: the Progressing
// condition's lastUpdateTime plus the deadline lies before now.
func timedOut(d *appsv1.Deployment, st *appsv1.DeploymentStatus, now time.Time) bool {
	c := condition(*st, appsv1.DeploymentProgressing)
	switch {
	case c == nil || c.Reason == ReasonNewReplicaSetAvailable:
		return false
	case c.Reason == ReasonProgressDeadlineExceeded:
		return true
	}
	seconds, _ := ProgressDeadline(d)
	return c.LastUpdateTime.Add(time.Duration(seconds) * time.Second).Before(now)
}

// progressingNames reports whether the Progressing condition's message names
// rsName, i.e. whether a rollout of that template was already recorded.
func progressingNames(st appsv1.DeploymentStatus, rsName string) bool {
	c := condition(st, appsv1.DeploymentProgressing)
	return c != nil && strings.Contains(c.Message, fmt.Sprintf("%q", rsName))
}

func newCondition(t appsv1.DeploymentConditionType, s corev1.ConditionStatus, reason, msg string, now time.Time) appsv1.DeploymentCondition {
	ts := metav1.NewTime(now)
	return appsv1.DeploymentCondition{Type: t, Status: s, Reason: reason, Message: msg, LastUpdateTime: ts, LastTransitionTime: ts}
}

func condition(st appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

// setCondition is the controller's SetDeploymentCondition: a condition with
// unchanged status and reason is left alone, and lastTransitionTime only
// moves when the status changes.
func setCondition(st *appsv1.DeploymentStatus, c appsv1.DeploymentCondition) {
	if cur := condition(*st, c.Type); cur != nil {
		if cur.Status == c.Status && cur.Reason == c.Reason {
			return
		}
		if cur.Status == c.Status {
			c.LastTransitionTime = cur.LastTransitionTime
		}
	}
	removeCondition(st, c.Type)
	st.Conditions = append(st.Conditions, c)
}

func removeCondition(st *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) {
	var kept []appsv1.DeploymentCondition
	for _, c := range st.Conditions {
		if c.Type != t {
			kept = append(kept, c)
		}
	}
	st.Conditions = kept
}
