package readmodel

import (
	"strings"

	"slipway.dev/pkg/events"
)

// projectTargetOperation projects the decision of a target command into its
// operation: a registration or removal ends it (succeeded), a rejection
// ends it rejected. Target commands have no rollout to wait for: workers
// connect to a registered target on their own, and its reachability shows
// on the target, not on the operation.
func projectTargetOperation(o *Operation, seq uint64, env events.Envelope, msg events.Message, target string) bool {
	if o.ID == "" {
		*o = Operation{ID: env.CorrelationID, Target: target, Status: OpAccepted, Actor: env.Actor, AcceptedAt: env.Time}
	}
	t := env.Time
	switch m := msg.(type) {
	case events.TargetRegistered:
		o.Kind, o.Message = KindOf(events.RegisterTarget{}.Type()), "target "+target+" registered"
	case events.TargetUpdated:
		o.Kind, o.Message = KindOf(events.RegisterTarget{}.Type()), "target "+target+" updated"
		if len(m.Changed) > 0 {
			o.Message += ": " + strings.Join(m.Changed, ", ")
		} else {
			o.Message += ": no change"
		}
	case events.TargetRemoved:
		o.Kind, o.Message = KindOf(events.RemoveTarget{}.Type()), "target "+target+" removed"
	case events.CommandRejected:
		o.Kind, o.Status, o.Reason, o.Message, o.Fields, o.FinishedAt = KindOf(m.CommandType), OpRejected, m.Reason, m.Message, m.Fields, &t
		o.Seq, o.UpdatedAt = seq, t
		return true
	default:
		return false
	}
	o.Status, o.FinishedAt, o.Seq, o.UpdatedAt = OpSucceeded, &t, seq, t
	return true
}
