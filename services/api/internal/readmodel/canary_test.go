package readmodel

import (
	"testing"

	"slipway.dev/pkg/events"
)

// The deployment shows a canary's step, traffic and each check's latest
// measurement; an inconclusive analysis shows as paused with its reason.
func TestProjectCanary(t *testing.T) {
	var d Deployment
	var o Operation
	msgs := []events.Message{createdEvent(), events.RolloutStarted{Revision: 1, Desired: 4, Strategy: "Canary"},
		events.CanaryStepStarted{Revision: 1, Step: 0, Steps: 2, Kind: events.StepSetWeight, Weight: 10, CanaryReplicas: 1, StableReplicas: 4, Approximated: true},
		events.CanaryStepStarted{Revision: 1, Step: 1, Steps: 2, Kind: events.StepAnalysis, Weight: 10, CanaryReplicas: 1, StableReplicas: 4},
		events.AnalysisMeasured{Revision: 1, Step: 1, Check: "errors", Phase: events.MeasurementSuccessful, Value: 0.01, Reason: "ok 1", At: t0},
		events.AnalysisMeasured{Revision: 1, Step: 1, Check: "latency", Phase: events.MeasurementSuccessful, Value: 0.2, Reason: "ok 2", At: t0},
		events.AnalysisMeasured{Revision: 1, Step: 1, Index: 1, Check: "errors", Phase: events.MeasurementInconclusive, Reason: "no data", At: t0},
		events.AnalysisInconclusive{Revision: 1, Step: 1, Check: "errors", Message: "no data; paused"},
	}
	for i, m := range msgs {
		ProjectDeployment(&d, uint64(i+1), env(i, "op-1"), m)
		ProjectOperation(&o, uint64(i+1), env(i, "op-1"), m)
	}
	c := d.Rollout.Canary
	if c == nil || c.Step != 1 || c.Weight != 10 || c.Kind != events.StepAnalysis || c.StableReplicas != 4 {
		t.Fatalf("canary %+v", c)
	}
	if len(c.Measurements) != 2 || c.Measurements[0].Check != "errors" || c.Measurements[0].Reason != "no data" || c.Measurements[1].Reason != "ok 2" {
		t.Fatalf("measurements %+v, want the latest of each check by name", c.Measurements)
	}
	if !d.Rollout.Paused || d.Rollout.Phase != events.RolloutPhasePaused || c.Inconclusive != "no data; paused" {
		t.Fatalf("after an inconclusive analysis: paused %v phase %s inconclusive %q", d.Rollout.Paused, d.Rollout.Phase, c.Inconclusive)
	}
	if o.Message != "no data; paused" || o.Status == OpSucceeded {
		t.Fatalf("operation %+v", o)
	}
	ProjectDeployment(&d, 20, env(20, "op-2"), events.RolloutResumed{Revision: 1})
	if d.Rollout.Paused || d.Rollout.Canary.Inconclusive != "" {
		t.Fatalf("after a resume: %+v", d.Rollout)
	}
}

// The deployment says how the target carries the canary's weight; events
// written before the traffic was recorded read as gateway, or pods when
// approximated.
func TestProjectCanaryTraffic(t *testing.T) {
	tests := []struct {
		step events.CanaryStepStarted
		want string
	}{
		{events.CanaryStepStarted{Revision: 1, Kind: events.StepSetWeight, Weight: 10, Traffic: events.CanaryTrafficIngress}, events.CanaryTrafficIngress},
		{events.CanaryStepStarted{Revision: 1, Kind: events.StepSetWeight, Weight: 10, Approximated: true}, events.CanaryTrafficPods},
		{events.CanaryStepStarted{Revision: 1, Kind: events.StepSetWeight, Weight: 10}, events.CanaryTrafficGateway},
	}
	for _, tt := range tests {
		var d Deployment
		for i, m := range []events.Message{createdEvent(), events.RolloutStarted{Revision: 1, Desired: 4, Strategy: "Canary"}, tt.step} {
			ProjectDeployment(&d, uint64(i+1), env(i, "op-1"), m)
		}
		if got := d.Rollout.Canary.Traffic; got != tt.want {
			t.Errorf("%+v: traffic %q, want %q", tt.step, got, tt.want)
		}
	}
}

// A background check's inconclusive run pauses the rollout, even before
// the canary's first step.
func TestProjectBackgroundInconclusive(t *testing.T) {
	var d Deployment
	for i, m := range []events.Message{createdEvent(), events.RolloutStarted{Revision: 1, Desired: 4, Strategy: "Canary"},
		events.AnalysisInconclusive{Background: true, Revision: 1, Check: "errors", Message: "background: no data; paused"}} {
		ProjectDeployment(&d, uint64(i+1), env(i, "op-1"), m)
	}
	if !d.Rollout.Paused || d.Rollout.Phase != events.RolloutPhasePaused {
		t.Fatalf("after a background check's inconclusive run: %+v, want paused", d.Rollout)
	}
}
