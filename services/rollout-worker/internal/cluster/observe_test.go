package cluster

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"slipway.dev/pkg/kube"
)

func deployment(rev string, gen, observed int64, replicas, total, updated, available int32, cond *appsv1.DeploymentCondition) *appsv1.Deployment {
	d := &appsv1.Deployment{}
	d.Generation = gen
	d.Spec.Replicas = &replicas
	d.Spec.Template.Labels = map[string]string{kube.LabelRevision: rev}
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: observed, Replicas: total, UpdatedReplicas: updated,
		ReadyReplicas: available, AvailableReplicas: available}
	if cond != nil {
		d.Status.Conditions = []appsv1.DeploymentCondition{*cond}
	}
	return d
}

// TestObserveFollowsKubectlRolloutStatus checks the completion rule of
// `kubectl rollout status`, including the cases that fool simpler rules.
func TestObserveFollowsKubectlRolloutStatus(t *testing.T) {
	deadline := &appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded"}
	tests := []struct {
		name             string
		d                *appsv1.Deployment
		ok, complete, dl bool
		stale            bool
	}{
		{"complete", deployment("2", 3, 3, 4, 4, 4, 4, nil), true, true, false, false},
		{"controller has not seen the new generation", deployment("2", 3, 2, 4, 4, 4, 4, nil), true, false, false, true},
		{"deadline of the previous generation", deployment("2", 3, 2, 4, 5, 1, 4, deadline), true, false, true, true},
		{"old pods still terminating", deployment("2", 3, 3, 4, 5, 4, 4, nil), true, false, false, false},
		{"updated but not available", deployment("2", 3, 3, 4, 4, 4, 3, nil), true, false, false, false},
		{"half way", deployment("2", 3, 3, 4, 5, 2, 4, nil), true, false, false, false},
		{"deadline exceeded", deployment("2", 3, 3, 4, 5, 1, 4, deadline), true, false, true, false},
		{"another revision's template", deployment("1", 3, 3, 4, 4, 4, 4, nil), false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs, ok := Observe(tt.d, 2, 2, time.Now())
			if ok != tt.ok || obs.Complete != tt.complete || obs.DeadlineExceeded != tt.dl || obs.Stale != tt.stale {
				t.Fatalf("ok=%v complete=%v deadline=%v, want %v %v %v", ok, obs.Complete, obs.DeadlineExceeded, tt.ok, tt.complete, tt.dl)
			}
		})
	}
}

// TestObserveCountsEveryPodAndTheSurge: the observation carries the
// Deployment's status.replicas (pods of every template) and how many are
// above the desired count, so maxSurge can be checked from the events.
func TestObserveCountsEveryPodAndTheSurge(t *testing.T) {
	tests := []struct {
		name         string
		d            *appsv1.Deployment
		total, surge int32
	}{
		{"surging by one", deployment("2", 3, 3, 4, 5, 2, 4, nil), 5, 1},
		{"settled", deployment("2", 3, 3, 4, 4, 4, 4, nil), 4, 0},
		{"below desired while scaling up", deployment("2", 3, 3, 4, 2, 2, 2, nil), 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs, _ := Observe(tt.d, 2, 2, time.Now())
			if obs.Replicas.Total != tt.total || obs.Replicas.Surge != tt.surge {
				t.Fatalf("total %d surge %d, want %d %d", obs.Replicas.Total, obs.Replicas.Surge, tt.total, tt.surge)
			}
		})
	}
}
