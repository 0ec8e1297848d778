package simcluster

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

// TestPausedDeploymentHoldsItsRollout: a paused Deployment starts no new
// pods and never hits its progress deadline; resumed, it completes.
func TestPausedDeploymentHoldsItsRollout(t *testing.T) {
	d := newDeployment(4, rolling("1", "0"))
	deadline := int32(5)
	d.Spec.ProgressDeadlineSeconds = &deadline
	s := newSim(t, d)
	s.converge(50, nil)
	before := names(s.pods)

	s.change(func(d *appsv1.Deployment) { d.Spec.Paused = true })
	s.change(setImage("img:2"))
	for range 20 { // 20 s, four times the deadline
		s.step()
	}
	if got := names(s.pods); len(got) != 4 || !sameKeys(got, before) {
		t.Fatalf("a paused rollout must not replace pods: %v", got)
	}
	c := condition(s.d.Status, appsv1.DeploymentProgressing)
	if c == nil || c.Reason != ReasonDeploymentPaused {
		t.Fatalf("Progressing while paused: %+v", c)
	}
	if _, _, err := RolloutStatus(s.d); err != nil {
		t.Fatalf("the deadline must not run while paused: %v", err)
	}

	s.change(func(d *appsv1.Deployment) { d.Spec.Paused = false })
	s.converge(50, nil)
	if s.d.Status.UpdatedReplicas != 4 || sameKeys(names(s.pods), before) {
		t.Fatalf("after resume: %+v", s.d.Status)
	}
}

func sameKeys(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
