package health

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"slipway.dev/pkg/events"
)

func dep(replicas, updated, ready, available int32, deadline bool) *appsv1.Deployment {
	d := &appsv1.Deployment{}
	d.Generation = 2
	d.Spec.Replicas = &replicas
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: updated, UpdatedReplicas: updated, ReadyReplicas: ready, AvailableReplicas: available}
	if deadline {
		d.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded"}}
	}
	return d
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name   string
		d      *appsv1.Deployment
		state  string
		reason string
	}{
		{"missing", nil, events.HealthUnavailable, events.ReasonObjectMissing},
		{"all ready", dep(4, 4, 4, 4, false), events.HealthHealthy, events.ReasonAllReplicasReady},
		{"none available", dep(4, 4, 0, 0, false), events.HealthUnavailable, events.ReasonNoReadyReplicas},
		{"rolling", dep(4, 2, 4, 4, false), events.HealthProgressing, events.ReasonRolloutInProgress},
		{"one down", dep(4, 4, 3, 3, false), events.HealthDegraded, events.ReasonReplicasUnready},
		{"stuck rollout past its deadline", dep(4, 1, 3, 3, true), events.HealthDegraded, events.ReasonReplicasUnready},
		{"scaled to zero", dep(0, 0, 0, 0, false), events.HealthHealthy, events.ReasonAllReplicasReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(tt.d)
			if got.State != tt.state || got.Reason != tt.reason {
				t.Fatalf("got %s/%s, want %s/%s", got.State, got.Reason, tt.state, tt.reason)
			}
		})
	}
}

func TestDebouncerPublishesOnlySettledTransitions(t *testing.T) {
	t0 := time.Unix(0, 0)
	d := Debouncer{Settle: 2 * time.Second}
	steps := []struct {
		at    time.Duration
		state string
		want  string // "" = nothing published; else "from>to"
	}{
		{0, events.HealthProgressing, ""},
		{2 * time.Second, events.HealthProgressing, "Unknown>Progressing"},
		{3 * time.Second, events.HealthDegraded, ""}, // a blip...
		{4 * time.Second, events.HealthProgressing, ""},
		{7 * time.Second, events.HealthProgressing, ""}, // ...never reported
		{8 * time.Second, events.HealthHealthy, ""},
		{10 * time.Second, events.HealthHealthy, "Progressing>Healthy"},
		{20 * time.Second, events.HealthHealthy, ""},
	}
	for _, s := range steps {
		from, ok := d.Observe(s.state, t0.Add(s.at))
		got := ""
		if ok {
			got = from + ">" + s.state
		}
		if got != s.want {
			t.Fatalf("at %s observing %s: published %q, want %q", s.at, s.state, got, s.want)
		}
	}
}
