package events

import (
	"strings"
	"testing"
)

func TestMovesVersion(t *testing.T) {
	tests := []struct {
		msg  Message
		want bool
	}{
		{DeploymentCreated{}, true},
		{RevisionCreated{}, true},
		{DeploymentTerminated{}, true},
		{AliasSet{}, true},
		{AliasDeleted{}, true},
		{RolloutPaused{}, true},
		{RolloutResumed{}, true},
		{RolloutAborted{}, true},
		{DriftDetected{Adopted: &Revision{Number: 2}}, true},
		{DriftDetected{Action: DriftReverted}, false},
		{DeploymentUnchanged{}, false},
		{RolloutQueued{}, false},
		{RolloutStarted{}, false},
		{RolloutProgressed{}, false},
		{RolloutBaking{}, false},
		{CanaryPromoted{}, true},
		{CanaryStepStarted{}, false},
		{AnalysisMeasured{}, false},
		{AnalysisInconclusive{}, false},
		{RolloutSucceeded{}, false},
		{RolloutFailed{}, false},
		{HealthChanged{}, false},
		{RoutingChanged{}, false},
		{AliasMoved{}, false},
		{AliasMoveFailed{}, false},
		{TerminationCompleted{}, false},
		{CommandRejected{}, false},
	}
	classified := map[string]bool{}
	for _, tt := range tests {
		classified[tt.msg.Type()] = true
		if got := MovesVersion(tt.msg); got != tt.want {
			t.Errorf("MovesVersion(%T %+v) = %v, want %v", tt.msg, tt.msg, got, tt.want)
		}
	}
	// A new deployment event must say whether it moves the version, and be
	// listed above with what it should say.
	for _, typ := range Types() {
		if !strings.HasPrefix(typ, "slipway.deployment.") {
			continue
		}
		m, err := registry[typ]([]byte(`{}`))
		if err != nil {
			t.Fatalf("decode %s: %v", typ, err)
		}
		if _, ok := m.(DeploymentEvent); !ok {
			t.Errorf("%s (%T) has no MovesVersion method: say whether it changes what the client controls", typ, m)
		}
		if !classified[typ] {
			t.Errorf("%s is not in this table: add it with the version it should move", typ)
		}
	}
}
