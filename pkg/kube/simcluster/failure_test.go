package simcluster

import (
	"errors"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/utils/ptr"
)

// TestFailingRollout rolls to a template whose pods never become Ready: the
// rollout never completes, the old pods keep serving, and once
// progressDeadlineSeconds pass without progress the Progressing condition
// turns False/ProgressDeadlineExceeded.
func TestFailingRollout(t *testing.T) {
	const deadline = 10
	tests := []struct {
		name       string
		annotation string
		crashes    bool
	}{
		{"never ready", AnnotationNeverReady, false},
		{"crash loop", AnnotationCrashLoop, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDeployment(4, rolling("1", "0"))
			d.Spec.ProgressDeadlineSeconds = ptr.To[int32](deadline)
			s := newSim(t, d)
			s.converge(10, nil)
			s.change(func(d *appsv1.Deployment) {
				d.Spec.Template.Annotations = map[string]string{tt.annotation: "true"}
			})
			var timedOutAt time.Time
			var lastProgress time.Time
			for range 3 * deadline {
				r := s.step()
				if r.Status.AvailableReplicas < 4 {
					t.Fatalf("availability dropped to %d", r.Status.AvailableReplicas)
				}
				c := condition(r.Status, appsv1.DeploymentProgressing)
				if c.Status == "True" {
					lastProgress = c.LastUpdateTime.Time
				} else if timedOutAt.IsZero() {
					timedOutAt = s.now
				}
				_, done, err := RolloutStatus(s.d)
				if done {
					t.Fatal("rollout of never-ready pods reported done")
				}
				if (err != nil) != !timedOutAt.IsZero() {
					t.Fatalf("RolloutStatus err = %v with Progressing %s/%s", err, c.Status, c.Reason)
				}
			}
			if timedOutAt.IsZero() {
				t.Fatal("Progressing never turned False")
			}
			if since := timedOutAt.Sub(lastProgress); since <= deadline*time.Second {
				t.Errorf("timed out %s after the last progress, deadline is %ds", since, deadline)
			}
			assertCondition(t, s.d.Status, appsv1.DeploymentProgressing, "False", ReasonProgressDeadlineExceeded)
			if _, _, err := RolloutStatus(s.d); !errors.Is(err, ErrProgressDeadlineExceeded) {
				t.Errorf("RolloutStatus err = %v, want ErrProgressDeadlineExceeded", err)
			}
			var restarts int32
			for _, p := range s.pods {
				if p.Fault != FaultNone {
					restarts = max(restarts, p.Restarts)
				}
			}
			if got := restarts >= 3; got != tt.crashes {
				t.Errorf("max restarts %d after %d ticks; crash loop = %v", restarts, 3*deadline, tt.crashes)
			}
		})
	}
}

// TestNewRolloutRestartsProgressClock checks that a fresh template change
// after a timed-out rollout starts a new progress window.
func TestNewRolloutRestartsProgressClock(t *testing.T) {
	d := newDeployment(2, rolling("1", "0"))
	d.Spec.ProgressDeadlineSeconds = ptr.To[int32](5)
	s := newSim(t, d)
	s.converge(10, nil)
	s.change(func(d *appsv1.Deployment) {
		d.Spec.Template.Annotations = map[string]string{AnnotationNeverReady: "true"}
	})
	for range 10 {
		s.step()
	}
	assertCondition(t, s.d.Status, appsv1.DeploymentProgressing, "False", ReasonProgressDeadlineExceeded)
	s.change(func(d *appsv1.Deployment) { d.Spec.Template.Annotations = nil; setImage("model:v3")(d) })
	s.converge(10, nil)
	assertCondition(t, s.d.Status, appsv1.DeploymentProgressing, "True", ReasonNewReplicaSetAvailable)
}
