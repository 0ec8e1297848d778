package rollout

import (
	"fmt"

	"slipway.dev/pkg/events"
)

// DecideAutoRollback answers a failed rollout with a new revision that runs
// the last good spec again. It reuses that revision's pod template, so the
// stable pods, which a zero-unavailability rollout never removed, keep
// serving and the rollback completes as soon as the failed pods are gone.
// It does nothing when there is no good revision, when the failed revision
// is not current, or when it was itself an automatic rollback (no loops).
func DecideAutoRollback(s State, failed int) []events.Message {
	r := s.rolloutOf(failed)
	if r == nil || (r.Phase != PhaseFailed && r.Phase != PhaseAborted) || s.Current != failed || s.Stable == 0 || s.Stable == failed {
		return nil
	}
	if c := s.Revisions[failed].Cause; c == events.CauseAutoRollback || c == events.CauseAbort {
		return nil
	}
	stable := s.Revisions[s.Stable]
	rev := events.Revision{
		Number: s.Current + 1, Spec: stable.Spec, Cause: events.CauseAutoRollback,
		Message:          fmt.Sprintf("rolled back automatically from v%d to v%d: %s", failed, s.Stable, r.Reason),
		TemplateRevision: stable.PodTemplateRevision(), RollbackOf: s.Stable,
	}
	if r.Phase == PhaseAborted {
		rev.Cause = events.CauseAbort
		rev.Message = fmt.Sprintf("rolled back to v%d after the rollout of v%d was aborted", s.Stable, failed)
	}
	return []events.Message{events.RevisionCreated{Revision: rev}}
}
