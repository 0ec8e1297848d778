package rollout

import (
	"fmt"
	"time"

	"slipway.dev/pkg/events"
)

// DecideTargetUnavailable fails a rollout whose target could not be reached
// (or that no worker has a client for) within waited: the operation and the
// deployment end with reason TargetUnavailable and the cause, instead of
// waiting for the target indefinitely. cause must carry no credentials.
func DecideTargetUnavailable(s State, revision int, target string, waited time.Duration, cause error) []events.Message {
	r := s.rolloutOf(revision)
	if r == nil || r.Phase.Terminal() {
		return nil
	}
	return []events.Message{events.RolloutFailed{Revision: revision, Reason: events.ReasonTargetUnavailable,
		Message: fmt.Sprintf("target %s unreachable for %s: %v", target, waited.Round(time.Second), cause), Replicas: r.Replicas}}
}
