package rollout

import (
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/analysis"
)

// backgroundAt is canaryAt with "errors" also a background check (10 s,
// count 2, no failure or inconclusive allowed). Its rollout starts at
// t0+4s, the background's first attempt with it.
func backgroundAt(more ...events.Message) State {
	spec := canarySpec()
	spec.Rollout.Analysis = &events.RolloutAnalysis{Background: []string{"errors"}}
	msgs := []events.Message{created(), events.RolloutStarted{Revision: 1, Desired: 4}, events.RolloutSucceeded{Revision: 1},
		events.RevisionCreated{Revision: events.Revision{Number: 2, Spec: spec, Cause: events.CauseUpdated}},
		events.RolloutStarted{Revision: 2, Desired: 4, Strategy: "Canary"}}
	return history(append(msgs, more...)...)
}

func bg(attempt, index int, phase string, at time.Time) events.AnalysisMeasured {
	return events.AnalysisMeasured{Background: true, Revision: 2, Attempt: attempt, Check: "errors", Index: index, Phase: phase, At: at,
		Reason: `check "errors": 0.2 does not meet < 0.05`, Value: 0.2}
}

func TestDecideBackground(t *testing.T) {
	start := t0.Add(4 * time.Second)
	ok := events.MeasurementSuccessful
	tests := []struct {
		name    string
		state   State
		now     time.Time
		want    string // the event type decided ("" none)
		measure bool
		until   time.Time
		check   func(t *testing.T, n BackgroundNext)
	}{
		{name: "started: the first measurement one interval after the start", state: backgroundAt(), now: start.Add(5 * time.Second),
			until: start.Add(10 * time.Second)},
		{name: "due", state: backgroundAt(), now: start.Add(10 * time.Second), measure: true},
		{name: "a run succeeded: the next run measures on", state: backgroundAt(bg(0, 0, ok, start.Add(10*time.Second)),
			bg(0, 1, ok, start.Add(20*time.Second))), now: start.Add(30 * time.Second), measure: true},
		{name: "a failed measurement fails the rollout naming check, value and condition",
			state: backgroundAt(step(0, events.StepSetWeight, 10), bg(0, 0, events.MeasurementFailed, start.Add(10*time.Second))),
			now:   start.Add(11 * time.Second), want: events.RolloutFailed{}.Type(),
			check: func(t *testing.T, n BackgroundNext) {
				f := n.Events[0].(events.RolloutFailed)
				if f.Reason != events.ReasonAnalysisFailed || !strings.Contains(f.Message, "background analysis at canary step 1 at weight 10%") ||
					!strings.Contains(f.Message, `check "errors": 0.2 does not meet < 0.05`) {
					t.Errorf("failure %+v, want AnalysisFailed naming where, the check, its value and condition", f)
				}
			}},
		{name: "a failure in a later run fails it too", state: backgroundAt(bg(0, 0, ok, start.Add(10*time.Second)),
			bg(0, 1, ok, start.Add(20*time.Second)), bg(0, 2, events.MeasurementFailed, start.Add(30*time.Second))),
			now: start.Add(31 * time.Second), want: events.RolloutFailed{}.Type()},
		{name: "while baking: measured, and a failure fails the bake", state: backgroundAt(
			events.CanaryStepStarted{Revision: 2, Step: 5, Steps: 5, Kind: events.StepComplete, Weight: 100},
			events.RolloutBaking{Revision: 2, Until: t0.Add(time.Hour)}, bg(0, 0, events.MeasurementFailed, start.Add(10*time.Second))),
			now: start.Add(11 * time.Second), want: events.RolloutFailed{}.Type(),
			check: func(t *testing.T, n BackgroundNext) {
				if f := n.Events[0].(events.RolloutFailed); !strings.Contains(f.Message, "while baking") {
					t.Errorf("failure %q, want it to say while baking", f.Message)
				}
			}},
		{name: "inconclusive past the limit pauses, its id's parts in the event",
			state: backgroundAt(bg(0, 0, events.MeasurementInconclusive, start.Add(10*time.Second))), now: start.Add(11 * time.Second),
			want: events.AnalysisInconclusive{}.Type(),
			check: func(t *testing.T, n BackgroundNext) {
				if e := n.Events[0].(events.AnalysisInconclusive); !e.Background || e.Attempt != 0 || e.Measurements != 1 || e.Check != "errors" {
					t.Errorf("inconclusive %+v, want a background one of attempt 0 after 1 measurement", e)
				}
			}},
		{name: "paused by it: nothing more, ever", state: backgroundAt(bg(0, 0, events.MeasurementInconclusive, start.Add(10*time.Second)),
			events.AnalysisInconclusive{Background: true, Revision: 2, Check: "errors", Measurements: 1}), now: start.Add(time.Hour)},
		{name: "resumed: a new attempt measured afresh", state: backgroundAt(bg(0, 0, events.MeasurementInconclusive, start.Add(10*time.Second)),
			events.AnalysisInconclusive{Background: true, Revision: 2, Check: "errors", Measurements: 1}, events.RolloutResumed{Revision: 2}),
			now: t0.Add(7 * time.Second), until: t0.Add(17 * time.Second)},
		{name: "a step's measurements of the same check are not the background's",
			state: backgroundAt(step(0, events.StepSetWeight, 10), step(1, events.StepAnalysis, 10), measured(0, events.MeasurementFailed, start.Add(3*time.Second))),
			now:   start.Add(5 * time.Second), until: start.Add(10 * time.Second)},
		{name: "ended: nothing", state: backgroundAt(events.RolloutSucceeded{Revision: 2}), now: start.Add(time.Hour)},
		{name: "a rollout without background checks: nothing", state: canaryAt(), now: start.Add(time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideBackground(tt.state, 2, tt.now)
			var typ string
			if len(got.Events) > 0 {
				typ = got.Events[0].Type()
			}
			if typ != tt.want || (len(got.Measure) > 0) != tt.measure || !got.Until.Equal(tt.until) {
				t.Fatalf("got %+v, want event %q measure %v until %v", got, tt.want, tt.measure, tt.until)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

// TestBackgroundPauseHolds: paused by a background check, the rollout
// neither moves to another step nor succeeds when its Deployment completes
// or its bake ends; a resume lets it.
func TestBackgroundPauseHolds(t *testing.T) {
	start := t0.Add(4 * time.Second)
	paused := []events.Message{events.CanaryStepStarted{Revision: 2, Step: 5, Steps: 5, Kind: events.StepComplete, Weight: 100},
		bg(0, 0, events.MeasurementInconclusive, start.Add(10*time.Second)),
		events.AnalysisInconclusive{Background: true, Revision: 2, Check: "errors", Measurements: 1}}
	complete := Observation{Revision: 2, Complete: true, Time: t0.Add(time.Hour)}
	if got := DecideProgress(backgroundAt(paused...), complete); got != nil {
		t.Errorf("paused: progress decided %v, want nothing", got)
	}
	if got := DecideProgress(backgroundAt(append(paused, events.RolloutResumed{Revision: 2})...), complete); len(got) != 1 ||
		got[0].Type() != (events.RolloutSucceeded{}).Type() {
		t.Errorf("resumed: progress decided %v, want success", got)
	}
	baking := backgroundAt(events.CanaryStepStarted{Revision: 2, Step: 5, Steps: 5, Kind: events.StepComplete, Weight: 100},
		events.RolloutBaking{Revision: 2, Until: t0.Add(time.Minute)}, bg(0, 0, events.MeasurementInconclusive, start.Add(10*time.Second)),
		events.AnalysisInconclusive{Background: true, Revision: 2, Check: "errors", Measurements: 1})
	if got := DecideBake(baking, 2, t0.Add(time.Hour)); got != nil {
		t.Errorf("paused while baking: bake decided %v, want nothing", got)
	}
	if got := DecideCanary(backgroundAt(step(0, events.StepSetWeight, 10), bg(0, 0, events.MeasurementInconclusive, start.Add(10*time.Second)),
		events.AnalysisInconclusive{Background: true, Revision: 2, Check: "errors", Measurements: 1}), 2, t0.Add(time.Hour), gatewayRouting); len(got.Events) > 0 {
		t.Errorf("paused at a step: the canary decided %v, want nothing", got.Events)
	}
}

// TestDecideBackgroundMeasured: a measurement is recorded once, in the
// attempt it was taken for.
func TestDecideBackgroundMeasured(t *testing.T) {
	start := t0.Add(4 * time.Second)
	m := analysis.Measurement{Phase: analysis.Successful, Value: 0.01, At: start.Add(10 * time.Second)}
	if got := DecideBackgroundMeasured(backgroundAt(), 2, 0, "errors", m); len(got) != 1 ||
		got[0].(events.AnalysisMeasured).Index != 0 || !got[0].(events.AnalysisMeasured).Background {
		t.Errorf("first measurement: %v, want one background measurement at index 0", got)
	}
	resumed := backgroundAt(events.RolloutPaused{Revision: 2}, events.RolloutResumed{Revision: 2})
	if got := DecideBackgroundMeasured(resumed, 2, 0, "errors", m); got != nil {
		t.Errorf("taken for an attempt that ended: %v, want nothing", got)
	}
	if got := DecideBackgroundMeasured(backgroundAt(events.RolloutPaused{Revision: 2}), 2, 0, "errors", m); got != nil {
		t.Errorf("taken while paused: %v, want nothing", got)
	}
}
