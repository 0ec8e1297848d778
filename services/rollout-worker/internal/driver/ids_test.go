package driver

import (
	"testing"
	"time"

	"slipway.dev/pkg/events"
)

// TestIDSuffixCanary: a canary event's id is a function of where it stands
// in the rollout (step, attempt, check, measurement), never of the clock, so
// the same decision appended twice (a publish retried after a lost ack, a
// step driven again by another worker) is one message to JetStream, and
// different decisions never share an id.
func TestIDSuffixCanary(t *testing.T) {
	inconclusive := events.AnalysisInconclusive{Revision: 2, Step: 1, Attempt: 0, Check: "errors", Measurements: 3, Message: "no data"}
	tests := []struct {
		name string
		a, b events.Message
		same bool
	}{
		{name: "the same inconclusive decision, decided again later", a: inconclusive, b: func() events.Message {
			time.Sleep(time.Millisecond) // a clock-based id would differ now
			again := inconclusive
			again.Message = "no data (decided again)"
			return again
		}(), same: true},
		{name: "inconclusive again after a resume (another attempt)", a: inconclusive,
			b: withInconclusive(inconclusive, func(e *events.AnalysisInconclusive) { e.Attempt = 1 })},
		{name: "inconclusive at another measurement", a: inconclusive,
			b: withInconclusive(inconclusive, func(e *events.AnalysisInconclusive) { e.Measurements = 4 })},
		{name: "inconclusive for another check", a: inconclusive,
			b: withInconclusive(inconclusive, func(e *events.AnalysisInconclusive) { e.Check = "latency" })},
		{name: "inconclusive at another step", a: inconclusive,
			b: withInconclusive(inconclusive, func(e *events.AnalysisInconclusive) { e.Step = 3 })},
		{name: "a measurement taken again", a: events.AnalysisMeasured{Step: 1, Check: "errors", Index: 2},
			b: events.AnalysisMeasured{Step: 1, Check: "errors", Index: 2, Value: 0.5}, same: true},
		{name: "a step started again", a: events.CanaryStepStarted{Step: 2, Weight: 50}, b: events.CanaryStepStarted{Step: 2, Weight: 50}, same: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := idSuffix(tt.a), idSuffix(tt.b)
			if (a == b) != tt.same {
				t.Errorf("ids %q and %q: same = %v, want %v", a, b, a == b, tt.same)
			}
		})
	}
}

func withInconclusive(e events.AnalysisInconclusive, change func(*events.AnalysisInconclusive)) events.AnalysisInconclusive {
	change(&e)
	return e
}
