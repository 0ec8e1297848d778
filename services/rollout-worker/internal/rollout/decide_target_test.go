package rollout

import (
	"errors"
	"testing"
	"time"

	"slipway.dev/pkg/events"
)

func TestDecideTargetUnavailable(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.1:443: i/o timeout")
	tests := []struct {
		name  string
		state State
		want  string // "" : nothing
	}{
		{"pending rollout", history(created()), "target far unreachable for 30s: dial tcp 10.0.0.1:443: i/o timeout"},
		{"started rollout", history(created(), events.RolloutStarted{Revision: 1}), "target far unreachable for 30s: dial tcp 10.0.0.1:443: i/o timeout"},
		{"ended rollout", history(created(), events.RolloutStarted{Revision: 1}, events.RolloutSucceeded{Revision: 1}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideTargetUnavailable(tt.state, 1, "far", 30*time.Second, cause)
			if tt.want == "" {
				if got != nil {
					t.Fatalf("got %+v", got)
				}
				return
			}
			f, ok := got[0].(events.RolloutFailed)
			if len(got) != 1 || !ok || f.Reason != events.ReasonTargetUnavailable || f.Message != tt.want {
				t.Fatalf("got %+v", got)
			}
		})
	}
}
