package rollout

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/events"
)

// canarySpec steps: 10%, analysis of "errors" (10 s, count 2, no
// failure or inconclusive allowed), a 60 s pause, a pause until promoted, 50%.
func canarySpec() events.Spec {
	return events.Spec{Image: "img:2", Replicas: i32(4), Rollout: &events.Strategy{Strategy: events.StrategyCanary,
		Steps: []events.CanaryStep{{SetWeight: i32(10)}, {Analysis: &events.AnalysisStep{Checks: []string{"errors"}}},
			{Pause: &events.PauseStep{Seconds: 60}}, {Pause: &events.PauseStep{}}, {SetWeight: i32(50)}},
		Checks: []events.Check{{Name: "errors", Query: `e{r="{{.Revision}}"}`, Condition: events.CheckCondition{Operator: "<", Threshold: 0.05},
			IntervalSeconds: 10, Count: 2}}}}.WithDefaults()
}

// canaryAt is a deployment whose revision 1 runs (4 replicas) and whose
// revision 2 is a canary, followed by more history (one second apart from t0).
func canaryAt(more ...events.Message) State {
	msgs := []events.Message{created(), events.RolloutStarted{Revision: 1, Desired: 4}, events.RolloutSucceeded{Revision: 1},
		events.RevisionCreated{Revision: events.Revision{Number: 2, Spec: canarySpec(), Cause: events.CauseUpdated}},
		events.RolloutStarted{Revision: 2, Desired: 4, Strategy: "Canary"}}
	return history(append(msgs, more...)...)
}

func step(n int, kind string, weight int32) events.CanaryStepStarted {
	ev := events.CanaryStepStarted{Revision: 2, Step: n, Steps: 5, Kind: kind, Weight: weight, StableReplicas: 4,
		CanaryReplicas: CanaryReplicas(weight, 4)}
	if kind == events.StepAnalysis {
		ev.Checks = []string{"errors"}
	}
	return ev
}

func measured(index int, phase string, at time.Time) events.AnalysisMeasured {
	return events.AnalysisMeasured{Revision: 2, Step: 1, Check: "errors", Index: index, Phase: phase, At: at,
		Reason: `check "errors": 0.2 does not meet < 0.05`, Value: 0.2}
}

func TestDecideCanary(t *testing.T) {
	// canaryAt's events are at t0 .. t0+4s; the next ones follow at +5s, +6s, ...
	analysisAt := t0.Add(6 * time.Second) // step(1) as the second extra event
	paused60 := step(2, events.StepPause, 10)
	until := t0.Add(2 * time.Minute)
	paused60.PauseUntil = &until
	tests := []struct {
		name  string
		state State
		now   time.Time
		// want is the event type decided ("" none), with what it must say.
		want     string
		check    func(t *testing.T, n CanaryNext)
		complete bool
		measure  bool
	}{
		{name: "not started: the first step", state: canaryAt(), now: t0, want: events.CanaryStepStarted{}.Type(),
			check: func(t *testing.T, n CanaryNext) {
				if s := n.Events[0].(events.CanaryStepStarted); s.Step != 0 || s.Weight != 10 || s.CanaryReplicas != 1 || s.StableReplicas != 4 {
					t.Errorf("first step %+v, want step 0 at 10%% with 1 canary and 4 stable replicas", s)
				}
			}},
		{name: "a weight applied: the next step", state: canaryAt(step(0, events.StepSetWeight, 10)), now: t0, want: events.CanaryStepStarted{}.Type()},
		{name: "analysis starts: nothing due before its interval", state: canaryAt(step(0, events.StepSetWeight, 10), step(1, events.StepAnalysis, 10)),
			now: analysisAt.Add(5 * time.Second)},
		{name: "analysis: a measurement due", state: canaryAt(step(0, events.StepSetWeight, 10), step(1, events.StepAnalysis, 10)),
			now: analysisAt.Add(10 * time.Second), measure: true},
		{name: "a failed measurement fails the rollout naming check, value and condition",
			state: canaryAt(step(0, events.StepSetWeight, 10), step(1, events.StepAnalysis, 10), measured(0, events.MeasurementFailed, analysisAt.Add(10*time.Second))),
			now:   analysisAt.Add(11 * time.Second), want: events.RolloutFailed{}.Type(),
			check: func(t *testing.T, n CanaryNext) {
				f := n.Events[0].(events.RolloutFailed)
				if f.Reason != events.ReasonAnalysisFailed || !strings.Contains(f.Message, `check "errors": 0.2 does not meet < 0.05`) {
					t.Errorf("failure %+v, want AnalysisFailed naming the check, its value and condition", f)
				}
			}},
		{name: "an inconclusive measurement past the limit pauses",
			state: canaryAt(step(0, events.StepSetWeight, 10), step(1, events.StepAnalysis, 10), measured(0, events.MeasurementInconclusive, analysisAt.Add(10*time.Second))),
			now:   analysisAt.Add(11 * time.Second), want: events.AnalysisInconclusive{}.Type()},
		{name: "paused by analysis: nothing proceeds, ever",
			state: canaryAt(step(0, events.StepSetWeight, 10), step(1, events.StepAnalysis, 10), measured(0, events.MeasurementInconclusive, analysisAt.Add(10*time.Second)),
				events.AnalysisInconclusive{Revision: 2, Step: 1, Check: "errors"}),
			now: analysisAt.Add(time.Hour)},
		{name: "a resume measures again from the start",
			state: canaryAt(step(0, events.StepSetWeight, 10), step(1, events.StepAnalysis, 10), measured(0, events.MeasurementInconclusive, analysisAt.Add(10*time.Second)),
				events.AnalysisInconclusive{Revision: 2, Step: 1, Check: "errors"}, events.RolloutResumed{Revision: 2}),
			now: t0.Add(time.Hour), measure: true},
		{name: "promoted past an inconclusive analysis: the next step",
			state: canaryAt(step(0, events.StepSetWeight, 10), step(1, events.StepAnalysis, 10), measured(0, events.MeasurementInconclusive, analysisAt.Add(10*time.Second)),
				events.AnalysisInconclusive{Revision: 2, Step: 1, Check: "errors"}, events.CanaryPromoted{Revision: 2, Step: 1}),
			now: t0.Add(time.Hour), want: events.CanaryStepStarted{}.Type()},
		{name: "every check succeeded: the next step",
			state: canaryAt(step(0, events.StepSetWeight, 10), step(1, events.StepAnalysis, 10),
				events.AnalysisMeasured{Revision: 2, Step: 1, Check: "errors", Index: 0, Phase: events.MeasurementSuccessful, At: analysisAt.Add(10 * time.Second)},
				events.AnalysisMeasured{Revision: 2, Step: 1, Check: "errors", Index: 1, Phase: events.MeasurementSuccessful, At: analysisAt.Add(20 * time.Second)}),
			now: analysisAt.Add(21 * time.Second), want: events.CanaryStepStarted{}.Type()},
		{name: "a timed pause before its end", state: canaryAt(paused60), now: until.Add(-time.Second)},
		{name: "a timed pause at its end", state: canaryAt(paused60), now: until, want: events.CanaryStepStarted{}.Type()},
		{name: "a pause until promoted waits", state: canaryAt(step(3, events.StepPause, 10)), now: t0.Add(24 * time.Hour)},
		{name: "promoted with full: the completion at 100%", state: canaryAt(step(3, events.StepPause, 10), events.CanaryPromoted{Revision: 2, Step: 3, Full: true}),
			now: t0, want: events.CanaryStepStarted{}.Type(),
			check: func(t *testing.T, n CanaryNext) {
				if s := n.Events[0].(events.CanaryStepStarted); s.Kind != events.StepComplete || s.Weight != 100 || s.CanaryReplicas != 4 {
					t.Errorf("completion %+v, want weight 100 at 4 replicas", s)
				}
			}},
		{name: "completed: the main Deployment rolls", state: canaryAt(events.CanaryStepStarted{Revision: 2, Step: 5, Steps: 5, Kind: events.StepComplete, Weight: 100}),
			now: t0, complete: true},
		{name: "a paused canary holds", state: canaryAt(step(0, events.StepSetWeight, 10), events.RolloutPaused{Revision: 2}), now: t0},
		{name: "its pods crash-looping fail it", state: canaryAt(step(0, events.StepSetWeight, 10),
			events.HealthChanged{From: events.HealthHealthy, To: events.HealthDegraded, Reason: events.ReasonCrashLoopBackOff, Revision: 2}),
			now: t0, want: events.RolloutFailed{}.Type()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideCanary(tt.state, 2, tt.now, gatewayRouting)
			var typ string
			if len(got.Events) > 0 {
				typ = got.Events[0].Type()
			}
			if typ != tt.want || got.Complete != tt.complete || (len(got.Measure) > 0) != tt.measure {
				t.Fatalf("got %+v, want event %q complete %v measure %v", got, tt.want, tt.complete, tt.measure)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func TestCanaryApplies(t *testing.T) {
	rev := func(n int, cause string, template int) events.RevisionCreated {
		return events.RevisionCreated{Revision: events.Revision{Number: n, Spec: canarySpec(), Cause: cause, TemplateRevision: template}}
	}
	base := []events.Message{created(), events.RolloutStarted{Revision: 1}, events.RolloutSucceeded{Revision: 1}}
	for _, tt := range []struct {
		name string
		more events.Message
		want bool
	}{
		{"an update", rev(2, events.CauseUpdated, 0), true},
		{"a promotion", rev(2, events.CausePromoted, 0), true},
		{"an automatic rollback", rev(2, events.CauseAutoRollback, 1), false},
		{"an abort's rollback", rev(2, events.CauseAbort, 1), false},
		{"scaling only (the same pods)", rev(2, events.CauseUpdated, 1), false},
	} {
		if got := CanaryApplies(history(append(base, tt.more)...), 2); got != tt.want {
			t.Errorf("%s: CanaryApplies = %v, want %v", tt.name, got, tt.want)
		}
	}
	first := events.DeploymentCreated{Deployment: ref, Revision: events.Revision{Number: 1, Spec: canarySpec(), Cause: events.CauseCreated}}
	if CanaryApplies(history(first), 1) {
		t.Error("a first rollout is a canary; want rolling (there is nothing to compare with)")
	}
}

func TestCanaryFoldCountsAMeasurementOnce(t *testing.T) {
	m := measured(0, events.MeasurementSuccessful, t0)
	s := canaryAt(step(0, events.StepSetWeight, 10), step(1, events.StepAnalysis, 10), m, m)
	if n := len(s.Rollout.Canary.Measurements["errors"]); n != 1 {
		t.Fatalf("%d measurements after the same one twice, want 1", n)
	}
	if got := DecideMeasured(s, 2, 0, 0, "errors", measurementsOf([]events.AnalysisMeasured{m})[0]); got != nil {
		t.Errorf("a measurement for another step was recorded: %+v", got)
	}
}

func TestCanaryReplicas(t *testing.T) {
	for _, tt := range []struct{ weight, stable, want int32 }{
		{0, 4, 1}, {10, 4, 1}, {25, 4, 1}, {26, 4, 2}, {50, 4, 2}, {100, 4, 4}, {10, 0, 1}, {100, 1, 1},
	} {
		if got := CanaryReplicas(tt.weight, tt.stable); got != tt.want {
			t.Errorf("CanaryReplicas(%d, %d) = %d, want %d", tt.weight, tt.stable, got, tt.want)
		}
	}
}

func TestCanarySplitEndsWithTheCanary(t *testing.T) {
	at10 := canaryAt(step(0, events.StepSetWeight, 10))
	if s := CanarySplit(at10); s == nil || s.Weight != 10 || s.StableTemplate != 1 || s.CanaryTemplate != 2 {
		t.Fatalf("split at 10%%: %+v", s)
	}
	failed := canaryAt(step(0, events.StepSetWeight, 10), events.RolloutFailed{Revision: 2, Reason: events.ReasonAnalysisFailed})
	if s := CanarySplit(failed); s != nil {
		t.Fatalf("split after a failure: %+v, want none (all requests to the stable revision)", s)
	}
	aborted := canaryAt(step(0, events.StepSetWeight, 10), events.RolloutAborted{Revision: 2, Reason: events.ReasonAborted})
	if s := CanarySplit(aborted); s != nil {
		t.Fatalf("split after an abort: %+v", s)
	}
}

// A blue-green rollout is a canary of planned steps: the preview at weight 0
// with every replica, its analysis, then the switch to 100 at once.
func TestBlueGreenSteps(t *testing.T) {
	spec := canarySpec()
	spec.Rollout.Strategy, spec.Rollout.Steps = events.StrategyBlueGreen, nil
	spec.Rollout.BlueGreen = &events.BlueGreen{Analysis: []string{"errors"}}
	msgs := []events.Message{created(), events.RolloutStarted{Revision: 1, Desired: 4}, events.RolloutSucceeded{Revision: 1},
		events.RevisionCreated{Revision: events.Revision{Number: 2, Spec: spec, Cause: events.CauseUpdated}},
		events.RolloutStarted{Revision: 2, Desired: 4, Strategy: "Canary"}}
	var kinds []string
	for range 3 {
		s := history(msgs...)
		n := DecideCanary(s, 2, t0.Add(time.Hour), gatewayRouting)
		if len(n.Events) != 1 {
			// The analysis: record its two measurements as successful.
			for i := range 2 {
				msgs = append(msgs, events.AnalysisMeasured{Revision: 2, Step: 1, Check: "errors", Index: i,
					Phase: events.MeasurementSuccessful, At: t0.Add(time.Duration(i) * time.Minute)})
			}
			n = DecideCanary(history(msgs...), 2, t0.Add(time.Hour), gatewayRouting)
		}
		step := n.Events[0].(events.CanaryStepStarted)
		if step.CanaryReplicas != 4 {
			t.Fatalf("step %+v: want the preview at its full 4 replicas throughout", step)
		}
		kinds = append(kinds, fmt.Sprintf("%s@%d", step.Kind, step.Weight))
		msgs = append(msgs, step)
	}
	if want := []string{"setWeight@0", "analysis@0", "setWeight@100"}; !slices.Equal(kinds, want) {
		t.Fatalf("steps %q, want %q", kinds, want)
	}
}

// gatewayRouting is a Gateway API target's routing: weighted, mirrors copied.
var gatewayRouting = &events.Routing{Gateway: &events.GatewayRouting{Name: "public"}}

// TestCanaryStepTraffic: a step's event says how the target carries its
// weight, and records the mirror the target can apply, not the one asked.
func TestCanaryStepTraffic(t *testing.T) {
	spec := canarySpec()
	spec.Rollout.Steps = []events.CanaryStep{{Mirror: i32(20)}, {SetWeight: i32(50)}}
	s := history(created(), events.RolloutStarted{Revision: 1, Desired: 4}, events.RolloutSucceeded{Revision: 1},
		events.RevisionCreated{Revision: events.Revision{Number: 2, Spec: spec, Cause: events.CauseUpdated}},
		events.RolloutStarted{Revision: 2, Desired: 4, Strategy: "Canary"})
	tests := []struct {
		name         string
		routing      *events.Routing
		traffic      string
		approximated bool
		mirror       int32
	}{
		{name: "gateway: the share asked", routing: gatewayRouting, traffic: events.CanaryTrafficGateway, mirror: 20},
		{name: "ingress-nginx: every request", routing: &events.Routing{Ingress: &events.IngressRouting{Canary: events.IngressCanaryNginx}},
			traffic: events.CanaryTrafficIngress, mirror: 100},
		{name: "ingress-nginx rewriting: no copy (it would keep the public path)",
			routing: &events.Routing{Ingress: &events.IngressRouting{Rewrite: events.IngressRewriteNginx}}, traffic: events.CanaryTrafficIngress},
		{name: "no routing: pods", routing: nil, traffic: events.CanaryTrafficPods, approximated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := DecideCanary(s, 2, t0.Add(time.Hour), tt.routing)
			if len(n.Events) != 1 {
				t.Fatalf("decided %v, want the first step", n.Events)
			}
			ev, ok := n.Events[0].(events.CanaryStepStarted)
			if !ok || ev.Kind != events.StepMirror {
				t.Fatalf("decided %#v, want the mirror step", n.Events[0])
			}
			if ev.Traffic != tt.traffic || ev.Approximated != tt.approximated || ev.Mirror != tt.mirror {
				t.Errorf("traffic %q approximated %v mirror %d, want %q %v %d", ev.Traffic, ev.Approximated, ev.Mirror,
					tt.traffic, tt.approximated, tt.mirror)
			}
		})
	}
}
