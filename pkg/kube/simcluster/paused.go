package simcluster

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Reasons the real controller gives a paused and a resumed Deployment.
const (
	ReasonDeploymentPaused  = "DeploymentPaused"
	ReasonDeploymentResumed = "DeploymentResumed"
)

// stepPaused is Step for a paused Deployment: like the real controller it
// starts no rollout and moves no rollout on (pods already created keep
// settling), and the progress deadline does not run: Progressing becomes
// Unknown/DeploymentPaused.
func stepPaused(d *appsv1.Deployment, hash string, pods []Pod, readyAfter int, now time.Time) Result {
	cur, old := partition(pods, hash, readyAfter, now)
	st := computeStatus(d, cur, old, true, replicaSetName(d.Name, hash), now)
	if c := condition(d.Status, appsv1.DeploymentProgressing); c != nil && c.Reason == ReasonDeploymentPaused {
		setCondition(&st, *c) // keep the time it was paused at: no write per tick
	} else {
		setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonDeploymentPaused, "Deployment is paused", now))
	}
	return Result{Pods: append(old, cur...), Status: st}
}

// resumed restarts the progress clock of a Deployment that was paused.
func resumed(d *appsv1.Deployment, now time.Time) *appsv1.Deployment {
	c := condition(d.Status, appsv1.DeploymentProgressing)
	if c == nil || c.Reason != ReasonDeploymentPaused {
		return d
	}
	out := d.DeepCopy()
	setCondition(&out.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonDeploymentResumed, "Deployment is resumed", now))
	return out
}
