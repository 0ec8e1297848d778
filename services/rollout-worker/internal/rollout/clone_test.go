package rollout

import (
	"reflect"
	"testing"
	"time"

	"slipway.dev/pkg/events"
)

// TestCloneSharesNothingApplyChanges: for a history touching every part of
// the state Apply changes in place (the rollout and its canary's
// measurements, aliases, handled commands, succeeded revisions, routing), a clone of the fold at any point, with the
// rest applied to it, equals the fold of the whole history, and the state it
// was cloned from still equals the fold of the prefix. A field added to State
// and changed in place by Apply, but not copied by Clone, fails here once
// this history reaches it.
func TestCloneSharesNothingApplyChanges(t *testing.T) {
	spec2 := events.Spec{Image: "img:2", Replicas: i32(4)}
	msgs := []events.Message{
		created(),
		events.RolloutStarted{Revision: 1, Desired: 4},
		events.RolloutProgressed{Revision: 1, Replicas: events.Replicas{Desired: 4, Updated: 2},
			Conditions: []events.Condition{{Type: "Progressing", Status: "True"}}},
		events.RolloutSucceeded{Revision: 1, Replicas: events.Replicas{Desired: 4, Updated: 4, Ready: 4, Available: 4}},
		events.AliasSet{Alias: "production", Revision: 1},
		events.AliasMoved{Alias: "production", Revision: 1},
		events.RoutingChanged{Kind: events.RoutingNone, Reason: "test", Objects: []string{"a"}},
		events.RevisionCreated{Revision: events.Revision{Number: 2, Spec: spec2, Cause: "update"}},
		events.RolloutQueued{Revision: 2},
		events.RolloutStarted{Revision: 2, Desired: 4},
		events.CanaryStepStarted{Revision: 2, Step: 0, Steps: 3, Kind: "analysis", Weight: 10, Checks: []string{"errors"}},
		events.AnalysisMeasured{Revision: 2, Step: 0, Check: "errors", Index: 0, Phase: "Successful", Value: 0.01},
		events.AnalysisMeasured{Background: true, Revision: 2, Check: "errors", Index: 0, Phase: "Successful"},
		events.AnalysisMeasured{Background: true, Revision: 2, Check: "errors", Index: 1, Phase: "Inconclusive"},
		events.AnalysisMeasured{Revision: 2, Step: 0, Check: "errors", Index: 1, Phase: "Inconclusive"},
		events.AnalysisInconclusive{Revision: 2, Step: 0, Check: "errors", Message: "no data"},
		events.RolloutPaused{Revision: 2},
		events.RolloutResumed{Revision: 2},
		events.AnalysisMeasured{Revision: 2, Step: 0, Attempt: 1, Check: "errors", Index: 0, Phase: "Successful"},
		events.AnalysisMeasured{Background: true, Revision: 2, Attempt: 1, Check: "errors", Index: 0, Phase: "Successful"},
		events.CanaryStepStarted{Revision: 2, Step: 1, Steps: 3, Kind: "pause", Weight: 50},
		events.CanaryPromoted{Revision: 2, Step: 1},
		events.HealthChanged{Revision: 2, Reason: events.ReasonCrashLoopBackOff, Message: "boom"},
		events.AliasSet{Alias: "staging", Revision: 2},
		events.AliasMoveFailed{Alias: "staging", Revision: 2},
		events.RolloutBaking{Revision: 2, Until: t0.Add(time.Minute)},
		events.RolloutFailed{Revision: 2, Reason: events.ReasonCrashLoopBackOff},
		events.AliasDeleted{Alias: "staging"},
		events.RevisionCreated{Revision: events.Revision{Number: 3, Spec: spec2, Cause: "rollback"}},
		events.RolloutAborted{Revision: 3, Reason: "aborted"},
		events.DeploymentTerminated{Revision: 3},
		events.TerminationCompleted{},
	}
	evs := make([]Event, len(msgs))
	for i, m := range msgs {
		evs[i] = Event{Seq: uint64(i + 1), Message: m, Envelope: events.Envelope{Time: t0.Add(time.Duration(i) * time.Second),
			CorrelationID: "op", CausationID: "cmd-" + string(rune('a'+i))}}
	}
	whole := Fold(evs)
	for k := range evs {
		prefix := Fold(evs[:k])
		held := Fold(evs[:k])
		c := held.Clone()
		for _, e := range evs[k:] {
			c.Apply(e)
		}
		if !reflect.DeepEqual(c, whole) {
			t.Fatalf("clone at %d with the rest applied:\n%+v\nwant the whole fold:\n%+v", k, c, whole)
		}
		if !reflect.DeepEqual(held, prefix) {
			t.Fatalf("applying to the clone at %d changed the original:\n%+v\nwant:\n%+v", k, held, prefix)
		}
	}
}
