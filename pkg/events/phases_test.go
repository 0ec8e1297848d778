package events

import "testing"

func TestRolloutPhaseTerminal(t *testing.T) {
	terminal := map[RolloutPhase]bool{RolloutPhaseSucceeded: true, RolloutPhaseFailed: true, RolloutPhaseAborted: true,
		RolloutPhaseSuperseded: true}
	for _, p := range RolloutPhases() {
		if got := p.Terminal(); got != terminal[p] {
			t.Errorf("%s.Terminal() = %v, want %v", p, got, terminal[p])
		}
	}
}
